"""The ping app: a small responder that answers ARP requests and echo requests for its address."""

from __future__ import annotations

from collections import Counter

import dpkt

from vethlab.handoff.app import QuestionApp
from vethlab.iokit import IOConnectCallStructMethod
from vethlab.ioreturn import (
    IOReturnName,
    kIOReturnSuccess,
)
from vethlab.ping.dext import PUT_FAILURES, VirtualEthernetDext, kPutPacket
from vethlab.wire import frames as _frames
from vethlab.wire.frames import APP, Endpoint

__all__ = [
    "answer",
    "Responder",
]


def answer(frame: bytes, me: Endpoint = APP) -> bytes | None:
    """The responder's reply to ``frame``: an ARP reply to a request for ``me``'s IPv4
    address, an echo reply to an IPv4 echo request to it; None for anything else."""
    try:
        eth = dpkt.ethernet.Ethernet(frame)
    except dpkt.UnpackError:
        return None
    data = eth.data
    if (
        isinstance(data, dpkt.arp.ARP)
        and data.op == dpkt.arp.ARP_OP_REQUEST
        and data.tpa == me.ipv4
    ):
        return _frames.arp_reply(frame, me)
    if (
        isinstance(data, dpkt.ip.IP)
        and data.dst == me.ipv4
        and isinstance(data.data, dpkt.icmp.ICMP)
        and data.data.type == dpkt.icmp.ICMP_ECHO
        and isinstance(data.data.data, dpkt.icmp.ICMP.Echo)
    ):
        return _frames.icmp_echo_reply(frame, me)
    return None


class Responder:
    """The controlling app: it opens the dext's user client (one of the question app's three
    designs), takes every frame the interface sends, and answers ARP requests for its address
    and ping with ``kPutPacket``."""

    def __init__(
        self,
        dext: VirtualEthernetDext,
        me: Endpoint = APP,
        design: str = "per_packet",
        *,
        name: str = "VethApp",
    ) -> None:
        self.me = me
        self.app = QuestionApp(dext, design, name=name, on_frame=self.on_frame)
        self.received: list[bytes] = []
        self.replies: list[bytes] = []  # replies PutPacket accepted
        self.put_failures: Counter[str] = Counter()
        self.puts = 0

    def open(self) -> int:
        """Connect and register (``QuestionApp.open``); the first failing code or success."""
        return self.app.open()

    def run(self, limit: int | None = None) -> int:
        """Run the notifications waiting on the app's dispatch queue (at most ``limit``);
        return frames received."""
        if limit is None:
            return self.app.run()
        before = len(self.received)
        self.app.queue.drain(limit)
        return len(self.received) - before

    @property
    def waiting(self) -> int:
        """Notifications waiting on the app's dispatch queue."""
        return self.app.queue.pending

    def on_frame(self, frame: bytes) -> None:
        self.received.append(bytes(frame))
        reply = answer(frame, self.me)
        if reply is not None:
            self.put(reply)

    def put(self, frame: bytes) -> int:
        """Send ``frame`` up the interface (``kPutPacket``); returns the code."""
        self.puts += 1
        kr, _ = IOConnectCallStructMethod(self.app.connect, kPutPacket, frame, 0)
        if kr == kIOReturnSuccess:
            self.replies.append(bytes(frame))
        else:
            self.put_failures[PUT_FAILURES.get(kr, IOReturnName(kr))] += 1
        return kr

    def close(self) -> int:
        return self.app.close()
