"""``vethlab``: the command line. Every command prints a readable report, or JSON with --json.

    vethlab layout    how a pool is laid out
    vethlab question  the question's three ways to find a frame
    vethlab ping      ping the app through the virtual Ethernet dext
    vethlab bench     benchmarks, each beside a baseline measured in the same run
    vethlab lab       copy the notebooks into a folder of yours and open JupyterLab

Each command is a module of this package with ``HELP``, ``add_arguments(parser)`` and
``run(args) -> (text, json_obj)``. The command line imports the library; the library never
imports the command line. The JSON keys are a stable interface (documented in README).
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from vethlab.cli import bench, inspect, lab, layout, ping, question
from vethlab.ioreturn import IOReturnError

__all__ = ["main", "build_parser", "COMMANDS"]

#: Every command, by name, in the order ``vethlab --help`` lists them.
COMMANDS = {"layout": layout, "question": question, "ping": ping, "bench": bench, "lab": lab, "inspect": inspect}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vethlab",
        description="Run the packet buffer pool of a simulated NetworkingDriverKit dext.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, module in COMMANDS.items():
        p = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        p.add_argument("--json", action="store_true", help="print JSON instead of text")
        p.set_defaults(func=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        text, obj = args.func(args)
    except IOReturnError as err:
        print(f"vethlab {args.command}: {err}", file=sys.stderr)
        return 2
    try:
        if getattr(args, "json", False):
            print(json.dumps(obj, indent=2))
        elif text:
            print(text)
        sys.stdout.flush()
    except BrokenPipeError:  # `vethlab … | head`: the reader left; that is not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0
