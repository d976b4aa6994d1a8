r"""From the frames found in a dump to the pool's layout: stride, phase, segments, data offsets.

What a dump can say, and how (each step gives a reason in the result):

1. **Buffer starts are 64-byte aligned in the dump.** A mapping starts on a page, and every
   buffer size is a multiple of the cache line (64 or 128 bytes), so a frame at dump offset
   ``f`` sits ``f mod 64`` bytes into its buffer, provided its data offset is under 64. A
   larger headroom (64, 128, …) cannot be told from a later buffer start: data offsets are
   reported modulo 64 (the headroom of Apple's sample is 8).
2. **The stride** is the largest candidate on which the frames agree. Candidates are the
   multiples of 64 that divide the most common distances between buffer starts; a frame agrees
   with a stride when its neighbour's buffer start is the same modulo the stride. Divisors of
   the true stride agree as well, twice the stride does not (neighbouring frames alternate),
   hence the largest. Frames in every other buffer only would look like a doubled stride.
   No answer unless 60% of the frames agree beyond chance (two 64-aligned starts share a
   residue modulo ``s`` by chance with probability 64 / s), the three most common offsets
   modulo 64 hold 60% of the frames (a pool's frames share a few data offsets), and the stride
   is at least 512 bytes (a buffer holds a whole frame; below that chance agrees too often).
3. **Segments**: inside a segment the buffer starts keep one residue modulo the stride; where a
   segment's unused tail (segment size mod stride) breaks the stride, the residue jumps by
   those unused bytes. The next segment's start is placed on a page boundary (``page_size``, or
   4096 when not given) between the last buffer before the jump and the first after it.
4. **The phase** ``buffer0_offset`` is where the first buffer boundary falls in the dump
   (0 … stride − 1): a dump cannot tell empty buffers from memory before the pool.
5. **Headroom**: the most common data offset; offsets two bytes past it are native flows
   (observed). When every frame sits at one offset, the headroom and a native flow's offset
   cannot be told apart, and the reasons say so.

A dump shows neither the ``bufferSize`` that was asked for, nor the Mac, nor its boot; the
result claims none of them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np

from vethlab.inspection.scan import KINDS, FoundFrames

__all__ = ["Layout", "infer_layout", "ALIGN", "MIN_FRAMES", "NATIVE_EXTRA"]

ALIGN = 64  #: buffer starts are taken to be 64-byte aligned in the dump
MIN_FRAMES = 3  #: fewer current frames than this give no answer
MIN_STRIDE = 512  #: no smaller stride is considered: a buffer holds a whole frame
MIN_AGREEMENT = 0.6  #: share of frames (beyond chance) that must agree on the stride
COMMON_OFFSETS = 0.6  #: share of frames the three most common offsets modulo 64 must hold
NATIVE_EXTRA = 2  #: a native flow's frame starts this many bytes past the headroom (observed)
DEFAULT_PAGE = 4096


@dataclass
class Layout:
    """What :func:`infer_layout` found. ``buffer_size`` is None when there is no answer."""

    buffer_size: int | None = None
    buffer0_offset: int | None = None
    buffer_starts: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    buffer_segment: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    segments: list = field(default_factory=list)  # dicts: start, end, unused, placed
    frame_buffer: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    frame_data_offset: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    data_offsets: dict = field(default_factory=dict)
    headroom: int | None = None
    confidence: float = 0.0
    reasons: list = field(default_factory=list)


def _divisors(value: int) -> set[int]:
    """Divisors of ``value`` that are multiples of :data:`ALIGN`, at least MIN_STRIDE."""
    out = set()
    units = value // ALIGN
    for k in range(1, int(units**0.5) + 1):
        if units % k == 0:
            out.update((k * ALIGN, units // k * ALIGN))
    return {s for s in out if s >= MIN_STRIDE and value % s == 0}


def _agreement(base: np.ndarray, stride: int, reach: int = 1) -> np.ndarray:
    """Per frame: whether the buffer start of a neighbour (at most ``reach`` frames away) has
    the same residue modulo ``stride``."""
    r = base % stride
    agree = np.zeros(len(base), bool)
    for k in range(1, min(reach, len(r) - 1) + 1):
        same = r[k:] == r[:-k]
        agree[k:] |= same
        agree[:-k] |= same
    return agree


def _choose_stride(base: np.ndarray, span: np.ndarray):
    diffs = np.diff(base)
    diffs = diffs[diffs > 0]
    if not len(diffs):
        return None, 0.0, None
    values, counts = np.unique(diffs, return_counts=True)
    top = values[np.argsort(-counts, kind="stable")[:3]]
    candidates = set()
    for v in top:
        candidates |= _divisors(int(v))
    scored = []
    for s in sorted(candidates):
        if np.mean(span <= s) < 0.9:  # frames must fit their buffers
            continue
        agree = _agreement(base, s)
        # Beyond chance: bases are multiples of 64, so two of them share a residue modulo s
        # by chance with probability 64 / s; a frame has two neighbours.
        chance = 1 - (1 - ALIGN / s) ** 2
        if (agree.mean() - chance) / (1 - chance) < MIN_AGREEMENT:
            continue
        scored.append((s, float(agree.mean()), agree))
    if not scored:
        return None, 0.0, None
    best = max(score for _, score, _ in scored)
    tolerance = max(1.5 / len(base), 0.02)
    stride, score, agree = max((x for x in scored if x[1] >= best - tolerance), key=lambda x: x[0])
    return stride, score, agree


def _runs(r: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) index ranges of consecutive equal values."""
    cut = np.flatnonzero(r[1:] != r[:-1]) + 1
    edges = [0, *cut.tolist(), len(r)]
    return list(pairwise(edges))


def _common_shift(r, runs, stride):
    shifts = [
        int((r[b0] - r[a1 - 1]) % stride)
        for (a0, a1), (b0, b1) in pairwise(runs)
        if a1 - a0 >= 2 and b1 - b0 >= 2
    ]
    if not shifts:
        return None
    return Counter(shifts).most_common(1)[0][0]


def _is_jump(delta: int, shift: int | None, stride: int) -> bool:
    """Whether a residue jump of ``delta`` is one to four segments' unused tails."""
    return shift is not None and any((m * shift - delta) % stride == 0 for m in range(1, 5))


def _break_possible(lo: int, hi: int, residue: int, stride: int, page: int) -> bool:
    """Whether a segment could start in [lo, hi] on a page boundary, its buffers on
    ``residue`` modulo ``stride``."""
    if hi < lo:
        return False
    grid = np.arange(lo + (residue - lo) % stride, hi + 1, stride)
    return bool(np.any(grid % page == 0))


def infer_layout(found: FoundFrames, dump_len: int, page_size: int | None = None) -> Layout:
    """Infer the pool's layout from ``found`` (see the module docstring). Marks frames that are
    off the stride, or second in a buffer, stale in ``found``."""
    out = Layout()
    reasons = out.reasons
    cur = np.flatnonzero(~found.stale)
    n_found = len(found)
    per_kind = np.bincount(found.kind, minlength=len(KINDS))
    counts = {KINDS[k]: int(c) for k, c in enumerate(per_kind) if c}
    if n_found:
        kinds = ", ".join(f"{c} {name}" for name, c in sorted(counts.items(), key=lambda x: -x[1]))
        reasons.append(
            f"found {n_found} frame(s) in {dump_len} bytes ({kinds}); "
            f"{n_found - len(cur)} of them stale by their own bytes"
        )
    if len(cur) < MIN_FRAMES:
        reasons.append(
            "no answer: "
            + (
                "no Ethernet frame in the dump"
                if not n_found
                else f"{len(cur)} current frame(s); at least {MIN_FRAMES} are needed to "
                "infer a stride"
            )
        )
        return out
    f = found.offset[cur]
    base = f - f % ALIGN
    span = f % ALIGN + found.length[cur]
    within = f % ALIGN
    _, per_offset = np.unique(within, return_counts=True)
    common = int(np.sort(per_offset)[::-1][:3].sum())
    if common < COMMON_OFFSETS * len(f):
        reasons.append(
            f"no answer: the {len(f)} frames sit at {len(per_offset)} different offsets modulo "
            f"64; in a pool they share a few data offsets (the headroom, 2 bytes past it)"
        )
        return out
    stride, score, agree = _choose_stride(base, span)
    if stride is None or agree.sum() < MIN_FRAMES or score < MIN_AGREEMENT:
        reasons.append(
            f"no answer: the {len(cur)} frames agree on no buffer stride "
            "(their distances have no common multiple of 64 that most of them share)"
        )
        return out
    # Frames off the stride: a run of one frame between runs of the same residue, or whose
    # jump is not the segments' common one.
    r = base % stride
    near = _agreement(base, stride, reach=3)
    good = np.flatnonzero(near)
    shift = _common_shift(r[good], _runs(r[good]), stride)
    off_grid = np.zeros(len(cur), bool)
    for i in np.flatnonzero(~near):
        # A frame alone on its residue: the only frame of a segment, or off the stride.
        k = np.searchsorted(good, i)
        prev_r = int(r[good[k - 1]]) if k > 0 else None
        next_r = int(r[good[k]]) if k < len(good) else None
        ok = (prev_r is not None and _is_jump(int(r[i]) - prev_r, shift, stride)) or (
            next_r is not None and _is_jump(next_r - int(r[i]), shift, stride)
        )
        if not ok and shift is None:
            # No segment break seen elsewhere: one is possible here if a segment could start
            # on a page boundary between this frame's buffer and its neighbour's.
            page = page_size or DEFAULT_PAGE
            ok = (
                k > 0
                and _break_possible(
                    int(base[good[k - 1]]) + stride, int(base[i]), int(r[i]), stride, page
                )
            ) or (
                k < len(good)
                and _break_possible(
                    int(base[i]) + stride, int(base[good[k]]), int(next_r), stride, page
                )
            )
        off_grid[i] = not ok
    for i in np.flatnonzero(off_grid):
        j = cur[i]
        found.stale[j] = True
        found.why[j] = f"off the {stride}-byte stride the other frames share"
    keep = ~off_grid
    cur, f, base, r = cur[keep], f[keep], base[keep], r[keep]
    if len(cur) < MIN_FRAMES:
        reasons.append("no answer: too few frames on one stride")
        return out
    agreeing = int(_agreement(base, stride).sum())
    reasons.append(
        f"{agreeing} of {len(cur) + int(off_grid.sum())} frames agree on a "
        f"{stride}-byte stride (buffer starts taken 64-byte aligned in the dump, "
        "as a mapping starts on a page)"
    )
    # Segments: runs of one residue.
    runs = _runs(r)
    align = page_size or DEFAULT_PAGE
    starts = [int(r[0])]
    segs = [{"start": int(r[0]), "unused": None, "placed": "phase"}]
    for (a0, a1), (b0, _) in pairwise(runs):
        lo, hi = int(base[a1 - 1]) + stride, int(base[b0])
        c0 = lo + (int(r[b0]) - lo) % stride
        grid = np.arange(c0, hi + 1, stride)
        aligned = grid[grid % align == 0]
        unused = int((r[b0] - r[a0]) % stride)
        pick = int(aligned[0]) if len(aligned) else int(grid[0]) if len(grid) else hi
        placed = (
            "page"
            if len(aligned) == 1
            else "earliest page of several"
            if len(aligned)
            else "not on a page boundary"
        )
        starts.append(pick)
        segs.append({"start": pick, "unused": unused, "placed": placed})
        reasons.append(
            f"a segment ends before {pick:#x}: its last {unused} bytes hold no buffer, so the "
            f"stride breaks there (the next segment starts "
            + (
                "on a page boundary"
                if placed == "page"
                else f"somewhere in {lo:#x}…{hi:#x}; placed at the {placed}"
            )
            + ")"
        )
    ends = [*starts[1:], dump_len]
    bstarts, bseg = [], []
    for k, (s, e) in enumerate(zip(starts, ends, strict=True)):
        seg_starts = np.arange(s, e - stride + 1, stride, dtype=np.int64)
        bstarts.append(seg_starts)
        bseg.append(np.full(len(seg_starts), k, np.int64))
        segs[k]["end"] = int(e)
    out.buffer_starts = np.concatenate(bstarts)
    out.buffer_segment = np.concatenate(bseg)
    out.segments = segs
    if len(segs) >= 3:
        sizes = {b["start"] - a["start"] for a, b in pairwise(segs[1:])}
        if len(sizes) == 1:
            size = sizes.pop()
            reasons.append(
                f"segments of {size} bytes: {size // stride} buffers and "
                f"{size % stride} unused bytes each"
            )
    # Every frame (stale ones too) in its buffer.
    fb = np.searchsorted(out.buffer_starts, found.offset, side="right") - 1
    inside = (fb >= 0) & (found.offset < out.buffer_starts[np.maximum(fb, 0)] + stride)
    fb = np.where(inside, fb, -1)
    do = np.where(inside, found.offset - out.buffer_starts[np.maximum(fb, 0)], -1)
    # A buffer holds one current frame: a second one is a leftover (the less common offset).
    cur_idx = np.flatnonzero(~found.stale & inside)
    _, inverse, counts_of = np.unique(do[cur_idx], return_inverse=True, return_counts=True)
    order = cur_idx[np.lexsort((cur_idx, -counts_of[inverse], fb[cur_idx]))]
    second = np.zeros(len(order), bool)
    second[1:] = fb[order][1:] == fb[order][:-1]
    for i in order[second]:
        found.stale[i] = True
        found.why[i] = f"a second frame in buffer {int(fb[i])}, at data offset {int(do[i])}"
    out.frame_buffer, out.frame_data_offset = fb, do
    cur_mask = ~found.stale & inside
    values, counts_of = np.unique(do[cur_mask], return_counts=True)
    out.data_offsets = {int(v): int(c) for v, c in zip(values, counts_of, strict=True)}
    out.buffer_size = stride
    out.buffer0_offset = int(starts[0])
    reasons.append(
        f"the first buffer boundary falls at byte {starts[0]} of the dump "
        "(a phase: a dump cannot tell empty buffers from memory before the pool)"
    )
    _headroom(out, reasons)
    hw = int(found.hw_checksum[cur_mask].sum())
    n_cur = int(cur_mask.sum())
    if hw:
        reasons.append(
            f"{hw} IPv4 header(s) carry no checksum (left to hardware, as with "
            "kIOUserNetworkHWAssistTxChecksumIPHdr): accepted with lower confidence"
        )
    size_factor = min(1.0, agreeing / 8) ** 0.5
    out.confidence = round(score * size_factor * (1 - 0.25 * hw / max(n_cur, 1)), 3)
    reasons.append(
        "the dump shows neither the bufferSize that was asked for, nor the Mac, nor "
        "its boot: the stride is the real buffer size, whatever was requested"
    )
    return out


def _headroom(out: Layout, reasons: list) -> None:
    offsets = out.data_offsets
    if not offsets:
        return
    listing = ", ".join(f"{o} ({c} frame{'s' if c != 1 else ''})" for o, c in offsets.items())
    reasons.append(f"data offsets (modulo 64): {listing}")
    mode = max(offsets, key=lambda o: (offsets[o], -o))
    headroom = mode - NATIVE_EXTRA if (mode - NATIVE_EXTRA) in offsets else mode
    out.headroom = headroom
    if len(offsets) == 1:
        reasons.append(
            f"every frame sits at data offset {mode}: the headroom and a native "
            f"flow's offset (headroom + 2) cannot be told apart; headroom {mode} if "
            f"these frames came from BSD sockets, {mode - NATIVE_EXTRA} if from "
            "native flows"
        )
        return
    native = offsets.get(headroom + NATIVE_EXTRA, 0)
    text = f"headroom {headroom}: {offsets[headroom]} frame(s) start there"
    if native:
        text += f", {native} start 2 bytes past it (native flows)"
    other = {o: c for o, c in offsets.items() if o not in (headroom, headroom + NATIVE_EXTRA)}
    if other:
        text += "; others at " + ", ".join(str(o) for o in other)
    reasons.append(text)
