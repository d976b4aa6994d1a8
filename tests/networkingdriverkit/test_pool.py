"""IOUserNetworkPacketBufferPool: creation, memory, allocation."""

import pytest
from hypothesis import settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from vethlab.driverkit.service import IOService
from vethlab.ioreturn import IOReturnError, kIOReturnBadArgument, kIOReturnNoResources
from vethlab.model.memory import Mac
from vethlab.model.moves import Place
from vethlab.networkingdriverkit.pool import (
    IOUserNetworkPacketBufferPool as Pool,
    IOUserNetworkPacketBufferPoolOptions as Options,
    PacketNotAllocated,
    PoolExhausted,
    PoolFlagMapToDext,
)


def dext(**mac):
    return IOService(Mac(**mac))


def whole_state(pool):
    """What a free or an allocation can change: each packet's place, and how many are free."""
    return [p.place for p in pool.packets], pool.free_count


def test_create_rounds_1600_to_2048_and_keeps_request():
    """Create with 1600 gives 2048-byte buffers and remembers the 1600."""
    pool = Pool.Create(dext(), "FooBuffer", 32, 32, 1600)
    assert pool.layout.buffer_size == 2048 and pool.layout.requested_buffer_size == 1600
    assert (pool.GetPacketCount(), pool.GetBufferCount()) == (32, 32)


def test_descriptor_covers_all_segments_and_is_zeroed():
    """CopyMemoryDescriptor spans every segment and starts as zeroes. (100 × 2048 on a 64 KiB
    boot: XNU grows the segment to 96 KiB, three of them; before the segment rule was ported
    this test expected four 64 KiB segments.)"""
    pool = Pool.Create(dext(segment_size=65536), "p", 100, 100, 2048)
    md = pool.CopyMemoryDescriptor()
    assert md.GetLength() == pool.layout.segment_count * pool.layout.segment_size == 3 * 98304
    assert not md.bytes_at(0, md.GetLength()).any()


def test_map_to_dext_flag_maps_pool_into_the_dext():
    """With PoolFlagMapToDext the pool is mapped into the dext; without it, not."""
    d = dext()
    plain = Pool.Create(d, "plain", 4, 4, 2048)
    mapped = Pool.CreateWithOptions(d, "mapped", Options(4, 4, 2048, poolFlags=PoolFlagMapToDext))
    assert plain.dext_mapping is None
    assert mapped.dext_mapping.task is d.task
    assert d.task.space.find(mapped.dext_mapping.GetAddress()) is mapped.dext_mapping


@pytest.mark.parametrize(
    "args,fragment",
    [
        ((0, 32, 2048), "packetCount 0"),
        ((32, 0, 2048), "bufferCount 0"),
        ((32, 16, 2048), "bufferCount 16 is smaller than packetCount 32"),
        ((32, 32, 0), "bufferSize 0"),
        ((32, 32, 10**9), "bufferSize 1000000000"),
    ],
)
def test_bad_counts_and_sizes(args, fragment):
    """Zero counts, too few buffers, zero or absurd sizes: kIOReturnBadArgument."""
    with pytest.raises(IOReturnError) as info:
        Pool.Create(dext(), "p", *args)
    assert info.value.code == kIOReturnBadArgument and fragment in str(info.value)


def test_name_limits():
    """A name must be 1..1023 bytes (char[1024] with its NUL)."""
    Pool.Create(dext(), "n" * 1023, 1, 1, 2048)
    for name in ("", "n" * 1024):
        with pytest.raises(IOReturnError) as info:
            Pool.Create(dext(), name, 1, 1, 2048)
        assert info.value.code == kIOReturnBadArgument and "1..1023" in str(info.value)


def test_unknown_flags_and_multi_buffer_packets():
    """Unknown pool flags and maxBuffersPerPacket != 1 are refused."""
    with pytest.raises(IOReturnError, match="unknown bits 0x1") as info:
        Pool.CreateWithOptions(dext(), "p", Options(4, 4, 2048, poolFlags=0x1))
    assert info.value.code == kIOReturnBadArgument
    with pytest.raises(IOReturnError, match="maxBuffersPerPacket 2"):
        Pool.CreateWithOptions(dext(), "p", Options(4, 4, 2048, maxBuffersPerPacket=2))


def test_more_buffers_than_packets():
    """bufferCount above packetCount gives spare buffers, never fewer."""
    pool = Pool.Create(dext(), "p", 8, 12, 2048)
    assert len(pool.packets) == 8 and pool.GetBufferCount() == 12


def test_exhaustion_changes_nothing():
    """Allocating from an empty pool raises PoolExhausted and leaves the pool as it was."""
    pool = Pool.Create(dext(), "p", 2, 2, 2048)
    held = [pool.allocatePacket(), pool.allocatePacket()]
    with pytest.raises(PoolExhausted) as info:
        pool.allocatePacket()
    assert info.value.code == kIOReturnNoResources and "all 2 are in use" in str(info.value)
    assert pool.free_count == 0 and all(p.place is Place.DEXT for p in held)


def test_double_free_changes_nothing():
    """Freeing a free packet raises PacketNotAllocated and changes nothing."""
    pool = Pool.Create(dext(), "p", 2, 2, 2048)
    p = pool.allocatePacket()
    pool.DeallocatePacket(p)
    before = whole_state(pool)
    with pytest.raises(PacketNotAllocated, match="double free") as info:
        pool.DeallocatePacket(p)
    assert info.value.code == kIOReturnBadArgument and whole_state(pool) == before


def test_deallocate_packets_is_all_or_nothing():
    """DeallocatePackets with one bad packet (or one packet twice) recycles none."""
    pool = Pool.Create(dext(), "p", 3, 3, 2048)
    a, b = pool.allocatePacket(), pool.allocatePacket()
    pool.DeallocatePacket(b)
    before = whole_state(pool)
    with pytest.raises(PacketNotAllocated):
        pool.DeallocatePackets([a, b])
    assert whole_state(pool) == before and a.place is Place.DEXT
    with pytest.raises(PacketNotAllocated, match="twice"):
        pool.DeallocatePackets([a, a])
    assert whole_state(pool) == before


def test_foreign_packet_refused():
    """A packet of another pool cannot be freed here."""
    d = dext()
    p1, p2 = Pool.Create(d, "a", 1, 1, 2048), Pool.Create(d, "b", 1, 1, 2048)
    with pytest.raises(PacketNotAllocated, match="does not belong"):
        p1.DeallocatePacket(p2.allocatePacket())


def test_freeing_recycles_in_order():
    """One packet or a batch: each goes to the back of the free list (first in, first out)."""
    pool = Pool.Create(dext(), "p", 4, 4, 2048)
    a, b, c, d = (pool.allocatePacket() for _ in range(4))
    pool.DeallocatePacket(c)
    pool.DeallocatePackets([a, d, b])
    assert all(p.place is Place.POOL for p in (a, b, c, d))
    assert [pool.allocatePacket() for _ in range(4)] == [c, a, d, b]


def test_a_packet_keeps_its_address_for_the_pools_life():
    """Allocating and freeing never moves a packet's buffer: same offset, same dext address."""
    pool = Pool.CreateWithOptions(dext(), "p", Options(2, 2, 2048, poolFlags=PoolFlagMapToDext))
    first = {p.index: (p.buffer_offset, p.getDataVirtualAddress()) for p in pool.packets}
    pool.DeallocatePackets([pool.allocatePacket(), pool.allocatePacket()])
    assert {p.index: (p.buffer_offset, p.getDataVirtualAddress()) for p in pool.packets} == first


def test_recycled_buffers_keep_stale_bytes():
    """A recycled packet's buffer still holds the old frame's bytes."""
    pool = Pool.Create(dext(), "p", 1, 1, 2048)
    p = pool.allocatePacket()
    pool.buffer_bytes(0)[:4] = [1, 2, 3, 4]
    pool.DeallocatePacket(p)
    again = pool.allocatePacket()
    assert again is p and list(pool.buffer_bytes(0)[:4]) == [1, 2, 3, 4]
    assert again.getDataLength() == 0


class AllocFree(RuleBasedStateMachine):
    """Random allocations and frees, single or batched, keep the pool whole and FIFO."""

    def __init__(self):
        super().__init__()
        self.pool = Pool.Create(dext(), "p", 6, 6, 2048)
        self.held = []
        self.free_order = list(self.pool.packets)  # the model of the free list, oldest first

    @precondition(lambda self: self.pool.free_count > 0)
    @rule()
    def allocate(self):
        packet = self.pool.allocatePacket()
        assert packet is self.free_order.pop(0)
        self.held.append(packet)

    @precondition(lambda self: self.pool.free_count == 0)
    @rule()
    def allocate_empty(self):
        before = whole_state(self.pool)
        with pytest.raises(PoolExhausted):
            self.pool.allocatePacket()
        assert whole_state(self.pool) == before

    @precondition(lambda self: self.held)
    @rule(data=st.data())
    def free(self, data):
        p = self.held.pop(data.draw(st.integers(0, len(self.held) - 1)))
        self.pool.DeallocatePacket(p)
        self.free_order.append(p)
        before = whole_state(self.pool)
        with pytest.raises(PacketNotAllocated):
            self.pool.DeallocatePacket(p)
        assert whole_state(self.pool) == before

    @precondition(lambda self: self.held)
    @rule(data=st.data())
    def free_batch(self, data):
        batch = data.draw(
            st.lists(st.sampled_from(self.held), min_size=1, max_size=len(self.held), unique_by=id)
        )
        self.pool.DeallocatePackets(batch)
        self.held = [p for p in self.held if p not in batch]
        self.free_order.extend(batch)

    @precondition(lambda self: self.held and self.free_order)
    @rule(data=st.data())
    def free_batch_with_one_bad_packet(self, data):
        batch = data.draw(
            st.lists(st.sampled_from(self.held), max_size=len(self.held), unique_by=id)
        )
        bad = data.draw(st.sampled_from(self.free_order))  # a free packet: a double free
        batch.insert(data.draw(st.integers(0, len(batch))), bad)
        before = whole_state(self.pool)
        with pytest.raises(PacketNotAllocated, match="double free"):
            self.pool.DeallocatePackets(batch)
        assert whole_state(self.pool) == before

    @invariant()
    def conserved(self):
        assert self.pool.free_count + len(self.held) == 6
        assert len({id(p) for p in self.held}) == len(self.held)
        assert sorted(p.index for p in self.pool.in_use()) == sorted(p.index for p in self.held)
        assert all(p.place is Place.DEXT for p in self.held)


TestAllocFree = AllocFree.TestCase
TestAllocFree.settings = settings(max_examples=60, stateful_step_count=30)
