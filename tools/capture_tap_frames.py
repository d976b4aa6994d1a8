#!/usr/bin/env python3
"""Capture frames a real Linux kernel sends through the TAP path, for dumps built from them.

    sudo python tools/capture_tap_frames.py [--out vethlab/inspection/tap_frames.pcap] [--pings N]

Needs root, ``/dev/net/tun`` and ``ip`` (iproute2): it runs where ``vethlab ping --tap`` runs.
A TAP device in a network namespace of its own (made and deleted by
:class:`vethlab.wire.tap.TapDevice`) carries the HOST address, and the kernel behind it:

1. resolves the app's address with ARP (the kernel's own ARP request),
2. pings the app ``--pings`` times (ICMP echo requests over a raw socket; the kernel writes the
   IPv4 header, its identification and checksum),
3. sends UDP datagrams of several sizes to the discard port (the kernel writes IPv4 and UDP
   headers and both checksums), from 1 byte up to a full 1472-byte payload.

Every frame the kernel wrote to the TAP is saved, in the order it came, as a pcap file (link
type Ethernet). No frame is built by vethlab's frame code: the kernel built them all. The
inspect tests lay these frames into dumps of pools at computed offsets, so that inspect is
checked against frames it was not written alongside. Only documentation addresses are used
(192.0.2.0/24, inside the namespace), so the file holds no one's traffic.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from vethlab.ping.tap_link import TapLink
from vethlab.wire.pcap import write_pcap
from vethlab.wire.tap import tap_available

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "vethlab" / "inspection" / "tap_frames.pcap"
UDP_SIZES = (1, 18, 100, 333, 512, 777, 1000, 1200, 1400, 1472)


def capture(pings: int = 8, udp_sizes=UDP_SIZES) -> list[bytes]:
    """Run the kernel's traffic through the TAP; return every frame it sent, in order."""
    with TapLink() as link:
        run = link.kernel_ping(pings, interval=0.01)
        if run.returncode != 0:
            raise RuntimeError(f"the kernel's ping failed: {run.stderr.strip()}")
        for size in udp_sizes:
            payload = bytes((i * 7 + size) & 0xFF for i in range(size))
            run = link.kernel_udp(payload)
            if run.returncode != 0:
                raise RuntimeError(f"the kernel's UDP send failed: {run.stderr.strip()}")
        return list(link.from_kernel)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="pcap file to write")
    parser.add_argument("--pings", type=int, default=8, help="echo requests (default 8)")
    args = parser.parse_args(argv)
    ok, why = tap_available()
    if not ok:
        print(f"capture_tap_frames: {why}", file=sys.stderr)
        return 2
    frames = capture(args.pings)
    write_pcap(args.out, frames)
    kinds = {}
    for f in frames:
        kind = {b"\x08\x06": "ARP", b"\x08\x00": "IPv4", b"\x86\xdd": "IPv6"}.get(f[12:14], "other")
        kinds[kind] = kinds.get(kind, 0) + 1
    print(
        f"{len(frames)} frames from the kernel ({', '.join(f'{v} {k}' for k, v in kinds.items())})"
        f" written to {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
