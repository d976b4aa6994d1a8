"""OSObject, IOService, OSData and OSAction."""

import pytest

from vethlab.driverkit.service import IOService, OSAction, OSData
from vethlab.ioreturn import BadArgument
from vethlab.model.memory import Mac


def test_osdata_with_bytes():
    """OSData.withBytes keeps a copy of the bytes, cut to the length given."""
    data = OSData.withBytes(b"abcdef", 4)
    assert bytes(data) == b"abcd" and data.getLength() == 4


def test_one_osaction_for_handlers_and_completions():
    """Handlers and async completions are the same class, as in DriverKit."""
    from vethlab.driverkit import dispatch, userclient

    assert dispatch.OSAction is userclient.OSAction is OSAction


def test_create_checks_method_and_queue():
    """OSAction.Create refuses a missing method or something that is not a dispatch queue."""
    dext = IOService(Mac())
    with pytest.raises(BadArgument, match="no method 'Nope'"):
        OSAction.Create(dext, "Nope", None)
    with pytest.raises(BadArgument, match="not an IODispatchQueue"):
        OSAction.Create(dext, "Start", object())


def test_completion_retain_release():
    """A completion starts with the kernel's reference; over-releasing is caught."""
    action = OSAction.ForAsyncCall(port=None, reference=(1, 2), client="client")
    assert action.client == "client" and action.reference == (1, 2)
    action.retain()
    action.release()
    action.release()
    with pytest.raises(RuntimeError, match="over-released"):
        action.release()
