"""Tests for vethlab.networkingdriverkit.ethernet: IOUserNetworkEthernet's state machine and checks, and the
sample-shaped dext."""

import itertools

import pytest

from vethlab.ioreturn import BadArgument, kIOReturnInvalid, kIOReturnNotReady, kIOReturnUnderrun
from vethlab.model.memory import Mac
from vethlab.model.scheduler import scheduler_of
from vethlab.networkingdriverkit.ethernet import (
    INTERFACE_MOVES,
    MEDIA_TYPES,
    InterfaceState,
    IOUserNetworkEthernet,
    SampleEthernetDext,
    kIOUserNetworkLinkStatusActive,
    kIOUserNetworkLinkStatusInactive,
    kIOUserNetworkMediaEthernet1000BaseT,
    kIOUserNetworkMediaEthernetAuto,
    kIOUserNetworkMediaOptionFullDuplex,
    mac_bytes,
)
from vethlab.networkingdriverkit.packet import kIOUserNetworkPacketDirectionTx
from vethlab.networkingdriverkit.pool import (
    IOUserNetworkPacketBufferPool,
    IOUserNetworkPacketBufferPoolOptions,
    PoolFlagMapToDext,
)
from vethlab.networkingdriverkit.queues import (
    QUEUE_CLASSES,
    IllegalMove,
    IOUserNetworkRxCompletionQueue,
    Place,
    QueueKind,
    QueueState,
    kernel_allocate,
    where,
)
from vethlab.wire import frames

HOST_MAC = frames.HOST.mac


def started(cls=IOUserNetworkEthernet, packets=8, buffer_size=2048):
    dext = cls(Mac(seed=2))
    dext.Start()
    options = IOUserNetworkPacketBufferPoolOptions(
        packetCount=packets,
        bufferCount=packets,
        bufferSize=buffer_size,
        poolFlags=PoolFlagMapToDext,
    )
    pool = IOUserNetworkPacketBufferPool.CreateWithOptions(dext, "eth", options)
    dispatch = dext.CopyDispatchQueue()
    queues = [cls_.Create(pool, dext, 4, 0, dispatch) for cls_ in QUEUE_CLASSES.values()]
    return dext, pool, queues


def snapshot(dext, queues):
    return (
        dext.interface_state,
        dext.pool,
        dext.mac_address,
        dict(dext.queues),
        [q.state for q in queues],
    )


# --- the interface state machine -------------------------------------------------------------


def test_start_then_register_then_enable_follow_the_table():
    """CREATED → STARTED → REGISTERED → ENABLED → REGISTERED, as INTERFACE_MOVES says."""
    dext, pool, queues = started()
    assert dext.interface_state is InterfaceState.STARTED
    dext.RegisterEthernetInterface(HOST_MAC, pool, queues, 4)
    assert (dext.interface_state, dext.pool, dext.mac_address) == (
        InterfaceState.REGISTERED,
        pool,
        HOST_MAC,
    )
    assert [q.state for q in queues] == [QueueState.DISABLED] * 4
    dext.SetInterfaceEnable(True)
    assert dext.interface_state is InterfaceState.ENABLED and dext.enabled
    dext.SetInterfaceEnable(False)
    assert dext.interface_state is InterfaceState.REGISTERED
    assert {(m.source, m.action) for m in INTERFACE_MOVES} >= {
        (InterfaceState.CREATED, "Start"),
        (InterfaceState.STARTED, "RegisterEthernetInterface"),
    }


def test_calls_made_too_early_are_not_ready():
    """Registering before Start, or enabling before registration: kIOReturnNotReady, no change."""
    dext = IOUserNetworkEthernet(Mac())
    with pytest.raises(IllegalMove) as err:
        dext.SetInterfaceEnable(True)
    assert err.value.code == kIOReturnNotReady
    assert err.value.message == (
        "the interface is CREATED: SetInterfaceEnable(true) is refused; "
        "allowed from CREATED: Start -> STARTED"
    )
    assert dext.interface_state is InterfaceState.CREATED
    dext2, _pool, queues = started()
    before = snapshot(dext2, queues)
    with pytest.raises(IllegalMove) as err:
        dext2.SetInterfaceEnable(True)
    assert err.value.code == kIOReturnNotReady and snapshot(dext2, queues) == before


def test_repeating_start_or_registration_is_invalid():
    """A second Start or RegisterEthernetInterface: kIOReturnInvalid, nothing changes."""
    dext, pool, queues = started()
    with pytest.raises(IllegalMove) as err:
        dext.Start()
    assert err.value.code == kIOReturnInvalid
    dext.RegisterEthernetInterface(HOST_MAC, pool, queues)
    before = snapshot(dext, queues)
    with pytest.raises(IllegalMove) as err:
        dext.RegisterEthernetInterface(HOST_MAC, pool, queues)
    assert err.value.code == kIOReturnInvalid and snapshot(dext, queues) == before


# --- registration checks ------------------------------------------------------------------------


@pytest.mark.parametrize("order", list(itertools.permutations(range(4))))
def test_the_four_queues_may_come_in_any_order(order):
    """Any order of one queue of each kind registers (documented)."""
    dext, pool, queues = started()
    dext.RegisterEthernetInterface(HOST_MAC, pool, [queues[i] for i in order])
    assert set(dext.queues) == set(QueueKind)


@pytest.mark.parametrize(
    "pick, count, fragment",
    [
        ([0, 1, 2], None, "exactly 4"),
        ([0, 1, 2, 3], 3, "exactly 4"),
        ([0, 1, 2, 3, 3], None, "exactly 4"),
        ([0, 1, 2, 2], None, "missing: RX completion"),
        ([0, 0, 0, 0], 4, "missing"),
    ],
)
def test_anything_but_one_queue_of_each_kind_is_a_bad_argument(pick, count, fragment):
    """Not exactly one queue of each kind: kIOReturnBadArgument, and nothing is registered."""
    dext, pool, queues = started()
    before = snapshot(dext, queues)
    with pytest.raises(BadArgument, match=fragment):
        dext.RegisterEthernetInterface(HOST_MAC, pool, [queues[i] for i in pick], count)
    assert snapshot(dext, queues) == before


def test_registration_checks_address_pool_and_queue_pools():
    """A multicast or malformed MAC, a non-pool, a queue of another pool: bad arguments."""
    dext, pool, queues = started()
    _, other_pool, _ = started()
    before = snapshot(dext, queues)
    with pytest.raises(BadArgument, match="multicast"):
        dext.RegisterEthernetInterface(b"\x01\0\0\0\0\x01", pool, queues)
    with pytest.raises(BadArgument, match="6 bytes"):
        dext.RegisterEthernetInterface(b"\x02\0", pool, queues)
    with pytest.raises(BadArgument, match="not an IOUserNetworkPacketBufferPool"):
        dext.RegisterEthernetInterface(HOST_MAC, None, queues)
    foreign = IOUserNetworkRxCompletionQueue.Create(other_pool, dext, 4, 0, queues[0].dispatchQueue)
    with pytest.raises(BadArgument, match="created with pool"):
        dext.RegisterEthernetInterface(HOST_MAC, pool, [*queues[:3], foreign])
    assert snapshot(dext, queues) == before
    dext.RegisterEthernetInterface("02:00:00:00:00:01", pool, queues)
    assert dext.mac_address == HOST_MAC


def test_registration_refuses_an_mtu_the_buffers_cannot_hold():
    """GetMaxTransferUnit is read at registration; 9000 does not fit 2048-byte buffers."""

    class Jumbo(IOUserNetworkEthernet):
        max_transfer_unit = 9000

    dext, pool, queues = started(Jumbo)
    with pytest.raises(BadArgument, match="9000-byte MTU"):
        dext.RegisterEthernetInterface(HOST_MAC, pool, queues)
    assert dext.interface_state is InterfaceState.STARTED
    big, big_pool, big_queues = started(Jumbo, buffer_size=9100)
    big.RegisterEthernetInterface(HOST_MAC, big_pool, big_queues)
    assert big.max_packet_size == 9000


# --- headroom, media, link, MTU, multicast ---------------------------------------------------------


def test_tx_headroom_becomes_the_pools_headroom_for_new_packets():
    """SetTxPacketHeadroom becomes the pool's headroom (at registration, or at once after it)."""
    dext, pool, queues = started()
    dext.SetTxPacketHeadroom(8)
    assert pool.headroom == 0
    dext.RegisterEthernetInterface(HOST_MAC, pool, queues)
    assert pool.headroom == 8
    packet = kernel_allocate(pool, kIOUserNetworkPacketDirectionTx)
    assert (packet.GetHeadroom(), packet.getDataOffset()) == (8, 8)
    dext.SetTxPacketHeadroom(16)
    assert pool.headroom == 16
    for bad in (-1, 256, True, 1.5):
        with pytest.raises(BadArgument):
            dext.SetTxPacketHeadroom(bad)
    assert pool.headroom == 16 and dext.tx_headroom == 16


def test_media_types_must_be_known_and_reported_before_use():
    """Media types must be known, and reported before ReportLinkStatus or SelectMediaType."""
    dext = IOUserNetworkEthernet(Mac())
    dext.Start()
    with pytest.raises(BadArgument, match="not reported"):
        dext.ReportLinkStatus(kIOUserNetworkLinkStatusActive, kIOUserNetworkMediaEthernetAuto)
    for bad in ([], [0x1234], [MEDIA_TYPES["Auto"] | 0x4000_0000], [True]):
        with pytest.raises(BadArgument):
            dext.ReportAvailableMediaTypes(bad)
    with pytest.raises(BadArgument, match="count"):
        dext.ReportAvailableMediaTypes([kIOUserNetworkMediaEthernetAuto], 2)
    gig_fd = kIOUserNetworkMediaEthernet1000BaseT | kIOUserNetworkMediaOptionFullDuplex
    dext.ReportAvailableMediaTypes([kIOUserNetworkMediaEthernetAuto, gig_fd])
    dext.ReportLinkStatus(kIOUserNetworkLinkStatusActive, gig_fd)
    assert (dext.link_status, dext.active_media) == (kIOUserNetworkLinkStatusActive, gig_fd)
    with pytest.raises(BadArgument, match="link status"):
        dext.ReportLinkStatus(0x2, gig_fd)
    dext.SelectMediaType(kIOUserNetworkMediaEthernetAuto)
    assert dext.chosen_media == kIOUserNetworkMediaEthernetAuto
    with pytest.raises(BadArgument):
        dext.SelectMediaType(kIOUserNetworkMediaEthernet1000BaseT)


def test_mtu_is_limited_by_the_maximum():
    """SetMTU accepts 68..GetMaxTransferUnit() and nothing else."""
    dext = IOUserNetworkEthernet(Mac())
    dext.SetMTU(1280)
    assert dext.mtu == 1280 and dext.GetMaxTransferUnit() == 1500
    for bad in (67, 1501, "1500"):
        with pytest.raises(BadArgument):
            dext.SetMTU(bad)
    assert dext.mtu == 1280


def test_frame_filter_follows_address_multicast_and_promiscuous_settings():
    """accepts(): own address, broadcast, joined groups; everything when promiscuous."""
    dext, pool, queues = started()
    dext.RegisterEthernetInterface(HOST_MAC, pool, queues)
    group = bytes.fromhex("3333ff000002")
    assert dext.accepts(HOST_MAC) and dext.accepts(b"\xff" * 6)
    assert not dext.accepts(group) and not dext.accepts(frames.APP.mac)
    dext.setMulticastAddresses([group])
    assert dext.accepts(group) and not dext.accepts(bytes.fromhex("3333ff000003"))
    with pytest.raises(BadArgument, match="not a multicast"):
        dext.setMulticastAddresses([frames.APP.mac])
    assert dext.multicast_addresses == (group,)
    dext.SetAllMulticastModeEnable(True)
    assert dext.accepts(bytes.fromhex("3333ff000003")) and not dext.accepts(frames.APP.mac)
    dext.SetPromiscuousModeEnable(True)
    assert dext.accepts(frames.APP.mac)


def test_mac_bytes_reads_text_and_bytes():
    """mac_bytes takes 6 bytes or colon-separated hex, and refuses the rest."""
    assert mac_bytes("02:00:00:00:00:02") == frames.APP.mac == mac_bytes(bytearray(frames.APP.mac))
    for bad in ("02:00", b"12345", 12):
        with pytest.raises(BadArgument):
            mac_bytes(bad)


# --- the sample-shaped dext -------------------------------------------------------------------------


def test_sample_dext_starts_like_apples_sample():
    """Start and SetInterfaceEnable(true) do what Apple's sample does, in the same order."""
    dext = SampleEthernetDext(Mac(), packets=16, capacities=8)
    dext.Start()
    assert dext.interface_state is InterfaceState.REGISTERED
    assert dext.pool.flags & PoolFlagMapToDext and dext.pool.headroom == 8
    assert [q.state for q in dext.queues.values()] == [QueueState.DISABLED] * 4
    assert dext.media_types == (
        MEDIA_TYPES["Auto"],
        MEDIA_TYPES["100BaseTX"],
        MEDIA_TYPES["1000BaseT"],
    )
    dext.SetInterfaceEnable(True)
    assert [q.state for q in dext.queues.values()] == [QueueState.ENABLED] * 4
    assert dext.link_status == kIOUserNetworkLinkStatusActive
    dext.SetInterfaceEnable(False)
    assert [q.state for q in dext.queues.values()] == [QueueState.DISABLED] * 4
    assert (dext.link_status, dext.interface_state) == (
        kIOUserNetworkLinkStatusInactive,
        InterfaceState.REGISTERED,
    )


def _submit(dext, n):
    for _ in range(n):
        packet = kernel_allocate(dext.pool, kIOUserNetworkPacketDirectionTx)
        packet.setDataLength(60)
        dext.txs.kernel_enqueue(packet)


@pytest.mark.parametrize("redrain, left", [(False, 3), (True, 0)])
def test_one_batch_per_doorbell_strands_packets_unless_the_dext_redrains(redrain, left):
    """One batch per edge-triggered doorbell strands packets; redraining takes them all."""
    dext = SampleEthernetDext(Mac(), packets=16, capacities=8, tx_batch=2, redrain=redrain)
    dext.Start()
    dext.SetInterfaceEnable(True)
    sent = []
    dext.transmit_frame = sent.append
    _submit(dext, 5)
    scheduler_of(dext.mac).run()
    assert (dext.txs.count, len(sent), dext.counters["tx doorbell"]) == (left, 5 - left, 1)
    assert len(where(dext.pool)[Place.TX_COMPLETION]) == 5 - left


def test_receive_frame_fills_an_empty_rx_packet_at_its_data_offset():
    """receive_frame writes the frame where base + data offset points and completes it."""
    dext = SampleEthernetDext(Mac(), packets=8, capacities=4)
    dext.Start()
    dext.SetInterfaceEnable(True)
    with pytest.raises(IllegalMove) as err:  # nothing stocked yet
        dext.receive_frame(b"x" * 60)
    assert err.value.code == kIOReturnUnderrun
    empty = kernel_allocate(dext.pool, 2)
    dext.rxs.kernel_enqueue(empty)
    frame = frames.arp_request(frames.APP, frames.HOST.ipv4)
    packet = dext.receive_frame(frame)
    assert packet is empty and packet.place is Place.RX_COMPLETION
    assert (packet.getDataLength(), packet.getLinkHeaderLength()) == (len(frame), 14)
    assert packet.frame_bytes() == frame


def test_receive_frame_too_long_for_the_buffer_frees_the_packet():
    """A frame longer than the buffer is refused and its packet goes back to the pool."""
    dext = SampleEthernetDext(Mac(), packets=8, capacities=4)
    dext.Start()
    dext.SetInterfaceEnable(True)
    dext.rxs.kernel_enqueue(kernel_allocate(dext.pool, 2))
    with pytest.raises(BadArgument, match="does not fit"):
        dext.receive_frame(b"\0" * 4096)
    assert where(dext.pool)[Place.POOL] == list(range(8))
