"""``vethlab``: the command line. Every command prints a readable report, or JSON with --json.

    vethlab layout   [--profile P] [--segment-size N] [--buffer-size N] [--packets N] [--buffers N]
    vethlab question [--headroom N] [--data-offset N] [--profile P] [--segment-size N] [--seed N]

The JSON keys are a stable interface (documented in README): scripts outside the repo use them.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys

from .ioreturn import IOReturnError
from .layout import PoolLayout
from .machine import PROFILES, SEGMENT_SIZES, Boot

__all__ = ["main", "build_parser"]

COMMANDS: dict[str, object] = {}

#: Modules that register more commands with :func:`command` when imported. A module here
#: defines ``@command("name", "help") def cmd(args): ... return text, json_obj`` and, for
#: options, sets ``cmd.add_arguments = lambda parser: ...``.
COMMAND_MODULES: list[str] = ["vethlab.bench", "vethlab.lab", "vethlab.ping"]


def command(name: str, help: str):
    """Register ``func(args) -> (text, json_obj)`` as ``vethlab NAME``; its ``add_arguments``
    attribute, if set, adds options."""
    def register(func):
        func.command_help = help
        COMMANDS[name] = func
        return func
    return register


def _machine_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--profile", choices=sorted(PROFILES), default="apple-silicon",
                   help="the kind of Mac (default: apple-silicon)")
    p.add_argument("--segment-size", type=int, choices=SEGMENT_SIZES, default=None,
                   help="buffer segment size drawn at boot: 65536 or 81920 (default: drawn from --seed)")
    p.add_argument("--seed", type=int, default=0, help="seed of the simulated boot (default 0)")


def _layout_args(p):
    _machine_options(p)
    p.add_argument("--buffer-size", type=int, default=1600, help="requested bufferSize (default 1600)")
    p.add_argument("--packets", type=int, default=32, help="packetCount (default 32)")
    p.add_argument("--buffers", type=int, default=None, help="bufferCount (default: --packets)")
    p.add_argument("--rows", type=int, default=8, help="buffers listed in the text table (default 8)")


@command("layout", "how a pool is laid out: real buffer size, segments, pages, buffer offsets")
def cmd_layout(args):
    boot = Boot(args.profile, args.segment_size, args.seed)
    lay = PoolLayout.plan(boot, args.buffer_size, args.packets, args.buffers)
    summary = {"profile": boot.profile.name, **lay.summary(),
               "buffer_offsets": [int(o) for o in lay.buffer_offsets()]}
    lines = [
        f"profile          {boot.profile.name} (page {lay.page_size}, cache line {lay.cache_line})",
        f"segment size     {lay.segment_size}",
        f"buffer size      {lay.requested_buffer_size} requested -> {lay.buffer_size} real"
        + (f" ({lay.stride_error:+d} bytes per slot)" if lay.stride_error else ""),
        f"packets/buffers  {lay.packet_count} / {lay.buffer_count}",
        f"per segment      {lay.buffers_per_segment} buffers, {lay.segment_count} segment(s)",
        f"pool length      {lay.length} bytes, {lay.page_count} page(s)",
        "",
        f"{'buffer':>6}  {'segment':>7}  {'segment offset':>14}  {'pool offset':>11}"
        + ("  offset if the stride were the requested size" if lay.stride_error else ""),
    ]
    for i in range(min(args.rows, lay.buffer_count)):
        row = (f"{i:>6}  {lay.segment_of(i):>7}  {lay.segment_offset(i):>#14x}  "
               f"{lay.buffer_offset(i):>#11x}")
        if lay.stride_error:
            row += f"  {lay.segment_offset(i, reported_stride=True):>#x}"
        lines.append(row)
    if lay.buffer_count > args.rows:
        lines.append(f"   ... {lay.buffer_count - args.rows} more (--rows N, or --json)")
    return "\n".join(lines), summary


def _question_args(p):
    _machine_options(p)
    p.add_argument("--headroom", type=int, default=8,
                   help="headroom of each TX packet (default 8, as Apple's sample sets)")
    p.add_argument("--data-offset", type=int, default=None,
                   help="data offset of each packet (default: the headroom; 2 = native flow)")
    p.add_argument("--packets", type=int, default=32, help="packets in the pool (default 32)")
    p.add_argument("--buffer-size", type=int, default=1600, help="requested bufferSize (default 1600)")
    p.add_argument("--no-quirk", action="store_true",
                   help="turn off the reported quirk (segment offsets with the requested stride)")


@command("question", "the question's three ways to find a frame, packet by packet")
def cmd_question(args):
    from .question import run_question

    report = run_question(profile=args.profile, segment_size=args.segment_size, seed=args.seed,
                          buffer_size=args.buffer_size, packets=args.packets,
                          headroom=args.headroom, data_offset=args.data_offset,
                          quirk=not args.no_quirk)
    p = report.parameters
    lines = [f"{p['packets']} packets, headroom {p['headroom']}, data offset {p['data_offset']}, "
             f"{p['profile']}, segment {p['segment_size']}, quirk {'on' if p['quirk'] else 'off'}"]
    for key, m in report.methods.items():
        lay = m.pool.layout
        good = sum(r.bytes_match for r in m.readings)
        lines += ["", f"{m.spec.title}: {m.spec.cpp}",
                  f"  pool bufferSize {lay.requested_buffer_size} -> {lay.buffer_size}; "
                  f"{good}/{len(m.readings)} packets read correctly",
                  f"  {'packet':>6}  {'read at':>9}  {'frame at':>9}  {'error':>7}  bytes"]
        for r in m.readings:
            at = "-" if r.read_offset is None else f"{r.read_offset:#x}"
            err = "-" if r.offset_error is None else f"{r.offset_error:+d}"
            verdict = "match" if r.bytes_match else ("FAULT" if r.fault else "junk")
            lines.append(f"  {r.index:>6}  {at:>9}  {r.frame_offset:>#9x}  {err:>7}  {verdict}")
    return "\n".join(lines), report.to_json()


cmd_layout.add_arguments = _layout_args
cmd_question.add_arguments = _question_args


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vethlab",
        description="Run the packet buffer pool of a simulated NetworkingDriverKit dext.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMAND_MODULES:
        importlib.import_module(module)
    for name, func in COMMANDS.items():
        p = sub.add_parser(name, help=func.command_help, description=func.command_help)
        getattr(func, "add_arguments", lambda p: None)(p)
        p.add_argument("--json", action="store_true", help="print JSON instead of text")
        p.set_defaults(func=func)
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
