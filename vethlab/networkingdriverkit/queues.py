r"""The four packet queues of a NetworkingDriverKit interface, and the dispatch machinery that
runs their handlers.

Where a packet can be and who moves it is one table, :data:`PACKET_MOVES` (its diagram is in
:mod:`vethlab.model.moves`); it drives the code, the errors and the pictures. A packet's place
is read off the packet itself (``packet.place``), its one record of it; a queue holds its
packets in order, and only the table's moves put them there or take them off.

Each queue is also a small state machine (:data:`QUEUE_MOVES`): born ``UNREGISTERED`` and
disabled, ``DISABLED`` once ``RegisterEthernetInterface`` took it, ``ENABLED`` after
``SetEnable(true)``, which belongs in ``SetInterfaceEnable(true)``. An illegal move raises
:class:`~vethlab.model.moves.IllegalMove` (an ``IOReturnError``) and changes nothing.

Dispatch is deterministic: every :class:`IODispatchQueue` of a Mac belongs to one
:class:`Scheduler` that runs queued blocks one at a time, round robin, when asked
(``step()``, ``run()``). Nothing runs behind your back, so a notebook can stop between any
two steps and look.

Provenance:

* documented: the class and method names, ``Create``'s parameters, "born disabled", the data
  flow (dequeue from submission, enqueue on completion; the system reclaims TX packets and
  recycles RX packets to RX submission), ``DequeuePackets``/``EnqueuePackets`` return counts,
  ``SetDataAvailableHandler``.
* observed (driver authors, SMSC95xx and RTL8127 dexts): ``kIOReturnNotReady`` from a queue
  that is not enabled; enabling the queues in ``Start()`` made TX submission and RX completion
  fail with ``kIOReturnNotReady``;
  ``enqueuePackets`` returns ``kIOReturnOverrun`` only when it accepted nothing and otherwise
  stops silently at the first packet it cannot take; an RX completion queue refuses packets
  that did not come from RX submission (other drivers report the opposite: uncertain); the
  TX doorbell is edge-triggered.
* modelled: which moment makes it too early (vethlab refuses ``SetEnable(true)`` on all four
  queues until ``RegisterEthernetInterface`` took them), the error codes of the other
  refusals (full queue ``kIOReturnOverrun``, empty
  queue ``kIOReturnUnderrun``, wrong side ``kIOReturnNotPermitted``, wrong packet
  ``kIOReturnBadArgument``), the edge being "the queue went from empty to non-empty", what
  ``requestDequeue`` does, purging on disable, and the round-robin scheduler.
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Callable, Iterable

from vethlab.driverkit.dispatch import IODataQueueDispatchSource, IODispatchQueue
from vethlab.driverkit.service import OSObject
from vethlab.ioreturn import (
    BadArgument,
    IOReturnError,
    kIOReturnNotPermitted,
    kIOReturnNotReady,
    kIOReturnOverrun,
    kIOReturnUnderrun,
)
from vethlab.model.cint import uint32
from vethlab.model.moves import (
    PACKET_MOVES,
    QUEUE_MOVES,
    QUEUE_PLACES,
    REFUSED_MOVES,
    IllegalMove,
    Place,
    QueueState,
)
from vethlab.networkingdriverkit.packet import (
    IOUserNetworkPacket,
    kIOUserNetworkPacketDirectionRx,
    kIOUserNetworkPacketDirectionTx,
)
from vethlab.networkingdriverkit.pool import IOUserNetworkPacketBufferPool

__all__ = [
    "Place",
    "Actor",
    "PACKET_MOVES",
    "REFUSED_MOVES",
    "QueueState",
    "QUEUE_MOVES",
    "QueueKind",
    "IllegalMove",
    "IOUserNetworkPacketQueue",
    "IOUserNetworkTxSubmissionQueue",
    "IOUserNetworkTxCompletionQueue",
    "IOUserNetworkRxSubmissionQueue",
    "IOUserNetworkRxCompletionQueue",
    "QUEUE_CLASSES",
    "where",
    "kernel_allocate",
    "kernel_free",
]


# --- who is who ------------------------------------------------------------------------------


class Actor(enum.Enum):
    """Who makes a move: the kernel (network stack and Skywalk) or the dext."""

    KERNEL = "kernel"
    DEXT = "dext"


class QueueKind(enum.Enum):
    """The four kinds, with the place their packets occupy and who feeds / empties them."""

    TX_SUBMISSION = (Place.TX_SUBMISSION, Actor.KERNEL, Actor.DEXT)
    TX_COMPLETION = (Place.TX_COMPLETION, Actor.DEXT, Actor.KERNEL)
    RX_SUBMISSION = (Place.RX_SUBMISSION, Actor.KERNEL, Actor.DEXT)
    RX_COMPLETION = (Place.RX_COMPLETION, Actor.DEXT, Actor.KERNEL)

    @property
    def place(self) -> Place:
        return self.value[0]

    @property
    def producer(self) -> Actor:
        return self.value[1]

    @property
    def consumer(self) -> Actor:
        return self.value[2]

    @property
    def title(self) -> str:
        return self.place.value

    def __repr__(self) -> str:
        return f"<QueueKind.{self.name}>"


#: The kernel's move of PACKET_MOVES onto a submission queue, off a completion queue, and
#: from a submission queue back to the pool when it is purged.
_KERNEL_ENQUEUE = {
    QueueKind.TX_SUBMISSION: "submit (kernel)",
    QueueKind.RX_SUBMISSION: "stock / recycle (kernel)",
}
_KERNEL_DEQUEUE = {
    QueueKind.TX_COMPLETION: "reclaim (kernel)",
    QueueKind.RX_COMPLETION: "deliver (kernel)",
}
_KERNEL_PURGE = {
    QueueKind.TX_SUBMISSION: "purgePackets / disable (kernel)",
    QueueKind.RX_SUBMISSION: "unstock on disable (kernel)",
}


# --- where each packet is ---------------------------------------------------------------------


def where(pool: IOUserNetworkPacketBufferPool) -> dict[Place, list[int]]:
    """Every place, with the indices of the packets in it (queues in queue order)."""
    out: dict[Place, list[int]] = {place: [] for place in Place}
    for packet in pool.packets:
        if packet.place not in QUEUE_PLACES:
            out[packet.place].append(packet.index)
    for queue in pool.packet_queues:  # queue order, not index order
        out[queue.kind.place].extend(queue.contents())
    return out


def kernel_allocate(pool: IOUserNetworkPacketBufferPool, direction: int) -> IOUserNetworkPacket:
    """The kernel takes a free packet (POOL to STACK). Raises ``PoolExhausted`` when none is
    free. An RX packet gets no headroom: received frames start at data offset 0 (observed)."""
    packet = pool.take("allocate (kernel)")
    packet.direction = direction
    if direction == kIOUserNetworkPacketDirectionRx:
        packet.SetHeadroom(0)
    return packet


def kernel_free(packet: IOUserNetworkPacket) -> None:
    """The kernel returns a packet it holds to the pool (STACK to POOL)."""
    packet.pool.put_back([packet], "free (kernel)")


# --- the queues -------------------------------------------------------------------------------


class IOUserNetworkPacketQueue(OSObject):
    """A bounded FIFO of packets between the kernel and the dext. Use a subclass's
    ``Create(pool, owner, capacity, queueId, dispatchQueue)``.

    The dext's side is Apple's API (``DequeuePacket(s)`` on submission queues,
    ``EnqueuePacket(s)`` on completion queues). The kernel's side is vethlab's
    (``kernel_enqueue``, ``kernel_dequeue``), used by :class:`vethlab.wire.host.HostStack`.
    """

    kind: QueueKind  # set by each subclass

    def __init__(self, pool, owner, capacity, queueId, dispatchQueue) -> None:
        if not isinstance(pool, IOUserNetworkPacketBufferPool):
            raise BadArgument(f"pool {pool!r} must be an IOUserNetworkPacketBufferPool (not NULL)")
        capacity, queueId = uint32("capacity", capacity), uint32("queueId", queueId)
        if capacity == 0:
            raise BadArgument(
                "capacity 0: a queue must hold at least one packet; allowed: 1..0xffffffff"
            )
        if not isinstance(dispatchQueue, IODispatchQueue):
            raise BadArgument(f"dispatchQueue {dispatchQueue!r} is not an IODispatchQueue")
        self.pool = pool
        self.owner = owner
        self.capacity = capacity
        self.queueId = queueId
        self.dispatchQueue = dispatchQueue
        QUEUE_MOVES.start(self)
        self.direction = (
            kIOUserNetworkPacketDirectionTx
            if self.kind.name.startswith("TX")
            else kIOUserNetworkPacketDirectionRx
        )
        self._packets: deque[IOUserNetworkPacket] = deque()
        self._source = IODataQueueDispatchSource(self, dispatchQueue)
        self.on_purge: Callable[[list[IOUserNetworkPacket], str], None] | None = None
        self.enqueued = 0  # packets that ever entered, for pictures and tests
        self.dequeued = 0
        pool.packet_queues.append(self)

    @classmethod
    def Create(
        cls, pool, owner, capacity: int, queueId: int, dispatchQueue
    ) -> IOUserNetworkPacketQueue:
        """``Create(pool, owner, capacity, queueId, dispatchQueue, &queue)``: born disabled."""
        if cls is IOUserNetworkPacketQueue:
            raise BadArgument("create one of the four subclasses, not the base class")
        return cls(pool, owner, capacity, queueId, dispatchQueue)

    # -- the queue's own state machine (QUEUE_MOVES) ------------------------------------------
    def SetEnable(self, isEnable: bool) -> None:
        """``SetEnable(isEnable)``: before the interface is registered this fails with
        kIOReturnNotReady (the code is observed from drivers enabling queues in ``Start()``; the
        moment is modelled); enable in ``SetInterfaceEnable(true)``."""
        QUEUE_MOVES.fire(self, "SetEnable(true)" if isEnable else "SetEnable(false)")

    setEnable = SetEnable

    def _register(self) -> None:
        """RegisterEthernetInterface took this queue (kIOReturnBadArgument if already taken)."""
        QUEUE_MOVES.fire(self, "register")

    @property
    def enabled(self) -> bool:
        return self.state is QueueState.ENABLED

    # -- what a picture or test wants -------------------------------------------------------
    @property
    def count(self) -> int:
        return len(self._packets)

    @property
    def is_full(self) -> bool:
        return len(self._packets) >= self.capacity

    def contents(self) -> list[int]:
        """Indices of the queued packets, oldest first."""
        return [p.index for p in self._packets]

    def CopyDataQueue(self) -> IODataQueueDispatchSource:
        """The queue's doorbell; set the consumer's handler on it."""
        return self._source

    # -- checks shared by both sides --------------------------------------------------------
    def _check_side(self, actor: Actor, enqueue: bool) -> None:
        side = self.kind.producer if enqueue else self.kind.consumer
        if side is not actor:
            verb = "enqueue on" if enqueue else "dequeue from"
            raise IllegalMove(
                kIOReturnNotPermitted,
                f"the {actor.value} does not {verb} a {self.kind.title} queue; "
                f"only the {side.value} does",
            )

    def _check_ready(self) -> None:
        if self.state is not QueueState.ENABLED:
            raise IllegalMove(
                kIOReturnNotReady,
                f"{self.kind.title} queue is {self.state.name}; it works only once enabled "
                "(SetEnable(true) in SetInterfaceEnable(true))",
            )

    def _check_packet(self, packet) -> None:
        if not isinstance(packet, IOUserNetworkPacket):
            raise BadArgument(f"{packet!r} is not an IOUserNetworkPacket")
        if packet.pool is not self.pool:
            raise BadArgument(
                f"packet {packet.index} belongs to pool {packet.pool.name!r}, "
                f"not to this queue's pool {self.pool.name!r}"
            )

    def _check_room(self) -> None:
        if len(self._packets) >= self.capacity:
            raise IllegalMove(
                kIOReturnOverrun,
                f"{self.kind.title} queue is full: {self.capacity} of {self.capacity} packets",
            )

    def _push(self, packet: IOUserNetworkPacket, action: str) -> None:
        """Move ``packet`` onto this queue by ``action``, after every check passed."""
        was_empty = not self._packets
        PACKET_MOVES.fire(packet, action, self.kind.place)
        self._packets.append(packet)
        self.enqueued += 1
        self._source._arrived(was_empty)

    def _pop(self, action: str) -> IOUserNetworkPacket:
        """Move the oldest packet off this queue by ``action`` (the caller checked it is not
        empty); a refused move leaves it on the queue."""
        packet = self._packets[0]
        PACKET_MOVES.fire(packet, action)
        self._packets.popleft()
        self.dequeued += 1
        return packet

    # -- the dext's side (Apple's API) -------------------------------------------------------
    def EnqueuePacket(self, packet: IOUserNetworkPacket) -> None:
        """Put ``packet`` on this completion queue. Raises kIOReturnNotReady (disabled),
        kIOReturnOverrun (full), kIOReturnBadArgument (a packet that cannot complete here),
        kIOReturnNotPermitted (a submission queue: the kernel fills those)."""
        self._check_packet(packet)
        self._check_side(Actor.DEXT, enqueue=True)
        self._check_ready()
        PACKET_MOVES.check(packet, "EnqueuePacket(s)", self.kind.place)
        self._check_room()
        self._push(packet, "EnqueuePacket(s)")

    def EnqueuePackets(self, packets: Iterable[IOUserNetworkPacket]) -> int:
        """Enqueue in order, stopping at the first packet refused; return how many were
        added (documented: "the number of packets actually added"). The rest stay with the
        caller, who must enqueue or free them."""
        added = 0
        for packet in list(packets):
            try:
                self.EnqueuePacket(packet)
            except IOReturnError:
                break
            added += 1
        return added

    def enqueuePackets(
        self, packets: Iterable[IOUserNetworkPacket], count: int | None = None, options: int = 0
    ) -> None:
        """The lowercase wrapper (observed): kIOReturnOverrun only when not one packet was
        taken; a partial accept is a success, and the packets after it are silently left
        with the caller (check ``packet.place``, or enqueue one at a time)."""
        packets = list(packets)
        if count is not None:
            count = uint32("count", count, 0, len(packets))
            packets = packets[:count]
        if packets and self.EnqueuePackets(packets) == 0:
            raise IllegalMove(
                kIOReturnOverrun, f"{self.kind.title} queue accepted none of {len(packets)} packets"
            )

    def DequeuePacket(self) -> IOUserNetworkPacket:
        """The oldest packet of this submission queue. Raises kIOReturnUnderrun when empty
        ("an error if no more packets are available"), kIOReturnNotReady when disabled,
        kIOReturnNotPermitted on a completion queue (the kernel empties those)."""
        self._check_side(Actor.DEXT, enqueue=False)
        self._check_ready()
        if not self._packets:
            raise IllegalMove(kIOReturnUnderrun, f"{self.kind.title} queue is empty")
        return self._pop("DequeuePacket(s)")

    def DequeuePackets(self, maxDequeueCount: int) -> list[IOUserNetworkPacket]:
        """Up to ``maxDequeueCount`` packets, as many as there are (documented). A disabled
        queue gives none."""
        maxDequeueCount = uint32("maxDequeueCount", maxDequeueCount)
        self._check_side(Actor.DEXT, enqueue=False)
        if not self.enabled:
            return []
        return [self.DequeuePacket() for _ in range(min(maxDequeueCount, len(self._packets)))]

    def requestDequeue(self, refCon=None, options: int = 0) -> None:
        """Ask for the consumer's data-available handler to run if packets are waiting
        (modelled: what drivers call at link-up to catch packets that rang no bell)."""
        if self._packets:
            self._source._ring()

    # -- the kernel's side (vethlab's) -------------------------------------------------------
    def kernel_enqueue(self, packet: IOUserNetworkPacket) -> None:
        """The kernel puts ``packet`` on this submission queue (frame to send, or an empty RX
        packet). Same refusals as ``EnqueuePacket``."""
        self._check_packet(packet)
        self._check_side(Actor.KERNEL, enqueue=True)
        self._check_ready()
        action = _KERNEL_ENQUEUE[self.kind]
        PACKET_MOVES.check(packet, action, self.kind.place)
        self._check_room()
        self._push(packet, action)

    def kernel_dequeue(self) -> IOUserNetworkPacket:
        """The kernel takes the oldest packet off this completion queue (it must then
        reclaim, recycle or free it). Works on a disabled queue: the kernel always reclaims."""
        self._check_side(Actor.KERNEL, enqueue=False)
        if not self._packets:
            raise IllegalMove(kIOReturnUnderrun, f"{self.kind.title} queue is empty")
        return self._pop(_KERNEL_DEQUEUE[self.kind])

    def kernel_purge(self, reason: str) -> list[IOUserNetworkPacket]:
        """Return every packet of this submission queue to the pool; ``on_purge`` hears
        about them first (the host stack counts the frames as dropped)."""
        self._check_side(Actor.KERNEL, enqueue=True)
        packets = list(self._packets)
        if self.on_purge is not None and packets:
            self.on_purge(packets, reason)
        self.pool.put_back(packets, _KERNEL_PURGE[self.kind])  # all or nothing
        self._packets.clear()
        return packets

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} id {self.queueId}: {len(self._packets)}/{self.capacity} "
            f"packets, {self.state.name}>"
        )


class IOUserNetworkTxSubmissionQueue(IOUserNetworkPacketQueue):
    """Frames the stack wants sent. The dext dequeues them (its data-available handler runs
    when the queue goes from empty to non-empty)."""

    kind = QueueKind.TX_SUBMISSION

    def purgePackets(self) -> None:
        """Drop every frame still waiting (documented name; modelled: back to the pool)."""
        self.kernel_purge("purged by the dext (purgePackets)")


class IOUserNetworkTxCompletionQueue(IOUserNetworkPacketQueue):
    """Sent packets, handed back so that the kernel can reclaim them."""

    kind = QueueKind.TX_COMPLETION


class IOUserNetworkRxSubmissionQueue(IOUserNetworkPacketQueue):
    """Empty packets the kernel stocks for the dext to fill with received frames."""

    kind = QueueKind.RX_SUBMISSION


class IOUserNetworkRxCompletionQueue(IOUserNetworkPacketQueue):
    """Filled packets: the kernel delivers their frames up the stack and recycles them."""

    kind = QueueKind.RX_COMPLETION


#: The class of each kind, in Apple's sample order (txs, txc, rxs, rxc).
QUEUE_CLASSES: dict[QueueKind, type[IOUserNetworkPacketQueue]] = {
    QueueKind.TX_SUBMISSION: IOUserNetworkTxSubmissionQueue,
    QueueKind.TX_COMPLETION: IOUserNetworkTxCompletionQueue,
    QueueKind.RX_SUBMISSION: IOUserNetworkRxSubmissionQueue,
    QueueKind.RX_COMPLETION: IOUserNetworkRxCompletionQueue,
}
