"""The colours and labels every vethlab picture shares, so one region looks the same everywhere.

A learner who has seen headroom drawn grey once should find it grey in every figure, widget and
hex dump. Pictures import their colours from here and never pick their own.

The palette is built on Okabe and Ito's colour-blind-safe set (the same eight hues every
pictures module uses), with light tints for large areas and the saturated hue for marks that must
stand out (errors, the right and wrong reads).

========================  ==========================================================
name                      what it colours
========================  ==========================================================
``headroom``              bytes reserved at the front of a buffer, before the frame
``link_header``           the frame's Ethernet header (``linkHeaderLength`` bytes)
``network_header``        IPv4 / IPv6 / ARP header fields
``transport_header``      ICMP / ICMPv6 / UDP header fields
``payload``               the frame's payload
``padding``               Ethernet padding up to the 60-byte minimum
``frame``                 a frame drawn as a whole (no field detail)
``tailroom``              bytes of the buffer after the frame, never written
``stale``                 bytes of an earlier frame left in a recycled buffer
``zero``                  bytes never written since the pool was created
``wrong_read``            where a method read, when it is not where the frame is
``right_read``            where a method read, when it is exactly the frame
``segment_boundary``      the start of a buffer segment
``page_boundary``         the start of a page (IOVMPageSize)
``buffer_edge``           the line between two buffers
``unused``                the tail of a segment no buffer fits in
``early_read``            where a method read, when its slot is right but it is still early
                          (the headroom or data offset short of the frame)
========================  ==========================================================

Provenance labels (``PROVENANCE``) are :mod:`vethlab.model.provenance`'s five.
"""

from __future__ import annotations

from types import MappingProxyType

from vethlab.model.provenance import LABELS, MEANING

__all__ = [
    "OKABE_ITO",
    "COLORS",
    "PROVENANCE",
    "PROVENANCE_COLORS",
    "PROVENANCE_MEANING",
    "FIELD_LAYER_COLORS",
    "color",
    "field_color",
    "origin_color",
    "FONT_SIZE",
    "MONO_FONT",
]

#: Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour-vision
#: deficiency.
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

COLORS = MappingProxyType(
    {
        # inside a buffer
        "headroom": "#BDBDBD",  # neutral grey: reserved, nobody's data
        "link_header": "#0072B2",  # blue
        "network_header": "#56B4E9",  # sky blue
        "transport_header": "#009E73",  # bluish green
        "payload": "#A6DCEF",  # pale sky: the bulk of a frame, calm
        "padding": "#E0E0E0",
        "frame": "#56B4E9",
        "tailroom": "#F2F2F2",  # almost white: room that was never used
        "stale": "#E69F00",  # orange: someone else's old bytes
        "zero": "#FFFFFF",
        "unused": "#FAFAFA",
        # reads
        "wrong_read": "#D55E00",  # vermillion
        "right_read": "#009E73",  # bluish green
        # boundaries
        "segment_boundary": "#CC79A7",  # reddish purple
        "page_boundary": "#7F7F7F",
        "buffer_edge": "#4D4D4D",
        # text
        "text": "#222222",
        "muted_text": "#6E6E6E",
        # the read whose slot is right but which stops short of the frame: dark yellow, a
        # hue no other role uses (dark enough to be read as text on white)
        "early_read": "#8F7A00",
    }
)

#: The five provenance labels, in order (:mod:`vethlab.model.provenance`).
PROVENANCE = LABELS

PROVENANCE_COLORS = MappingProxyType(
    {
        "documented": "#0072B2",  # blue: Apple says so
        "source": "#56B4E9",  # sky blue: the system's own source code does it
        "observed": "#009E73",  # green: measured on real Macs
        "reported": "#E69F00",  # orange: only the question says so
        "modelled": "#CC79A7",  # purple: vethlab's own choice
    }
)

PROVENANCE_MEANING = MappingProxyType(MEANING)

#: Colour of a ``vethlab.wire.frames.fields`` region, by the part of its name before the dot.
FIELD_LAYER_COLORS = MappingProxyType(
    {
        "eth": COLORS["link_header"],
        "arp": COLORS["network_header"],
        "ipv4": COLORS["network_header"],
        "ipv6": COLORS["network_header"],
        "icmp": COLORS["transport_header"],
        "icmpv6": COLORS["transport_header"],
        "udp": COLORS["transport_header"],
        "payload": COLORS["payload"],
    }
)

FONT_SIZE = 8
MONO_FONT = "DejaVu Sans Mono"  # ships with matplotlib: the same glyphs on every machine


def color(name: str) -> str:
    """The colour called ``name`` (a region, a boundary or a provenance label)."""
    if name in COLORS:
        return COLORS[name]
    if name in PROVENANCE_COLORS:
        return PROVENANCE_COLORS[name]
    allowed = ", ".join(sorted({*COLORS, *PROVENANCE_COLORS}))
    raise KeyError(f"no colour called {name!r}; allowed: {allowed}")


def field_color(field_name: str) -> str:
    """The colour of a frame field named like ``vethlab.wire.frames.fields`` does (``ipv4.ttl``)."""
    if field_name == "eth.padding":
        return COLORS["padding"]
    return FIELD_LAYER_COLORS.get(field_name.split(".", 1)[0], COLORS["frame"])


def origin_color(kind: str) -> str:
    """The colour of a ``HostStack.origin`` run kind: "frame", "stale" or "zero"."""
    return {"frame": COLORS["frame"], "stale": COLORS["stale"], "zero": COLORS["zero"]}[kind]
