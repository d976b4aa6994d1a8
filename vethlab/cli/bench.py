"""``vethlab bench WHAT``: run one benchmark of :mod:`vethlab.bench`."""

from __future__ import annotations

import importlib

from vethlab.bench import available

HELP = "measure how fast vethlab is (prints figures beside a baseline)"


def add_arguments(p) -> None:
    names = available()
    p.add_argument("what", choices=sorted(names), help="which benchmark to run")
    p.add_argument("--repeat", type=int, default=None,
                   help="measurements per case (default: the benchmark's own)")
    for module in names.values():
        add = getattr(importlib.import_module(module), "add_arguments", None)
        if add is not None:
            add(p)


def run(args):
    module = importlib.import_module(available()[args.what])
    return module.run(args)
