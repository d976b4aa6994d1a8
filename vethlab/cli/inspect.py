"""``vethlab inspect DUMP``: the frames, stride, headroom and data offsets of a raw pool dump.

    vethlab inspect DUMP [--page-size N] [--reads FILE] [--png FILE] [--json]

DUMP is the raw bytes of the pool's mapping, from its first byte. ``--reads``: a text file, one
read per line, ``packet_index offset`` (offset from the dump's first byte, decimal or 0x-hex).
Exit status: 0 an answer; 1 no answer could be inferred (``NoAnswer``, an IOReturnError with
kIOReturnNotFound); 2 the dump (or the reads file) cannot be read, or an option is wrong.
"""

from __future__ import annotations

import os

from vethlab.cli.common import InputError, input_file, integer, integer_choice, output_file
from vethlab.inspection import NoAnswer, inspect, parse_reads

HELP = "find the frames, real buffer size, headroom and data offsets in a raw dump of a pool"


#: ``--page-size``: the page sizes of the two kinds of Mac.
PAGE_SIZE = integer_choice((4096, 16384))
ROWS = integer(0, 1 << 20)


def add_arguments(p) -> None:
    p.add_argument(
        "dump",
        metavar="DUMP",
        type=input_file,
        help="the raw bytes of the pool's mapping, from its first byte",
    )
    p.add_argument(
        "--page-size",
        type=PAGE_SIZE,
        default=None,
        help=f"the Mac's page size, {PAGE_SIZE} (16384 Apple silicon, 4096 Intel): segment "
        "starts fall on it (default: 4096)",
    )
    p.add_argument(
        "--reads",
        type=input_file,
        default=None,
        metavar="FILE",
        help="where your code read: one 'packet_index offset' per line",
    )
    p.add_argument(
        "--png",
        type=output_file,
        default=None,
        metavar="FILE",
        help="draw the memory map found into this PNG file",
    )
    p.add_argument(
        "--rows", type=ROWS, default=8, help=f"frames listed in the text report, {ROWS} (default 8)"
    )


def run(args):
    reads = None
    if args.reads is not None:
        try:
            with open(args.reads, encoding="utf-8") as f:
                reads = parse_reads(f.read())
        except (OSError, UnicodeDecodeError, ValueError) as err:
            raise InputError(f"argument --reads: {args.reads}: {err}") from None
    result = inspect(args.dump, page_size=args.page_size, reads=reads)
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
        # matplotlib is imported only when a picture is asked for: every other run starts faster.
        from vethlab.inspection.draw import save_png

        save_png(result, args.png)
        text += f"\n\nmemory map drawn in {args.png}"
    return text, result.to_json()
