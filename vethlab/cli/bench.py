"""``vethlab bench WHAT``: run one benchmark of :mod:`vethlab.bench`."""

from __future__ import annotations

import importlib

from vethlab.bench import available
from vethlab.cli.common import integer, integer_list
from vethlab.model.layout import MAX_BUFFER_COUNT

HELP = "measure how fast vethlab is (prints figures beside a baseline)"

#: ``--repeat``: measurements per case. ``bench userclient --repeat 500`` takes about 5 s of
#: one core. A benchmark's time is what it measures: ``bench redraw`` takes minutes at its own
#: defaults (the naive baseline at 65,536 buffers is slow), so its limits keep a run finite,
#: not under 10 s.
REPEAT = integer(1, 500)

#: The range of each benchmark's own options, by ``dest``. The benchmarks declare their options
#: with plain types (the library cannot import the command line); the command line checks them
#: here, before anything is built. An option missing here is refused by the tests.
OPTION_TYPES = {
    # Each size is a pool the explorer draws: at most the largest the benchmark measures.
    "redraw_sizes": integer_list(1, 65536, 8),
    "redraw_packets": integer(1, MAX_BUFFER_COUNT),
    "redraw_floor_repeat": integer(1, 100),
    # A round's frames fill one pool; 4,096 frames x 20 rounds take about 3.5 s of one core.
    "userclient_frames": integer(1, 4096),
    # A dump of at most 1 GiB: the benchmark builds it in memory, twice.
    "inspect_mib": integer(1, 1024),
}


#: Benchmarks of the command line itself, run by ``vethlab bench`` beside the library's.
CLI_BENCHMARKS = {"maxima": "vethlab.cli.maxima"}


def _benchmarks() -> dict[str, str]:
    return {**available(), **CLI_BENCHMARKS}


def add_arguments(p) -> None:
    names = _benchmarks()
    p.add_argument("what", choices=sorted(names), help="which benchmark to run")
    p.add_argument(
        "--repeat",
        type=REPEAT,
        default=None,
        help=f"measurements per case, {REPEAT} (default: the benchmark's own)",
    )
    for module in names.values():
        add = getattr(importlib.import_module(module), "add_arguments", None)
        if add is not None:
            add(p)
    for action in p._actions:
        check = OPTION_TYPES.get(action.dest)
        if check is not None:
            action.type = check
            action.help = f"{action.help}; allowed: {check}" if action.help else f"allowed: {check}"


def run(args):
    module = importlib.import_module(_benchmarks()[args.what])
    return module.run(args)
