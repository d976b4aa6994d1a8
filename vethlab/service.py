"""OSObject and IOService: the DriverKit base classes a dext's objects hang from.

An :class:`IOService` runs in a task (its dext process) on a :class:`~vethlab.memory.Mac`.
Subclasses (the question's dext, ``IOUserNetworkEthernet``) override ``Start``.
"""

from __future__ import annotations

from .ioreturn import IOReturnError, kIOReturnUnsupported
from .memory import Mac, Task

__all__ = ["OSObject", "IOService", "OSData"]


class OSObject:
    """The root of DriverKit's classes. Reference counting is Python's own here."""


class OSData(OSObject):
    """An immutable run of bytes (``OSData::withBytes``)."""

    def __init__(self, data: bytes = b"") -> None:
        self._data = bytes(data)

    @classmethod
    def withBytes(cls, data, length: int | None = None) -> "OSData":
        data = bytes(data)
        return cls(data if length is None else data[:length])

    def getLength(self) -> int:
        return len(self._data)

    def getBytesNoCopy(self) -> bytes:
        return self._data

    def __bytes__(self) -> bytes:
        return self._data

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"OSData({len(self._data)} bytes)"


class IOService(OSObject):
    """A driver object living in the task ``task_name`` of ``mac`` (its dext process)."""

    def __init__(self, mac: Mac, task_name: str = "dext") -> None:
        self.mac = mac
        self.task: Task = mac.task(task_name)
        self.started = False

    #: The dext's bundle identifier and entitlements: what IOServiceOpen checks an app against
    #: (``com.apple.developer.driverkit.allow-any-userclient-access`` lets any app in). A dext
    #: class that serves apps sets its own.
    bundle_identifier = "com.example.driver"
    entitlements: dict = {"com.apple.developer.driverkit": True}

    #: Set by ``vethlab.userclient`` when the dext dies serving an app's call (a simulated fault,
    #: or a Python error where C++ would have crashed): the exception. A dead dext answers
    #: nothing. (modelled)
    crash: BaseException | None = None

    def Start(self, provider: "IOService | None" = None) -> None:
        """``Start(provider)``: subclasses call this first, then build their objects."""
        self.started = True

    def NewUserClient(self, type: int):
        """``NewUserClient(type, &userClient)``: the system calls it when an app calls
        ``IOServiceOpen`` (documented). A dext that talks to apps overrides it to create and
        start its ``IOUserClient`` (see ``vethlab.userclient``); this one refuses."""
        raise IOReturnError(kIOReturnUnsupported,
                            f"{self.__class__.__name__} has no user client (NewUserClient type {type})")
