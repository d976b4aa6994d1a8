"""``vethlab bench WHAT``: the benchmarks, one command, one module each.

    vethlab bench redraw      [--repeat N] [--json]   pool explorer: slider change -> PNG
    vethlab bench userclient  [--repeat N] [--json]   (when vethlab.bench_userclient exists)

Each benchmark lives in ``vethlab.bench_<what>`` and provides:

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

from .cli import command

__all__ = ["BENCHMARKS", "available", "cmd_bench"]

#: Benchmark name -> module. A module that is not installed is not offered.
BENCHMARKS = {
    "redraw": "vethlab.bench_redraw",
    "userclient": "vethlab.bench_userclient",
}


def available() -> dict[str, str]:
    """The benchmarks whose module can be imported, by name."""
    return {name: module for name, module in BENCHMARKS.items()
            if importlib.util.find_spec(module) is not None}


def _bench_args(p) -> None:
    names = available()
    p.add_argument("what", choices=sorted(names), help="which benchmark to run")
    p.add_argument("--repeat", type=int, default=None,
                   help="measurements per case (default: the benchmark's own)")
    for module in names.values():
        add = getattr(importlib.import_module(module), "add_arguments", None)
        if add is not None:
            add(p)


@command("bench", "measure how fast vethlab is (prints figures beside a baseline)")
def cmd_bench(args):
    module = importlib.import_module(available()[args.what])
    return module.run(args)


cmd_bench.add_arguments = _bench_args
