"""``vethlab bench inspect``: how fast ``vethlab.inspect`` reads a dump, beside one numpy pass.

    vethlab bench inspect [--repeat N] [--inspect-mib N] [--json]

The dump (64 MiB by default; not timed to build) is a pool of 2048-byte buffers, headroom 8,
every buffer holding a frame of vethlab's mixed traffic over an earlier, longer frame's stale
bytes, as a busy pool's memory looks. Timed, in interleaved rounds:

``inspect_mb_per_s``       ``vethlab.inspect(dump)``: scan, layout, stale bytes per buffer
``numpy_pass_mb_per_s``    the baseline: one numpy pass over the same dump,
                           ``np.count_nonzero(dump == 0x08)``

Each figure comes from its fastest round (as ``timeit`` advises); MB is 10^6 bytes. The goal
(at least 250 MB/s on two cores) is printed with the figure; nothing fails when it is missed,
and no test times anything.
"""

from __future__ import annotations

import os
import platform
import time

import numpy as np

from vethlab.inspection import inspect
from vethlab.ioreturn import BadArgument
from vethlab.wire.frames import mixed_frames

__all__ = [
    "run",
    "add_arguments",
    "measure",
    "make_dump",
    "GOAL_MB_PER_S",
    "DEFAULT_MIB",
    "DEFAULT_REPEAT",
]

DEFAULT_MIB = 64
DEFAULT_REPEAT = 5
GOAL_MB_PER_S = 250.0
_STRIDE, _HEADROOM = 2048, 8


def add_arguments(p) -> None:
    p.add_argument(
        "--inspect-mib",
        type=int,
        default=None,
        help=f"size of the dump inspect reads, in MiB (default {DEFAULT_MIB})",
    )


def make_dump(mib: int = DEFAULT_MIB, seed: int = 0) -> np.ndarray:
    """A ``mib`` MiB dump of a busy pool: 2048-byte buffers, headroom 8, a current frame over
    an earlier frame's stale bytes in every buffer."""
    size = mib << 20
    dump = np.zeros(size, np.uint8)
    buffers = size // _STRIDE
    current = [np.frombuffer(f, np.uint8) for f in mixed_frames(256, seed=seed)]
    stale = [np.frombuffer(f, np.uint8) for f in mixed_frames(256, seed=seed + 1)]
    for i in range(buffers):
        start = i * _STRIDE + _HEADROOM
        old = stale[i % len(stale)]
        dump[start : start + len(old)] = old
        new = current[(i * 7) % len(current)]
        dump[start : start + len(new)] = new
    return dump


def measure(mib: int = DEFAULT_MIB, repeat: int = DEFAULT_REPEAT) -> dict:
    if mib < 1 or repeat < 1:
        raise BadArgument(f"--inspect-mib ({mib}) and --repeat ({repeat}) must be >= 1")
    dump = make_dump(mib)
    megabytes = dump.size / 1e6
    times = {"inspect": [], "numpy_pass": []}
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = inspect(dump)
        times["inspect"].append(time.perf_counter() - start)
        start = time.perf_counter()
        np.count_nonzero(dump == 0x08)
        times["numpy_pass"].append(time.perf_counter() - start)
    best = {k: min(v) for k, v in times.items()}
    inspect_rate = megabytes / max(best["inspect"], 1e-9)
    return {
        "inspect_mb_per_s": inspect_rate,
        "numpy_pass_mb_per_s": megabytes / max(best["numpy_pass"], 1e-9),
        "inspect_seconds": best["inspect"],
        "numpy_pass_seconds": best["numpy_pass"],
        "ratio": best["numpy_pass"] / max(best["inspect"], 1e-9),
        "goal_mb_per_s": GOAL_MB_PER_S,
        "goal_met": inspect_rate >= GOAL_MB_PER_S,
        "dump_bytes": int(dump.size),
        "frames": len(result.current),
        "buffer_size": result.buffer_size,
        "headroom": result.headroom,
        "repeat": repeat,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
    }


def run(args) -> tuple[str, dict]:
    mib = getattr(args, "inspect_mib", None) or DEFAULT_MIB
    repeat = getattr(args, "repeat", None) or DEFAULT_REPEAT
    r = measure(mib, repeat)
    text = "\n".join(
        [
            f"a {r['dump_bytes'] / 1e6:.1f} MB dump ({mib} MiB), {r['frames']} frames found, "
            f"stride {r['buffer_size']}, headroom {r['headroom']}; {repeat} rounds, best of each; "
            f"{r['cpus']} CPU(s), Python {r['python']}, numpy {r['numpy']}",
            "",
            f"inspect        {r['inspect_mb_per_s']:>10,.0f} MB/s  ({r['inspect_seconds']:.3f} s)  "
            f"goal >= {GOAL_MB_PER_S:.0f} MB/s: " + ("met" if r["goal_met"] else "missed"),
            f"one numpy pass {r['numpy_pass_mb_per_s']:>10,.0f} MB/s  "
            f"({r['numpy_pass_seconds']:.3f} s)",
        ]
    )
    return text, r
