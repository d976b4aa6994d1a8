"""``vethlab question``: the question's three ways to find a frame, run over a pool."""

from __future__ import annotations

from vethlab.cli.common import integer, machine_options
from vethlab.question.scenario import run_question

HELP = "the question's three ways to find a frame, packet by packet"

#: The most packets: a run at the largest buffer size takes about 3 s of one core (three pools
#: of 4,096 buffers of 64 KiB), well within 10 s on two cores. Pools of up to 131,072 packets
#: are allowed on a Mac, but the question's run at that size took about 40 s.
MAX_PACKETS = 4096
PACKETS = integer(1, MAX_PACKETS)
#: The largest bufferSize this command runs: every buffer is filled and read, so a larger one
#: only makes the run slower (XNU itself has no such cap; ``vethlab layout`` takes any uint32_t).
BUFFER_SIZE = integer(1, 65536)
HEADROOM = integer(0, 0xFF)  # uint8_t, as SetHeadroom takes it
DATA_OFFSET = integer(0, 0xFFFF)  # uint16_t, as SetDataOffset takes it


def add_arguments(p):
    machine_options(p)
    p.add_argument(
        "--headroom",
        type=HEADROOM,
        default=8,
        help=f"headroom of each TX packet, {HEADROOM} (default 8, as Apple's sample sets)",
    )
    p.add_argument(
        "--data-offset",
        type=DATA_OFFSET,
        default=None,
        help=f"data offset of each packet, {DATA_OFFSET} (default: the headroom; 2 = native flow)",
    )
    p.add_argument(
        "--packets", type=PACKETS, default=32, help=f"packets in the pool, {PACKETS} (default 32)"
    )
    p.add_argument(
        "--buffer-size",
        type=BUFFER_SIZE,
        default=1600,
        help=f"requested bufferSize, {BUFFER_SIZE} (default 1600)",
    )
    p.add_argument(
        "--no-quirk",
        action="store_true",
        help="turn off the reported quirk (segment offsets with the requested stride)",
    )


def run(args):
    report = run_question(
        profile=args.profile,
        segment_size=args.segment_size,
        seed=args.seed,
        buffer_size=args.buffer_size,
        packets=args.packets,
        headroom=args.headroom,
        data_offset=args.data_offset,
        quirk=not args.no_quirk,
    )
    p = report.parameters
    lines = [
        f"{p['packets']} packets, headroom {p['headroom']}, data offset {p['data_offset']}, "
        f"{p['profile']}, segment {p['segment_size']}, quirk {'on' if p['quirk'] else 'off'}"
    ]
    for m in report.methods.values():
        lay = m.pool.layout
        good = sum(r.bytes_match for r in m.readings)
        lines += [
            "",
            f"{m.spec.title}: {m.spec.cpp}",
            f"  pool bufferSize {lay.requested_buffer_size} -> {lay.buffer_size}; "
            f"{good}/{len(m.readings)} packets read correctly",
            f"  {'packet':>6}  {'read at':>9}  {'frame at':>9}  {'error':>7}  bytes",
        ]
        for r in m.readings:
            at = "-" if r.read_offset is None else f"{r.read_offset:#x}"
            err = "-" if r.offset_error is None else f"{r.offset_error:+d}"
            verdict = "match" if r.bytes_match else ("FAULT" if r.fault else "junk")
            lines.append(f"  {r.index:>6}  {at:>9}  {r.frame_offset:>#9x}  {err:>7}  {verdict}")
    return "\n".join(lines), report.to_json()
