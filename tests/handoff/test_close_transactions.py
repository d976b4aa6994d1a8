"""Closing returns every packet; the app's old mapping stops reading the pool; twice is a code."""

import pytest

from vethlab.handoff.app import DESIGNS, QuestionApp
from vethlab.ioreturn import kIOReturnNotOpen, kIOReturnSuccess
from vethlab.model.memory import Mac, SimulatedFault
from vethlab.question.dext import PacketDext


def _dext(packets=32):
    dext = PacketDext(Mac(), packets=packets)
    dext.Start()
    return dext


def _accounted(dext):
    lent = sum(len(c.lent) for c in dext.clients)
    assert dext.pool.free_count + len(dext.pending) + lent == dext.pool.GetPacketCount()


@pytest.mark.parametrize("design", DESIGNS)
def test_close_inside_the_callback_returns_the_batch(design):
    """Closing from the app's own callback leaves no packet lent to the closed client."""
    dext = _dext()
    app = QuestionApp(dext, design)
    frames = []

    def on_frame(frame):
        frames.append(frame)
        app.close()

    app.on_frame = on_frame
    assert app.open() == kIOReturnSuccess
    dext.transmit([bytes([i]) * 60 for i in range(20)])
    app.run()
    assert frames  # batch: the frames of the one call already copied out all arrive
    assert not dext.clients
    _accounted(dext)
    assert dext.pool.free_count + len(dext.pending) == 32


def test_old_pool_view_faults_after_close():
    """After close, the app's numpy view of the shared mapping faults instead of reading."""
    dext = _dext(8)
    app = QuestionApp(dext, "shared_mapping")
    assert app.open() == kIOReturnSuccess
    dext.transmit([b"a" * 60])
    app.run()
    view = app._pool_view
    assert app.close() == kIOReturnSuccess
    dext.transmit([b"b" * 60])
    with pytest.raises(SimulatedFault, match="released"):
        view[0:60]
    _accounted(dext)


def test_close_twice_is_not_open():
    """A second close is kIOReturnNotOpen (modelled) and changes nothing."""
    dext = _dext(8)
    app = QuestionApp(dext, "shared_mapping")
    assert app.open() == kIOReturnSuccess
    dext.transmit([b"a" * 60] * 3)
    assert app.close() == kIOReturnSuccess
    assert app.close() == kIOReturnNotOpen
    _accounted(dext)
    assert dext.pool.free_count + len(dext.pending) == 8
