"""Tasks, descriptors, mappings and simulated faults."""

import pytest
from hypothesis import given, strategies as st

from vethlab.driverkit.memory import (
    IOBufferMemoryDescriptor,
    IOMemoryDescriptor,
    kIOMemoryDirectionInOut,
    kIOMemoryMapFixedAddress,
    kIOMemoryMapReadOnly,
)
from vethlab.ioreturn import (
    IOReturnError,
    kIOReturnBadArgument,
    kIOReturnNoSpace,
    kIOReturnNotAligned,
)
from vethlab.model.memory import Mac, SimulatedFault


def buffer(mac, size=40000, task="dext"):
    return IOBufferMemoryDescriptor.Create(kIOMemoryDirectionInOut, size, 0, task=mac.task(task))


def test_addresses_are_deterministic_and_page_aligned():
    """The same seed gives the same addresses; mappings start on page boundaries."""
    a = buffer(Mac(seed=7)).CreateMapping().GetAddress()
    b = buffer(Mac(seed=7)).CreateMapping().GetAddress()
    assert a == b and a % 16384 == 0
    assert buffer(Mac(seed=8)).CreateMapping().GetAddress() != a


def test_two_mappings_same_bytes_different_addresses():
    """Two mappings of one descriptor show the same bytes at two addresses, in two tasks too."""
    mac = Mac(profile="intel")
    md = buffer(mac)
    m1 = md.CreateMapping()
    m2 = md.CreateMapping(into=mac.task("app"))
    assert m1.GetAddress() != m2.GetAddress()
    mac.task("dext").write(m1.GetAddress() + 100, b"hello")
    assert mac.task("app").read(m2.GetAddress() + 100, 5) == b"hello"


def test_mapping_with_offset_reports_offset_and_address():
    """A mapping from an unaligned offset starts inside its first page, at that offset."""
    mac = Mac(profile="intel")
    md = buffer(mac)
    md.bytes_at(5000, 3)[:] = [1, 2, 3]
    m = md.CreateMapping(0, 0, 5000, 100, 0)
    assert m.GetOffset() == 5000 and m.GetLength() == 100
    assert m.GetAddress() % 4096 == 5000 % 4096
    assert mac.task("dext").read(m.GetAddress(), 3) == b"\x01\x02\x03"


def test_fault_outside_any_mapping_names_address_task_and_nearest():
    """Reading past a mapping is a SimulatedFault carrying address, task and nearest mapping."""
    mac = Mac()
    m = buffer(mac, 16384).CreateMapping()
    end = m.GetAddress() + 16384
    with pytest.raises(SimulatedFault) as info:
        mac.task("dext").read(end, 4)
    fault = info.value
    assert fault.address == end and fault.task == "dext" and fault.nearest is m
    assert f"0x{end:x}" in str(fault)
    assert not isinstance(fault, IndexError)


def test_access_running_past_end_faults():
    """An access that starts inside a mapping and runs past its end faults."""
    mac = Mac()
    m = buffer(mac, 16384).CreateMapping()
    with pytest.raises(SimulatedFault, match="past the end"):
        mac.task("dext").read(m.GetAddress() + 16380, 8)


def test_read_only_mapping_refuses_writes():
    """Writing through a read-only mapping faults and changes nothing."""
    mac = Mac()
    md = buffer(mac)
    m = md.CreateMapping(kIOMemoryMapReadOnly, into=mac.task("app"))
    with pytest.raises(SimulatedFault, match="read-only"):
        mac.task("app").write(m.GetAddress(), b"x")
    assert not md.bytes_at(0, 1).any()


@pytest.mark.parametrize(
    "args,code,fragment",
    [
        ((0x8000_0000, 0, 0, 0, 0), kIOReturnBadArgument, "unknown bits"),
        ((0, 0, 0, 0, 16384), kIOReturnBadArgument, "alignment 16384"),
        ((0, 0x1_2000_0000, 0, 0, 0), kIOReturnBadArgument, "without kIOMemoryMapFixedAddress"),
        ((0, 0, 50000, 0, 0), kIOReturnBadArgument, "offset 50000"),
        ((0, 0, 100, 40000, 0), kIOReturnBadArgument, "length 40000"),
        ((kIOMemoryMapFixedAddress, 0x1_2000_0123, 0, 0, 0), kIOReturnNotAligned, "0x120000123"),
    ],
)
def test_create_mapping_rejections(args, code, fragment):
    """Options, addresses, offsets, lengths and alignments Apple rejects give their IOReturn."""
    mac = Mac()
    md = buffer(mac)
    before = list(mac.task("dext").space.mappings)
    with pytest.raises(IOReturnError) as info:
        md.CreateMapping(*args)
    assert info.value.code == code and fragment in str(info.value)
    assert mac.task("dext").space.mappings == before


def test_fixed_address_mapping_and_overlap():
    """A fixed-address mapping lands where asked; a second one on top is refused."""
    mac = Mac()
    md = buffer(mac)
    m = md.CreateMapping(kIOMemoryMapFixedAddress, 0x2_0000_0000)
    assert m.GetAddress() == 0x2_0000_0000
    with pytest.raises(IOReturnError) as info:
        md.CreateMapping(kIOMemoryMapFixedAddress, 0x2_0000_4000)
    assert info.value.code == kIOReturnNoSpace


def test_map_with_page_alignment_and_unmap():
    """Map() honours a power-of-two alignment; unmapping makes the address fault."""
    mac = Mac(profile="intel")
    md = buffer(mac)
    address, length = md.Map(0, 0, 0, 1 << 20)
    assert address % (1 << 20) == 0 and length == 40000
    m = mac.task("dext").space.find(address)
    m.unmap()
    with pytest.raises(SimulatedFault):
        mac.task("dext").read(address, 1)
    with pytest.raises(IOReturnError, match="alignment 3"):
        md.Map(0, 0, 0, 3)


def test_buffer_descriptor_length_and_range():
    """IOBufferMemoryDescriptor: capacity is the initial length; SetLength is bounded."""
    mac = Mac()
    md = buffer(mac, 1000)
    assert md.GetLength() == 1000
    md.SetLength(10)
    assert md.GetLength() == 10
    with pytest.raises(IOReturnError, match="capacity 1000"):
        md.SetLength(1001)
    seg = md.GetAddressRange()
    assert seg.length == 10 and mac.task("dext").space.find(seg.address) is not None


def test_sub_descriptor_shares_bytes():
    """A sub-descriptor sees the same memory at a shifted offset."""
    mac = Mac()
    md = buffer(mac)
    sub = IOMemoryDescriptor.CreateSubMemoryDescriptor(0, 2048, 2048, md)
    sub.bytes_at(0, 2)[:] = [9, 9]
    assert list(md.bytes_at(2048, 2)) == [9, 9]
    with pytest.raises(IOReturnError):
        IOMemoryDescriptor.CreateSubMemoryDescriptor(0, 39000, 2048, md)


@given(st.integers(0, 39999), st.integers(1, 64))
def test_write_read_round_trip(offset, size):
    """Bytes written at an address read back at that address, and show in the descriptor."""
    size = min(size, 40000 - offset)
    mac = Mac(profile="intel")
    md = buffer(mac)
    m = md.CreateMapping()
    data = bytes((offset + i) % 251 for i in range(size))
    mac.task("dext").write(m.address_of(offset), data)
    assert mac.task("dext").read(m.GetAddress() + offset, size) == data
    assert bytes(md.bytes_at(offset, size)) == data
    assert m.offset_of(m.address_of(offset)) == offset
