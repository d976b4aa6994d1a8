"""``vethlab layout``: how a pool is laid out."""

from __future__ import annotations

from vethlab.cli import stacks
from vethlab.cli.common import integer, machine_options
from vethlab.model.layout import MAX_BUFFER_COUNT, MAX_MEMORY_SEGMENT_SIZE, PoolLayout
from vethlab.model.machine import Boot

HELP = "how a pool is laid out: real buffer size, resized segments, pages, buffer offsets"

BUFFER_SIZE = integer(1, 0xFFFF_FFFF)  # uint32_t; the Mac refuses pools too big to simulate
MEMORY_SEGMENT_SIZE = integer(0, MAX_MEMORY_SEGMENT_SIZE)
COUNT = integer(1, MAX_BUFFER_COUNT)
ROWS = integer(0, MAX_BUFFER_COUNT)


def add_arguments(p):
    machine_options(p)
    p.add_argument(
        "--buffer-size",
        type=BUFFER_SIZE,
        default=1600,
        help=f"requested bufferSize, {BUFFER_SIZE} (default 1600)",
    )
    p.add_argument("--packets", type=COUNT, default=32, help=f"packetCount, {COUNT} (default 32)")
    p.add_argument(
        "--buffers",
        type=COUNT,
        default=None,
        help=f"bufferCount, {COUNT}, at least --packets (default: --packets)",
    )
    p.add_argument(
        "--memory-segment-size",
        type=MEMORY_SEGMENT_SIZE,
        default=0,
        help="the pool options' memorySegmentSize, rounded up to 16 KiB, replaces "
        f"the boot's segment, {MEMORY_SEGMENT_SIZE} (default 0: the boot's)",
    )
    p.add_argument(
        "--rows", type=ROWS, default=8, help=f"buffers listed in the text table, {ROWS} (default 8)"
    )
    stacks.add_arguments(p)


def run(args):
    if (other := stacks.run(args)) is not None:  # --stack netmap, af_xdp, dpdk, skb, mbuf
        return other
    boot = Boot(args.profile, args.segment_size, args.seed)
    lay = PoolLayout.plan(
        boot, args.buffer_size, args.packets, args.buffers, args.memory_segment_size
    )
    summary = {
        "profile": boot.profile.name,
        **lay.summary(),
        "buffer_offsets": [int(o) for o in lay.buffer_offsets()],
    }
    lines = [
        f"profile          {boot.profile.name} (page {lay.page_size}, cache line {lay.cache_line})",
        f"segment size     {lay.segment_size} (resized by XNU from "
        + (
            f"memorySegmentSize {args.memory_segment_size} rounded up to {lay.start_segment_size}"
            if args.memory_segment_size
            else f"the boot's {lay.boot_segment_size}"
        )
        + (
            f"; {lay.segment_unused_bytes} bytes unused at its end)"
            if lay.segment_unused_bytes
            else ")"
        ),
        f"buffer size      {lay.requested_buffer_size} requested -> {lay.buffer_size} real"
        + (f" ({lay.stride_error:+d} bytes per slot)" if lay.stride_error else ""),
        f"packets/buffers  {lay.packet_count} / {lay.buffer_count}",
        f"per segment      {lay.buffers_per_segment} buffers, {lay.segment_count} segment(s)"
        + (
            f", {lay.region_buffer_count} buffers in all "
            f"({lay.region_buffer_count - lay.buffer_count} unused)"
            if lay.region_buffer_count > lay.buffer_count
            else ""
        ),
        f"pool length      {lay.length} bytes, {lay.page_count} page(s)",
        "",
        f"{'buffer':>6}  {'segment':>7}  {'segment offset':>14}  {'pool offset':>11}"
        + ("  offset if the stride were the requested size" if lay.stride_error else ""),
    ]
    for i in range(min(args.rows, lay.buffer_count)):
        row = (
            f"{i:>6}  {lay.segment_of(i):>7}  {lay.segment_offset(i):>#14x}  "
            f"{lay.buffer_offset(i):>#11x}"
        )
        if lay.stride_error:
            row += f"  {lay.segment_offset(i, reported_stride=True):>#x}"
        lines.append(row)
    if lay.buffer_count > args.rows:
        lines.append(f"   ... {lay.buffer_count - args.rows} more (--rows N, or --json)")
    return "\n".join(lines), summary
