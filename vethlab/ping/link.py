"""The link that wires the host stack, the ping dext and the responder app together, step by step."""

from __future__ import annotations

from collections import Counter

from vethlab.ioreturn import (
    IOReturnError,
    IOReturnName,
    kIOReturnSuccess,
)
from vethlab.model.cint import UINT16_MAX, c_int
from vethlab.model.memory import Mac
from vethlab.model.moves import Place
from vethlab.model.scheduler import scheduler_of
from vethlab.networkingdriverkit.queues import where
from vethlab.ping.app import Responder
from vethlab.ping.dext import VirtualEthernetDext
from vethlab.wire import frames as _frames
from vethlab.wire.frames import APP, Endpoint
from vethlab.wire.host import HostStack

__all__ = [
    "VirtualLink",
    "ping_burst",
]


class VirtualLink:
    """One simulated Mac with the virtual Ethernet dext, the host stack on its kernel side and
    the responder app on the other: everything ``vethlab ping`` runs.

    ``settle()`` runs the dispatch queues (dext, kernel) and the app's queue until nothing is
    left to do; ``step()`` does one block. ``accounting()`` checks that every frame offered
    was delivered or dropped with a reason.
    """

    def __init__(
        self,
        *,
        profile="apple-silicon",
        seed: int = 0,
        packets: int = 64,
        capacities=16,
        buffer_size: int = 2048,
        headroom: int = 8,
        tx_batch: int = 8,
        redrain: bool = True,
        design: str = "per_packet",
        host_class=HostStack,
        me: Endpoint = APP,
    ) -> None:
        self.mac = Mac(profile, None, seed)
        self.dext = VirtualEthernetDext(
            self.mac,
            packets=packets,
            capacities=capacities,
            buffer_size=buffer_size,
            headroom=headroom,
            tx_batch=tx_batch,
            redrain=redrain,
        )
        self.dext.Start()
        self.host = host_class(self.dext.pool)
        self.host.attach(self.dext)
        self.responder = Responder(self.dext, me, design)
        kr = self.responder.open()
        if kr != kIOReturnSuccess:
            raise IOReturnError(kr, f"the app could not open the dext: {IOReturnName(kr)}")
        self.host.up()
        self.scheduler = scheduler_of(self.mac)

    @property
    def pool(self):
        return self.dext.pool

    def step(self) -> bool:
        """Run one block: the dext's or the kernel's (round robin), else one of the app's.
        Returns whether there was one."""
        if self.scheduler.step():
            return True
        return self.responder.app.queue.drain(1) > 0

    def settle(self, max_rounds: int = 10_000) -> int:
        """Run everything until nothing is left; return the blocks run."""
        total = 0
        for _ in range(max_rounds):
            ran = self.scheduler.run()
            waiting = self.responder.waiting
            self.responder.run()
            total += ran + waiting
            if ran == 0 and waiting == 0:
                return total
        raise RuntimeError(f"the link did not settle in {max_rounds} rounds")

    def where(self) -> dict[Place, list[int]]:
        return where(self.pool)

    def shutdown(self) -> None:
        """The app closes, the interface goes down, everything settles."""
        self.settle()
        self.responder.close()
        self.host.down()
        self.settle()

    def leaked(self) -> list[int]:
        """Packets not back in the pool (meaningful after ``shutdown``)."""
        return [p.index for p in self.pool.packets if p.place is not Place.POOL]

    def in_flight(self) -> dict[str, int]:
        """Frames somewhere between the two ends right now, by where they are."""
        places = where(self.pool)
        return {
            "TX submission": len(places[Place.TX_SUBMISSION]),
            "waiting for the app": len(self.dext.pending),
            "lent to the app": len(places[Place.APP]),
            "RX completion": len(places[Place.RX_COMPLETION]),
        }

    def accounting(self) -> dict:
        """Frames offered, delivered, dropped (by reason) and in flight, each way.

        Out: the host's frames to the app. In: the app's frames to the host."""
        out_drops = self.host.drops_out + Counter(
            {"longer than GetPacket_Output.packet_data": self.dext.dropped}
            if self.dext.dropped
            else {}
        )
        out_drops += Counter(
            {"interface went down before the app took it": self.dext.counters["dropped on disable"]}
            if self.dext.counters["dropped on disable"]
            else {}
        )
        in_drops = self.responder.put_failures + self.host.drops_in
        flight = self.in_flight()
        return {
            "out": {
                "offered": len(self.host.sent),
                "delivered": len(self.responder.received),
                "dropped": dict(out_drops),
                "in_flight": flight["TX submission"]
                + flight["waiting for the app"]
                + flight["lent to the app"],
            },
            "in": {
                "offered": self.responder.puts,
                "delivered": len(self.host.delivered),
                "dropped": dict(in_drops),
                "in_flight": flight["RX completion"],
            },
        }


def ping_burst(
    burst: int, steps: int | None = None, **link_options
) -> tuple[VirtualLink, list[str]]:
    """A fresh link, ``burst`` echo requests sent at once, then ``steps`` single steps (all of
    them when None). Returns the link as it is then and what each step ran. The same
    arguments always give the same state: a picture of step k is a replay up to k."""
    burst = c_int("burst", burst, 0, UINT16_MAX)  # sequence numbers 1..burst are 16 bits
    link = VirtualLink(**link_options)
    for seq in range(1, burst + 1):
        link.host.send(_frames.icmp_echo_request(_frames.HOST, link.responder.me, 0x7668, seq))
    labels = []
    while steps is None or len(labels) < steps:
        before = link.scheduler.steps
        if not link.step():
            break
        if link.scheduler.steps != before:
            labels.append(link.scheduler.trace[-1])
        else:
            labels.append(f"{link.responder.app.app.name}: notification (GetPacket, PutPacket)")
    return link, labels
