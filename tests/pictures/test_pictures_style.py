"""The colour language: one table of roles, one colour each, and helpers that use it."""

import pytest
from matplotlib.colors import to_hex, to_rgb

from vethlab.pictures.style import (
    COLORS,
    OKABE_ITO,
    PROVENANCE,
    PROVENANCE_COLORS,
    READ_MARKERS,
    ROLES,
    color,
    field_color,
    origin_color,
    read_color,
    role_of,
)

REQUIRED = (
    "frame",
    "link_header",
    "headroom",
    "stale",
    "right_read",
    "early_read",
    "wrong_read",
    "tailroom",
    "zero",
    "unused",
    "segment_boundary",
    "page_boundary",
    "boundary",
    "design",
    "queue_line",
    "state",
    "selection",
    "text",
    "provenance",
)


def test_every_role_the_pictures_need_has_a_valid_colour():
    """Each role has a colour matplotlib understands."""
    for name in REQUIRED:
        to_rgb(color(name))


def test_no_two_roles_share_a_colour():
    """A colour means one thing: the table's colours are all different."""
    colours = [to_hex(c) for c in ROLES.values()]
    assert len(set(colours)) == len(colours)
    assert all(role_of(c) == role for role, c in ROLES.items())


def test_reads_and_stale_bytes_take_okabe_ito_hues():
    """Right, early and wrong reads and stale bytes are Okabe-Ito hues, and the three reads
    also differ by marker."""
    hues = {to_hex(c) for c in OKABE_ITO.values()}
    for role in ("right_read", "early_read", "wrong_read", "stale", "link_header"):
        assert to_hex(ROLES[role]) in hues
    assert len(set(READ_MARKERS.values())) == 3


def test_header_fields_are_shades_of_the_frame_and_the_link_header_is_darkest():
    """Frame, link, network, transport header and padding share a hue; the link header is
    the darkest of them."""
    import colorsys

    names = ("frame", "link_header", "network_header", "transport_header", "padding")
    hls = {n: colorsys.rgb_to_hls(*to_rgb(ROLES[n])) for n in names}
    hues = [h for h, _, _ in hls.values()]
    assert max(hues) - min(hues) < 0.03
    assert min(hls, key=lambda n: hls[n][1]) == "link_header"


def test_older_names_are_forwarded():
    """payload is the frame's colour and buffer_edge the boundary's; every provenance label
    is the badge colour."""
    assert COLORS["payload"] == ROLES["frame"] and COLORS["buffer_edge"] == ROLES["boundary"]
    assert set(PROVENANCE_COLORS) == set(PROVENANCE)
    assert set(PROVENANCE_COLORS.values()) == {ROLES["provenance"]}


def test_unknown_colour_names_the_known_ones():
    """Asking for a colour that does not exist says which ones do."""
    with pytest.raises(KeyError, match="headroom"):
        color("purple-ish")


def test_read_color_is_three_way():
    """0 is right; early by exactly the data offset is early; anything else is wrong."""
    assert read_color(0, 8) == "right_read"
    assert read_color(-8, 8) == "early_read"
    assert read_color(-456, 8) == "wrong_read" and read_color(-8) == "wrong_read"


def test_field_and_origin_colours():
    """Frame fields take their layer's colour; padding and origins have their own."""
    assert field_color("eth.dst") == COLORS["link_header"]
    assert field_color("ipv4.ttl") == field_color("ipv6.hlim") == COLORS["network_header"]
    assert field_color("udp.sum") == COLORS["transport_header"]
    assert field_color("eth.padding") == COLORS["padding"]
    assert field_color("payload") == COLORS["frame"]
    assert origin_color("stale") == COLORS["stale"]
