"""``vethlab bench WHAT``: the benchmarks, one command, one module each.

    vethlab bench redraw      [--repeat N] [--json]   pool explorer: slider change -> PNG
    vethlab bench userclient  [--repeat N] [--json]   (when vethlab.bench.userclient exists)
    vethlab bench inspect     [--repeat N] [--inspect-mib N] [--json]   a 64 MiB dump inspected
    vethlab bench widgets     [--repeat N] [--widgets-dashboard NAME] [--json]
                              every control of every dashboard: value change -> 2x PNG

Each benchmark lives in ``vethlab.bench.<what>`` and provides:

* ``run(args) -> (text, json_obj)``: measure, and return a readable report and the JSON;
* ``add_arguments(parser)`` (optional): its own options. Options are shared by every benchmark
  on one parser, so give them names no other benchmark uses; ``--repeat`` is common to all
  (``None`` when not given: the benchmark's own default).

A benchmark only prints figures, next to a baseline measured in the same run; no test checks a
time.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import platform

__all__ = ["BENCHMARKS", "available", "load_average", "machine_facts", "load_text"]

#: Benchmark name -> module. A module that is not installed is not offered.
BENCHMARKS = {
    "redraw": "vethlab.bench.redraw",
    "userclient": "vethlab.bench.userclient",
    "inspect": "vethlab.bench.inspect",
    "widgets": "vethlab.bench.widgets",
}


def available() -> dict[str, str]:
    """The benchmarks whose module can be imported, by name."""
    return {
        name: module
        for name, module in BENCHMARKS.items()
        if importlib.util.find_spec(module) is not None
    }


def load_average() -> list[float] | None:
    """The 1-, 5- and 15-minute load averages, printed beside a figure so that a slow run on a
    busy machine says so (None where the system does not tell)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def machine_facts(load_before: list[float] | None) -> dict:
    """What a timing depends on, for the JSON's ``machine``: Python and matplotlib versions,
    CPUs, platform, and the load average before the run (given) and after it (now)."""
    import matplotlib  # only the benchmarks that draw call this

    return {
        "python": platform.python_version(),
        "matplotlib": matplotlib.__version__,
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "load_before": load_before,
        "load_after": load_average(),
    }


def load_text(machine: dict) -> str:
    """The report's first line: the load around the run, which slows every figure."""
    return (
        f"load average before/after: {machine['load_before']} / {machine['load_after']} "
        f"on {machine['cpus']} CPUs (other work on the machine slows every figure)"
    )
