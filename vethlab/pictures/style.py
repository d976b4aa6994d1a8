"""The colour language of every vethlab picture: one table of roles, one colour per role.

A colour means one thing everywhere. Frame bytes are blue in every picture, the bytes before
the frame are pale yellow in every picture, and the vermillion of a wrong read is used for
nothing else. Pictures ask :func:`color` for a role's colour and never pick their own; a test
draws every picture and maps each drawn colour back to exactly one role.

The hues are Okabe and Ito's colour-blind-safe set (2008, "Color Universal Design"), with
lighter and darker shades of one hue for parts of one thing (the frame's header fields are
shades of the frame's blue). Right and wrong reads also differ by marker or hatch
(:data:`READ_MARKERS`), so they stay apart for a reader who cannot tell the hues apart.

==================== ========== ============================================================
role                 colour     what it colours
==================== ========== ============================================================
**bytes of a buffer**
``frame``            #A8CBE8    the frame's bytes (drawn whole, or its payload)
``link_header``      #0072B2    the frame's Ethernet header: the darkest shade of frame
``network_header``   #3D8FC7    IPv4 / IPv6 / ARP header fields: a shade of frame
``transport_header`` #73ACD8    ICMP / ICMPv6 / UDP header fields: a shade of frame
``padding``          #D3E5F4    Ethernet padding up to 60 bytes: the lightest shade of frame
``headroom``         #F3EB96    bytes before the frame (``dataOffset``): pale yellow
``stale``            #E69F00    bytes of an earlier frame left in a recycled buffer: orange
``tailroom``         #E3E3E3    bytes of a used buffer after its frame
``zero``             #F7F7F7    bytes never written (a free buffer)
``unused``           #D0D0D0    bytes no buffer owns (a segment's tail, buffers not asked
                                for); always hatched
**reads**
``right_read``       #009E73    a read exactly at the frame (marker ``o``)
``early_read``       #CC79A7    the slots line up but the read is early by the headroom or
                                data offset (marker ``s``)
``wrong_read``       #D55E00    a read somewhere else, a refused call, a fault, overwritten
                                bytes (marker ``X``, hatch ``////``)
**neutral**
``text``             #222222    text, axes and ticks
``muted_text``       #6E6E6E    secondary text: notes, units, "(more)"
``boundary``         #4D4D4D    outlines: a buffer's edges, boxes
``segment_boundary`` #111111    the start of a buffer segment (a thick line)
``page_boundary``    #9A9A9A    the start of a page (a dashed line)
``selection``        #3B3B3B    the one thing picked: a highlighted buffer, the current state
``state``            #EDEDED    boxes of states and places that are not the current one
``queue_line``       #5C5C5C    moves between places and queues, occupancy lines, calls
``design``           #ABABAB    bars of the user-client designs
``packet``           #858585    a packet in a queue or place (one that holds nothing: zero)
``struct_field``     #BDBDBD    a field of a C struct that is not frame data (packet_size)
``mapping``          #C8C8C8    the bytes a task mapped and asked for, and what joins them
``provenance``       #444444    the outline and text of a provenance badge
``background``       #FFFFFF    the page, and plates under text
==================== ========== ============================================================

Provenance (where a rule comes from: :mod:`vethlab.model.provenance`'s five labels) is never a
fill: it is an outlined text badge, ``[ source ]``, in the ``provenance`` role's colour, so it
cannot be mistaken for data. Moves in a table carry it as a line style
(:func:`provenance_linestyle`) with a key.

Two helpers every picture may use on its axes: :func:`style_axes` (axes lines and ticks in the
``text`` role) and :func:`clear_axes` (empty an axes for a redraw but keep its tick objects,
which are costly to make again).
"""

from __future__ import annotations

from types import MappingProxyType

from matplotlib.colors import to_hex
from matplotlib.transforms import Bbox

from vethlab.model.provenance import LABELS, MEANING

__all__ = [
    "OKABE_ITO",
    "ROLES",
    "COLORS",
    "PROVENANCE",
    "PROVENANCE_COLORS",
    "PROVENANCE_MEANING",
    "FIELD_LAYER_COLORS",
    "READ_MARKERS",
    "color",
    "role_of",
    "field_color",
    "origin_color",
    "read_color",
    "provenance_linestyle",
    "style_axes",
    "style_ticks",
    "clear_axes",
    "place",
    "FONT_SIZE",
    "MIN_FONT_SIZE",
    "TITLE_SIZE",
    "MONO_FONT",
]

#: Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour-vision
#: deficiency. The roles below take their hues from here.
OKABE_ITO = MappingProxyType(
    {
        "black": "#000000",
        "orange": "#E69F00",
        "sky_blue": "#56B4E9",
        "bluish_green": "#009E73",
        "yellow": "#F0E442",
        "blue": "#0072B2",
        "vermillion": "#D55E00",
        "reddish_purple": "#CC79A7",
    }
)

#: The one table: role -> colour. No two roles share a colour (tested).
ROLES = MappingProxyType(
    {
        # bytes of a buffer
        "frame": "#A8CBE8",
        "link_header": "#0072B2",  # Okabe-Ito blue
        "network_header": "#3D8FC7",
        "transport_header": "#73ACD8",
        "padding": "#D3E5F4",
        "headroom": "#F3EB96",  # a tint of Okabe-Ito yellow
        "stale": "#E69F00",  # Okabe-Ito orange
        "tailroom": "#E3E3E3",
        "zero": "#F7F7F7",
        "unused": "#D0D0D0",
        # reads
        "right_read": "#009E73",  # Okabe-Ito bluish green
        "early_read": "#CC79A7",  # Okabe-Ito reddish purple
        "wrong_read": "#D55E00",  # Okabe-Ito vermillion
        # neutral
        "text": "#222222",
        "muted_text": "#6E6E6E",
        "boundary": "#4D4D4D",
        "segment_boundary": "#111111",
        "page_boundary": "#9A9A9A",
        "selection": "#3B3B3B",
        "state": "#EDEDED",
        "queue_line": "#5C5C5C",
        "design": "#ABABAB",
        "packet": "#858585",
        "struct_field": "#BDBDBD",
        "mapping": "#C8C8C8",
        "provenance": "#444444",
        "background": "#FFFFFF",
    }
)

#: Names the pictures used before the table, forwarded to their role.
_ALIASES = MappingProxyType({"payload": "frame", "buffer_edge": "boundary"})

#: Every role, and the older names, by name: what pictures and widgets look colours up in.
COLORS = MappingProxyType({**ROLES, **{old: ROLES[new] for old, new in _ALIASES.items()}})

#: The five provenance labels, in order (:mod:`vethlab.model.provenance`).
PROVENANCE = LABELS

#: A provenance label's colour: the badge colour for all five (the label is the text, never a
#: fill), kept by label so that older callers keep working.
PROVENANCE_COLORS = MappingProxyType({label: ROLES["provenance"] for label in LABELS})

PROVENANCE_MEANING = MappingProxyType(MEANING)

#: How a move's arrow is drawn by provenance (the colour stays ``queue_line``).
_PROVENANCE_LINESTYLES = MappingProxyType(
    {
        "documented": "-",
        "source": (0, (6, 1.5)),
        "observed": (0, (3, 1.5)),
        "reported": (0, (1, 1.5)),
        "modelled": (0, (4, 1.5, 1, 1.5)),
    }
)

#: Marker of each kind of read, so right and wrong differ by shape as well as colour.
READ_MARKERS = MappingProxyType({"right_read": "o", "early_read": "s", "wrong_read": "X"})

#: Colour of a ``vethlab.wire.frames.fields`` region, by the part of its name before the dot.
FIELD_LAYER_COLORS = MappingProxyType(
    {
        "eth": ROLES["link_header"],
        "arp": ROLES["network_header"],
        "ipv4": ROLES["network_header"],
        "ipv6": ROLES["network_header"],
        "icmp": ROLES["transport_header"],
        "icmpv6": ROLES["transport_header"],
        "udp": ROLES["transport_header"],
        "payload": ROLES["frame"],
    }
)

#: Text sizes in points. Nothing in a picture is smaller than MIN_FONT_SIZE (tested).
MIN_FONT_SIZE = 8
FONT_SIZE = 8
TITLE_SIZE = 9
MONO_FONT = "DejaVu Sans Mono"  # ships with matplotlib: the same glyphs on every machine

_BY_COLOUR = {to_hex(value): role for role, value in ROLES.items()}


def color(role: str) -> str:
    """The colour of ``role`` (a role of :data:`ROLES`, an older name, or a provenance label)."""
    if role in COLORS:
        return COLORS[role]
    if role in PROVENANCE_COLORS:
        return PROVENANCE_COLORS[role]
    allowed = ", ".join(ROLES)
    raise KeyError(f"no colour role called {role!r}; allowed: {allowed}")


def role_of(colour) -> str | None:
    """The role whose colour ``colour`` is (any form matplotlib understands), or None."""
    return _BY_COLOUR.get(to_hex(colour))


def read_color(offset_error: int | None, early_by: int | None = None) -> str:
    """The role of a read ``offset_error`` bytes from its frame: ``right_read`` at 0,
    ``early_read`` when it is early by exactly ``early_by`` (the headroom or data offset: the
    slot is right, the frame starts later), ``wrong_read`` otherwise."""
    if offset_error == 0:
        return "right_read"
    if early_by and offset_error == -early_by:
        return "early_read"
    return "wrong_read"


def provenance_linestyle(label: str):
    """The line style of a move whose rule has provenance ``label``."""
    return _PROVENANCE_LINESTYLES[label]


def field_color(field_name: str) -> str:
    """The colour of a frame field named like ``vethlab.wire.frames.fields`` does (``ipv4.ttl``)."""
    if field_name == "eth.padding":
        return ROLES["padding"]
    return FIELD_LAYER_COLORS.get(field_name.split(".", 1)[0], ROLES["frame"])


def origin_color(kind: str) -> str:
    """The colour of a ``HostStack.origin`` run kind: "frame", "stale" or "zero"."""
    return ROLES[{"frame": "frame", "stale": "stale", "zero": "zero"}[kind]]


def style_axes(ax, **ticks) -> None:
    """Axes lines, ticks and tick labels in the ``text`` role, tick labels at FONT_SIZE;
    ``ticks`` are more of ``ax.tick_params``'s keywords for both axes (``length=2, pad=1``).

    An axis whose ticks have these parameters already (a dashboard redraws into the same axes)
    is left as it is: ``tick_params`` would set them again on every tick object, a few
    milliseconds per redraw that change nothing."""
    for spine in ax.spines.values():
        spine.set_edgecolor(ROLES["text"])
    wanted = {"color": ROLES["text"], "labelcolor": ROLES["text"], "labelsize": FONT_SIZE, **ticks}
    for axis in (ax.xaxis, ax.yaxis):
        style_ticks(axis, **wanted)


def style_ticks(axis, **params) -> None:
    """``axis.set_tick_params(**params)``, unless its ticks have these parameters already
    (setting them again would touch every tick object and change nothing)."""
    have = axis.get_tick_params()
    if any(have.get(name) != value for name, value in params.items()):
        axis.set_tick_params(**params)


def clear_axes(ax) -> None:
    """Remove what was drawn on ``ax`` (its lines, texts, patches, collections, images and
    legend) but keep the axes and their tick objects, which are costly to make again
    (``ax.clear()`` makes every tick anew): a dashboard redraws into the same axes every time.
    The data limits are forgotten and autoscaling is on again, as on a new axes; titles,
    labels, locators and spines are left as they were."""
    for artist in [*ax.collections, *ax.images, *ax.lines, *ax.texts, *ax.patches, *ax.artists]:
        artist.remove()
    if ax.legend_ is not None:
        ax.legend_.remove()
    ax.dataLim.set_points(Bbox.null().get_points())
    ax.ignore_existing_data_limits = True
    ax.set_autoscale_on(True)


def place(ax, artist):
    """Add ``artist`` (a patch, a line, a collection) to ``ax`` and return it, leaving the
    axes' data limits alone.

    For pictures that set their axes' limits themselves: ``ax.add_patch``, ``ax.plot`` and
    ``ax.hlines`` would also grow the data limits to fit each new artist, nothing uses them,
    and growing them was most of what adding an artist cost."""
    return ax.add_artist(artist)
