"""The user-client boundary: a bad call is refused with a code; the app's errors never crash the dext."""

import pytest

from vethlab.handoff.app import QuestionApp
from vethlab.handoff.user_client import kGetPacket, kGetPackets
from vethlab.iokit import (
    IOConnectCallAsyncMethod,
    IOConnectCallMethod,
    IOConnectCallStructMethod,
    IONotificationPortCreate,
    IONotificationPortSetDispatchQueue,
    IOServiceClose,
)
from vethlab.ioreturn import (
    IOReturnError,
    kIOReturnBadArgument,
    kIOReturnNoMemory,
    kIOReturnNotOpen,
    kIOReturnNotReady,
    kIOReturnSuccess,
)
from vethlab.model.memory import Mac
from vethlab.question.dext import PacketDext

NEAR_4_GIB = 0xFFFF_FFF0


def _dext(start=True, packets=8):
    dext = PacketDext(Mac(), packets=packets)
    if start:
        dext.Start()
    return dext


def test_open_before_start_is_not_ready_and_harms_nothing():
    """Opening before Start() is kIOReturnNotReady; the dext is not crashed and opens later."""
    dext = _dext(start=False)
    app = QuestionApp(dext)
    assert app.open() == kIOReturnNotReady
    assert dext.crash is None
    dext.Start()
    assert app.open() == kIOReturnSuccess


def test_bad_dispatch_queue_is_refused_before_the_dext_sees_it():
    """A non-queue on the notification port is kIOReturnBadArgument; the dext keeps running."""
    dext = _dext()
    app = QuestionApp(dext)
    assert app.open() == kIOReturnSuccess
    port = IONotificationPortCreate()
    assert IONotificationPortSetDispatchQueue(port, 5) == kIOReturnBadArgument
    assert port.queue is None
    assert IONotificationPortSetDispatchQueue(app.port, "queue") == kIOReturnBadArgument
    assert IONotificationPortSetDispatchQueue(app.port, app.queue) == kIOReturnSuccess
    dext.transmit([b"f" * 60])
    assert app.run() == 1
    assert dext.crash is None


def test_app_callback_that_raises_is_the_apps_error_not_the_dexts_crash():
    """An exception in the app's callback reaches the app's caller; the dext is not crashed."""
    dext = _dext()
    app = QuestionApp(dext)

    def broken(frame):
        raise ZeroDivisionError("the app's bug")

    app.on_frame = broken
    assert app.open() == kIOReturnSuccess
    dext.transmit([b"f" * 60, b"g" * 60])
    with pytest.raises(ZeroDivisionError):
        app.run()
    assert dext.crash is None
    kr, _ = IOConnectCallStructMethod(app.connect, kGetPacket, None, 1604)
    assert kr == kIOReturnSuccess


@pytest.mark.parametrize("selector", [99, kGetPacket])
def test_output_near_4_gib_is_checked_before_it_is_allocated(selector, monkeypatch):
    """A 4 GiB output for a bad selector or size is refused before any buffer is made."""
    import vethlab.driverkit.userclient as userclient

    dext = _dext()
    app = QuestionApp(dext)
    assert app.open() == kIOReturnSuccess

    def no_buffer(*args, **kwargs):
        raise AssertionError("a buffer was allocated before the checks")

    monkeypatch.setattr(userclient, "client_buffer", no_buffer)
    kr, _, _ = IOConnectCallMethod(app.connect, selector, (), None, 0, NEAR_4_GIB)
    assert kr == kIOReturnBadArgument
    assert dext.crash is None


def test_huge_scalar_and_reference_iterables_are_not_built():
    """A scalar list or reference of a billion items is refused after reading 17 (or 9)."""
    dext = _dext()
    app = QuestionApp(dext)
    assert app.open() == kIOReturnSuccess
    read = []

    def endless():
        while True:
            read.append(1)
            yield 1

    kr, _, _ = IOConnectCallMethod(app.connect, kGetPackets, endless(), None, 3, 4096)
    assert kr == kIOReturnBadArgument and len(read) == 17
    read.clear()
    kr, _, _ = IOConnectCallAsyncMethod(app.connect, 0, app.port, endless())
    assert kr == kIOReturnBadArgument and len(read) == 9
    assert IOConnectCallMethod(app.connect, kGetPackets, range(10**12))[0] == kIOReturnBadArgument
    assert dext.crash is None


def test_close_and_stop_twice_are_codes():
    """Closing twice is kIOReturnNotOpen; stopping a stopped client raises that code (modelled)."""
    dext = _dext()
    app = QuestionApp(dext)
    assert app.open() == kIOReturnSuccess
    client = app.connect.client
    assert IOServiceClose(app.connect) == kIOReturnSuccess
    assert IOServiceClose(app.connect) == kIOReturnNotOpen
    with pytest.raises(IOReturnError) as err:
        client.Stop(dext)
    assert err.value.code == kIOReturnNotOpen
    assert dext.pool.free_count == dext.pool.GetPacketCount()


def test_a_huge_out_of_line_output_is_refused_before_it_is_allocated():
    """GetPackets with an output near 4 GiB: kIOReturnNoMemory (modelled), nothing taken."""
    dext = _dext()
    app = QuestionApp(dext, "batch")
    assert app.open() == kIOReturnSuccess
    dext.transmit([bytes(range(64)) * 2])
    kr, _, out = IOConnectCallMethod(app.connect, kGetPackets, (), None, 3, NEAR_4_GIB)
    assert kr == kIOReturnNoMemory and out == b""
    assert len(dext.pending) == 1 and dext.crash is None
