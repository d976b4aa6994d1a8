"""vethlab.model.moves: the one move-table type, firing moves, and the four state machines."""

import ast
import enum
import pathlib
import pickle

import pytest

import vethlab
from vethlab.driverkit.userclient import IOUserClient
from vethlab.ioreturn import (
    IOReturnError,
    kIOReturnBadArgument,
    kIOReturnBusy,
    kIOReturnInvalid,
    kIOReturnNotReady,
    kIOReturnStillOpen,
)
from vethlab.model.memory import Mac
from vethlab.model.moves import (
    INTERFACE_MOVES,
    PACKET_MOVES,
    PROVENANCES,
    QUEUE_MOVES,
    USER_CLIENT_MOVES,
    IllegalMove,
    Move,
    MoveTable,
    Place,
)
from vethlab.networkingdriverkit.ethernet import IOUserNetworkEthernet
from vethlab.networkingdriverkit.packet import kIOUserNetworkPacketDirectionTx
from vethlab.networkingdriverkit.pool import (
    IOUserNetworkPacketBufferPool,
    IOUserNetworkPacketBufferPoolOptions,
    PacketOnQueue,
    PoolFlagMapToDext,
)
from vethlab.networkingdriverkit.queues import (
    QUEUE_CLASSES,
    IOUserNetworkTxSubmissionQueue,
    QueueKind,
    kernel_allocate,
    where,
)


class Light(enum.Enum):
    RED = "stop"
    GREEN = "go"
    AMBER = "careful"


class Lamp:
    def __init__(self):
        LIGHTS.start(self)


LIGHTS = MoveTable(
    "lamp",
    Light.RED,
    (
        Move(Light.RED, "go", Light.GREEN, "modelled"),
        Move(Light.GREEN, "slow", Light.AMBER, "modelled"),
        Move(Light.AMBER, "stop", Light.RED, "documented", "the law says so"),
    ),
    refused=(Move(Light.RED, "slow", Light.AMBER, "observed", "red never turns amber"),),
    code=lambda source, action: kIOReturnBusy if source is Light.GREEN else kIOReturnInvalid,
)


# --- the table type --------------------------------------------------------------------------


def test_fire_sets_the_target_and_returns_the_move():
    """fire looks the move up from the state and the action, sets its target and returns it."""
    lamp = Lamp()
    assert lamp.state is Light.RED
    move = LIGHTS.fire(lamp, "go")
    assert (move.source, move.action, move.target, lamp.state) == (
        Light.RED,
        "go",
        Light.GREEN,
        Light.GREEN,
    )
    assert LIGHTS.fire(lamp, "slow", Light.AMBER).target is Light.AMBER is lamp.state


def test_a_refused_move_changes_nothing_and_says_why():
    """A refused move raises IllegalMove with the table's code, naming the move and what is allowed."""
    lamp = Lamp()
    with pytest.raises(IllegalMove) as err:
        LIGHTS.fire(lamp, "slow")
    assert lamp.state is Light.RED and err.value.code == kIOReturnInvalid
    assert err.value.message == (
        "the lamp is RED: slow is refused (red never turns amber); allowed from RED: go -> GREEN"
    )
    LIGHTS.fire(lamp, "go")
    with pytest.raises(IllegalMove) as err:
        LIGHTS.fire(lamp, "stop", code=kIOReturnBadArgument)
    assert lamp.state is Light.GREEN and err.value.code == kIOReturnBadArgument
    assert "GREEN: stop is refused; allowed from GREEN: slow -> AMBER" in err.value.message


def test_a_move_must_lead_where_the_caller_says():
    """With a target, an action that leads elsewhere is refused, and the message says where it leads."""
    lamp = Lamp()
    with pytest.raises(
        IllegalMove, match=r"go to AMBER is refused .from RED, go leads to GREEN"
    ) as err:
        LIGHTS.fire(lamp, "go", Light.AMBER)
    assert lamp.state is Light.RED and err.value.code == kIOReturnInvalid


def test_check_finds_the_move_without_making_it():
    """check returns the move fire would make, or raises, and never changes the state."""
    lamp = Lamp()
    assert LIGHTS.check(lamp, "go") == Move(Light.RED, "go", Light.GREEN, "modelled")
    with pytest.raises(IllegalMove):
        LIGHTS.check(lamp, "stop")
    assert lamp.state is Light.RED


def test_a_thing_starts_once():
    """start gives the initial state; starting again is refused, so only fire changes a state."""
    lamp = Lamp()
    LIGHTS.fire(lamp, "go")
    with pytest.raises(ValueError, match="already has a state"):
        LIGHTS.start(lamp)
    assert lamp.state is Light.GREEN


def test_reading_the_table():
    """A table iterates its legal moves, reads as (state, action) -> state, and lists what is allowed."""
    assert [m.action for m in LIGHTS] == ["go", "slow", "stop"] and len(LIGHTS) == 3
    assert LIGHTS.items()[0] == ((Light.RED, "go"), Light.GREEN)
    assert LIGHTS.allowed(Light.AMBER) == [
        Move(Light.AMBER, "stop", Light.RED, "documented", "the law says so")
    ]
    assert LIGHTS.find(Light.RED, "slow") is None and LIGHTS.states() == list(Light)
    assert str(LIGHTS.moves[0]) == "RED --go--> GREEN"


def test_a_table_is_deterministic_and_its_labels_known():
    """One move per state and action; no move both legal and refused; provenance from the list."""
    with pytest.raises(ValueError, match="leads to two places"):
        MoveTable(
            "x",
            Light.RED,
            (
                Move(Light.RED, "go", Light.GREEN, "modelled"),
                Move(Light.RED, "go", Light.AMBER, "modelled"),
            ),
        )
    with pytest.raises(ValueError, match="both legal and refused"):
        MoveTable(
            "x",
            Light.RED,
            (Move(Light.RED, "go", Light.GREEN, "modelled"),),
            refused=(Move(Light.RED, "go", Light.GREEN, "modelled"),),
        )
    with pytest.raises(ValueError, match="provenance 'guessed'"):
        Move(Light.RED, "go", Light.GREEN, "guessed")
    assert PROVENANCES == ("documented", "source", "observed", "reported", "modelled")


def test_illegal_move_is_an_ioreturn_error_that_pickles():
    """IllegalMove carries its code and message through pickling."""
    err = IllegalMove(kIOReturnNotReady, "too early")
    back = pickle.loads(pickle.dumps(err))
    assert isinstance(back, IOReturnError) and (back.code, back.message) == (err.code, "too early")


# --- the four machines ---------------------------------------------------------------------------


class World:
    """A registered, enabled interface with its pool and four queues, a queue no interface took,
    a user client, and packets in several places."""

    def __init__(self):
        self.dext = IOUserNetworkEthernet(Mac(seed=3))
        self.dext.Start()
        options = IOUserNetworkPacketBufferPoolOptions(
            packetCount=8, bufferCount=8, bufferSize=2048, poolFlags=PoolFlagMapToDext
        )
        self.pool = IOUserNetworkPacketBufferPool.CreateWithOptions(self.dext, "world", options)
        dispatch = self.dext.CopyDispatchQueue()
        self.q = {
            kind: cls.Create(self.pool, self.dext, 4, 0, dispatch)
            for kind, cls in QUEUE_CLASSES.items()
        }
        self.dext.RegisterEthernetInterface(b"\x02\0\0\0\0\x01", self.pool, list(self.q.values()))
        for queue in self.q.values():
            queue.SetEnable(True)
        self.dext.SetInterfaceEnable(True)
        self.stray = IOUserNetworkTxSubmissionQueue.Create(self.pool, self.dext, 4, 0, dispatch)
        self.client = IOUserClient(self.dext)
        self.client.Start(self.dext)
        self.queued = kernel_allocate(self.pool, kIOUserNetworkPacketDirectionTx)
        self.q[QueueKind.TX_SUBMISSION].kernel_enqueue(self.queued)
        self.allocated = self.pool.allocatePacket()

    def state(self):
        """The whole state of all four machines."""
        queues = [
            (q.state, q.count, q.enqueued, q.dequeued) for q in (*self.q.values(), self.stray)
        ]
        return (
            self.dext.interface_state,
            queues,
            self.client.state,
            where(self.pool),
            self.pool.free_count,
        )


ILLEGAL = {
    "user client": (
        lambda w: w.client.Start(w.dext),
        kIOReturnStillOpen,
        "the user client is OPEN: Start is refused; allowed from OPEN: ExternalMethod -> OPEN",
    ),
    "queue": (
        lambda w: w.stray.SetEnable(True),
        kIOReturnNotReady,
        "TX submission queue is UNREGISTERED: SetEnable(true) is refused (before "
        "RegisterEthernetInterface: enable the queues in SetInterfaceEnable(true), not in "
        "Start); allowed from UNREGISTERED: register -> DISABLED",
    ),
    "interface": (
        lambda w: w.dext.Start(),
        kIOReturnInvalid,
        "the interface is ENABLED: Start is refused; allowed from ENABLED: "
        "SetInterfaceEnable(false) -> REGISTERED",
    ),
    "packet": (
        lambda w: w.q[QueueKind.RX_COMPLETION].EnqueuePacket(w.allocated),
        kIOReturnBadArgument,
        "packet 1 is DEXT: EnqueuePacket(s) to RX_COMPLETION is refused (the packet was "
        "never submitted",
    ),
}


@pytest.mark.parametrize("machine", list(ILLEGAL))
def test_every_state_machine_refuses_an_illegal_move_without_change(machine):
    """An illegal call on each of the four machines raises its code and message, and changes nothing."""
    world = World()
    call, code, message = ILLEGAL[machine]
    before = world.state()
    with pytest.raises(IllegalMove) as err:
        call(world)
    assert err.value.code == code and err.value.message.startswith(message)
    assert world.state() == before


def test_freeing_a_packet_through_the_table_keeps_the_pools_own_errors():
    """A queued packet freed by the dext is PacketOnQueue (kIOReturnBusy); nothing changes."""
    world = World()
    before = world.state()
    with pytest.raises(PacketOnQueue) as err:
        world.pool.DeallocatePackets([world.allocated, world.queued])
    assert err.value.code == kIOReturnBusy and world.state() == before


def test_the_four_tables_hold_their_states():
    """Each table starts its things where their life begins and names the attribute it sets."""
    assert [
        (t.initial.name, t.attribute)
        for t in (USER_CLIENT_MOVES, QUEUE_MOVES, INTERFACE_MOVES, PACKET_MOVES)
    ] == [
        ("CREATED", "state"),
        ("UNREGISTERED", "state"),
        ("CREATED", "interface_state"),
        ("POOL", "place"),
    ]
    assert vethlab.Place is Place


def test_no_code_but_the_table_writes_a_state():
    """No module of vethlab assigns a state or a place; only the table's start and fire set them."""
    attributes = {
        t.attribute for t in (USER_CLIENT_MOVES, QUEUE_MOVES, INTERFACE_MOVES, PACKET_MOVES)
    }
    root = pathlib.Path(vethlab.__file__).parent
    writes, setattrs = [], []
    for path in sorted(root.rglob("*.py")):
        name = path.relative_to(root).as_posix()
        for node in ast.walk(ast.parse(path.read_text())):
            targets = (
                node.targets
                if isinstance(node, ast.Assign)
                else ([node.target] if isinstance(node, ast.AugAssign) else [])
            )
            for target in targets:
                for part in getattr(target, "elts", [target]):  # a, b.place = ... too
                    if isinstance(part, ast.Attribute) and part.attr in attributes:
                        writes.append(f"{name}:{node.lineno}")
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "setattr":
                setattrs.append((name, getattr(node.args[1], "value", None)))
    assert writes == []
    assert not [(name, attr) for name, attr in setattrs if attr in attributes]
    assert [name for name, attr in setattrs if name.startswith("model/")] == ["model/moves.py"] * 2


def test_a_packet_keeps_one_record_of_where_it_is():
    """A packet has a place and no second record (no state, no queue) that could disagree."""
    world = World()
    assert (world.queued.place, world.allocated.place) == (Place.TX_SUBMISSION, Place.DEXT)
    assert not hasattr(world.queued, "state") and not hasattr(world.queued, "queue")
