"""A transmit that fails part way changes nothing: every packet is back where it was."""

import pytest

from vethlab.ioreturn import IOReturnError, kIOReturnBadArgument, kIOReturnNoResources
from vethlab.model.memory import Mac
from vethlab.model.moves import Place
from vethlab.question.dext import PacketDext

FRAME = bytes(range(60))


def _dext(packets=4):
    dext = PacketDext(Mac(), packets=packets)
    dext.Start()
    return dext


def _all_free(dext):
    lent = sum(len(c.lent) for c in dext.clients)
    assert dext.pool.free_count + len(dext.pending) + lent == dext.pool.GetPacketCount()
    assert all(p.place is Place.POOL for p in dext.pool.packets)
    assert not dext.pending


@pytest.mark.parametrize(
    "frames, code",
    [
        ([FRAME] * 5, kIOReturnNoResources),
        ([FRAME, FRAME, 5], kIOReturnBadArgument),
        ([FRAME, FRAME, "text"], kIOReturnBadArgument),
        ([FRAME, FRAME, b"y" * 20000], kIOReturnBadArgument),
        (None, kIOReturnBadArgument),
    ],
    ids=["more-than-the-pool", "an-int", "a-str", "too-long", "not-iterable"],
)
def test_failed_transmit_leaves_every_packet_free(frames, code):
    """A transmit refused part way returns every packet it took to the pool."""
    dext = _dext()
    with pytest.raises(IOReturnError) as err:
        dext.transmit(frames)
    assert err.value.code == code
    _all_free(dext)
    assert len(dext.transmit([FRAME] * 4)) == 4  # the pool still serves a full batch


def test_huge_frame_iterable_is_not_read_whole():
    """An endless frame iterable is refused after reading one more frame than the pool holds."""
    dext = _dext()

    def endless():
        while True:
            yield FRAME

    with pytest.raises(IOReturnError) as err:
        dext.transmit(endless())
    assert err.value.code == kIOReturnNoResources
    _all_free(dext)


def test_deallocate_packets_none_is_bad_argument():
    """DeallocatePackets(None) is kIOReturnBadArgument and frees nothing."""
    dext = _dext()
    packet = dext.pool.allocatePacket()
    with pytest.raises(IOReturnError) as err:
        dext.pool.DeallocatePackets(None)
    assert err.value.code == kIOReturnBadArgument
    assert packet.place is Place.DEXT
    assert dext.pool.free_count == 3
