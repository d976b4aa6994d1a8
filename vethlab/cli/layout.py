"""``vethlab layout``: how a pool is laid out."""

from __future__ import annotations

from vethlab.cli.common import integer, machine_options
from vethlab.model.layout import MAX_BUFFER_COUNT, MAX_BUFFER_SIZE, PoolLayout
from vethlab.model.machine import Boot

HELP = "how a pool is laid out: real buffer size, segments, pages, buffer offsets"

BUFFER_SIZE = integer(1, MAX_BUFFER_SIZE)
COUNT = integer(1, MAX_BUFFER_COUNT)
ROWS = integer(0, MAX_BUFFER_COUNT)


def add_arguments(p):
    machine_options(p)
    p.add_argument("--buffer-size", type=BUFFER_SIZE, default=1600,
                   help=f"requested bufferSize, {BUFFER_SIZE} (default 1600)")
    p.add_argument("--packets", type=COUNT, default=32, help=f"packetCount, {COUNT} (default 32)")
    p.add_argument("--buffers", type=COUNT, default=None,
                   help=f"bufferCount, {COUNT}, at least --packets (default: --packets)")
    p.add_argument("--rows", type=ROWS, default=8,
                   help=f"buffers listed in the text table, {ROWS} (default 8)")


def run(args):
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
