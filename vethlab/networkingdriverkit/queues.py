r"""The four packet queues of a NetworkingDriverKit interface, and the dispatch machinery that
runs their handlers.

Where a packet can be, and who moves it (one table, :data:`PACKET_MOVES`, drives the code,
the errors and the pictures)::

      kernel side (network stack, Skywalk)      :      dext side
                                                :
                 +--submit--> [TX submission] --:--DequeuePacket--> DEXT_TX
                 |                              :                      | sent
     POOL        +<-reclaim-- [TX completion] <-:--EnqueuePacket-------+
      |  ^       |                              :
      |  +-free--+                              :
      +-alloc--> STACK                          :
                 +--stock---> [RX submission] --:--DequeuePacket--> DEXT_RX
                 |                              :                      | filled
                 +<-deliver-- [RX completion] <-:--EnqueuePacket-------+
                                                :
     POOL --allocatePacket--> DEXT --DeallocatePacket--> POOL   (DEXT_TX, DEXT_RX may free too)

The kernel handles packets through STACK, its own hands: a reclaimed TX packet goes back to
the pool from there, a delivered RX packet goes back to RX submission (recycled) or to the
pool.

A packet's place is read off the packet itself (``state`` and ``queue``), never kept in a
second record that could disagree: a queued packet's ``queue`` is the queue holding it, a
packet the dext holds remembers the submission queue it came from.

Each queue is also a small state machine (:data:`QUEUE_MOVES`): born ``UNREGISTERED`` and
disabled, ``DISABLED`` once ``RegisterEthernetInterface`` took it, ``ENABLED`` after
``SetEnable(true)``, which belongs in ``SetInterfaceEnable(true)``. An illegal move raises an
:class:`~vethlab.ioreturn.IOReturnError` and changes nothing.

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
  queues until ``RegisterEthernetInterface`` took them), the error codes of the other refusals (full queue ``kIOReturnOverrun``, empty
  queue ``kIOReturnUnderrun``, wrong side ``kIOReturnNotPermitted``, wrong packet
  ``kIOReturnBadArgument``), the edge being "the queue went from empty to non-empty", what
  ``requestDequeue`` does, purging on disable, and the round-robin scheduler.
"""

from __future__ import annotations

import enum
from collections import deque
from dataclasses import dataclass
from typing import Callable, Iterable

from vethlab.driverkit.dispatch import IODataQueueDispatchSource, IODispatchQueue
from vethlab.driverkit.service import OSObject
from vethlab.ioreturn import (
    BadArgument,
    IOReturnError,
    kIOReturnBadArgument,
    kIOReturnNotPermitted,
    kIOReturnNotReady,
    kIOReturnOverrun,
    kIOReturnUnderrun,
)
from vethlab.model.cint import uint32
from vethlab.networkingdriverkit.packet import (
    IOUserNetworkPacket,
    PacketState,
    kIOUserNetworkPacketDirectionRx,
    kIOUserNetworkPacketDirectionTx,
)
from vethlab.networkingdriverkit.pool import IOUserNetworkPacketBufferPool

__all__ = [
    "Place",
    "Actor",
    "PacketMove",
    "PACKET_MOVES",
    "REFUSED_MOVES",
    "QueueState",
    "QueueMove",
    "QUEUE_MOVES",
    "QueueKind",
    "IllegalMove",
    "IOUserNetworkPacketQueue",
    "IOUserNetworkTxSubmissionQueue",
    "IOUserNetworkTxCompletionQueue",
    "IOUserNetworkRxSubmissionQueue",
    "IOUserNetworkRxCompletionQueue",
    "QUEUE_CLASSES",
    "place_of",
    "where",
    "kernel_allocate",
    "kernel_free",
    "check_move",
]


# --- where a packet can be -------------------------------------------------------------------


class Place(enum.Enum):
    """Where a packet is. The value is what a picture writes in the box."""

    POOL = "pool (free)"
    STACK = "network stack"
    TX_SUBMISSION = "TX submission"
    DEXT_TX = "dext (TX)"
    TX_COMPLETION = "TX completion"
    RX_SUBMISSION = "RX submission"
    DEXT_RX = "dext (RX)"
    RX_COMPLETION = "RX completion"
    DEXT = "dext (allocated)"
    APP = "lent to the app"


class Actor(enum.Enum):
    """Who makes a move: the kernel (network stack and Skywalk) or the dext."""

    KERNEL = "kernel"
    DEXT = "dext"


@dataclass(frozen=True)
class PacketMove:
    """One legal move of a packet: from ``source`` to ``target``, made by ``actor`` calling
    ``api``; ``provenance`` says where the rule comes from (MODEL.md)."""

    source: Place
    target: Place
    actor: Actor
    api: str
    provenance: str
    note: str = ""


_K, _D = Actor.KERNEL, Actor.DEXT

#: Every legal move of a packet. Nothing moves a packet except through this table.
PACKET_MOVES: tuple[PacketMove, ...] = (
    # TX: the stack fills a packet, the dext sends it, the kernel takes it back.
    PacketMove(Place.POOL, Place.STACK, _K, "allocate (kernel)", "modelled",
               "the stack takes a free packet, for a frame to send or to stock RX submission"),
    PacketMove(Place.STACK, Place.TX_SUBMISSION, _K, "submit (kernel)", "documented",
               "the stack hands a frame to the driver"),
    PacketMove(Place.TX_SUBMISSION, Place.DEXT_TX, _D, "DequeuePacket(s)", "documented"),
    PacketMove(Place.DEXT_TX, Place.TX_COMPLETION, _D, "EnqueuePacket(s)", "documented",
               "sent: hand it back so that the system can reclaim it"),
    PacketMove(Place.TX_COMPLETION, Place.STACK, _K, "reclaim (kernel)", "documented"),
    PacketMove(Place.STACK, Place.POOL, _K, "free (kernel)", "modelled",
               "a reclaimed TX packet, a frame the stack could not submit, or a received "
               "packet RX submission has no room for"),
    PacketMove(Place.TX_SUBMISSION, Place.POOL, _K, "purgePackets / disable (kernel)",
               "modelled", "frames the dext never took are dropped"),
    # RX: the kernel stocks empty packets, the dext fills them, the kernel delivers them.
    PacketMove(Place.STACK, Place.RX_SUBMISSION, _K, "stock / recycle (kernel)", "documented",
               "an empty packet for the dext to fill; delivered packets come back here"),
    PacketMove(Place.RX_SUBMISSION, Place.DEXT_RX, _D, "DequeuePacket(s)", "documented",
               "an empty packet to fill"),
    PacketMove(Place.DEXT_RX, Place.RX_COMPLETION, _D, "EnqueuePacket(s)", "documented",
               "filled: hand it to the stack"),
    PacketMove(Place.RX_COMPLETION, Place.STACK, _K, "deliver (kernel)", "documented",
               "the frame goes up the stack"),
    PacketMove(Place.RX_SUBMISSION, Place.POOL, _K, "unstock on disable (kernel)", "modelled"),
    # The dext's own packets, and dropping.
    PacketMove(Place.POOL, Place.DEXT, _D, "allocatePacket", "documented"),
    PacketMove(Place.DEXT, Place.POOL, _D, "DeallocatePacket", "documented"),
    PacketMove(Place.DEXT_TX, Place.POOL, _D, "DeallocatePacket", "observed",
               "Apple's sample frees a TX packet its completion queue refused"),
    PacketMove(Place.DEXT_RX, Place.POOL, _D, "DeallocatePacket", "observed",
               "drivers free RX packets they could not complete"),
    # Lending a TX packet to the app (the shared-mapping design of vethlab.handoff).
    PacketMove(Place.DEXT_TX, Place.APP, _D, "lend to the app", "modelled",
               "the app reads the frame from its own read-only mapping of the pool"),
    PacketMove(Place.APP, Place.DEXT_TX, _D, "CompleteFrames", "modelled",
               "the app is done with it; the dext completes it"),
)

#: Moves a driver might try that the model refuses, with the reason (drawn crossed out).
REFUSED_MOVES: tuple[PacketMove, ...] = (
    PacketMove(Place.DEXT, Place.RX_COMPLETION, _D, "EnqueuePacket(s)", "observed",
               "refused: the packet was never submitted (SMSC95xx disassembly); other "
               "drivers enqueue allocated RX packets, so this is uncertain"),
    PacketMove(Place.DEXT_TX, Place.RX_COMPLETION, _D, "EnqueuePacket(s)", "modelled",
               "refused: a TX packet completes on TX completion"),
    PacketMove(Place.DEXT_RX, Place.TX_COMPLETION, _D, "EnqueuePacket(s)", "modelled",
               "refused: an RX packet completes on RX completion"),
)

_LEGAL: dict[tuple[Place, Place], PacketMove] = {(m.source, m.target): m for m in PACKET_MOVES}


class IllegalMove(IOReturnError):
    """A move the tables do not allow; nothing was changed. ``.code`` says why (see the
    module docstring for which code means what)."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(code, message)

    def __reduce__(self):
        return (type(self), (self.code, self.message))


# --- the queues' own state machine -------------------------------------------------------------


class QueueState(enum.Enum):
    UNREGISTERED = "created, not yet registered with an interface (disabled)"
    DISABLED = "registered, disabled"
    ENABLED = "registered, enabled"


@dataclass(frozen=True)
class QueueMove:
    source: QueueState
    action: str
    target: QueueState
    provenance: str


#: Every legal move of a queue. SetEnable(true) on an UNREGISTERED queue is refused with
#: kIOReturnNotReady: drivers that enabled their queues in Start() saw that code (observed, for
#: TX submission and RX completion); tying it to registration, on all four, is modelled.
QUEUE_MOVES: tuple[QueueMove, ...] = (
    QueueMove(QueueState.UNREGISTERED, "register", QueueState.DISABLED, "documented"),
    QueueMove(QueueState.UNREGISTERED, "SetEnable(false)", QueueState.UNREGISTERED, "modelled"),
    QueueMove(QueueState.DISABLED, "SetEnable(true)", QueueState.ENABLED, "documented"),
    QueueMove(QueueState.DISABLED, "SetEnable(false)", QueueState.DISABLED, "modelled"),
    QueueMove(QueueState.ENABLED, "SetEnable(true)", QueueState.ENABLED, "modelled"),
    QueueMove(QueueState.ENABLED, "SetEnable(false)", QueueState.DISABLED, "documented"),
)
_QUEUE_LEGAL = {(m.source, m.action): m.target for m in QUEUE_MOVES}


class QueueKind(enum.Enum):
    """The four kinds, with the place their packets occupy and who feeds / empties them."""

    TX_SUBMISSION = (Place.TX_SUBMISSION, Actor.KERNEL, Actor.DEXT, Place.DEXT_TX)
    TX_COMPLETION = (Place.TX_COMPLETION, Actor.DEXT, Actor.KERNEL, None)
    RX_SUBMISSION = (Place.RX_SUBMISSION, Actor.KERNEL, Actor.DEXT, Place.DEXT_RX)
    RX_COMPLETION = (Place.RX_COMPLETION, Actor.DEXT, Actor.KERNEL, None)

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
    def held_place(self) -> Place | None:
        """Where a packet the dext dequeued from this queue is (submission queues only)."""
        return self.value[3]

    @property
    def title(self) -> str:
        return self.place.value

    def __repr__(self) -> str:
        return f"<QueueKind.{self.name}>"


# --- where each packet is ---------------------------------------------------------------------


def place_of(packet: IOUserNetworkPacket) -> Place:
    """Where ``packet`` is, read off its ``state`` and ``queue``."""
    state = packet.state
    if state is PacketState.FREE:
        return Place.POOL
    if state is PacketState.HOST:
        return Place.STACK
    if state is PacketState.APP:
        return Place.APP
    queue = packet.queue
    if state is PacketState.QUEUED:
        return queue.kind.place
    # DRIVER: dequeued from a submission queue, or allocated by the dext itself.
    if isinstance(queue, IOUserNetworkPacketQueue) and queue.kind.held_place is not None:
        return queue.kind.held_place
    return Place.DEXT


def where(pool: IOUserNetworkPacketBufferPool) -> dict[Place, list[int]]:
    """Every place, with the indices of the packets in it (queues in queue order)."""
    out: dict[Place, list[int]] = {place: [] for place in Place}
    queued: dict[int, IOUserNetworkPacketQueue] = {}
    for packet in pool.packets:
        place = place_of(packet)
        if packet.state is PacketState.QUEUED:
            queued[id(packet.queue)] = packet.queue
        else:
            out[place].append(packet.index)
    for queue in queued.values():  # queue order, not index order
        out[queue.kind.place].extend(p.index for p in queue._packets)
    return out


def check_move(packet: IOUserNetworkPacket, target: Place) -> PacketMove:
    """Check that ``packet`` may move from where it is to ``target`` (:data:`PACKET_MOVES`);
    return the move, or raise IllegalMove. Changes nothing: the caller makes the move."""
    source = place_of(packet)
    move = _LEGAL.get((source, target))
    if move is None:
        refused = next((m for m in REFUSED_MOVES if (m.source, m.target) == (source, target)), None)
        why = f" ({refused.note})" if refused else ""
        allowed = ", ".join(m.target.name for m in PACKET_MOVES if m.source is source) or "none"
        raise IllegalMove(
            kIOReturnBadArgument,
            f"packet {packet.index} is in {source.name}; it cannot move to {target.name}{why}; "
            f"allowed from {source.name}: {allowed}",
        )
    return move


def kernel_allocate(pool: IOUserNetworkPacketBufferPool, direction: int) -> IOUserNetworkPacket:
    """The kernel takes a free packet (POOL to STACK). Raises ``PoolExhausted`` when none is
    free. An RX packet gets no headroom: received frames start at data offset 0 (observed)."""
    packet = pool.allocatePacket()
    packet.state = PacketState.HOST
    packet.direction = direction
    if direction == kIOUserNetworkPacketDirectionRx:
        packet.SetHeadroom(0)
    return packet


def kernel_free(packet: IOUserNetworkPacket) -> None:
    """The kernel returns a packet it holds to the pool (STACK to POOL)."""
    check_move(packet, Place.POOL)
    packet.pool.DeallocatePacket(packet)


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
            raise BadArgument("capacity 0: a queue must hold at least one packet; allowed: 1..0xffffffff")
        if not isinstance(dispatchQueue, IODispatchQueue):
            raise BadArgument(f"dispatchQueue {dispatchQueue!r} is not an IODispatchQueue")
        self.pool = pool
        self.owner = owner
        self.capacity = capacity
        self.queueId = queueId
        self.dispatchQueue = dispatchQueue
        self.state = QueueState.UNREGISTERED
        self.direction = (kIOUserNetworkPacketDirectionTx if self.kind.name.startswith("TX")
                          else kIOUserNetworkPacketDirectionRx)
        self._packets: deque[IOUserNetworkPacket] = deque()
        self._source = IODataQueueDispatchSource(self, dispatchQueue)
        self.on_purge: Callable[[list[IOUserNetworkPacket], str], None] | None = None
        self.enqueued = 0  # packets that ever entered, for pictures and tests
        self.dequeued = 0

    @classmethod
    def Create(cls, pool, owner, capacity: int, queueId: int, dispatchQueue
               ) -> "IOUserNetworkPacketQueue":
        """``Create(pool, owner, capacity, queueId, dispatchQueue, &queue)``: born disabled."""
        if cls is IOUserNetworkPacketQueue:
            raise BadArgument("create one of the four subclasses, not the base class")
        return cls(pool, owner, capacity, queueId, dispatchQueue)

    # -- the queue's own state machine -----------------------------------------------------
    def _queue_move(self, action: str, code: int, why: str) -> None:
        target = _QUEUE_LEGAL.get((self.state, action))
        if target is None:
            raise IllegalMove(code, f"{self.kind.title} queue is {self.state.name}: {action} {why}")
        self.state = target

    def SetEnable(self, isEnable: bool) -> None:
        """``SetEnable(isEnable)``: before the interface is registered this fails with
        kIOReturnNotReady (the code is observed from drivers enabling queues in ``Start()``; the
        moment is modelled); enable in ``SetInterfaceEnable(true)``."""
        action = "SetEnable(true)" if isEnable else "SetEnable(false)"
        self._queue_move(action, kIOReturnNotReady,
                         "is refused before RegisterEthernetInterface (kIOReturnNotReady: enable "
                         "the queues in SetInterfaceEnable(true), not in Start)")

    setEnable = SetEnable

    def _register(self) -> None:
        self._queue_move("register", kIOReturnBadArgument,
                         "is refused: the queue is already registered with an interface")

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
            raise BadArgument(f"packet {packet.index} belongs to pool {packet.pool.name!r}, "
                              f"not to this queue's pool {self.pool.name!r}")

    def _check_room(self) -> None:
        if len(self._packets) >= self.capacity:
            raise IllegalMove(kIOReturnOverrun,
                              f"{self.kind.title} queue is full: {self.capacity} of "
                              f"{self.capacity} packets")

    def _push(self, packet: IOUserNetworkPacket) -> None:
        was_empty = not self._packets
        packet.state = PacketState.QUEUED
        packet.queue = self
        self._packets.append(packet)
        self.enqueued += 1
        self._source._arrived(was_empty)

    def _pop(self) -> IOUserNetworkPacket:
        packet = self._packets.popleft()
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
        check_move(packet, self.kind.place)
        self._check_room()
        self._push(packet)

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

    def enqueuePackets(self, packets: Iterable[IOUserNetworkPacket], count: int | None = None,
                       options: int = 0) -> None:
        """The lowercase wrapper (observed): kIOReturnOverrun only when not one packet was
        taken; a partial accept is a success, and the packets after it are silently left
        with the caller (check ``packet.state``, or enqueue one at a time)."""
        packets = list(packets)
        if count is not None:
            count = uint32("count", count, 0, len(packets))
            packets = packets[:count]
        if packets and self.EnqueuePackets(packets) == 0:
            raise IllegalMove(kIOReturnOverrun,
                              f"{self.kind.title} queue accepted none of {len(packets)} packets")

    def DequeuePacket(self) -> IOUserNetworkPacket:
        """The oldest packet of this submission queue. Raises kIOReturnUnderrun when empty
        ("an error if no more packets are available"), kIOReturnNotReady when disabled,
        kIOReturnNotPermitted on a completion queue (the kernel empties those)."""
        self._check_side(Actor.DEXT, enqueue=False)
        self._check_ready()
        if not self._packets:
            raise IllegalMove(kIOReturnUnderrun, f"{self.kind.title} queue is empty")
        packet = self._pop()
        packet.state = PacketState.DRIVER
        packet.queue = self  # remembered: where the dext got it
        return packet

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
        check_move(packet, self.kind.place)
        self._check_room()
        self._push(packet)

    def kernel_dequeue(self) -> IOUserNetworkPacket:
        """The kernel takes the oldest packet off this completion queue (it must then
        reclaim, recycle or free it). Works on a disabled queue: the kernel always reclaims."""
        self._check_side(Actor.KERNEL, enqueue=False)
        if not self._packets:
            raise IllegalMove(kIOReturnUnderrun, f"{self.kind.title} queue is empty")
        check_move(self._packets[0], Place.STACK)
        packet = self._pop()
        packet.state = PacketState.HOST
        packet.queue = None
        return packet

    def kernel_purge(self, reason: str) -> list[IOUserNetworkPacket]:
        """Return every packet of this submission queue to the pool; ``on_purge`` hears
        about them first (the host stack counts the frames as dropped)."""
        self._check_side(Actor.KERNEL, enqueue=True)
        packets = list(self._packets)
        if self.on_purge is not None and packets:
            self.on_purge(packets, reason)
        for packet in packets:
            check_move(packet, Place.POOL)
        self._packets.clear()
        for packet in packets:
            packet.state = PacketState.DRIVER  # the pool frees only packets in use
            self.pool.DeallocatePacket(packet)
        return packets

    def __repr__(self) -> str:
        return (f"<{type(self).__name__} id {self.queueId}: {len(self._packets)}/{self.capacity} "
                f"packets, {self.state.name}>")


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
