"""``vethlab``: the command line. Every command prints a readable report, or JSON with --json.

    vethlab layout    how a pool is laid out
    vethlab question  the question's three ways to find a frame
    vethlab ping      ping the app through the virtual Ethernet dext
    vethlab bench     benchmarks, each beside a baseline measured in the same run
    vethlab lab       copy the notebooks into a folder of yours and open JupyterLab
    vethlab check     check an answer to an exercise, in Python or C++

Each command is a module of this package with ``HELP``, ``add_arguments(parser)`` and
``run(args) -> (text, json_obj)``, or ``(text, json_obj, status)`` for a run that prints its
report and still exits 1 (``check``: some case wrong). The command line imports the library; the library never
imports the command line. The JSON keys are a stable interface (documented in README).

Every option has a type from :mod:`vethlab.cli.common` that checks it at parse time (a range,
a path that can be used), so a bad value is one line on stderr and exit status 2 before any
work is done. :func:`main` turns whatever a run raises into one line and exit status 1.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys

from vethlab.cli import bench, check, inspect, lab, layout, ping, question
from vethlab.cli.common import ArgumentParser, CommandError, InputError, one_line, silence
from vethlab.ioreturn import IOReturnError

__all__ = ["main", "build_parser", "COMMANDS"]

#: Every command, by name, in the order ``vethlab --help`` lists them.
COMMANDS = {
    "layout": layout,
    "question": question,
    "ping": ping,
    "bench": bench,
    "lab": lab,
    "inspect": inspect,
    "check": check,
}


def build_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(
        prog="vethlab",
        description="Run the packet buffer pool of a simulated NetworkingDriverKit dext.",
        epilog="Exit status: 0 success; 1 the run was refused or found a failure; "
        "2 the input cannot be used. VETHLAB_TRACEBACK=1 shows a traceback for debugging.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, module in COMMANDS.items():
        p = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        p.add_argument("--json", action="store_true", help="print JSON instead of text")
        p.set_defaults(func=module.run, command_parser=p)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; return the exit status (README, "Exit status").

    0: success. 1: the run was refused or found a failure (an ``IOReturnError`` from the
    simulated Mac, a :class:`CommandError`, output that could not be written, or an internal
    error of vethlab). 2: the input cannot be used (an option that does not parse or is out of
    range, a path that cannot be used), found by the parser before any work is done. Every
    error is one line on stderr; ``VETHLAB_TRACEBACK=1`` re-raises what a run raised instead.
    """
    parser = build_parser()
    try:
        args, extra = parser.parse_known_args(argv)
        if extra:  # say it as the command's error, not the top parser's
            args.command_parser.error(f"unrecognized arguments: {' '.join(extra)}")
    except SystemExit as stop:  # --help, or a bad command line (already said on stderr)
        return stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 2)
    except OSError as err:  # --help to a full or closed stdout
        silence(sys.stdout)
        return _fail("vethlab", f"cannot write to standard output: {err.strerror or err}")
    name = f"vethlab {args.command}"
    if sys.stdout is None:  # started with stdout closed (`vethlab layout >&-`)
        return _fail(name, "cannot write to standard output: it is closed")
    try:
        text, obj, *status = args.func(args)
    except BrokenPipeError:  # the reader of what the run printed left: not an error
        silence(sys.stdout)
        return 0
    except KeyboardInterrupt:
        return 130
    except InputError as err:
        failed = _fail(name, f"error: {err}", status=2)
        if getattr(err, "detail", ""):  # e.g. the compiler's messages, after the one line
            with contextlib.suppress(OSError, AttributeError):
                print(err.detail, file=sys.stderr, flush=True)
        return failed
    except Exception as err:
        if os.environ.get("VETHLAB_TRACEBACK") == "1":
            raise
        _flush_stdout()
        return _fail(name, _explain(err))
    try:
        if getattr(args, "json", False):
            print(json.dumps(obj, indent=2))
        elif text:
            print(text)
        sys.stdout.flush()
    except BrokenPipeError:  # `vethlab … | head`: the reader left; that is not an error
        silence(sys.stdout)
    except OSError as err:  # a full disk or device (`vethlab layout > /dev/full`)
        if os.environ.get("VETHLAB_TRACEBACK") == "1":
            raise
        silence(sys.stdout)
        return _fail(name, f"cannot write to standard output: {err.strerror or err}")
    return status[0] if status else 0


def _explain(err: BaseException) -> str:
    """One line for what a run raised."""
    if isinstance(err, (IOReturnError, CommandError)):
        return str(err)
    if isinstance(err, OSError):
        if err.filename is not None:
            also = "" if err.filename2 is None else f" -> {err.filename2}"
            return f"{err.filename}{also}: {err.strerror or err}"
        return f"{err.strerror or err}"
    return f"internal error: {type(err).__name__}: {err} (VETHLAB_TRACEBACK=1 shows where)"


def _fail(name: str, message: str, status: int = 1) -> int:
    try:
        print(f"{name}: {one_line(message)}", file=sys.stderr, flush=True)
    except (OSError, AttributeError):  # stderr full or closed: the status says it
        silence(sys.stderr)
    return status


def _flush_stdout() -> str | None:
    """Flush stdout; if that fails, point it at the null device (so that Python's own flush at
    exit does not fail again) and return why."""
    if sys.stdout is None:
        return None
    try:
        sys.stdout.flush()
    except OSError as err:
        silence(sys.stdout)
        return err.strerror or str(err)
    return None
