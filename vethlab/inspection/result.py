"""The answer of :func:`vethlab.inspect`: what a dump holds, as JSON and as text."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from vethlab.inspection.infer import Layout
from vethlab.inspection.scan import KINDS, FoundFrames
from vethlab.ioreturn import IORETURN_CODES, IOReturnError

__all__ = ["Inspection", "NoAnswer", "JSON_KEYS", "FRAME_KEYS"]

#: The top-level JSON keys (``reads`` only when reads were given). A stable interface.
JSON_KEYS = (
    "buffer_size",
    "buffer0_offset",
    "buffers",
    "frames",
    "data_offsets",
    "headroom",
    "confidence",
    "reasons",
)
#: The keys of each frame in ``frames``.
FRAME_KEYS = ("buffer", "offset", "data_offset", "length", "kind", "stale")


class NoAnswer(IOReturnError):
    """kIOReturnNotFound: nothing could be inferred from the dump (too few frames, zeros,
    random bytes). ``result`` is the :class:`Inspection` with its reasons."""

    def __init__(self, message: str, result: Inspection | None = None) -> None:
        super().__init__(IORETURN_CODES["kIOReturnNotFound"], message)
        self.result = result

    def __reduce__(self):
        return (type(self), (self.message,))


@dataclass
class Inspection:
    """What a dump holds. ``answered`` is False when nothing could be inferred: then
    ``buffer_size``, ``buffer0_offset`` and ``headroom`` are None and ``reasons`` say why.

    Frames and buffers are kept as numpy arrays (a 64 MiB dump holds tens of thousands);
    :attr:`frames` and :attr:`buffers` build the JSON lists on demand.
    """

    dump_size: int
    found: FoundFrames
    layout: Layout
    stale_bytes: np.ndarray
    page_size: int | None = None
    reads: list | None = None
    data: np.ndarray | None = field(default=None, repr=False)  # the dump's bytes

    # -- the answer ---------------------------------------------------------------------------
    @property
    def answered(self) -> bool:
        return self.layout.buffer_size is not None

    @property
    def buffer_size(self) -> int | None:
        return self.layout.buffer_size

    @property
    def buffer0_offset(self) -> int | None:
        return self.layout.buffer0_offset

    @property
    def headroom(self) -> int | None:
        return self.layout.headroom

    @property
    def data_offsets(self) -> dict[int, int]:
        return dict(self.layout.data_offsets)

    @property
    def confidence(self) -> float:
        return self.layout.confidence

    @property
    def reasons(self) -> list[str]:
        return list(self.layout.reasons)

    @property
    def current(self) -> np.ndarray:
        """Indices of the current (not stale) frames."""
        return np.flatnonzero(~self.found.stale)

    @property
    def frames(self) -> list[dict]:
        """Every frame found, in dump order, as in the JSON."""
        f, lay = self.found, self.layout
        fb = lay.frame_buffer if len(lay.frame_buffer) == len(f) else np.full(len(f), -1)
        do = lay.frame_data_offset if len(lay.frame_data_offset) == len(f) else np.full(len(f), -1)
        out = []
        for i in range(len(f)):
            out.append(
                {
                    "buffer": int(fb[i]) if fb[i] >= 0 else None,
                    "offset": int(f.offset[i]),
                    "data_offset": int(do[i]) if do[i] >= 0 else None,
                    "length": int(f.length[i]),
                    "kind": KINDS[int(f.kind[i])],
                    "stale": bool(f.stale[i]),
                }
            )
        return out

    @property
    def buffers(self) -> list[dict]:
        """Every whole buffer the layout places in the dump: its index (from the first
        boundary), dump offset, segment (counted in the dump), current frame (an index into
        ``frames``, or None) and the non-zero bytes it holds outside that frame
        (``stale_bytes``: an earlier frame's leftovers)."""
        lay = self.layout
        frame_of = np.full(len(lay.buffer_starts), -1, np.int64)
        cur = self.current
        if len(lay.frame_buffer):
            fb = lay.frame_buffer[cur]
            ok = fb >= 0
            frame_of[fb[ok]] = cur[ok]
        return [
            {
                "index": i,
                "offset": int(o),
                "segment": int(s),
                "frame": int(frame_of[i]) if frame_of[i] >= 0 else None,
                "stale_bytes": int(self.stale_bytes[i]) if len(self.stale_bytes) else 0,
            }
            for i, (o, s) in enumerate(zip(lay.buffer_starts, lay.buffer_segment, strict=True))
        ]

    def to_json(self) -> dict:
        """The JSON of ``vethlab inspect --json`` (keys: :data:`JSON_KEYS`, and ``reads``)."""
        out = {
            "buffer_size": self.buffer_size,
            "buffer0_offset": self.buffer0_offset,
            "buffers": self.buffers,
            "frames": self.frames,
            "data_offsets": {str(k): int(v) for k, v in self.data_offsets.items()},
            "headroom": self.headroom,
            "confidence": self.confidence,
            "reasons": self.reasons,
        }
        if self.reads is not None:
            out["reads"] = [dict(r) for r in self.reads]
        return out

    def text(self, rows: int = 8) -> str:
        """A readable report: the answer, the reasons, the first ``rows`` frames, the reads."""
        lines = []
        if not self.answered:
            lines.append(f"no answer from {self.dump_size} bytes:")
            lines += [f"  - {r}" for r in self.reasons]
            return "\n".join(lines)
        n_buf = len(self.layout.buffer_starts)
        cur = len(self.current)
        lines += [
            f"buffer size      {self.buffer_size} (the stride between buffers)",
            f"first boundary   byte {self.buffer0_offset} of the dump (buffer0_offset)",
            f"buffers          {n_buf} whole, in {len(self.layout.segments)} segment(s) seen",
            f"frames           {cur} current, {len(self.found) - cur} stale",
            "data offsets     " + ", ".join(f"{k}: {v}" for k, v in self.data_offsets.items()),
            f"headroom         {self.headroom}",
            f"confidence       {self.confidence:.2f}",
            "",
            "why:",
            *[f"  - {r}" for r in self.reasons],
            "",
            f"{'frame':>5}  {'buffer':>6}  {'offset':>10}  {'data off':>8}  {'length':>6}  kind",
        ]
        for i, fr in enumerate(self.frames[:rows]):
            b = "-" if fr["buffer"] is None else fr["buffer"]
            d = "-" if fr["data_offset"] is None else fr["data_offset"]
            lines.append(
                f"{i:>5}  {b:>6}  {fr['offset']:>#10x}  {d:>8}  {fr['length']:>6}  "
                f"{fr['kind']}" + ("  STALE" if fr["stale"] else "")
            )
        if len(self.found) > rows:
            lines.append(f"  ... {len(self.found) - rows} more (--json lists them all)")
        if self.reads is not None:
            lines += ["", "reads:"]
            for r in self.reads:
                lines.append(
                    f"  packet {r['packet']:>4} at {r['offset']:>#10x}: {r['verdict']}"
                    + (f" ({r['detail']})" if r["detail"] else "")
                )
        return "\n".join(lines)

    def __repr__(self) -> str:
        if not self.answered:
            return f"<Inspection: no answer from {self.dump_size} bytes>"
        return (
            f"<Inspection: {len(self.current)} frames, {self.buffer_size}-byte stride, "
            f"headroom {self.headroom}, confidence {self.confidence:.2f}>"
        )

    def draw(self, ax, **kwargs):
        """Draw the memory map found (see :func:`vethlab.inspection.draw.draw_inspection`)."""
        from vethlab.inspection.draw import draw_inspection

        return draw_inspection(ax, self, **kwargs)
