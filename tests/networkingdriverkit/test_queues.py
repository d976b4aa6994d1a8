"""Tests for vethlab.networkingdriverkit.queues: the four packet queues, their state machines, the doorbell and
the deterministic dispatch."""

import pytest
from hypothesis import given, settings, strategies as st

from vethlab.driverkit.dispatch import IODataQueueDispatchSource, IODispatchQueue
from vethlab.driverkit.service import OSAction
from vethlab.ioreturn import (
    BadArgument,
    IOReturnError,
    kIOReturnBadArgument,
    kIOReturnBusy,
    kIOReturnNotPermitted,
    kIOReturnNotReady,
    kIOReturnOverrun,
    kIOReturnUnderrun,
)
from vethlab.model.memory import Mac
from vethlab.model.moves import PROVENANCES
from vethlab.model.scheduler import scheduler_of
from vethlab.networkingdriverkit.ethernet import IOUserNetworkEthernet
from vethlab.networkingdriverkit.packet import (
    kIOUserNetworkPacketDirectionRx,
    kIOUserNetworkPacketDirectionTx,
)
from vethlab.networkingdriverkit.pool import (
    IOUserNetworkPacketBufferPool,
    IOUserNetworkPacketBufferPoolOptions,
    PacketOnQueue,
    PoolFlagMapToDext,
)
from vethlab.networkingdriverkit.queues import (
    PACKET_MOVES,
    QUEUE_CLASSES,
    QUEUE_MOVES,
    REFUSED_MOVES,
    IllegalMove,
    IOUserNetworkPacketQueue,
    IOUserNetworkTxSubmissionQueue,
    Place,
    QueueKind,
    QueueState,
    kernel_allocate,
    kernel_free,
    where,
)

TXS, TXC, RXS, RXC = (
    QueueKind.TX_SUBMISSION,
    QueueKind.TX_COMPLETION,
    QueueKind.RX_SUBMISSION,
    QueueKind.RX_COMPLETION,
)


class Rig:
    """A registered interface's pool and four queues, without any handler."""

    def __init__(self, packets=8, capacity=4, enable=True):
        self.mac = Mac(seed=1)
        self.dext = IOUserNetworkEthernet(self.mac)
        self.dext.Start()
        self.dispatch = self.dext.CopyDispatchQueue()
        options = IOUserNetworkPacketBufferPoolOptions(
            packetCount=packets, bufferCount=packets, bufferSize=2048, poolFlags=PoolFlagMapToDext
        )
        self.pool = IOUserNetworkPacketBufferPool.CreateWithOptions(self.dext, "rig", options)
        self.q = {
            kind: cls.Create(self.pool, self.dext, capacity, 0, self.dispatch)
            for kind, cls in QUEUE_CLASSES.items()
        }
        self.dext.RegisterEthernetInterface(b"\x02\0\0\0\0\x01", self.pool, list(self.q.values()))
        if enable:
            for queue in self.q.values():
                queue.SetEnable(True)

    def submit_tx(self):
        packet = kernel_allocate(self.pool, kIOUserNetworkPacketDirectionTx)
        self.q[TXS].kernel_enqueue(packet)
        return packet

    def stock_rx(self):
        packet = kernel_allocate(self.pool, kIOUserNetworkPacketDirectionRx)
        self.q[RXS].kernel_enqueue(packet)
        return packet

    def state(self):
        """The whole state: every place's packets (queues in order), every queue's state and
        counters, and the pool's free count."""
        places = {place: ids for place, ids in where(self.pool).items() if ids}
        queues = {kind: (q.state, q.enqueued, q.dequeued) for kind, q in self.q.items()}
        return places, queues, self.pool.free_count


def occupied(pool):
    return {place: ids for place, ids in where(pool).items() if ids}


# --- creation ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(QUEUE_CLASSES))
def test_queues_are_born_unregistered_and_disabled(kind):
    """A new queue of each kind is UNREGISTERED, empty, with the capacity and id asked for."""
    rig = Rig(enable=False)
    queue = QUEUE_CLASSES[kind].Create(rig.pool, rig.dext, 5, 7, rig.dispatch)
    assert (queue.kind, queue.state, queue.enabled, queue.count, queue.capacity, queue.queueId) == (
        kind,
        QueueState.UNREGISTERED,
        False,
        0,
        5,
        7,
    )
    expected = (
        kIOUserNetworkPacketDirectionTx
        if kind.name.startswith("TX")
        else kIOUserNetworkPacketDirectionRx
    )
    assert queue.direction == expected


@pytest.mark.parametrize(
    "change, fragment",
    [
        (dict(pool=None), "pool"),
        (dict(capacity=0), "capacity 0"),
        (dict(capacity=1 << 32), "capacity"),
        (dict(capacity=True), "capacity"),
        (dict(queueId=-1), "queueId"),
        (dict(dispatchQueue=None), "dispatchQueue"),
    ],
)
def test_create_refuses_bad_arguments(change, fragment):
    """A NULL pool, a bad capacity or id, no dispatch queue: kIOReturnBadArgument naming it."""
    rig = Rig(enable=False)
    args = dict(pool=rig.pool, owner=rig.dext, capacity=4, queueId=0, dispatchQueue=rig.dispatch)
    args.update(change)
    with pytest.raises(BadArgument, match=fragment) as err:
        IOUserNetworkTxSubmissionQueue.Create(**args)
    assert err.value.code == kIOReturnBadArgument


def test_the_base_class_cannot_be_created():
    """Only the four subclasses are queues one can create."""
    rig = Rig(enable=False)
    with pytest.raises(BadArgument, match="subclasses"):
        IOUserNetworkPacketQueue.Create(rig.pool, rig.dext, 4, 0, rig.dispatch)


# --- the queue state machine --------------------------------------------------------------------


def test_set_enable_before_registration_is_not_ready_and_changes_nothing():
    """SetEnable(true) before registration: kIOReturnNotReady, the queue stays UNREGISTERED."""
    rig = Rig(enable=False)
    queue = IOUserNetworkTxSubmissionQueue.Create(rig.pool, rig.dext, 4, 0, rig.dispatch)
    with pytest.raises(IllegalMove) as err:
        queue.SetEnable(True)
    assert err.value.code == kIOReturnNotReady
    assert queue.state is QueueState.UNREGISTERED
    queue.SetEnable(False)  # legal, and still nothing changes
    assert queue.state is QueueState.UNREGISTERED


def test_queue_moves_follow_the_table():
    """Registration then enable/disable take exactly the moves of QUEUE_MOVES."""
    rig = Rig(enable=False)
    queue = rig.q[TXS]
    assert queue.state is QueueState.DISABLED
    for enable, expected in (
        (True, QueueState.ENABLED),
        (True, QueueState.ENABLED),
        (False, QueueState.DISABLED),
        (False, QueueState.DISABLED),
    ):
        queue.SetEnable(enable)
        assert queue.state is expected
    table = {(m.source, m.action): m.target for m in QUEUE_MOVES}
    assert table[(QueueState.UNREGISTERED, "register")] is QueueState.DISABLED
    assert (QueueState.UNREGISTERED, "SetEnable(true)") not in table


def test_a_registered_queue_cannot_be_registered_again():
    """Registering a queue twice is refused and leaves it as it was."""
    rig = Rig()
    with pytest.raises(IllegalMove) as err:
        rig.q[TXS]._register()
    assert err.value.code == kIOReturnBadArgument
    assert rig.q[TXS].state is QueueState.ENABLED


# --- the data flow -------------------------------------------------------------------------------


def test_tx_round_trip_moves_a_packet_through_every_place():
    """Submit, dequeue, complete, reclaim: the packet visits each TX place and returns to the pool."""
    rig = Rig(packets=4)
    packet = kernel_allocate(rig.pool, kIOUserNetworkPacketDirectionTx)
    assert occupied(rig.pool) == {Place.POOL: [1, 2, 3], Place.STACK: [0]}
    rig.q[TXS].kernel_enqueue(packet)
    assert occupied(rig.pool) == {Place.POOL: [1, 2, 3], Place.TX_SUBMISSION: [0]}
    got = rig.q[TXS].DequeuePacket()
    assert got is packet and packet.place is Place.DEXT_TX
    rig.q[TXC].EnqueuePacket(packet)
    assert occupied(rig.pool) == {Place.POOL: [1, 2, 3], Place.TX_COMPLETION: [0]}
    kernel_free(rig.q[TXC].kernel_dequeue())
    assert occupied(rig.pool) == {Place.POOL: [0, 1, 2, 3]}
    assert (rig.q[TXS].enqueued, rig.q[TXS].dequeued, rig.q[TXC].enqueued, rig.q[TXC].dequeued) == (
        1,
        1,
        1,
        1,
    )


def test_rx_round_trip_recycles_to_rx_submission():
    """An empty RX packet is stocked, dequeued, completed, delivered and stocked again."""
    rig = Rig(packets=4)
    packet = rig.stock_rx()
    assert packet.GetHeadroom() == 0 and packet.getDataOffset() == 0
    assert rig.q[RXS].DequeuePacket() is packet
    assert packet.place is Place.DEXT_RX
    rig.q[RXC].EnqueuePacket(packet)
    delivered = rig.q[RXC].kernel_dequeue()
    assert delivered.place is Place.STACK
    rig.q[RXS].kernel_enqueue(delivered)
    assert occupied(rig.pool) == {Place.POOL: [1, 2, 3], Place.RX_SUBMISSION: [0]}


def test_queues_keep_fifo_order():
    """Packets leave a queue in the order they entered."""
    rig = Rig(packets=8, capacity=8)
    sent = [rig.submit_tx() for _ in range(5)]
    assert rig.q[TXS].contents() == [p.index for p in sent]
    assert rig.q[TXS].DequeuePackets(5) == sent


# --- refusals leave everything unchanged ----------------------------------------------------------


def test_dext_calls_on_a_disabled_queue_are_not_ready():
    """Enqueue or dequeue on a disabled queue: kIOReturnNotReady, no change; a batch gets none."""
    rig = Rig()
    packet = rig.submit_tx()
    rig.q[TXS].DequeuePacket()
    rig.q[TXC].SetEnable(False)
    before = rig.state()
    with pytest.raises(IllegalMove) as err:
        rig.q[TXC].EnqueuePacket(packet)
    assert err.value.code == kIOReturnNotReady
    rig.q[TXS].SetEnable(False)
    with pytest.raises(IllegalMove) as err2:
        rig.q[TXS].DequeuePacket()
    assert err2.value.code == kIOReturnNotReady
    assert rig.q[TXS].DequeuePackets(4) == []
    assert rig.state()[0] == before[0]


def test_kernel_submit_to_a_disabled_queue_is_not_ready():
    """The kernel cannot submit to a disabled TX submission queue; its packet stays in STACK."""
    rig = Rig()
    rig.q[TXS].SetEnable(False)
    packet = kernel_allocate(rig.pool, kIOUserNetworkPacketDirectionTx)
    before = occupied(rig.pool)
    with pytest.raises(IllegalMove) as err:
        rig.q[TXS].kernel_enqueue(packet)
    assert err.value.code == kIOReturnNotReady
    assert occupied(rig.pool) == before


def test_a_full_queue_overruns_and_changes_nothing():
    """The kernel's fifth packet on a 4-packet TX submission queue: kIOReturnOverrun."""
    rig = Rig(packets=8, capacity=4)
    for _ in range(4):
        rig.submit_tx()
    packet = kernel_allocate(rig.pool, kIOUserNetworkPacketDirectionTx)
    before = rig.state()
    with pytest.raises(IllegalMove) as err:
        rig.q[TXS].kernel_enqueue(packet)
    assert err.value.code == kIOReturnOverrun
    assert rig.state() == before and rig.q[TXS].is_full


def test_dequeue_from_an_empty_queue_underruns():
    """DequeuePacket on an empty submission queue: kIOReturnUnderrun."""
    rig = Rig()
    with pytest.raises(IllegalMove) as err:
        rig.q[RXS].DequeuePacket()
    assert err.value.code == kIOReturnUnderrun
    with pytest.raises(IllegalMove) as err:
        rig.q[TXC].kernel_dequeue()
    assert err.value.code == kIOReturnUnderrun


@pytest.mark.parametrize(
    "kind, call",
    [
        (TXS, "EnqueuePacket"),
        (RXS, "EnqueuePacket"),
        (TXC, "DequeuePacket"),
        (RXC, "DequeuePacket"),
    ],
)
def test_the_dext_works_only_its_own_side(kind, call):
    """The dext does not enqueue on submission queues or dequeue from completion queues."""
    rig = Rig()
    packet = rig.pool.allocatePacket()
    before = rig.state()
    with pytest.raises(IllegalMove) as err:
        if call == "EnqueuePacket":
            rig.q[kind].EnqueuePacket(packet)
        else:
            rig.q[kind].DequeuePacket()
    assert err.value.code == kIOReturnNotPermitted
    assert rig.state() == before


def test_the_kernel_works_only_its_own_side():
    """The kernel does not enqueue on completion queues or dequeue from submission queues."""
    rig = Rig()
    packet = kernel_allocate(rig.pool, kIOUserNetworkPacketDirectionTx)
    with pytest.raises(IllegalMove) as err:
        rig.q[TXC].kernel_enqueue(packet)
    assert err.value.code == kIOReturnNotPermitted
    with pytest.raises(IllegalMove):
        rig.q[TXS].kernel_dequeue()


def test_rx_completion_refuses_a_packet_that_was_never_submitted():
    """An allocatePacket packet on RX completion is refused (observed), and stays with the dext."""
    rig = Rig()
    packet = rig.pool.allocatePacket()
    before = rig.state()
    with pytest.raises(IllegalMove, match="never submitted") as err:
        rig.q[RXC].EnqueuePacket(packet)
    assert err.value.code == kIOReturnBadArgument
    assert rig.state() == before and packet.place is Place.DEXT


def test_a_tx_packet_cannot_complete_on_rx_completion():
    """A packet dequeued from TX submission completes on TX completion only."""
    rig = Rig()
    rig.submit_tx()
    packet = rig.q[TXS].DequeuePacket()
    with pytest.raises(IllegalMove, match="TX completion"):
        rig.q[RXC].EnqueuePacket(packet)
    assert packet.place is Place.DEXT_TX


def test_a_queued_packet_cannot_be_freed():
    """Freeing a queued packet, alone or in a batch: PacketOnQueue (kIOReturnBusy), nothing freed."""
    rig = Rig()
    queued = rig.submit_tx()
    mine = rig.pool.allocatePacket()
    before = rig.state()
    with pytest.raises(PacketOnQueue, match="still on the TX submission queue") as err:
        rig.pool.DeallocatePacket(queued)
    assert err.value.code == kIOReturnBusy
    with pytest.raises(PacketOnQueue):
        rig.pool.DeallocatePackets([mine, queued])
    assert rig.state() == before and mine.place is Place.DEXT


def test_the_dext_cannot_free_a_packet_a_queue_holds():
    """A packet on TX completion is the kernel's: freeing it is kIOReturnBusy; nothing changes."""
    rig = Rig()
    rig.submit_tx()
    packet = rig.q[TXS].DequeuePacket()
    rig.q[TXC].EnqueuePacket(packet)
    before = rig.state()
    with pytest.raises(PacketOnQueue, match="still on the TX completion queue") as err:
        rig.pool.DeallocatePacket(packet)
    assert err.value.code == kIOReturnBusy
    assert rig.state() == before and packet.place is Place.TX_COMPLETION


def test_a_packet_of_another_pool_is_a_bad_argument():
    """A queue takes only packets of its own pool."""
    rig, other = Rig(), Rig()
    packet = kernel_allocate(other.pool, kIOUserNetworkPacketDirectionTx)
    with pytest.raises(BadArgument, match="belongs to pool"):
        rig.q[TXS].kernel_enqueue(packet)


# --- EnqueuePackets and its lowercase wrapper -----------------------------------------------------


def test_enqueue_packets_stops_at_the_first_refusal_and_counts():
    """EnqueuePackets returns how many it added and leaves the rest with the dext."""
    rig = Rig(packets=8, capacity=4)
    for _ in range(3):
        rig.stock_rx()
    filled = rig.q[RXS].DequeuePackets(3)
    packets = [*filled[:2], rig.pool.allocatePacket(), filled[2]]  # the third is refused
    assert rig.q[RXC].EnqueuePackets(packets) == 2
    assert [p.place for p in packets] == [Place.RX_COMPLETION] * 2 + [Place.DEXT, Place.DEXT_RX]


def test_lowercase_enqueue_packets_is_overrun_only_when_nothing_fits():
    """enqueuePackets: a partial accept succeeds silently; zero accepted is kIOReturnOverrun."""
    rig = Rig(packets=8, capacity=2)
    for _ in range(2):
        rig.submit_tx()
    rig.q[TXS].capacity = 4
    for _ in range(2):
        rig.submit_tx()
    held = rig.q[TXS].DequeuePackets(4)
    assert rig.q[TXC].enqueuePackets(held) is None  # 2 taken, 2 silently left
    assert [p.place for p in held] == [Place.TX_COMPLETION] * 2 + [Place.DEXT_TX] * 2
    with pytest.raises(IllegalMove) as err:
        rig.q[TXC].enqueuePackets(held[2:])
    assert err.value.code == kIOReturnOverrun
    assert [p.place for p in held[2:]] == [Place.DEXT_TX] * 2


def test_dequeue_packets_returns_as_many_as_there_are():
    """DequeuePackets(max) gives min(max, queued) packets."""
    rig = Rig(packets=8, capacity=4)
    for _ in range(3):
        rig.submit_tx()
    assert len(rig.q[TXS].DequeuePackets(2)) == 2
    assert len(rig.q[TXS].DequeuePackets(8)) == 1
    assert rig.q[TXS].DequeuePackets(8) == []
    with pytest.raises(BadArgument):
        rig.q[TXS].DequeuePackets(-1)


# --- the doorbell --------------------------------------------------------------------------------


class Recorder:
    def __init__(self, queue=None, take=0):
        self.runs = 0
        self.queue = queue
        self.take = take

    def TxPacketAvailable(self, action):
        self.runs += 1
        if self.queue is not None:
            self.queue.DequeuePackets(self.take)


def test_the_doorbell_rings_on_the_empty_to_non_empty_edge_only():
    """The doorbell rings when the queue goes from empty to non-empty, and only then."""
    rig = Rig(packets=8, capacity=8)
    recorder = Recorder(rig.q[TXS], take=1)
    source = rig.q[TXS].CopyDataQueue()
    source.SetDataAvailableHandler(OSAction.Create(recorder, "TxPacketAvailable", rig.dispatch))
    rig.submit_tx()
    rig.submit_tx()
    assert (source.rung, source.silent, rig.dispatch.scheduler.pending()) == (
        1,
        1,
        {"dext Default": 1},
    )
    scheduler_of(rig.mac).run()
    assert recorder.runs == 1 and rig.q[TXS].count == 1  # took one, one is left behind
    rig.submit_tx()  # queue not empty: no bell, the packets wait
    scheduler_of(rig.mac).run()
    assert (recorder.runs, rig.q[TXS].count, source.silent) == (1, 2, 2)
    rig.q[TXS].requestDequeue()  # a kick brings the handler back
    scheduler_of(rig.mac).run()
    assert recorder.runs == 2


def test_a_disabled_doorbell_rings_nothing():
    """SetEnable(false) on the data queue source silences it."""
    rig = Rig()
    recorder = Recorder()
    source = rig.q[TXS].CopyDataQueue()
    source.SetDataAvailableHandler(OSAction.Create(recorder, "TxPacketAvailable", rig.dispatch))
    source.SetEnable(False)
    rig.submit_tx()
    assert scheduler_of(rig.mac).run() == 0 and source.IsDataAvailable()


def test_doorbell_and_action_arguments_are_checked():
    """A handler must be an OSAction for an existing method on a dispatch queue."""
    rig = Rig()
    with pytest.raises(BadArgument, match="no method"):
        OSAction.Create(Recorder(), "Missing", rig.dispatch)
    with pytest.raises(BadArgument, match="IODispatchQueue"):
        OSAction.Create(Recorder(), "TxPacketAvailable", None)
    with pytest.raises(BadArgument):
        rig.q[TXS].CopyDataQueue().SetDataAvailableHandler(lambda: None)
    with pytest.raises(BadArgument):
        IODataQueueDispatchSource.Create(0, rig.dispatch)
    assert IODataQueueDispatchSource.Create(4096, rig.dispatch).IsDataAvailable() is False


def test_a_cancelled_action_does_not_fire():
    """OSAction.Cancel stops later firings."""
    rig = Rig()
    recorder = Recorder()
    action = OSAction.Create(recorder, "TxPacketAvailable", rig.dispatch)
    action.Cancel()
    action.fire()
    assert scheduler_of(rig.mac).run() == 0 and recorder.runs == 0


# --- dispatch --------------------------------------------------------------------------------------


def test_the_scheduler_runs_queues_round_robin():
    """Blocks of two dispatch queues alternate; each queue keeps its own order."""
    mac = Mac()
    a, b = IODispatchQueue.Create("a", mac=mac), IODispatchQueue.Create("b", mac=mac)
    ran = []
    for i in range(3):
        a.DispatchAsync(lambda i=i: ran.append(f"a{i}"))
        b.DispatchAsync(lambda i=i: ran.append(f"b{i}"))
    assert scheduler_of(mac).run() == 6
    assert ran == ["a0", "b0", "a1", "b1", "a2", "b2"]
    assert scheduler_of(mac).idle and scheduler_of(mac).step() is False


def test_the_scheduler_reports_a_livelock():
    """A block that always queues another one stops run() with a clear error."""
    mac = Mac()
    queue = IODispatchQueue.Create("loop", mac=mac)

    def again():
        queue.DispatchAsync(again)

    queue.DispatchAsync(again)
    with pytest.raises(RuntimeError, match="did not settle"):
        scheduler_of(mac).run(max_steps=50)


def test_dispatch_sync_runs_now_and_names_are_checked():
    """DispatchSync returns the block's result at once; a queue needs a name."""
    mac = Mac()
    queue = IODispatchQueue.Create("q", mac=mac)
    assert queue.DispatchSync(lambda: 42) == 42
    with pytest.raises(BadArgument):
        IODispatchQueue.Create("", mac=mac)


# --- the tables -------------------------------------------------------------------------------------


def test_the_move_tables_are_consistent():
    """Legal moves change place, none is also refused, and every place is reachable both ways."""
    legal = {(m.source, m.target) for m in PACKET_MOVES}
    assert all(m.source is not m.target for m in PACKET_MOVES)
    assert not legal & {(m.source, m.target) for m in REFUSED_MOVES}
    assert all(m.provenance in PROVENANCES for m in PACKET_MOVES.moves + REFUSED_MOVES)
    reach, frontier = {Place.POOL}, [Place.POOL]
    while frontier:
        here = frontier.pop()
        for source, target in legal:
            if source is here and target not in reach:
                reach.add(target)
                frontier.append(target)
    assert reach == set(Place)
    back = {Place.POOL}
    changed = True
    while changed:
        changed = False
        for source, target in legal:
            if target in back and source not in back:
                back.add(source)
                changed = True
    assert back == set(Place)


def test_purge_returns_submission_packets_to_the_pool_and_reports_them():
    """kernel_purge empties a submission queue into the pool and tells on_purge first."""
    rig = Rig(packets=8)
    sent = [rig.submit_tx() for _ in range(3)]
    heard = []
    rig.q[TXS].on_purge = lambda packets, reason: heard.append(([p.index for p in packets], reason))
    rig.q[TXS].purgePackets()
    assert heard == [([p.index for p in sent], "purged by the dext (purgePackets)")]
    assert occupied(rig.pool) == {Place.POOL: list(range(8))}


# --- a property: random operations never lose or duplicate a packet -----------------------------

OPS = st.lists(
    st.sampled_from(
        [
            "allocate",
            "submit",
            "stock",
            "kernel_free",
            "dq_tx",
            "dq_rx",
            "complete_tx",
            "complete_rx",
            "cross_complete",
            "reclaim",
            "deliver",
            "free_held",
            "toggle",
        ]
    ),
    max_size=60,
)


@settings(max_examples=200)
@given(ops=OPS, capacity=st.integers(1, 6), packets=st.integers(1, 10))
def test_random_operations_keep_every_packet_in_exactly_one_place(ops, capacity, packets):
    """Random moves keep each packet in one place, queues within capacity; refusals change nothing."""
    rig = Rig(packets=packets, capacity=capacity)
    stack: list = []  # packets the kernel holds
    held: list = []  # packets the dext dequeued
    for op in ops:
        before = rig.state()
        try:
            if op == "allocate":
                stack.append(kernel_allocate(rig.pool, kIOUserNetworkPacketDirectionTx))
            elif op in ("submit", "stock") and stack:
                rig.q[TXS if op == "submit" else RXS].kernel_enqueue(stack[0])
                stack.pop(0)
            elif op == "kernel_free" and stack:
                kernel_free(stack[0])
                stack.pop(0)
            elif op in ("dq_tx", "dq_rx"):
                held.append(rig.q[TXS if op == "dq_tx" else RXS].DequeuePacket())
            elif op in ("complete_tx", "complete_rx", "cross_complete") and held:
                if op == "cross_complete":  # the other completion queue: always refused
                    kind = RXC if held[0].place is Place.DEXT_TX else TXC
                else:
                    kind = TXC if op == "complete_tx" else RXC
                rig.q[kind].EnqueuePacket(held[0])
                held.pop(0)
            elif op in ("reclaim", "deliver"):
                stack.append(rig.q[TXC if op == "reclaim" else RXC].kernel_dequeue())
            elif op == "free_held" and held:
                rig.pool.DeallocatePacket(held[-1])
                held.pop()
            elif op == "toggle":
                rig.q[TXS].SetEnable(not rig.q[TXS].enabled)
        except IOReturnError:
            assert rig.state() == before
        places = where(rig.pool)
        seen = [i for ids in places.values() for i in ids]
        assert sorted(seen) == list(range(packets))
        assert sorted(places[Place.STACK]) == sorted(p.index for p in stack)
        assert sorted(places[Place.DEXT_TX] + places[Place.DEXT_RX]) == sorted(
            p.index for p in held
        )
        assert len(places[Place.POOL]) == rig.pool.free_count
        assert all(q.count <= q.capacity for q in rig.q.values())
