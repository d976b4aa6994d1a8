"""The host network stack: the other side of the interface, writing and reading frames.

It runs in the kernel and touches pool memory through the kernel's own mapping, never the
dext's, the way XNU's stack does. It records every frame it writes (which packet, where, how
long), so pictures can say, for any byte of the pool, whose frame it belongs to, and whether
that frame is current or a stale leftover of a recycled buffer.

Data offsets (observed): BSD-socket packets start right at the headroom; native Skywalk flows
(Network.framework) reserve 16 bytes for a 14-byte Ethernet header, so their frames start 2 bytes
past the headroom (data offset 2 when the interface's headroom is 0). Code that adds the headroom
where the data offset belongs is right by accident for the first and 2 bytes early for the second.
vethlab's host stack takes the data offset as a parameter; :func:`native_flow_data_offset` gives it.

Attached to an interface (:meth:`HostStack.attach`), the stack is the kernel's side of the four
queues: ``send`` puts a frame in a packet and submits it on TX submission; the kernel's own
dispatch queue reclaims TX completions and delivers RX completions (their doorbells ring it),
validates every received frame (lengths, checksums: ``vethlab.wire.frames.validate``), matches replies
to the requests it sent, learns neighbours from ARP replies, and keeps RX submission stocked
with empty packets. Every frame that crosses the interface, both ways, is kept in ``capture``
(what a packet capture on the interface would see) and can be written as a pcap. A frame it
could not send or would not accept is counted in ``drops`` under its reason. (Where the kernel
frees and restocks packets is modelled.)
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import dpkt

from vethlab.driverkit.dispatch import IODispatchQueue
from vethlab.driverkit.service import OSAction
from vethlab.ioreturn import IOReturnError, kIOReturnNotReady, kIOReturnOverrun
from vethlab.model.moves import Place
from vethlab.networkingdriverkit.packet import (
    IOUserNetworkPacket,
    kIOUserNetworkPacketDirectionRx,
    kIOUserNetworkPacketDirectionTx,
)
from vethlab.networkingdriverkit.pool import (
    IOUserNetworkPacketBufferPool,
    PoolExhausted,
)
from vethlab.networkingdriverkit.queues import QueueKind, kernel_allocate, kernel_free
from vethlab.wire.frames import is_reply_to, validate
from vethlab.wire.pcap import write_pcap

__all__ = [
    "HostStack",
    "FrameWrite",
    "NATIVE_FLOW_DATA_OFFSET",
    "BSD_SOCKET_DATA_OFFSET",
    "native_flow_data_offset",
    "FLOW_DATA_OFFSETS",
    "Sent",
    "Received",
]

BSD_SOCKET_DATA_OFFSET = 0  #: bytes past the headroom where a BSD-socket frame starts
NATIVE_FLOW_DATA_OFFSET = 2  #: bytes past the headroom where a native-flow frame starts


def native_flow_data_offset(headroom: int) -> int:
    """The data offset of a native-flow TX packet under ``headroom``: headroom + 2 (observed)."""
    return headroom + NATIVE_FLOW_DATA_OFFSET


#: Bytes past the headroom where a TX frame starts, by the kind of flow that sent it.
FLOW_DATA_OFFSETS = {"bsd": BSD_SOCKET_DATA_OFFSET, "native": NATIVE_FLOW_DATA_OFFSET}


@dataclass
class Sent:
    """A frame the stack offered to the interface, and what became of it."""

    serial: int
    frame: bytes
    flow: str
    packet: int | None = None  # the packet it was submitted in, if it was
    dropped: str | None = None  # why it never reached the driver, if it did not
    answered_by: int | None = None  # serial of the Received frame answering it

    @property
    def submitted(self) -> bool:
        return self.dropped is None


@dataclass
class Received:
    """A frame the stack took off RX completion."""

    serial: int
    frame: bytes
    packet: int
    problems: list[str] = field(default_factory=list)  # vethlab.wire.frames.validate's findings
    answers: int | None = None  # serial of the Sent request it answers


@dataclass(frozen=True)
class FrameWrite:
    """One frame the host stack wrote into pool memory."""

    serial: int  # the order of writes, starting at 0
    packet: int  # packet (= buffer) index
    offset: int  # pool offset of the first frame byte
    length: int
    frame: bytes

    @property
    def end(self) -> int:
        return self.offset + self.length


class HostStack:
    """The simulated macOS network stack attached to one pool."""

    def __init__(self, pool: IOUserNetworkPacketBufferPool) -> None:
        self.pool = pool
        self.kernel = pool.mac.kernel
        self.writes: list[FrameWrite] = []
        self._current: dict[int, FrameWrite] = {}  # packet index -> its frame now
        # Attached to an interface (attach): the kernel's side of its queues.
        self.interface = None
        self.dispatch = None  # the kernel's IODispatchQueue
        self.sent: list[Sent] = []
        self.received: list[Received] = []
        self.capture: list[tuple[str, bytes]] = []  # ("out" | "in", frame), in crossing order
        self.drops_out: Counter[str] = Counter()  # frames the stack could not get to the driver
        self.drops_in: Counter[str] = Counter()  # frames from the driver the stack refused
        self.neighbors: dict[bytes, bytes] = {}  # IPv4 address -> MAC, learned from ARP replies
        self.reclaimed = 0
        self._awaiting: dict[tuple, int] = {}  # reply key -> serial of the Sent request

    def transmit(
        self, frame: bytes, *, headroom: int | None = None, data_offset: int | None = None
    ) -> IOUserNetworkPacket:
        """Put ``frame`` in a fresh packet for the driver to send (the TX direction).

        ``headroom`` defaults to the pool's; ``data_offset`` defaults to the headroom (a
        fresh packet's data offset); pass 2 for a native-flow packet.
        """
        packet = self.pool.allocatePacket()
        try:
            if headroom is not None:
                packet.SetHeadroom(headroom)
            if data_offset is not None:
                packet.setDataOffset(data_offset)
            packet.setDataLength(len(frame))
            self.store(packet, frame)
        except Exception:
            self.pool.DeallocatePacket(packet)
            raise
        packet.direction = kIOUserNetworkPacketDirectionTx
        return packet

    def store(self, packet: IOUserNetworkPacket, frame: bytes) -> None:
        """Write ``frame`` at the packet's data offset, through the kernel's mapping."""
        offset = packet.frame_offset()
        self.kernel.write(self.pool.kernel_mapping.address_of(offset), frame)
        record = FrameWrite(len(self.writes), packet.index, offset, len(frame), bytes(frame))
        self.writes.append(record)
        self._current[packet.index] = record

    def current_frames(self) -> dict[int, FrameWrite]:
        """The frame each in-use packet holds now, by packet index."""
        return {
            i: w for i, w in self._current.items() if self.pool.packets[i].place is not Place.POOL
        }

    def origin(self, start: int, end: int) -> list[tuple[int, int, str, int | None]]:
        """Who owns each byte of pool range ``[start, end)``: a list of
        ``(start, end, kind, packet)`` runs, kind one of "frame" (a frame an in-use packet
        holds now), "stale" (bytes of an earlier frame whose buffer was recycled or
        overwritten) and "zero" (never written since the pool was created)."""
        owner: list[tuple[int, str, int | None]] = [(-1, "zero", None)] * (end - start)
        current = self.current_frames()
        live = {w.serial for w in current.values()}
        for w in self.writes:  # later writes overwrite earlier ones, as in memory
            lo, hi = max(w.offset, start), min(w.end, end)
            for pos in range(lo, hi):
                owner[pos - start] = (w.serial, "frame" if w.serial in live else "stale", w.packet)
        runs: list[tuple[int, int, str, int | None]] = []
        for i, (_serial, kind, pkt) in enumerate(owner):
            if runs and runs[-1][2] == kind and runs[-1][3] == pkt and runs[-1][1] == start + i:
                runs[-1] = (runs[-1][0], start + i + 1, kind, pkt)
            else:
                runs.append((start + i, start + i + 1, kind, pkt))
        return runs

    # -- the kernel's side of an interface's queues --------------------------------------------
    def attach(self, interface) -> None:
        """Become the kernel side of a registered interface: its completion queues' doorbells
        ring this stack's dispatch queue ("kernel")."""
        if getattr(interface, "pool", None) is not self.pool or not interface.queues:
            raise ValueError("attach a registered interface whose pool is this stack's pool")
        self.interface = interface
        q = interface.queues
        self.txs, self.txc = q[QueueKind.TX_SUBMISSION], q[QueueKind.TX_COMPLETION]
        self.rxs, self.rxc = q[QueueKind.RX_SUBMISSION], q[QueueKind.RX_COMPLETION]
        self.dispatch = IODispatchQueue.Create("kernel", mac=self.pool.mac)
        self.txc.CopyDataQueue().SetDataAvailableHandler(
            OSAction.Create(self, "TxCompletionAvailable", self.dispatch)
        )
        self.rxc.CopyDataQueue().SetDataAvailableHandler(
            OSAction.Create(self, "RxCompletionAvailable", self.dispatch)
        )
        self.txs.on_purge = self._purged

    def up(self) -> None:
        """``ifconfig up``: the system calls ``SetInterfaceEnable(true)``, then stocks RX
        submission with empty packets."""
        self.interface.SetInterfaceEnable(True)
        self.stock_rx()

    def down(self) -> None:
        """``ifconfig down``: frames the dext never took are dropped, the interface is
        disabled, completions are reclaimed and the stocked RX packets go back to the pool."""
        self.txs.kernel_purge("interface went down before the dext took it")
        self.interface.SetInterfaceEnable(False)
        self.reclaim()
        self.deliver()
        self.rxs.kernel_purge("interface went down")

    def send(self, frame: bytes, *, flow: str = "bsd") -> Sent:
        """Offer ``frame`` to the interface: a packet from the pool, the frame written at
        headroom + the flow's offset (0 for BSD sockets, 2 for native flows), submitted on TX
        submission. Returns the record; ``dropped`` says why when it did not get there."""
        if flow not in FLOW_DATA_OFFSETS:
            raise ValueError(f"flow {flow!r} is not one of {sorted(FLOW_DATA_OFFSETS)}")
        frame = bytes(frame)
        record = Sent(len(self.sent), frame, flow)
        self.sent.append(record)
        if self.interface is None or not self.interface.enabled:
            return self._drop(record, "interface down")
        mtu = self.interface.mtu
        if len(frame) > mtu + 14:
            return self._drop(record, f"longer than the MTU ({mtu}) allows")
        try:
            packet = kernel_allocate(self.pool, kIOUserNetworkPacketDirectionTx)
        except PoolExhausted:
            return self._drop(record, "pool exhausted")
        try:
            packet.setDataOffsetAndLength(self.pool.headroom + FLOW_DATA_OFFSETS[flow], len(frame))
        except IOReturnError:
            kernel_free(packet)
            return self._drop(record, "does not fit a packet buffer")
        self.store(packet, frame)
        try:
            self.txs.kernel_enqueue(packet)
        except IOReturnError as err:
            kernel_free(packet)
            reason = {
                kIOReturnOverrun: "TX submission full",
                kIOReturnNotReady: "TX submission not enabled",
            }.get(err.code, err.name)
            return self._drop(record, reason)
        record.packet = packet.index
        self.capture.append(("out", frame))
        key = _request_key(frame)
        if key is not None:
            self._awaiting[key] = record.serial
        return record

    def _drop(self, record: Sent, reason: str) -> Sent:
        record.dropped = reason
        self.drops_out[reason] += 1
        return record

    def _purged(self, packets: list[IOUserNetworkPacket], reason: str) -> None:
        """TX submission packets the kernel takes back: their frames are dropped."""
        self.drops_out[reason] += len(packets)
        by_packet = {r.packet: r for r in self.sent if r.packet is not None and r.dropped is None}
        for p in packets:
            record = by_packet.get(p.index)
            if record is not None:
                record.dropped = reason
                self.capture.remove(("out", record.frame))  # it never crossed the interface

    # handlers run on the kernel's dispatch queue when a completion queue's doorbell rings
    def TxCompletionAvailable(self, action) -> None:
        self.reclaim()

    def RxCompletionAvailable(self, action) -> None:
        self.deliver()

    def reclaim(self) -> int:
        """Take every packet off TX completion and return it to the pool; then restock RX."""
        n = 0
        while self.txc.count:
            kernel_free(self.txc.kernel_dequeue())
            n += 1
        self.reclaimed += n
        if n:
            self.stock_rx()
        return n

    def deliver(self) -> int:
        """Take every packet off RX completion: read its frame through the kernel's mapping,
        accept or drop it, and recycle the packet to RX submission (or free it)."""
        n = 0
        while self.rxc.count:
            packet = self.rxc.kernel_dequeue()
            frame = self.kernel.read(
                self.pool.kernel_mapping.address_of(packet.frame_offset()), packet.getDataLength()
            )
            self.capture.append(("in", frame))
            self.on_receive(frame, packet)
            self._recycle(packet)
            n += 1
        return n

    def on_receive(self, frame: bytes, packet: IOUserNetworkPacket) -> None:
        """A frame came up from the driver: filter, validate, match it to a request."""
        if len(frame) < 14 or not self.interface.accepts(frame[:6]):
            self.drops_in["not for this interface"] += 1
            return
        problems = validate(frame)
        if problems:
            self.drops_in["failed validation"] += 1
        record = Received(len(self.received), frame, packet.index, problems)
        self.received.append(record)
        if problems:
            return
        learned = _arp_sender(frame)
        if learned is not None:
            self.neighbors[learned[0]] = learned[1]
        key = _reply_key(frame)
        serial = self._awaiting.get(key) if key is not None else None
        if serial is not None and is_reply_to(frame, self.sent[serial].frame):
            del self._awaiting[key]
            self.sent[serial].answered_by = record.serial
            record.answers = serial

    def _recycle(self, packet: IOUserNetworkPacket) -> None:
        if self.rxs.enabled and not self.rxs.is_full:
            packet.setDataOffsetAndLength(0, 0)
            try:
                self.rxs.kernel_enqueue(packet)
                return
            except IOReturnError:
                pass
        kernel_free(packet)

    def stock_rx(self) -> int:
        """Fill RX submission with empty packets from the pool, up to its capacity."""
        n = 0
        while self.rxs.enabled and not self.rxs.is_full and self.pool.free_count:
            packet = kernel_allocate(self.pool, kIOUserNetworkPacketDirectionRx)
            try:
                self.rxs.kernel_enqueue(packet)
            except Exception:
                kernel_free(packet)
                raise
            n += 1
        return n

    # -- what happened ------------------------------------------------------------------------
    @property
    def drops(self) -> Counter:
        """Every frame dropped, both ways, by reason."""
        return self.drops_out + self.drops_in

    @property
    def delivered(self) -> list[Received]:
        """Frames received and accepted (not dropped)."""
        return [r for r in self.received if not r.problems]

    def answered(self) -> list[Sent]:
        return [s for s in self.sent if s.answered_by is not None]

    def write_pcap(self, path) -> int:
        """Write every frame that crossed the interface, both ways, in order, as a pcap."""
        return write_pcap(path, [frame for _direction, frame in self.capture])


def _match_key(frame: bytes, *, reply: bool) -> tuple | None:
    """What pairs a request with its reply: an ARP request by the address asked for (its
    reply by the address answered), an ICMP echo by (peer, id, seq). None for other frames."""
    try:
        eth = dpkt.ethernet.Ethernet(frame)
    except dpkt.UnpackError:
        return None
    data = eth.data
    arp_op = dpkt.arp.ARP_OP_REPLY if reply else dpkt.arp.ARP_OP_REQUEST
    icmp_type = dpkt.icmp.ICMP_ECHOREPLY if reply else dpkt.icmp.ICMP_ECHO
    if isinstance(data, dpkt.arp.ARP) and data.op == arp_op:
        return ("arp", data.spa if reply else data.tpa)
    if (
        isinstance(data, dpkt.ip.IP)
        and isinstance(data.data, dpkt.icmp.ICMP)
        and data.data.type == icmp_type
        and isinstance(data.data.data, dpkt.icmp.ICMP.Echo)
    ):
        return ("icmp", data.src if reply else data.dst, data.data.data.id, data.data.data.seq)
    return None


def _request_key(frame: bytes) -> tuple | None:
    return _match_key(frame, reply=False)


def _reply_key(frame: bytes) -> tuple | None:
    return _match_key(frame, reply=True)


def _arp_sender(frame: bytes) -> tuple[bytes, bytes] | None:
    """(IPv4 address, MAC) an ARP reply announces, or None."""
    try:
        eth = dpkt.ethernet.Ethernet(frame)
    except dpkt.UnpackError:
        return None
    arp = eth.data
    if isinstance(arp, dpkt.arp.ARP) and arp.op == dpkt.arp.ARP_OP_REPLY:
        return arp.spa, arp.sha
    return None
