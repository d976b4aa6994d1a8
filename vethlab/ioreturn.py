"""IOReturn: the kern_return_t codes of IOKit and DriverKit, and the one error type.

Every code has its real value (``iokit_common_err(x) = 0xE0000000 | x``; source: XNU
``iokit/DriverKit/IOReturn.h``), so a learner can compare a vethlab error with the constant
exactly as C code would::

    try:
        IOUserNetworkPacketBufferPool.Create(dext, "pool", 0, 32, 2048)
    except IOReturnError as err:
        assert err.code == kIOReturnBadArgument      # 0xe00002c2

A simulated DriverKit call that fails raises :class:`IOReturnError` (or a subclass); it never
returns a code the caller could ignore.  The user-client boundary (``vethlab.driverkit.userclient``) is the
one place where an error turns back into a returned ``kern_return_t``.
"""

from __future__ import annotations

__all__ = [
    "IOReturnError",
    "IOReturnName",
    "check",
    "err_get_code",
    "err_get_sub",
    "err_get_system",
    "IORETURN_CODES",
]

SYS_IOKIT = 0xE0000000  # err_system(0x38)
SUB_IOKIT_COMMON = 0x0


def _common(code: int) -> int:
    return SYS_IOKIT | SUB_IOKIT_COMMON | code


#: Every name in Apple's table with its value (0x2cb and 0x2dc are unused in the header).
IORETURN_CODES: dict[str, int] = {
    "kIOReturnSuccess": 0,
    "kIOReturnError": _common(0x2BC),
    "kIOReturnNoMemory": _common(0x2BD),
    "kIOReturnNoResources": _common(0x2BE),
    "kIOReturnIPCError": _common(0x2BF),
    "kIOReturnNoDevice": _common(0x2C0),
    "kIOReturnNotPrivileged": _common(0x2C1),
    "kIOReturnBadArgument": _common(0x2C2),
    "kIOReturnLockedRead": _common(0x2C3),
    "kIOReturnLockedWrite": _common(0x2C4),
    "kIOReturnExclusiveAccess": _common(0x2C5),
    "kIOReturnBadMessageID": _common(0x2C6),
    "kIOReturnUnsupported": _common(0x2C7),
    "kIOReturnVMError": _common(0x2C8),
    "kIOReturnInternalError": _common(0x2C9),
    "kIOReturnIOError": _common(0x2CA),
    "kIOReturnCannotLock": _common(0x2CC),
    "kIOReturnNotOpen": _common(0x2CD),
    "kIOReturnNotReadable": _common(0x2CE),
    "kIOReturnNotWritable": _common(0x2CF),
    "kIOReturnNotAligned": _common(0x2D0),
    "kIOReturnBadMedia": _common(0x2D1),
    "kIOReturnStillOpen": _common(0x2D2),
    "kIOReturnRLDError": _common(0x2D3),
    "kIOReturnDMAError": _common(0x2D4),
    "kIOReturnBusy": _common(0x2D5),
    "kIOReturnTimeout": _common(0x2D6),
    "kIOReturnOffline": _common(0x2D7),
    "kIOReturnNotReady": _common(0x2D8),
    "kIOReturnNotAttached": _common(0x2D9),
    "kIOReturnNoChannels": _common(0x2DA),
    "kIOReturnNoSpace": _common(0x2DB),
    "kIOReturnPortExists": _common(0x2DD),
    "kIOReturnCannotWire": _common(0x2DE),
    "kIOReturnNoInterrupt": _common(0x2DF),
    "kIOReturnNoFrames": _common(0x2E0),
    "kIOReturnMessageTooLarge": _common(0x2E1),
    "kIOReturnNotPermitted": _common(0x2E2),
    "kIOReturnNoPower": _common(0x2E3),
    "kIOReturnNoMedia": _common(0x2E4),
    "kIOReturnUnformattedMedia": _common(0x2E5),
    "kIOReturnUnsupportedMode": _common(0x2E6),
    "kIOReturnUnderrun": _common(0x2E7),
    "kIOReturnOverrun": _common(0x2E8),
    "kIOReturnDeviceError": _common(0x2E9),
    "kIOReturnNoCompletion": _common(0x2EA),
    "kIOReturnAborted": _common(0x2EB),
    "kIOReturnNoBandwidth": _common(0x2EC),
    "kIOReturnNotResponding": _common(0x2ED),
    "kIOReturnIsoTooOld": _common(0x2EE),
    "kIOReturnIsoTooNew": _common(0x2EF),
    "kIOReturnNotFound": _common(0x2F0),
    "kIOReturnInvalid": _common(0x001),
}

_NAMES = {value: name for name, value in IORETURN_CODES.items()}

# Export every code as a module constant: ``from vethlab.ioreturn import kIOReturnBadArgument``.
globals().update(IORETURN_CODES)
__all__ += list(IORETURN_CODES)


def err_get_system(code: int) -> int:
    """The system field of a kern_return_t (0x38 for IOKit), as the C macro."""
    return (code >> 26) & 0x3F


def err_get_sub(code: int) -> int:
    """The subsystem field of a kern_return_t, as the C macro."""
    return (code >> 14) & 0xFFF


def err_get_code(code: int) -> int:
    """The code field of a kern_return_t, as the C macro."""
    return code & 0x3FFF


def IOReturnName(code: int) -> str:
    """The constant's name for ``code``, or its hex value when it is not an IOKit common code."""
    return _NAMES.get(code & 0xFFFFFFFF, f"0x{code & 0xFFFFFFFF:08x}")


class IOReturnError(Exception):
    """A DriverKit or IOKit call failed with ``code``.

    ``code`` compares equal to the ``kIOReturn…`` constants; ``name`` is the constant's
    name; the message says which value was bad and what was allowed.
    """

    def __init__(self, code: int, message: str) -> None:
        self.code = code & 0xFFFFFFFF
        self.name = IOReturnName(self.code)
        self.message = message
        super().__init__(f"{self.name} (0x{self.code:08x}): {message}")

    def __reduce__(self):  # keep pickling (and copying) working with two arguments
        return (type(self), (self.code, self.message))


class BadArgument(IOReturnError, ValueError):
    """kIOReturnBadArgument: a value outside what the call allows."""

    def __init__(self, message: str) -> None:
        super().__init__(IORETURN_CODES["kIOReturnBadArgument"], message)

    def __reduce__(self):
        return (type(self), (self.message,))


def check(code: int, what: str = "call") -> None:
    """Raise :class:`IOReturnError` unless ``code`` is kIOReturnSuccess (C's ``if (ret) …``)."""
    if code != 0:
        raise IOReturnError(code, f"{what} returned {IOReturnName(code)}")


__all__ += ["BadArgument"]
