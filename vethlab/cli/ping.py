"""``vethlab ping``: ping the app through the virtual Ethernet dext."""

from __future__ import annotations

import traceback

from vethlab.cli.common import SEED, CommandError, integer, output_file
from vethlab.model.layout import MAX_BUFFER_COUNT
from vethlab.ping.run import run_ping, run_tap_ping
from vethlab.wire.tap import tap_available

HELP = "ping the app through the virtual Ethernet dext (simulated host, or --tap)"

#: The most echo requests: 5,000 take about 2 s of one core on the simulated host (0.4 ms
#: each) and about 3.5 s with --tap (10,000 took about 8 s there), within 10 s on two cores.
#: 0 sends only the ARP request and the UDP datagram.
MAX_COUNT = 5000
COUNT = integer(0, MAX_COUNT)
PACKETS = integer(1, MAX_BUFFER_COUNT)  # packetCount of a pool
CAPACITY = integer(1, 0xFFFF_FFFF)  # uint32_t, as a queue's capacity


def add_arguments(p) -> None:
    p.add_argument(
        "--count", "-c", type=COUNT, default=4, help=f"echo requests to send, {COUNT} (default 4)"
    )
    p.add_argument(
        "--pcap",
        type=output_file,
        default=None,
        metavar="FILE",
        help="write every frame that crossed the interface here (its folder must exist)",
    )
    p.add_argument(
        "--tap",
        action="store_true",
        help="a real Linux kernel behind a TAP device sends (root, /dev/net/tun, ip)",
    )
    p.add_argument(
        "--design",
        choices=("per_packet", "batch", "shared_mapping"),
        default="per_packet",
        help="how the app takes frames from the dext",
    )
    p.add_argument(
        "--flow",
        choices=("bsd", "native"),
        default="bsd",
        help="data offset of TX frames: 0 (BSD sockets) or 2 (native flows) past "
        "the headroom (simulated host only)",
    )
    p.add_argument(
        "--seed", type=SEED, default=0, help=f"seed of the simulated boot, {SEED} (default 0)"
    )
    p.add_argument(
        "--packets",
        type=PACKETS,
        default=64,
        help=f"packets in the dext's pool, {PACKETS} (default 64)",
    )
    p.add_argument(
        "--capacity",
        type=CAPACITY,
        default=16,
        help=f"capacity of each queue, {CAPACITY} (default 16)",
    )


def run(args):
    try:
        return _run(args)
    except OSError as err:  # the pcap could not be written (a full disk): name the file
        if args.pcap is None or err.filename is not None or not _raised_in(err, "write_pcap"):
            raise
        raise OSError(err.errno, f"cannot write it: {err.strerror}", args.pcap) from err


def _raised_in(err: BaseException, function: str) -> bool:
    return any(
        frame.f_code.co_name == function for frame, _ in traceback.walk_tb(err.__traceback__)
    )


def _run(args):
    if args.tap:
        ok, why = tap_available()
        if not ok:
            raise CommandError(f"--tap: {why}")
        report = run_tap_ping(
            args.count,
            pcap=args.pcap,
            design=args.design,
            seed=args.seed,
            packets=args.packets,
            capacity=args.capacity,
        )
    else:
        report = run_ping(
            args.count,
            pcap=args.pcap,
            design=args.design,
            flow=args.flow,
            seed=args.seed,
            packets=args.packets,
            capacity=args.capacity,
        )
    # Like ping(8): the report is printed either way, and a lost reply is a failure (status 1).
    # So is a packet the dext never gave back to its pool.
    failed = report.received < report.sent or report.packets_leaked > 0
    return "\n".join(report.lines), report.to_json(), 1 if failed else 0
