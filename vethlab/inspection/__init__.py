"""Inspecting a raw dump of a real pool's memory: where the frames are, the real buffer size,
the headroom and the data offsets, and where the developer's code read.

    >>> import vethlab
    >>> result = vethlab.inspect("pool.bin")            # or bytes, or a numpy uint8 array
    >>> result.buffer_size, result.headroom, result.confidence
    >>> result.to_json()                                 # the JSON of `vethlab inspect --json`
    >>> result.draw(ax)                                  # the memory map found

The steps, each in its module: :mod:`~vethlab.inspection.scan` finds frames by their own
structure (vectorised with numpy) and tells stale ones by their bytes;
:mod:`~vethlab.inspection.infer` infers stride, phase, segments, data offsets and headroom with
a confidence and the reasons; :mod:`~vethlab.inspection.reads` names the reads;
:mod:`~vethlab.inspection.draw` draws the map in the pictures' style;
:mod:`~vethlab.inspection.dumps` gets dumps to inspect (from an app's mapping of the pool, from
a simulated Mac whose numbers are hidden, from the frames a real Linux kernel sent).

A dump of a real pool holds real traffic: whatever the Mac sent or received through the
interface (addresses, payloads). Treat it, and what this package prints, accordingly.
"""

from __future__ import annotations

import os
from itertools import pairwise

import numpy as np

from vethlab.inspection.infer import Layout, infer_layout
from vethlab.inspection.reads import VERDICTS, classify_reads, parse_reads
from vethlab.inspection.result import FRAME_KEYS, JSON_KEYS, Inspection, NoAnswer
from vethlab.inspection.scan import KINDS, FoundFrames, find_frames
from vethlab.ioreturn import BadArgument

__all__ = [
    "inspect",
    "load_dump",
    "Inspection",
    "NoAnswer",
    "FoundFrames",
    "Layout",
    "find_frames",
    "infer_layout",
    "classify_reads",
    "parse_reads",
    "stale_bytes",
    "KINDS",
    "VERDICTS",
    "JSON_KEYS",
    "FRAME_KEYS",
]


def load_dump(bytes_or_path) -> np.ndarray:
    """The dump as a read-only uint8 array: from bytes-like data (no copy) or a file path
    (memory-mapped). ``OSError`` when the file cannot be read."""
    if isinstance(bytes_or_path, np.ndarray):
        if bytes_or_path.dtype != np.uint8 or bytes_or_path.ndim != 1:
            raise BadArgument("a dump array must be one-dimensional uint8")
        return bytes_or_path
    if isinstance(bytes_or_path, (bytes, bytearray, memoryview)):
        return np.frombuffer(bytes_or_path, np.uint8)
    if isinstance(bytes_or_path, (str, os.PathLike)):
        path = os.fspath(bytes_or_path)
        if os.path.getsize(path) == 0:
            return np.zeros(0, np.uint8)
        return np.memmap(path, np.uint8, mode="r")
    raise BadArgument(
        f"a dump is bytes, a uint8 array or a path, not {type(bytes_or_path).__name__}"
    )


def stale_bytes(
    d: np.ndarray,
    buffer_starts: np.ndarray,
    stride: int,
    frame_offset: np.ndarray,
    frame_length: np.ndarray,
    frame_buffer: np.ndarray,
) -> np.ndarray:
    """Per buffer: its non-zero bytes outside its current frame (the leftovers of earlier
    frames, or anything else written there). Buffer starts come in runs ``stride`` apart (one
    per segment); each run is summed as rows of a 2-D view, frames through one reduceat."""
    m = len(buffer_starts)
    if not m:
        return np.zeros(0, np.int64)
    nz = (d != 0).view(np.uint8)
    per_buffer = np.zeros(m, np.int64)
    breaks = np.flatnonzero(np.diff(buffer_starts) != stride) + 1
    for a, b in pairwise([0, *breaks.tolist(), m]):
        start = int(buffer_starts[a])
        rows = nz[start : start + (b - a) * stride].reshape(b - a, stride)
        per_buffer[a:b] = rows.sum(axis=1, dtype=np.uint32)
    inside = frame_buffer >= 0
    if inside.any():
        starts = frame_offset[inside]
        ends = np.minimum(
            starts + frame_length[inside], buffer_starts[frame_buffer[inside]] + stride
        )
        per_buffer[frame_buffer[inside]] -= _range_sums(nz, starts, ends)
    return per_buffer


def _range_sums(a: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Sums of ``a[s:e]`` (0/1 bytes) for sorted, non-overlapping ranges of under 64 KiB,
    through one ``add.reduceat`` (16-bit sums: the gaps between ranges may wrap; unused)."""
    out = np.zeros(len(starts), np.int64)
    ok = ends > starts
    s, e = starts[ok], ends[ok]
    if not len(s):
        return out
    idx = np.empty(2 * len(s), np.int64)
    idx[0::2], idx[1::2] = s, e
    if idx[-1] >= len(a):
        idx = idx[:-1]
    wide = np.uint16 if int((e - s).max()) < 1 << 16 else np.uint32
    out[ok] = np.add.reduceat(a, idx, dtype=wide)[0::2]
    return out


def inspect(bytes_or_path, *, page_size: int | None = None, reads=None) -> Inspection:
    """Inspect a raw dump of a pool's memory (bytes, a uint8 array, or a file path), from the
    mapping's first byte. ``page_size`` (e.g. 16384 on Apple silicon, 4096 on Intel) places
    segment starts on page boundaries (4096 when not given). ``reads``: ``(packet_index,
    offset)`` pairs the developer's code read from, or the text of a reads file.

    Always returns an :class:`Inspection`; when nothing can be inferred, its ``answered`` is
    False and its ``reasons`` say why (no guess is made).
    """
    if page_size is not None and (
        not isinstance(page_size, int) or page_size <= 0 or page_size & (page_size - 1)
    ):
        raise BadArgument(f"page_size {page_size!r} must be a positive power of two")
    d = load_dump(bytes_or_path)
    found = find_frames(d)
    layout = infer_layout(found, len(d), page_size)
    result = Inspection(len(d), found, layout, np.zeros(0, np.int64), page_size, None, d)
    if layout.buffer_size is not None:
        cur = ~found.stale & (layout.frame_buffer >= 0)
        result.stale_bytes = stale_bytes(
            d,
            layout.buffer_starts,
            layout.buffer_size,
            found.offset[cur],
            found.length[cur],
            layout.frame_buffer[cur],
        )
    if reads is not None:
        if isinstance(reads, str):
            reads = parse_reads(reads)
        reads = [(int(p), int(o)) for p, o in reads]
        if layout.buffer_size is None:
            result.reads = [
                {
                    "packet": p,
                    "offset": o,
                    "verdict": "between frames",
                    "error": None,
                    "buffer": None,
                    "detail": "no layout could be inferred",
                }
                for p, o in reads
            ]
        else:
            cur = np.flatnonzero(~found.stale & (layout.frame_buffer >= 0))
            result.reads = classify_reads(
                reads,
                dump_len=len(d),
                stride=layout.buffer_size,
                buffer_starts=layout.buffer_starts,
                frame_offset=found.offset[cur],
                frame_length=found.length[cur],
                frame_buffer=layout.frame_buffer[cur],
                stale_bytes=result.stale_bytes,
            )
    return result
