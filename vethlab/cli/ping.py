"""``vethlab ping``: ping the app through the virtual Ethernet dext."""

from __future__ import annotations

from vethlab.ping.run import run_ping, run_tap_ping
from vethlab.wire.tap import tap_available

HELP = "ping the app through the virtual Ethernet dext (simulated host, or --tap)"


def add_arguments(p) -> None:
    p.add_argument("--count", "-c", type=int, default=4, help="echo requests to send (default 4)")
    p.add_argument("--pcap", default=None, help="write every frame that crossed the interface here")
    p.add_argument("--tap", action="store_true",
                   help="a real Linux kernel behind a TAP device sends (root, /dev/net/tun, ip)")
    p.add_argument("--design", choices=("per_packet", "batch", "shared_mapping"),
                   default="per_packet", help="how the app takes frames from the dext")
    p.add_argument("--flow", choices=("bsd", "native"), default="bsd",
                   help="data offset of TX frames: 0 (BSD sockets) or 2 (native flows) past "
                        "the headroom (simulated host only)")
    p.add_argument("--seed", type=int, default=0, help="seed of the simulated boot (default 0)")
    p.add_argument("--packets", type=int, default=64, help="packets in the dext's pool (default 64)")
    p.add_argument("--capacity", type=int, default=16, help="capacity of each queue (default 16)")


def run(args):
    if args.tap:
        ok, why = tap_available()
        if not ok:
            raise SystemExit(f"vethlab ping --tap: {why}")
        report = run_tap_ping(args.count, pcap=args.pcap, design=args.design, seed=args.seed,
                              packets=args.packets, capacity=args.capacity)
    else:
        report = run_ping(args.count, pcap=args.pcap, design=args.design, flow=args.flow,
                          seed=args.seed, packets=args.packets, capacity=args.capacity)
    return "\n".join(report.lines), report.to_json()
