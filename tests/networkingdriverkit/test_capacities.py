"""The interface constructor's capacities: partial dicts filled, odd values refused before Start."""

import numpy as np
import pytest

from vethlab.ioreturn import IOReturnError, kIOReturnBadArgument
from vethlab.model.memory import Mac
from vethlab.networkingdriverkit.ethernet import DEFAULT_CAPACITY, SampleEthernetDext
from vethlab.networkingdriverkit.queues import QueueKind


def test_partial_capacities_take_the_default_for_the_rest():
    """A dict naming one queue gives that queue its capacity and the others the default."""
    dext = SampleEthernetDext(Mac(), capacities={QueueKind.TX_SUBMISSION: np.uint16(4)})
    dext.Start()
    assert dext.txs.capacity == 4
    assert {q.capacity for q in (dext.txc, dext.rxs, dext.rxc)} == {DEFAULT_CAPACITY}
    assert all(type(c) is int for c in dext.capacities.values())


@pytest.mark.parametrize(
    "capacities",
    [0, -1, 1.5, "16", None, True, 2**32, {"TX_SUBMISSION": 4}, {QueueKind.RX_COMPLETION: 0}],
)
def test_odd_capacities_are_bad_argument_before_anything_is_made(capacities):
    """Zero, negative, non-integer, too large or unknown-key capacities: kIOReturnBadArgument."""
    mac = Mac()
    with pytest.raises(IOReturnError) as err:
        SampleEthernetDext(mac, capacities=capacities)
    assert err.value.code == kIOReturnBadArgument
    assert "capacities" in err.value.message
    assert not mac.task("dext").space.mappings  # no pool was made
