r"""Where the developer's code read, named against what the dump holds.

A read is ``(packet_index, offset)``: the packet the code meant, and the dump offset it read
from. Packet ``i`` is taken to own the dump's buffer ``i`` counted from ``buffer0_offset``
(vethlab's model: packet i owns buffer i; a dump of the whole mapping starts at buffer 0).
Each read gets a verdict:

``right``            exactly the first byte of the packet's frame
``headroom early``   inside the packet's buffer, before its frame: the data offset (or part
                     of it, e.g. a native flow's 2 bytes) was not added
``buffer early``     at an earlier buffer's frame, or at the same offset in an earlier
                     buffer (``buffers`` says how many; a buffer late has a negative count)
``between frames``   anywhere else: ``error`` says by how many bytes, ``detail`` what lies
                     there (another frame, stale bytes past a frame's end, a segment's unused
                     tail, zeros)
``outside``          past the end of the dump (or before its start)
"""

from __future__ import annotations

import numpy as np

__all__ = ["classify_reads", "parse_reads", "VERDICTS"]

VERDICTS = ("right", "headroom early", "buffer early", "between frames", "outside")


def parse_reads(text: str) -> list[tuple[int, int]]:
    """Reads from text: one ``packet_index offset`` per line (decimal or 0x-hex; ``#`` starts a
    comment). ``ValueError`` names the first line that is not a read."""
    reads = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.replace(",", " ").split()
        try:
            if len(parts) != 2:
                raise ValueError
            packet, offset = (int(x, 0) for x in parts)
        except ValueError:
            raise ValueError(
                f"line {number}: {line!r} is not 'packet_index offset' (decimal or 0x-hex)"
            ) from None
        if packet < 0 or offset < 0:
            raise ValueError(f"line {number}: packet index and offset must not be negative")
        reads.append((packet, offset))
    return reads


def classify_reads(
    reads,
    *,
    dump_len: int,
    stride: int,
    buffer_starts: np.ndarray,
    frame_offset: np.ndarray,
    frame_length: np.ndarray,
    frame_buffer: np.ndarray,
    stale_bytes: np.ndarray | None = None,
) -> list[dict]:
    """Name every read (see the module docstring). Frame arrays hold the current frames."""
    by_buffer = {int(b): i for i, b in enumerate(frame_buffer) if b >= 0}
    out = []
    for packet, offset in reads:
        packet, offset = int(packet), int(offset)
        target = by_buffer.get(packet)
        entry = {
            "packet": packet,
            "offset": offset,
            "verdict": "between frames",
            "error": None,
            "buffer": None,
            "detail": "",
        }
        out.append(entry)
        if target is not None:
            entry["error"] = offset - int(frame_offset[target])
        if offset >= dump_len:
            entry["verdict"] = "outside"
            entry["detail"] = f"past the dump's {dump_len} bytes"
            continue
        b = int(np.searchsorted(buffer_starts, offset, side="right")) - 1
        in_buffer = b >= 0 and offset < buffer_starts[b] + stride
        entry["buffer"] = b if in_buffer else None
        if target is None:
            entry["detail"] = (
                f"the dump holds no frame for packet {packet} (no buffer {packet}, "
                "or nothing in it)"
            )
            if in_buffer and b in by_buffer and offset == frame_offset[by_buffer[b]]:
                entry["detail"] += f"; the read is at buffer {b}'s frame"
            continue
        err = entry["error"]
        tb = int(frame_buffer[target])
        if err == 0:
            entry["verdict"] = "right"
            entry["detail"] = f"the first byte of buffer {tb}'s frame"
            continue
        if in_buffer and b == tb and err < 0:
            entry["verdict"] = "headroom early"
            entry["detail"] = (
                f"{-err} byte(s) before the frame, inside buffer {tb}'s headroom: "
                f"the data offset ({int(frame_offset[target] - buffer_starts[tb])})"
                + (" was not added" if offset == buffer_starts[tb] else " was not all added")
            )
            continue
        at_frame = in_buffer and b in by_buffer and offset == frame_offset[by_buffer[b]]
        same_place = in_buffer and b != tb and err % stride == 0  # same data offset
        if at_frame or same_place:
            entry["verdict"] = "buffer early"
            entry["buffers"] = tb - b
            where = f"at buffer {b}'s frame" if at_frame else f"at the same place in buffer {b}"
            entry["detail"] = f"{where}, {abs(tb - b)} buffer(s) " + ("early" if b < tb else "late")
            continue
        entry["detail"] = _where(
            offset,
            b if in_buffer else None,
            stride,
            buffer_starts,
            frame_offset,
            frame_length,
            by_buffer,
            stale_bytes,
            err,
        )
    return out


def _where(
    offset, b, stride, buffer_starts, frame_offset, frame_length, by_buffer, stale_bytes, err
) -> str:
    way = f"{abs(err)} bytes {'early' if err < 0 else 'late'}"
    if b is None:
        return f"{way}, in no buffer (a segment's unused tail, or before the first buffer)"
    start = int(buffer_starts[b])
    i = by_buffer.get(b)
    if i is None:
        return f"{way}, in buffer {b} at byte {offset - start}, a buffer with no current frame"
    f0, f1 = int(frame_offset[i]), int(frame_offset[i] + frame_length[i])
    if f0 <= offset < f1:
        return f"{way}, inside buffer {b}'s frame, {offset - f0} bytes into it"
    if offset < f0:
        return f"{way}, in buffer {b}'s headroom, {f0 - offset} bytes before its frame"
    stale = ""
    if stale_bytes is not None and stale_bytes[b]:
        stale = " (this buffer holds stale bytes of an earlier frame)"
    return f"{way}, {offset - f1} bytes past the end of buffer {b}'s frame{stale}"
