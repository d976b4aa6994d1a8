"""Ping through the dext: a virtual Ethernet dext, its controlling app as a small responder,
and the link that wires them to the host stack.

The whole path of one ping, each arrow a call you can step through::

    host stack (kernel)              VirtualEthernetDext                  Responder (the app)
    send(echo request)
      -> TX submission --doorbell--> TxPacketAvailable: the packets
                                     wait in `pending`; AsyncCompletion
                                     "packets available" ------------->  callback on its queue
                                     GetPacket: frame copied out,  <----  IOConnectCallStructMethod
                                     packet completed on TX completion     (kGetPacket)
    reclaim <- TX completion                                            on_frame: ARP request for
                                                                        my address? echo request?
                                     PutPacket: an empty packet from <--  IOConnectCallStructMethod
                                     RX submission, filled, enqueued        (kPutPacket, the reply)
    deliver <- RX completion         on RX completion
    (validate, match the reply)

The dext builds on the question's user client (:mod:`vethlab.question_app`): the same
``PacketUserClient`` selectors (RegisterCallback, GetPacket, GetPackets, RegisterFrameCallback,
CompleteFrames) in the same three designs, plus ``kPutPacket``. The difference is where its
packets come from: TX submission, and back to TX completion, instead of straight from a pool.
Its GetPacket is the safe one: a frame over 1600 bytes is dropped (``kIOReturnMessageTooLarge``).

Provenance: the queue calls are documented (see :mod:`vethlab.queues`); the app's IOKit calls
are documented; the PutPacket selector, its number and its error codes, the responder's
behaviour and the step-by-step scheduling are modelled.
"""

from __future__ import annotations

from collections import Counter, deque

import dpkt

from . import frames as _frames
from .ethernet import SampleEthernetDext
from .frames import APP, Endpoint
from .host import HostStack
from .iokit import IOConnectCallStructMethod
from .ioreturn import (
    BadArgument,
    IOReturnError,
    IOReturnName,
    kIOReturnBadArgument,
    kIOReturnNotReady,
    kIOReturnOverrun,
    kIOReturnSuccess,
    kIOReturnUnderrun,
)
from .memory import Mac
from .packet import IOUserNetworkPacket, PacketState
from .question_app import (
    DEFAULT_GUARD,
    OutputSlot,
    PacketDext,
    PacketUserClient,
    QuestionApp,
)
from .queues import Place, check_move, place_of, scheduler_of, where
from .userclient import (
    ENTITLEMENT_DRIVERKIT,
    IOUserClientMethodDispatch,
    kIOUserClientVariableStructureSize,
)

__all__ = [
    "kPutPacket",
    "EthernetUserClient",
    "VirtualEthernetDext",
    "Responder",
    "VirtualLink",
    "answer",
    "PUT_FAILURES",
    "ping_burst",
]

#: The selector that puts a frame on the RX path (modelled number: the next after
#: vethlab.question_app's).
kPutPacket = 5

#: Why a PutPacket failed, by the code the app got back.
PUT_FAILURES = {
    kIOReturnUnderrun: "RX submission had no empty packet",
    kIOReturnOverrun: "RX completion full",
    kIOReturnNotReady: "RX queues not enabled",
    kIOReturnBadArgument: "reply does not fit a packet buffer",
}


def _put_packet(target, reference, arguments):
    return target.PutPacket(arguments)


class EthernetUserClient(PacketUserClient):
    """The question's user client plus ``kPutPacket``: a frame in, on the RX path."""

    SELECTOR_NAMES = {**PacketUserClient.SELECTOR_NAMES, kPutPacket: "PutPacket"}
    DISPATCH = {
        **PacketUserClient.DISPATCH,
        kPutPacket: IOUserClientMethodDispatch(
            _put_packet, checkStructureInputSize=kIOUserClientVariableStructureSize),
    }

    def PutPacket(self, arguments) -> None:
        """The frame in ``structureInput`` (or its descriptor, over 4096 bytes) goes on the
        RX path: ``receive_frame`` raises the queue's error when it cannot."""
        frame = arguments.structure_input_bytes()
        if not frame:
            raise BadArgument("PutPacket needs a frame as its structure input")
        self.provider.receive_frame(frame)


class VirtualEthernetDext(SampleEthernetDext):
    """A virtual Ethernet dext whose "wire" is its controlling app.

    TX packets wait in ``pending`` (held by the dext) until the app takes their frames with
    GetPacket (or GetPackets, or reads them through its mapping); then they are completed on
    TX completion. Frames the app puts with ``kPutPacket`` go on the RX path.
    """

    bundle_identifier = "com.example.vethlab.VirtualEthernet"
    entitlements = {ENTITLEMENT_DRIVERKIT: True,
                    "com.apple.developer.driverkit.family.networking": True}
    USER_CLIENT_CLASS = EthernetUserClient
    get_packet = "safe"

    def __init__(self, mac: Mac, *, guard: int = DEFAULT_GUARD, keep_records: int = 0,
                 **options) -> None:
        super().__init__(mac, **options)
        self.guard = guard
        self.keep_records = keep_records

    def Start(self, provider=None) -> None:
        super().Start(provider)
        self.pending: deque[IOUserNetworkPacket] = deque()
        self.slot = OutputSlot(self.task, self.guard)
        self.clients: list = []
        self.records: deque = deque(maxlen=max(self.keep_records, 0))
        self.dropped = 0  # frames GetPacket refused (over 1600 bytes)
        self._serials: dict[int, int] = {}
        self.pool_md = self.pool.CopyMemoryDescriptor()
        self._address = lambda dext, packet: dext.frame_address(packet)

    # The question dext's provider side, reused as is: it only needs the attributes above.
    NewUserClient = PacketDext.NewUserClient
    getPacket = PacketDext.getPacket
    packets_available = PacketDext.packets_available
    write_batch = PacketDext.write_batch
    serial_of = PacketDext.serial_of
    log = PacketDext.log

    def frame_address(self, packet: IOUserNetworkPacket) -> int:
        """Today's API: ``getDataVirtualAddress() + getDataOffset()``."""
        return packet.getDataVirtualAddress() + packet.getDataOffset()

    def frame_pool_offset(self, packet: IOUserNetworkPacket) -> int:
        return packet.frame_offset()

    # -- TX ------------------------------------------------------------------------------------
    def send_packet(self, packet: IOUserNetworkPacket) -> None:
        """Hold the packet until the app takes its frame."""
        self._serials[packet.index] = self.counters["tx frames"]
        self.counters["tx frames"] += 1
        self.pending.append(packet)

    def TxPacketAvailable(self, action) -> None:
        super().TxPacketAvailable(action)
        if self.pending:
            self.packets_available()

    def recycle(self, packet: IOUserNetworkPacket) -> None:
        """The app has the frame: complete the packet on TX completion (free it if refused)."""
        if packet.state is PacketState.APP:  # back from the app (shared mapping)
            check_move(packet, Place.DEXT_TX)
            packet.state = PacketState.DRIVER
        try:
            self.txc.EnqueuePacket(packet)
        except IOReturnError:
            self.counters["tx completion refused"] += 1
            self.pool.DeallocatePacket(packet)

    def recycle_many(self, packets) -> None:
        for packet in list(packets):
            self.recycle(packet)

    def SetInterfaceEnable(self, isEnable: bool) -> None:
        if not isEnable:  # frames the app never took are dropped: complete their packets
            while self.pending:
                self.counters["dropped on disable"] += 1
                self.recycle(self.pending.popleft())
        super().SetInterfaceEnable(isEnable)


def answer(frame: bytes, me: Endpoint = APP) -> bytes | None:
    """The responder's reply to ``frame``: an ARP reply to a request for ``me``'s IPv4
    address, an echo reply to an IPv4 echo request to it; None for anything else."""
    try:
        eth = dpkt.ethernet.Ethernet(frame)
    except dpkt.UnpackError:
        return None
    data = eth.data
    if isinstance(data, dpkt.arp.ARP) and data.op == dpkt.arp.ARP_OP_REQUEST \
            and data.tpa == me.ipv4:
        return _frames.arp_reply(frame, me)
    if isinstance(data, dpkt.ip.IP) and data.dst == me.ipv4 and isinstance(data.data, dpkt.icmp.ICMP) \
            and data.data.type == dpkt.icmp.ICMP_ECHO and isinstance(data.data.data, dpkt.icmp.ICMP.Echo):
        return _frames.icmp_echo_reply(frame, me)
    return None


class Responder:
    """The controlling app: it opens the dext's user client (one of the question app's three
    designs), takes every frame the interface sends, and answers ARP requests for its address
    and ping with ``kPutPacket``."""

    def __init__(self, dext: VirtualEthernetDext, me: Endpoint = APP, design: str = "per_packet",
                 *, name: str = "VethApp") -> None:
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


class VirtualLink:
    """One simulated Mac with the virtual Ethernet dext, the host stack on its kernel side and
    the responder app on the other: everything ``vethlab ping`` runs.

    ``settle()`` runs the dispatch queues (dext, kernel) and the app's queue until nothing is
    left to do; ``step()`` does one block. ``accounting()`` checks that every frame offered
    was delivered or dropped with a reason.
    """

    def __init__(self, *, profile="apple-silicon", seed: int = 0, packets: int = 64,
                 capacities=16, buffer_size: int = 2048, headroom: int = 8, tx_batch: int = 8,
                 redrain: bool = True, design: str = "per_packet", host_class=HostStack,
                 me: Endpoint = APP) -> None:
        self.mac = Mac(profile, None, seed)
        self.dext = VirtualEthernetDext(self.mac, packets=packets, capacities=capacities,
                                        buffer_size=buffer_size, headroom=headroom,
                                        tx_batch=tx_batch, redrain=redrain)
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
        return [p.index for p in self.pool.packets if place_of(p) is not Place.POOL]

    def in_flight(self) -> dict[str, int]:
        """Frames somewhere between the two ends right now, by where they are."""
        places = where(self.pool)
        return {"TX submission": len(places[Place.TX_SUBMISSION]),
                "waiting for the app": len(self.dext.pending),
                "lent to the app": len(places[Place.APP]),
                "RX completion": len(places[Place.RX_COMPLETION])}

    def accounting(self) -> dict:
        """Frames offered, delivered, dropped (by reason) and in flight, each way.

        Out: the host's frames to the app. In: the app's frames to the host."""
        out_drops = self.host.drops_out + Counter(
            {"longer than GetPacket_Output.packet_data": self.dext.dropped}
            if self.dext.dropped else {})
        out_drops += Counter({"interface went down before the app took it":
                              self.dext.counters["dropped on disable"]}
                             if self.dext.counters["dropped on disable"] else {})
        in_drops = self.responder.put_failures + self.host.drops_in
        flight = self.in_flight()
        return {
            "out": {"offered": len(self.host.sent), "delivered": len(self.responder.received),
                    "dropped": dict(out_drops),
                    "in_flight": flight["TX submission"] + flight["waiting for the app"]
                    + flight["lent to the app"]},
            "in": {"offered": self.responder.puts, "delivered": len(self.host.delivered),
                   "dropped": dict(in_drops), "in_flight": flight["RX completion"]},
        }


def ping_burst(burst: int, steps: int | None = None, **link_options
               ) -> tuple[VirtualLink, list[str]]:
    """A fresh link, ``burst`` echo requests sent at once, then ``steps`` single steps (all of
    them when None). Returns the link as it is then and what each step ran. The same
    arguments always give the same state: a picture of step k is a replay up to k."""
    if not isinstance(burst, int) or burst < 0:
        raise ValueError(f"burst {burst!r} must be a whole number of frames")
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
