"""vethlab's state machines: one move-table type, one way to fire a move, and the four tables.

A *move* is ``(source state, action, target state, provenance[, note])``. A :class:`MoveTable`
holds the legal moves of one kind of thing (and, optionally, moves it refuses, with the
reason, which pictures draw crossed out). Every state change goes through the table::

    table.fire(thing, action)            # look up (thing's state, action), set the target
    table.fire(thing, action, target)    # the same, and the move must lead to ``target``
    table.check(thing, action, target)   # the move fire would make; changes nothing

A move the table does not hold raises :class:`IllegalMove`, an ``IOReturnError`` whose
``.code`` the table (or the caller) chooses and whose message names the move, the state it
was tried in and the moves allowed from there. A refused move changes nothing. A thing gets
its first state from ``table.start(thing)``; after that only ``fire`` writes it.

The four tables (h11's habit: an enum of states, one table, no other setter), with the
attribute each thing keeps its state in:

* :data:`USER_CLIENT_MOVES`, :class:`UserClientState`: ``IOUserClient.state``
* :data:`QUEUE_MOVES`, :class:`QueueState`: ``IOUserNetworkPacketQueue.state``
* :data:`INTERFACE_MOVES`, :class:`InterfaceState`: ``IOUserNetworkEthernet.interface_state``
* :data:`PACKET_MOVES`, :class:`Place`: ``IOUserNetworkPacket.place`` (a packet's one record
  of where it is)

Every move says where its rule comes from: documented (Apple's docs or headers), source
(the system's open source code), observed (driver authors on real Macs), reported (only the
question says so) or modelled (vethlab's choice). The state names, and the error codes of
refused moves, are modelled.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from vethlab.ioreturn import (
    IOReturnError,
    kIOReturnBadArgument,
    kIOReturnInvalid,
    kIOReturnNotOpen,
    kIOReturnNotReady,
    kIOReturnNotResponding,
    kIOReturnStillOpen,
)
from vethlab.model.provenance import LABELS

__all__ = [
    "PROVENANCES",
    "Move",
    "MoveTable",
    "IllegalMove",
    "UserClientState",
    "USER_CLIENT_MOVES",
    "ILLEGAL_MOVE_CODES",
    "QueueState",
    "QUEUE_MOVES",
    "InterfaceState",
    "INTERFACE_MOVES",
    "Place",
    "QUEUE_PLACES",
    "PACKET_MOVES",
    "REFUSED_MOVES",
]

#: Where a rule comes from, in the order the pictures' legends list them.
#: The five provenance labels (:mod:`vethlab.model.provenance`).
PROVENANCES = LABELS


@dataclass(frozen=True)
class Move:
    """One move: ``action`` takes a thing from ``source`` to ``target``. ``provenance`` is one
    of :data:`PROVENANCES`; ``note`` says more (for a refused move: why it is refused)."""

    source: enum.Enum
    action: str
    target: enum.Enum
    provenance: str
    note: str = ""

    def __post_init__(self) -> None:
        if self.provenance not in PROVENANCES:
            raise ValueError(
                f"provenance {self.provenance!r} is not one of {', '.join(PROVENANCES)}"
            )

    def __str__(self) -> str:
        return f"{self.source.name} --{self.action}--> {self.target.name}"


class IllegalMove(IOReturnError):
    """A move the table does not allow; nothing was changed. ``.code`` says why (the table's
    or the caller's choice); the message names the move, the state and what is allowed."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(code, message)

    def __reduce__(self):
        return (type(self), (self.code, self.message))


class MoveTable:
    """The legal moves of one kind of thing, and the one way to make them.

    ``name``: what the things are ("queue"). ``initial``: the state :meth:`start` gives.
    ``attribute``: where a thing keeps its state. ``moves``: the legal moves; from one state an
    action leads to one place only. ``refused``: moves the model refuses on purpose, with the
    reason in their note. ``code``: the IOReturn code of a refused move, or a function of
    ``(source, action)`` that gives it. ``describe``: names a thing in messages.
    """

    def __init__(
        self,
        name: str,
        initial: enum.Enum,
        moves: Iterable[Move],
        *,
        attribute: str = "state",
        refused: Iterable[Move] = (),
        code: int | Callable[[enum.Enum, str], int] = kIOReturnInvalid,
        describe: Callable[[object], str] | None = None,
    ) -> None:
        self.name = name
        self.initial = initial
        self.moves = tuple(moves)
        self.refused = tuple(refused)
        self.attribute = attribute
        self._code = code
        self._describe = describe
        self._legal: dict[tuple[enum.Enum, str], Move] = {}
        for move in self.moves:
            if (move.source, move.action) in self._legal:
                raise ValueError(
                    f"{self.name}: {move.action} from {move.source.name} leads to two "
                    "places; a table allows one move per state and action"
                )
            self._legal[(move.source, move.action)] = move
        for move in self.refused:
            if self.find(move.source, move.action, move.target) is not None:
                raise ValueError(f"{self.name}: {move} is both legal and refused")

    # -- reading the table ------------------------------------------------------------------
    def __iter__(self):
        """The legal moves, in the table's order."""
        return iter(self.moves)

    def __len__(self) -> int:
        return len(self.moves)

    def items(self):
        """The table read as a mapping ``(state, action) -> state``."""
        return [((m.source, m.action), m.target) for m in self.moves]

    def states(self) -> list[enum.Enum]:
        """Every state of the table's enum, in the enum's order."""
        return list(type(self.initial))

    def find(self, source: enum.Enum, action: str, target: enum.Enum | None = None) -> Move | None:
        """The legal move ``action`` makes from ``source`` (to ``target``, if given), or None."""
        move = self._legal.get((source, action))
        if move is None or (target is not None and move.target is not target):
            return None
        return move

    def allowed(self, source: enum.Enum) -> list[Move]:
        """The legal moves from ``source``."""
        return [m for m in self.moves if m.source is source]

    def state_of(self, thing) -> enum.Enum:
        return getattr(thing, self.attribute)

    # -- making moves -------------------------------------------------------------------------
    def start(self, thing) -> None:
        """Give a new ``thing`` the table's initial state (once: after that, only fire)."""
        if hasattr(thing, self.attribute):
            raise ValueError(f"{self.describe(thing)} already has a state; only fire moves it")
        setattr(thing, self.attribute, self.initial)

    def check(
        self, thing, action: str, target: enum.Enum | None = None, *, code: int | None = None
    ) -> Move:
        """The move ``fire`` would make, or raise :class:`IllegalMove`. Changes nothing."""
        source = self.state_of(thing)
        move = self.find(source, action, target)
        if move is None:
            raise self._refusal(thing, source, action, target, code)
        return move

    def fire(
        self, thing, action: str, target: enum.Enum | None = None, *, code: int | None = None
    ) -> Move:
        """Make ``action`` on ``thing``: look the move up from its state (and ``target``, where
        the caller says where the thing must end up), set the move's target as its state, and
        return the move. A move the table does not hold raises :class:`IllegalMove` with
        ``code`` (default: the table's) and changes nothing."""
        move = self.check(thing, action, target, code=code)
        setattr(thing, self.attribute, move.target)  # the one place a move changes a state
        return move

    # -- the refusal --------------------------------------------------------------------------
    def describe(self, thing) -> str:
        return self._describe(thing) if self._describe is not None else f"the {self.name}"

    def _refusal(self, thing, source, action, target, code) -> IllegalMove:
        refused = next(
            (
                m
                for m in self.refused
                if m.source is source
                and m.action == action
                and (target is None or m.target is target)
            ),
            None,
        )
        legal = self._legal.get((source, action))
        if refused is not None:
            why = f" ({refused.note})" if refused.note else ""
        elif legal is not None:  # the action exists from here, but leads elsewhere
            why = f" (from {source.name}, {action} leads to {legal.target.name})"
        else:
            why = ""
        to = f" to {target.name}" if target is not None else ""
        allowed = ", ".join(f"{m.action} -> {m.target.name}" for m in self.allowed(source))
        if code is None:
            code = self._code(source, action) if callable(self._code) else self._code
        return IllegalMove(
            code,
            f"{self.describe(thing)} is {source.name}: {action}{to} is "
            f"refused{why}; allowed from {source.name}: {allowed or 'none'}",
        )


# =========================================================================================
# The user client (vethlab.driverkit.userclient)
# =========================================================================================


class UserClientState(enum.Enum):
    """Where a user client (and so the app's connection) is in its life."""

    CREATED = "created by NewUserClient, not started yet"
    OPEN = "started: serving the app's calls"
    CLOSED = "closed: the app called IOServiceClose, the client was stopped"
    CRASHED = "the dext died serving a call (modelled)"


#: The code a refused user-client move raises, by the state it was tried in (modelled): at the
#: user-client boundary it becomes the app's return code (``kIOReturnNotOpen`` once closed).
ILLEGAL_MOVE_CODES: dict[UserClientState, int] = {
    UserClientState.CREATED: kIOReturnNotReady,
    UserClientState.OPEN: kIOReturnStillOpen,
    UserClientState.CLOSED: kIOReturnNotOpen,
    UserClientState.CRASHED: kIOReturnNotResponding,
}

_U = UserClientState
#: The user client's life. The calls are documented (IOUserClient.iig); the states are modelled.
USER_CLIENT_MOVES = MoveTable(
    "user client",
    _U.CREATED,
    (
        Move(_U.CREATED, "Start", _U.OPEN, "documented"),
        Move(_U.OPEN, "ExternalMethod", _U.OPEN, "documented"),
        Move(_U.OPEN, "AsyncCompletion", _U.OPEN, "documented"),
        Move(_U.OPEN, "CopyClientMemoryForType", _U.OPEN, "documented"),
        Move(_U.OPEN, "crash", _U.CRASHED, "modelled", "the dext died serving a call"),
        Move(_U.OPEN, "Stop", _U.CLOSED, "documented"),
        Move(
            _U.CRASHED,
            "Stop",
            _U.CLOSED,
            "modelled",
            "the kernel tears down the connection of a dead dext",
        ),
    ),
    code=lambda source, action: ILLEGAL_MOVE_CODES[source],
)


# =========================================================================================
# A packet queue (vethlab.networkingdriverkit.queues)
# =========================================================================================


class QueueState(enum.Enum):
    UNREGISTERED = "created, not yet registered with an interface (disabled)"
    DISABLED = "registered, disabled"
    ENABLED = "registered, enabled"


_Q = QueueState
_ENABLE_EARLY = (
    "before RegisterEthernetInterface: enable the queues in SetInterfaceEnable(true), not in Start"
)
#: A queue is born disabled (documented). SetEnable(true) on an UNREGISTERED queue is refused
#: with kIOReturnNotReady: drivers that enabled their queues in Start() saw that code (observed,
#: for TX submission and RX completion); tying it to registration, on all four, is modelled.
#: Registering a queue twice is kIOReturnBadArgument (modelled).
QUEUE_MOVES = MoveTable(
    "queue",
    _Q.UNREGISTERED,
    (
        Move(_Q.UNREGISTERED, "register", _Q.DISABLED, "documented"),
        Move(_Q.UNREGISTERED, "SetEnable(false)", _Q.UNREGISTERED, "modelled"),
        Move(_Q.DISABLED, "SetEnable(true)", _Q.ENABLED, "documented"),
        Move(_Q.DISABLED, "SetEnable(false)", _Q.DISABLED, "modelled"),
        Move(_Q.ENABLED, "SetEnable(true)", _Q.ENABLED, "modelled"),
        Move(_Q.ENABLED, "SetEnable(false)", _Q.DISABLED, "documented"),
    ),
    refused=(
        Move(_Q.UNREGISTERED, "SetEnable(true)", _Q.ENABLED, "observed", _ENABLE_EARLY),
        Move(_Q.DISABLED, "register", _Q.DISABLED, "modelled", "already registered"),
        Move(_Q.ENABLED, "register", _Q.ENABLED, "modelled", "already registered"),
    ),
    code=lambda source, action: kIOReturnBadArgument if action == "register" else kIOReturnNotReady,
    describe=lambda queue: f"{queue.kind.title} queue",
)


# =========================================================================================
# The interface (vethlab.networkingdriverkit.ethernet)
# =========================================================================================


class InterfaceState(enum.Enum):
    CREATED = "created"
    STARTED = "started"
    REGISTERED = "registered (interface down)"
    ENABLED = "enabled (interface up)"


def _interface_code(source: InterfaceState, action: str) -> int:
    """kIOReturnNotReady for a call that comes too early (every state it is allowed in comes
    later in the interface's life), kIOReturnInvalid otherwise (modelled)."""
    order = list(InterfaceState)
    later = [m.source for m in INTERFACE_MOVES if m.action == action]
    early = all(order.index(source) < order.index(s) for s in later)
    return kIOReturnNotReady if early else kIOReturnInvalid


_I = InterfaceState
#: The interface's life::
#:
#:     CREATED --Start--> STARTED --RegisterEthernetInterface--> REGISTERED
#:                                                                 |     ^
#:                                          SetInterfaceEnable(true)     SetInterfaceEnable(false)
#:                                                                 v     |
#:                                                                 ENABLED
#:
#: The system never enables an enabled interface; vethlab lets a repeated enable or disable do
#: nothing (modelled).
INTERFACE_MOVES = MoveTable(
    "interface",
    _I.CREATED,
    (
        Move(_I.CREATED, "Start", _I.STARTED, "documented"),
        Move(_I.STARTED, "RegisterEthernetInterface", _I.REGISTERED, "documented"),
        Move(_I.REGISTERED, "SetInterfaceEnable(true)", _I.ENABLED, "documented"),
        Move(_I.ENABLED, "SetInterfaceEnable(false)", _I.REGISTERED, "documented"),
        Move(_I.ENABLED, "SetInterfaceEnable(true)", _I.ENABLED, "modelled"),
        Move(_I.REGISTERED, "SetInterfaceEnable(false)", _I.REGISTERED, "modelled"),
    ),
    attribute="interface_state",
    code=_interface_code,
)


# =========================================================================================
# A packet (vethlab.networkingdriverkit: pool, packet, queues)
# =========================================================================================


class Place(enum.Enum):
    """Where a packet is: its one record of it. The value is what a picture writes in the box."""

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


#: The places that are queues: a packet there is held by a queue, in the queue's order.
QUEUE_PLACES = frozenset(
    {Place.TX_SUBMISSION, Place.TX_COMPLETION, Place.RX_SUBMISSION, Place.RX_COMPLETION}
)

_P = Place
#: Where a packet can be, and who moves it::
#:
#:       kernel side (network stack, Skywalk)      :      dext side
#:                                                 :
#:                  +--submit--> [TX submission] --:--DequeuePacket--> DEXT_TX --lend--> APP
#:                  |                              :                      | sent  <-Complete-+
#:      POOL        +<-reclaim-- [TX completion] <-:--EnqueuePacket-------+       Frames
#:       |  ^       |                              :
#:       |  +-free--+                              :
#:       +-alloc--> STACK                          :
#:                  +--stock---> [RX submission] --:--DequeuePacket--> DEXT_RX
#:                  |                              :                      | filled
#:                  +<-deliver-- [RX completion] <-:--EnqueuePacket-------+
#:                                                 :
#:      POOL --allocatePacket--> DEXT --DeallocatePacket--> POOL  (DEXT_TX, DEXT_RX, APP too)
#:                                 +--lend to the app--> APP
#:
#: The kernel handles packets through STACK, its own hands: a reclaimed TX packet goes back to
#: the pool from there, a delivered RX packet goes back to RX submission (recycled) or to the
#: pool. The pool, the queues, the host stack and the dexts move packets only through this
#: table; the action names are the calls (a "(kernel)" one is vethlab's name for the kernel's
#: side), and the pictures label the arrows with them.
PACKET_MOVES = MoveTable(
    "packet",
    _P.POOL,
    (
        # TX: the stack fills a packet, the dext sends it, the kernel takes it back.
        Move(
            _P.POOL,
            "allocate (kernel)",
            _P.STACK,
            "modelled",
            "the stack takes a free packet, for a frame to send or to stock RX submission",
        ),
        Move(
            _P.STACK,
            "submit (kernel)",
            _P.TX_SUBMISSION,
            "documented",
            "the stack hands a frame to the driver",
        ),
        Move(_P.TX_SUBMISSION, "DequeuePacket(s)", _P.DEXT_TX, "documented"),
        Move(
            _P.DEXT_TX,
            "EnqueuePacket(s)",
            _P.TX_COMPLETION,
            "documented",
            "sent: hand it back so that the system can reclaim it",
        ),
        Move(_P.TX_COMPLETION, "reclaim (kernel)", _P.STACK, "documented"),
        Move(
            _P.STACK,
            "free (kernel)",
            _P.POOL,
            "modelled",
            "a reclaimed TX packet, a frame the stack could not submit, or a received "
            "packet RX submission has no room for",
        ),
        Move(
            _P.TX_SUBMISSION,
            "purgePackets / disable (kernel)",
            _P.POOL,
            "modelled",
            "frames the dext never took are dropped",
        ),
        # RX: the kernel stocks empty packets, the dext fills them, the kernel delivers them.
        Move(
            _P.STACK,
            "stock / recycle (kernel)",
            _P.RX_SUBMISSION,
            "documented",
            "an empty packet for the dext to fill; delivered packets come back here",
        ),
        Move(
            _P.RX_SUBMISSION,
            "DequeuePacket(s)",
            _P.DEXT_RX,
            "documented",
            "an empty packet to fill",
        ),
        Move(
            _P.DEXT_RX,
            "EnqueuePacket(s)",
            _P.RX_COMPLETION,
            "documented",
            "filled: hand it to the stack",
        ),
        Move(
            _P.RX_COMPLETION,
            "deliver (kernel)",
            _P.STACK,
            "documented",
            "the frame goes up the stack",
        ),
        Move(_P.RX_SUBMISSION, "unstock on disable (kernel)", _P.POOL, "modelled"),
        # The dext's own packets, and dropping.
        Move(_P.POOL, "allocatePacket", _P.DEXT, "documented"),
        Move(_P.DEXT, "DeallocatePacket", _P.POOL, "documented"),
        Move(
            _P.DEXT_TX,
            "DeallocatePacket",
            _P.POOL,
            "observed",
            "Apple's sample frees a TX packet its completion queue refused",
        ),
        Move(
            _P.DEXT_RX,
            "DeallocatePacket",
            _P.POOL,
            "observed",
            "drivers free RX packets they could not complete",
        ),
        # Lending a frame's packet to the app (the shared-mapping design of vethlab.handoff).
        Move(
            _P.DEXT_TX,
            "lend to the app",
            _P.APP,
            "modelled",
            "the app reads the frame from its own read-only mapping of the pool",
        ),
        Move(
            _P.APP,
            "CompleteFrames",
            _P.DEXT_TX,
            "modelled",
            "the app is done with it; the dext completes it",
        ),
        Move(
            _P.DEXT,
            "lend to the app",
            _P.APP,
            "modelled",
            "the question's dext lends the packets the host stack filled for it",
        ),
        Move(
            _P.APP,
            "DeallocatePacket",
            _P.POOL,
            "modelled",
            "the app is done with it; the question's dext frees it",
        ),
    ),
    attribute="place",
    refused=(
        Move(
            _P.DEXT,
            "EnqueuePacket(s)",
            _P.RX_COMPLETION,
            "observed",
            "the packet was never submitted (SMSC95xx disassembly); other drivers enqueue "
            "allocated RX packets, so this is uncertain",
        ),
        Move(
            _P.DEXT_TX,
            "EnqueuePacket(s)",
            _P.RX_COMPLETION,
            "modelled",
            "a TX packet completes on TX completion",
        ),
        Move(
            _P.DEXT_RX,
            "EnqueuePacket(s)",
            _P.TX_COMPLETION,
            "modelled",
            "an RX packet completes on RX completion",
        ),
    ),
    code=kIOReturnBadArgument,
    describe=lambda packet: f"packet {packet.index}",
)

#: Moves a driver might try that the model refuses, with the reason (drawn crossed out).
REFUSED_MOVES: tuple[Move, ...] = PACKET_MOVES.refused
