"""``vethlab inspect DUMP``: the frames, stride, headroom and data offsets of a raw pool dump.

    vethlab inspect DUMP [--page-size N] [--reads FILE] [--png FILE] [--json]

DUMP is the raw bytes of the pool's mapping, from its first byte. ``--reads``: a text file, one
read per line, ``packet_index offset`` (offset from the dump's first byte, decimal or 0x-hex).
Exit status: 0 an answer; 1 no answer could be inferred (``NoAnswer``, an IOReturnError with
kIOReturnNotFound); 2 the dump (or the reads file) cannot be read, or an option is wrong.
"""

from __future__ import annotations

import argparse
import os

from vethlab.inspection import NoAnswer, inspect, parse_reads
from vethlab.inspection.draw import save_png

HELP = "find the frames, real buffer size, headroom and data offsets in a raw dump of a pool"


def _dump_path(value: str) -> str:
    if not os.path.isfile(value):
        raise argparse.ArgumentTypeError(f"{value!r} is not a file")
    if not os.access(value, os.R_OK):
        raise argparse.ArgumentTypeError(f"{value!r} cannot be read")
    return value


def _reads_file(value: str) -> list[tuple[int, int]]:
    try:
        with open(value, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as err:
        raise argparse.ArgumentTypeError(f"{value!r} cannot be read: {err}") from None
    try:
        return parse_reads(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"{value}: {err}") from None


def _page_size(value: str) -> int:
    try:
        n = int(value, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if n <= 0 or n & (n - 1):
        raise argparse.ArgumentTypeError(f"{n} is not a power of two (4096 Intel, 16384 Apple)")
    return n


def add_arguments(p) -> None:
    p.add_argument(
        "dump",
        metavar="DUMP",
        type=_dump_path,
        help="the raw bytes of the pool's mapping, from its first byte",
    )
    p.add_argument(
        "--page-size",
        type=_page_size,
        default=None,
        help="the Mac's page size (16384 Apple silicon, 4096 Intel): segment starts "
        "fall on it (default: 4096)",
    )
    p.add_argument(
        "--reads",
        type=_reads_file,
        default=None,
        metavar="FILE",
        help="where your code read: one 'packet_index offset' per line",
    )
    p.add_argument(
        "--png", default=None, metavar="FILE", help="draw the memory map found into this PNG file"
    )
    p.add_argument(
        "--rows", type=int, default=8, help="frames listed in the text report (default 8)"
    )


def run(args):
    result = inspect(args.dump, page_size=args.page_size, reads=args.reads)
    if not result.answered:
        raise NoAnswer(
            "no answer from "
            + os.path.basename(args.dump)
            + ": "
            + "; ".join(
                r for r in result.reasons if r.startswith("no answer") or r.startswith("found")
            ),
            result,
        )
    text = result.text(rows=args.rows)
    if args.png:
        save_png(result, args.png)
        text += f"\n\nmemory map drawn in {args.png}"
    return text, result.to_json()
