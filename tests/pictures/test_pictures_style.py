"""The shared palette: one colour per region, boundary and provenance label."""

import pytest
from matplotlib.colors import to_rgb

from vethlab.pictures.style import COLORS, PROVENANCE_COLORS, color, field_color, origin_color

REQUIRED = (
    "headroom",
    "link_header",
    "payload",
    "frame",
    "tailroom",
    "stale",
    "zero",
    "wrong_read",
    "right_read",
    "segment_boundary",
    "page_boundary",
)


def test_every_region_the_pictures_need_has_a_valid_colour():
    """Each named region and boundary has a colour matplotlib understands."""
    for name in REQUIRED:
        to_rgb(color(name))
    for name in PROVENANCE_COLORS:
        to_rgb(color(name))


def test_regions_that_sit_side_by_side_look_different():
    """Headroom, frame, stale, tailroom and the two reads are six different colours."""
    names = ("headroom", "payload", "stale", "tailroom", "wrong_read", "right_read")
    assert len({COLORS[n] for n in names}) == len(names)


def test_unknown_colour_names_the_known_ones():
    """Asking for a colour that does not exist says which ones do."""
    with pytest.raises(KeyError, match="headroom"):
        color("purple-ish")


def test_field_and_origin_colours():
    """Frame fields take their layer's colour; padding and origins have their own."""
    assert field_color("eth.dst") == COLORS["link_header"]
    assert field_color("ipv4.ttl") == field_color("ipv6.hlim") == COLORS["network_header"]
    assert field_color("udp.sum") == COLORS["transport_header"]
    assert field_color("eth.padding") == COLORS["padding"]
    assert origin_color("stale") == COLORS["stale"]
