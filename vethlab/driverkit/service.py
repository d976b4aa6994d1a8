"""OSObject and IOService: the DriverKit base classes a dext's objects hang from.

An :class:`IOService` runs in a task (its dext process) on a :class:`~vethlab.model.memory.Mac`.
Subclasses (the question's dext, ``IOUserNetworkEthernet``) override ``Start``.
"""

from __future__ import annotations

from vethlab.ioreturn import BadArgument, IOReturnError, kIOReturnUnsupported
from vethlab.model.memory import Mac, Task

__all__ = ["OSAction", "OSObject", "IOService", "OSData"]


class OSObject:
    """The root of DriverKit's classes. Reference counting is Python's own here."""


class OSData(OSObject):
    """An immutable run of bytes (``OSData::withBytes``)."""

    def __init__(self, data: bytes = b"") -> None:
        self._data = bytes(data)

    @classmethod
    def withBytes(cls, data, length: int | None = None) -> OSData:
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

    #: Set by ``vethlab.driverkit.userclient`` when the dext dies serving an app's call (a simulated fault,
    #: or a Python error where C++ would have crashed): the exception. A dead dext answers
    #: nothing. (modelled)
    crash: BaseException | None = None

    def Start(self, provider: IOService | None = None) -> None:
        """``Start(provider)``: subclasses call this first, then build their objects."""
        self.started = True

    def NewUserClient(self, type: int):
        """``NewUserClient(type, &userClient)``: the system calls it when an app calls
        ``IOServiceOpen`` (documented). A dext that talks to apps overrides it to create and
        start its ``IOUserClient`` (see ``vethlab.driverkit.userclient``); this one refuses."""
        raise IOReturnError(
            kIOReturnUnsupported,
            f"{self.__class__.__name__} has no user client (NewUserClient type {type})",
        )


class OSAction(OSObject):
    """A method of a target object to run later: DriverKit's one kind of callback object.

    Two places make them (documented):

    * a dext makes its own handlers, ``CreateAction<Method>(0, &action)`` in C, here
      ``OSAction.Create(target, "Method", queue)``; ``fire(*args)`` queues
      ``target.Method(action, *args)`` on the dispatch queue, and ``Cancel()`` stops it;
    * the kernel makes the ``completion`` of an async ``ExternalMethod`` call, here
      ``OSAction.ForAsyncCall(port, reference, client)``: ``AsyncCompletion`` sends its message
      to the app's notification ``port`` with the app's ``reference`` values.

    "Only retained during the invocation of ExternalMethod and should be retained if used beyond
    then" (documented): ``retain()`` it to keep it. Using an action nobody retained is a
    use-after-free, which vethlab turns into a crash of the dext (modelled).
    """

    def __init__(
        self, target, method: str | None = None, queue=None, *, port=None, reference=(), trace=None
    ) -> None:
        self.target = target
        self.method = method
        self.queue = queue
        self.port = port
        self.reference = tuple(reference)
        self.trace = trace
        self.cancelled = False
        self.retain_count = 1  # the creator's reference (for a completion: the kernel's)

    @classmethod
    def Create(cls, target, method: str, queue) -> OSAction:
        """A handler: ``target.method(action, *args)`` runs on ``queue`` when fired."""
        if not callable(getattr(target, method, None)):
            raise BadArgument(f"{type(target).__name__} has no method {method!r} to act on")
        if not callable(getattr(queue, "DispatchAsync", None)):
            raise BadArgument(f"queue {queue!r} is not an IODispatchQueue")
        return cls(target, method, queue)

    @classmethod
    def ForAsyncCall(cls, port, reference, client, trace=None) -> OSAction:
        """The completion the kernel makes for an async call of ``client`` (vethlab's name)."""
        return cls(client, port=port, reference=reference, trace=trace)

    @property
    def client(self):
        """The user client a completion belongs to (its target)."""
        return self.target

    def fire(self, *args) -> None:
        """Queue the handler on its dispatch queue (it runs in a later step)."""
        if self.cancelled:
            return
        handler = getattr(self.target, self.method)
        self.queue.DispatchAsync(lambda: handler(self, *args), label=self.method)

    def Cancel(self) -> None:
        self.cancelled = True

    def retain(self) -> OSAction:
        self.retain_count += 1
        return self

    def release(self) -> None:
        if self.retain_count <= 0:
            raise RuntimeError("OSAction over-released (a double release in the dext)")
        self.retain_count -= 1

    def __repr__(self) -> str:
        if self.method is not None:
            return (
                f"<OSAction {type(self.target).__name__}.{self.method} on "
                f"{getattr(self.queue, 'name', self.queue)!r}>"
            )
        return f"<OSAction for {type(self.target).__name__}, retained {self.retain_count}>"
