"""``vethlab bench userclient``: how fast frames reach the app in each design, beside the limit,
and what each design costs per frame, counted.

    vethlab bench userclient [--repeat N] [--userclient-frames N] [--json]

Each round, the host stack puts the same ``--userclient-frames`` frames (standard sizes, so the
1600-byte struct holds them all) into packets; that part is not timed. Then, timed: the dext is
handed the packets and tells its app, and the app runs until every frame is in its hands:

``per_packet_pps``      one GetPacket call (the safe one) per frame, 1604 bytes inline
``batch_pps``           GetPackets: as many records as fit a 64 KiB out-of-line buffer per call
``shared_mapping_pps``  (offset, length) pairs in notifications, frames copied from the app's
                        read-only mapping of the pool, one CompleteFrames call per run
``bare_copy_pps``       the limit: a plain loop copying the same frames out of a numpy buffer
                        into bytes objects, with no simulation at all

Rounds of the four are interleaved, and each figure comes from its fastest round (as ``timeit``
advises: slower rounds measure what else the machine was doing); the mean over all rounds is
in ``mean_pps``. As ``timeit`` does, the garbage collector is off while a round runs. These are
speeds of the simulation in Python, not of macOS; no test times anything.

``costs`` does not depend on the machine: per design, ``calls_per_frame``, ``copies_per_frame``,
``bytes_copied_per_frame`` and ``notifications_per_frame``, counted (``vethlab.model.costs``,
modelled) in one untimed run of the same frames from opening the app to closing it
(``vethlab.question.runs.design_costs``).
"""

from __future__ import annotations

import gc
import platform
import time

import numpy as np

from vethlab.handoff.app import DESIGNS, QuestionApp
from vethlab.ioreturn import BadArgument
from vethlab.model.memory import Mac
from vethlab.question.dext import PacketDext
from vethlab.question.runs import design_costs
from vethlab.wire.frames import mixed_frames

__all__ = [
    "run",
    "add_arguments",
    "measure",
    "main_json",
    "DEFAULT_FRAMES_PER_ROUND",
    "DEFAULT_REPEAT",
]

DEFAULT_FRAMES_PER_ROUND = 256
DEFAULT_REPEAT = 20


def add_arguments(p) -> None:
    p.add_argument(
        "--userclient-frames",
        type=int,
        default=None,
        help=f"frames sent per timed round (default {DEFAULT_FRAMES_PER_ROUND})",
    )


class _DesignRun:
    """One design, set up once: a dext whose pool holds a round's frames, and its app."""

    def __init__(self, design: str, frames: list[bytes]) -> None:
        self.design = design
        self.frames = frames
        self.dext = PacketDext(
            Mac(), buffer_size=2048, packets=len(frames), get_packet="safe", keep_records=0
        )
        self.dext.Start()
        self.app = QuestionApp(self.dext, design, trace_limit=0)
        kr = self.app.open()
        if kr:
            raise RuntimeError(f"{design}: the app could not open the dext: 0x{kr:08x}")
        self.times: list[float] = []
        self.identical = True

    def round(self) -> None:
        self.app.received.clear()
        packets = self.dext.fill(self.frames)  # the host's part: not timed
        start = time.perf_counter()
        self.dext.hand_over(packets)
        self.app.run()
        self.times.append(time.perf_counter() - start)
        self.identical &= self.app.received == self.frames


class _BareRun:
    """The limit: the same frames copied out of one numpy buffer, nothing else."""

    def __init__(self, frames: list[bytes]) -> None:
        self.buffer = np.frombuffer(b"".join(frames), np.uint8)
        offsets = np.cumsum([0] + [len(f) for f in frames[:-1]])
        self.pairs = [(int(o), len(f)) for o, f in zip(offsets, frames)]
        self.frames = frames
        self.times: list[float] = []
        self.identical = True

    def round(self) -> None:
        received = []
        deliver, buffer = received.append, self.buffer
        start = time.perf_counter()
        for offset, length in self.pairs:
            deliver(buffer[offset : offset + length].tobytes())
        self.times.append(time.perf_counter() - start)
        self.identical &= received == self.frames


def measure(
    frames_per_round: int = DEFAULT_FRAMES_PER_ROUND, repeat: int = DEFAULT_REPEAT, seed: int = 0
) -> dict:
    """Run ``repeat`` interleaved rounds of every design and the bare loop; return the JSON."""
    if frames_per_round < 1 or repeat < 1:
        raise BadArgument(
            f"frames per round ({frames_per_round}) and repeat ({repeat}) must be >= 1"
        )
    frames = mixed_frames(frames_per_round, seed=seed)
    runs = {design: _DesignRun(design, frames) for design in DESIGNS}
    runs["bare_copy"] = _BareRun(frames)
    collecting = gc.isenabled()
    gc.collect()
    gc.disable()  # as timeit does: a collection landing in one design's round is noise
    try:
        for _ in range(repeat):
            for run in runs.values():
                run.round()
    finally:
        if collecting:
            gc.enable()
    pps = {name: frames_per_round / max(min(run.times), 1e-9) for name, run in runs.items()}
    mean = {
        name: frames_per_round * len(run.times) / max(sum(run.times), 1e-9)
        for name, run in runs.items()
    }
    bare = pps["bare_copy"] or 1.0
    ratios = {name: pps[name] / bare for name in DESIGNS}
    return {
        "per_packet_pps": pps["per_packet"],
        "batch_pps": pps["batch"],
        "shared_mapping_pps": pps["shared_mapping"],
        "bare_copy_pps": pps["bare_copy"],
        "ratios": ratios,
        "mean_pps": mean,
        # counted, not timed: one run of the same frames, handed over at once as in a round
        "costs": design_costs(frames, get_packet="safe", buffer_size=2048, packets=len(frames)),
        "identical": all(run.identical for run in runs.values()),
        "frames_per_round": frames_per_round,
        "repeat": repeat,
        "frame_bytes": sum(len(f) for f in frames),
        "python": platform.python_version(),
    }


def run(args) -> tuple[str, dict]:
    """The ``vethlab bench userclient`` command: measure, and report text and JSON."""
    frames = getattr(args, "userclient_frames", None) or DEFAULT_FRAMES_PER_ROUND
    repeat = getattr(args, "repeat", None) or DEFAULT_REPEAT
    result = measure(frames, repeat)
    lines = [
        f"{frames} frames per round ({result['frame_bytes']} bytes), {repeat} rounds, "
        f"Python {result['python']}; every design delivered the frames "
        + ("byte for byte" if result["identical"] else "WITH DIFFERENCES"),
        "",
        (
            f"{'design':<16}{'frames/s':>12}{'of bare':>10}   counted per frame: "
            f"{'calls':>6}{'copies':>7}{'bytes':>8}{'notif.':>7}"
        ),
    ]
    for name in (*DESIGNS, "bare_copy"):
        value = result[f"{name}_pps"]
        ratio = value / result["bare_copy_pps"] if result["bare_copy_pps"] else 0.0
        line = f"{name:<16}{value:>12,.0f}{ratio:>10.1%}"
        costs = result["costs"].get(name)
        if costs:
            line += f"{'':<22}" + "".join(
                "     -" if costs[key] is None else f"{costs[key]:>{width},.{digits}f}"
                for key, width, digits in (
                    ("calls_per_frame", 6, 3),
                    ("copies_per_frame", 7, 2),
                    ("bytes_copied_per_frame", 8, 0),
                    ("notifications_per_frame", 7, 3),
                )
            )
        lines.append(line)
    return "\n".join(lines), result


def main_json() -> dict:
    """The benchmark with its defaults, as JSON (for scripts)."""
    return measure()
