r"""One misread packet in two lines: what the code read, against its real frame.

``draw_misread_hexdump(ax, result)`` takes a method's readings (a
:class:`~vethlab.question.MethodResult`, e.g. from :func:`misread_result` for given question
parameters) and draws the first 16 bytes the method read for one packet above the first 16
bytes of that packet's frame, coloured as every vethlab hex dump is (frame fields in shades of
the frame's blue, stale bytes orange, headroom yellow, zeros grey), with the bytes that differ
underlined::

    read   0x1050407e0  08 00 45 00 00 54 ...   packet 5's frame
    frame  0x105040c08  33 33 ff 00 00 02 ...   packet 7's frame
                        ^^ ^^    ^^ ^^ (differ)

The packet is the first one whose read covers someone else's bytes (``first_junk_packet``),
else the first read that is not right, else packet 0 (then both lines agree). The dumps are
:func:`vethlab.pictures.hexdump.reading_dumps`; nothing is read here but through the model.
"""

from __future__ import annotations

from vethlab.pictures.hexdump import ByteRows, first_junk_packet, reading_dumps
from vethlab.pictures.memory_map import read_role
from vethlab.pictures.style import COLORS, TITLE_SIZE
from vethlab.question.scenario import run_method

__all__ = ["draw_misread_hexdump", "misread_result", "misread_packet"]


def misread_result(method: str = "first_attempt", **question):
    """Run ``method`` (a key of ``vethlab.question.METHODS``) with the question's keywords
    (``buffer_size``, ``profile``, ``segment_size``, ``headroom``, ...) and return its result."""
    return run_method(method, **question)


def misread_packet(result, length: int = 16) -> int:
    """The packet worth showing: the first whose read holds another packet's bytes, else the
    first read that is not at its frame, else packet 0."""
    junk = first_junk_packet(result, length)
    if junk is not None:
        return junk
    readable = [r for r in result.readings if r.read_offset is not None]
    wrong = [r.index for r in readable if r.offset_error != 0]
    return wrong[0] if wrong else readable[0].index


def draw_misread_hexdump(
    ax, result, packet: int | None = None, *, width: int = 16, title=None, lines=None
):
    """Draw the two lines for ``packet`` (default: :func:`misread_packet`) of ``result``.
    Returns ``ax``; ``ax.vethlab`` has the packet, its offset error, the read's role
    (right, early or wrong), the kinds of bytes per line and the bytes that differ.

    ``lines``: a two-row :class:`~vethlab.pictures.hexdump.ByteRows` already on ``ax`` to draw
    into, as a dashboard redrawing the same axes keeps one; by default one is made."""
    if packet is None:
        packet = misread_packet(result, width)
    reading = next(r for r in result.readings if r.index == packet)
    read, frame = reading_dumps(result, packet, width)
    if lines is None:
        lines = ByteRows(ax, 2, width=width)
    drawn = lines.draw([("read ", read), ("frame", frame)])
    role = read_role(reading, result.pool.layout)
    error = reading.offset_error
    if title is None:
        if role == "right_read":
            title = f"packet {packet}: read at its frame; the two lines agree"
        else:
            where = "early" if error < 0 else "late"
            title = (
                f"packet {packet}: {result.spec.title} read {abs(error):,d} bytes {where}; "
                f"{len(drawn['differs'][1])} of {width} bytes differ"
            )
    # At y=1.0, where it goes anyway over axes without ticks: matplotlib then does not lay
    # out the hidden axes' ticks at every draw to find room for it.
    ax.set_title(title, fontsize=TITLE_SIZE, loc="left", color=COLORS[role], y=1.0)
    ax.vethlab = {
        "packet": packet,
        "offset_error": error,
        "role": role,
        "kinds": drawn["kinds"],
        "differs": drawn["differs"][1],
        "addresses": (read.base_address, frame.base_address),
    }
    return ax
