"""Mappings: refused before the address space changes, released once, never read after release."""

import numpy as np
import pytest

from vethlab.driverkit.memory import IOBufferMemoryDescriptor, kIOMemoryMapFixedAddress
from vethlab.ioreturn import (
    IOReturnError,
    kIOReturnBadArgument,
    kIOReturnNoSpace,
    kIOReturnNotFound,
)
from vethlab.model.memory import Mac, SimulatedFault


def _buffer(mac, size=40000):
    return IOBufferMemoryDescriptor.Create(3, size, task=mac.task("dext"))


def _space(task):
    return [(m.page_start, m.page_end) for m in task.space.mappings], task.space._next


@pytest.mark.parametrize(
    "address, code",
    [
        (0, kIOReturnBadArgument),
        (2**80, kIOReturnBadArgument),
        (2**64 - 16384, kIOReturnNoSpace),
        (2**64 - 2 * 16384, kIOReturnNoSpace),
    ],
    ids=["zero", "2**80", "last-page", "runs-past-the-end"],
)
@pytest.mark.parametrize("call", ["CreateMapping", "Map"])
def test_fixed_mapping_out_of_the_address_space_is_refused(address, code, call):
    """A fixed mapping at 0, past 2**64 or running past it is refused; the task is unchanged."""
    mac = Mac()
    md = _buffer(mac)
    task = md.task
    before = _space(task)
    with pytest.raises(IOReturnError) as err:
        if call == "CreateMapping":
            md.CreateMapping(kIOMemoryMapFixedAddress, address, 0, 0, 0)
        else:
            md.Map(kIOMemoryMapFixedAddress, address)
    assert err.value.code == code
    assert _space(task) == before
    mapping = md.CreateMapping(0, 0, 0, 0, 0)  # later mappings still work
    assert mapping.GetAddress() < 2**64


def test_fixed_mapping_high_up_does_not_push_later_mappings_off_the_end():
    """A fixed mapping near the top of the space leaves placed mappings where they were."""
    mac = Mac()
    md = _buffer(mac)
    md.CreateMapping(kIOMemoryMapFixedAddress, 2**64 - 4 * 16384, 0, 0, 0)
    mapping = md.CreateMapping(0, 0, 0, 0, 0)
    assert mapping.page_end < 2**63


def test_unmap_twice_is_refused_with_a_code():
    """A second unmap is kIOReturnNotFound (modelled), not a Python error, and changes nothing."""
    mac = Mac()
    md = _buffer(mac)
    first, second = md.CreateMapping(0, 0, 0, 0, 0), md.CreateMapping(0, 0, 0, 0, 0)
    first.unmap()
    before = _space(md.task)
    with pytest.raises(IOReturnError) as err:
        first.unmap()
    assert err.value.code == kIOReturnNotFound
    assert "modelled" in err.value.message
    assert _space(md.task) == before
    assert md.task.space.holds(second)


def test_view_of_a_released_mapping_faults():
    """A view handed out from a mapping faults on its next read or write after unmap."""
    mac = Mac()
    md = _buffer(mac)
    mapping = md.CreateMapping(0, 0, 0, 0, 0)
    view = mapping.view("write")
    view[0:4] = np.frombuffer(b"abcd", np.uint8)
    assert view[0:4].tobytes() == view.read(0, 4) == b"abcd"
    kept = mapping.task.mapped(mapping.GetAddress(), 4)
    mapping.unmap()
    accesses = (lambda: view[0:4], lambda: view.tobytes(), lambda: view.read(0, 4), lambda: kept[0])
    for access in accesses:
        with pytest.raises(SimulatedFault, match="released"):
            access()
    with pytest.raises(SimulatedFault):
        view[0] = 1
