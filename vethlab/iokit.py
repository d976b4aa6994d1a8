"""IOKit.framework, the app's side: open a dext's user client, call it, hear from it, map its memory.

The functions keep IOKitLib's names and argument order, so a line of a notebook carries over to
C. Two rules turn C into Python:

* **Every call returns its ``kern_return_t`` first**, as in C, and never raises for a failure
  of the call: ``kr, connect = IOServiceOpen(service, app, 0)``. A failed call's other results
  are ``None`` or empty. (This is the app side of the user-client boundary: the dext's errors
  arrive here as codes, converted once, in ``vethlab.driverkit.userclient``.)
* **C out-parameters become further return values**, after the code (as PyObjC does):
  ``kr, output = IOConnectCallStructMethod(connect, selector, inputStruct, outputStructCnt)``.
  A count that C passes beside a pointer is the length of the Python sequence; the capacity
  of an output (``outputCnt``, ``outputStructCnt``) is passed as a number, and the output comes
  back as long as the dext made it.

Every integer argument follows :mod:`vethlab.model.cint`: a Python or numpy integer within
its C type's range; a bool, a float or anything else is ``kIOReturnBadArgument``. A sequence
(scalar inputs, an async reference) is read at most one item past its limit, so a huge one is
refused without being built. An app's entitlements are a dict; a notification port's queue is
a :class:`DispatchQueue`. The app's callbacks run in the app: an exception there reaches the
app's caller (``queue.drain()``), never the dext.

The task an app opens from is an :class:`App`: its address space (``app.task``), bundle
identifier and entitlements (in C: ``mach_task_self()`` and the code signature). Notifications
arrive on an :class:`IONotificationPort`; with ``IONotificationPortSetDispatchQueue`` they run
as blocks on a :class:`DispatchQueue`, which, unlike libdispatch, runs only when asked
(``queue.drain()``), so every run is deterministic.

Provenance: signatures, the 16-scalar limit, the 4096-byte inline limit and the async reference
layout (``kIOAsyncCalloutFuncIndex`` 1, ``kIOAsyncCalloutRefconIndex`` 2, 8 values) are
documented (IOKitLib.h, IOKitLib.c, XNU ``IOTypes.h`` for the map options). Modelled: the
codes for arguments C could not even express (a negative count, a Python object that is not
bytes), a dispatch queue that runs on demand, and ``kIOReturnNotOpen`` for calls on a closed
connection (real IOKit answers a dead port with a Mach error).
"""

from __future__ import annotations

import itertools
from collections import deque

import numpy as np

from vethlab.driverkit.memory import (
    IOMemoryMap,
    kIOMemoryMapFixedAddress,
    kIOMemoryMapReadOnly,
)
from vethlab.driverkit.service import IOService
from vethlab.driverkit.userclient import (
    IO_STRUCT_INBAND_MAX,
    IOUserClient,
    OSAction,
    Trace,
    UserClientState,
    kernel_close,
    kernel_external_method,
    kernel_map,
    kernel_open,
    kIOUserClientScalarArrayCountMax,
)
from vethlab.ioreturn import (
    BadArgument,
    IOReturnError,
    kIOReturnBadArgument,
    kIOReturnNotOpen,
    kIOReturnSuccess,
)
from vethlab.model.cint import UINT32_MAX, c_int, uint32, uint64
from vethlab.model.memory import Mac, Task
from vethlab.model.scheduler import SerialQueue

__all__ = [
    "App",
    "IOConnection",
    "DispatchQueue",
    "dispatch_queue_create",
    "IONotificationPort",
    "IONotificationPortCreate",
    "IONotificationPortSetDispatchQueue",
    "IONotificationPortGetMachPort",
    "IONotificationPortDestroy",
    "IOServiceOpen",
    "IOServiceClose",
    "IOConnectCallMethod",
    "IOConnectCallAsyncMethod",
    "IOConnectCallStructMethod",
    "IOConnectCallAsyncStructMethod",
    "IOConnectCallScalarMethod",
    "IOConnectCallAsyncScalarMethod",
    "IOConnectMapMemory64",
    "IOConnectUnmapMemory64",
    "kIOMainPortDefault",
    "kIOMasterPortDefault",
    "kIOMapAnywhere",
    "kIOMapReadOnly",
    "kIODefaultMemoryType",
    "kIOAsyncReservedIndex",
    "kIOAsyncCalloutFuncIndex",
    "kIOAsyncCalloutRefconIndex",
    "kIOAsyncCalloutCount",
    "kOSAsyncRef64Count",
    "IO_STRUCT_INBAND_MAX",
]

kIOMainPortDefault = 0  # MACH_PORT_NULL: "the default main port"
kIOMasterPortDefault = kIOMainPortDefault  # the pre-macOS 12 name
# IOTypes.h (XNU): mapping options and the default memory type
kIOMapAnywhere = 0x00000001
kIOMapReadOnly = 0x00001000
kIODefaultMemoryType = 0
_MAP_OPTIONS_ALLOWED = kIOMapAnywhere | kIOMapReadOnly
# OSMessageNotification.h: the async reference an app passes with an async call
kIOAsyncReservedIndex = 0
kIOAsyncCalloutFuncIndex = 1
kIOAsyncCalloutRefconIndex = 2
kIOAsyncCalloutCount = 3
kOSAsyncRef64Count = 8


class App:
    """A user-space process that talks to dexts: its task, bundle identifier, entitlements,
    and the trace of what it sent and received (the first ``trace_limit`` crossings)."""

    def __init__(
        self,
        mac: Mac,
        name: str = "app",
        *,
        bundle_identifier: str = "com.example.app",
        entitlements: dict | None = None,
        trace_limit: int = 256,
    ) -> None:
        self.mac = mac
        self.name = name
        self.task: Task = mac.task(name)
        self.bundle_identifier = bundle_identifier
        if entitlements is not None and not isinstance(entitlements, dict):
            raise BadArgument(
                f"entitlements {entitlements!r} is not a dict; allowed: a dict of entitlement "
                "names to values"
            )
        self.entitlements = dict(entitlements or {})
        self.trace = Trace(trace_limit)

    def mach_task_self(self) -> App:
        """The calling task, as C's ``mach_task_self()`` (the app itself, here)."""
        return self

    def __repr__(self) -> str:
        return f"<App {self.name!r} ({self.bundle_identifier})>"


class DispatchQueue(SerialQueue):
    """``dispatch_queue_t``: a serial queue whose blocks run when the app drains it
    (deterministic; see :mod:`vethlab.model.scheduler`)."""

    @property
    def label(self) -> str:
        """The label given to ``dispatch_queue_create`` (the queue's name)."""
        return self.name

    def dispatch_async(self, block) -> None:
        self.add_block(block)

    def __repr__(self) -> str:
        return f"<DispatchQueue {self.label!r}: {self.pending} pending>"


def dispatch_queue_create(label: str = "", attr=None) -> DispatchQueue:
    """``dispatch_queue_create(label, DISPATCH_QUEUE_SERIAL)``."""
    return DispatchQueue(label)


class IONotificationPort:
    """Where a dext's ``AsyncCompletion`` messages arrive. Messages wait on the port until a
    dispatch queue is set; then each becomes a block that calls the app's callback:
    ``callback(refcon, result, args, numArgs)`` (the C ``IOAsyncCallback``)."""

    def __init__(self) -> None:
        self.queue: DispatchQueue | None = None
        self.held: deque = deque()
        self.undeliverable = 0  # messages whose reference had no callable callback
        self.destroyed = False

    def post(self, action: OSAction, result: int, values: tuple) -> None:
        """A message from the kernel (vethlab's: called by ``AsyncCompletion``)."""
        if self.destroyed:
            return
        message = (action, result, values)
        if self.queue is None:
            self.held.append(message)
        else:
            self.queue.dispatch_async(lambda: self._callout(message))

    def _callout(self, message) -> None:
        action, result, values = message
        reference = action.reference
        callback = (
            reference[kIOAsyncCalloutFuncIndex]
            if len(reference) > kIOAsyncCalloutFuncIndex
            else None
        )
        refcon = (
            reference[kIOAsyncCalloutRefconIndex]
            if len(reference) > kIOAsyncCalloutRefconIndex
            else None
        )
        if not callable(callback):
            self.undeliverable += 1
            return
        action.client.mac.costs.count_notification()
        trace = action.trace
        if trace is not None:
            trace.record(
                "deliver",
                getattr(callback, "__name__", "callback"),
                result,
                f"{len(values)} value{'s' * (len(values) != 1)}",
            )
        callback(refcon, result, list(values), len(values))


def IONotificationPortCreate(mainPort: int = kIOMainPortDefault) -> IONotificationPort:
    return IONotificationPort()


def IONotificationPortSetDispatchQueue(notify: IONotificationPort, queue: DispatchQueue):
    """Deliver ``notify``'s messages as blocks on ``queue`` (those already waiting too).

    The C function returns nothing; vethlab checks its arguments first and returns
    ``kIOReturnBadArgument`` (modelled), leaving the port as it was, when ``notify`` is not a
    notification port or ``queue`` not a dispatch queue, so a bad queue never reaches the
    dext's ``AsyncCompletion``. Otherwise it returns ``kIOReturnSuccess``."""
    if not isinstance(notify, IONotificationPort) or not isinstance(queue, DispatchQueue):
        return kIOReturnBadArgument
    notify.queue = queue
    while notify.held:
        message = notify.held.popleft()
        queue.dispatch_async(lambda m=message: notify._callout(m))
    return kIOReturnSuccess


def IONotificationPortGetMachPort(notify: IONotificationPort) -> IONotificationPort:
    """The port to pass as ``wake_port`` (the notification port itself, here)."""
    return notify


def IONotificationPortDestroy(notify: IONotificationPort) -> None:
    """Destroy ``notify``: messages still held are dropped. (The C function returns nothing;
    given something that is not a notification port, vethlab does nothing.)"""
    if not isinstance(notify, IONotificationPort):
        return
    notify.destroyed = True
    notify.held.clear()


class IOConnection:
    """``io_connect_t``: an app's handle on one user client. Its state is the user client's
    (one state machine, ``vethlab.driverkit.userclient.USER_CLIENT_MOVES``)."""

    def __init__(self, app: App, service: IOService, client: IOUserClient, type: int) -> None:
        self.app = app
        self.service = service
        self.client = client
        self.type = type
        #: Live mappings made with IOConnectMapMemory64: (memory type, address) -> mapping.
        self.mappings: dict[tuple[int, int], IOMemoryMap] = {}

    @property
    def state(self) -> UserClientState:
        return self.client.state

    def __repr__(self) -> str:
        return (
            f"<IOConnection {self.app.name!r} -> {self.service.__class__.__name__} "
            f"type {self.type}: {self.state.name}>"
        )


# -- argument checks of the app side (IOKitLib and MIG) -----------------------------------


class _Refused(Exception):
    """An argument the app side refuses before anything reaches the kernel."""

    def __init__(self, code: int) -> None:
        self.code = code


def _connection(connection) -> IOConnection:
    if not isinstance(connection, IOConnection):
        raise _Refused(kIOReturnBadArgument)
    return connection


def _at_most(values, limit: int) -> tuple:
    """``values`` as a tuple of at most ``limit`` items; at most ``limit + 1`` are read, so a
    huge or endless iterable is refused without being built. More, or not an iterable, is
    ``kIOReturnBadArgument``."""
    try:
        values = tuple(itertools.islice(values, limit + 1))
    except TypeError:
        raise _Refused(kIOReturnBadArgument) from None
    if len(values) > limit:
        raise _Refused(kIOReturnBadArgument)
    return values


def _scalars(values) -> tuple:
    if not values if isinstance(values, (tuple, list)) else values is None:
        return ()
    values = _at_most(values, kIOUserClientScalarArrayCountMax)
    return tuple(uint64(f"input[{i}]", v) for i, v in enumerate(values))


def _struct(data) -> bytes | None:
    if data is None:
        return None
    if not isinstance(data, (bytes, bytearray, memoryview, np.ndarray)):
        raise _Refused(kIOReturnBadArgument)
    data = bytes(data)
    if len(data) > UINT32_MAX:
        raise _Refused(kIOReturnBadArgument)
    return data or None


# -- opening and closing ------------------------------------------------------------------


def IOServiceOpen(
    service: IOService, owningTask: App, type: int
) -> tuple[int, IOConnection | None]:
    """Open a connection to ``service``: the dext's ``NewUserClient(type)`` runs, after the
    kernel checked the app's entitlements (``kIOReturnNotPermitted`` without them).
    Returns ``(kr, connect)``."""
    if not isinstance(service, IOService) or not isinstance(owningTask, App):
        return kIOReturnBadArgument, None
    try:
        type = uint32("type", type)
    except BadArgument as err:
        return err.code, None
    entitlements = owningTask.entitlements
    if not isinstance(entitlements, dict):  # a signature that is not a dictionary grants nothing
        entitlements = {}
    kr, client = kernel_open(service, entitlements, type, owningTask.trace)
    if kr != kIOReturnSuccess:
        return kr, None
    return kr, IOConnection(owningTask, service, client, type)


def IOServiceClose(connect: IOConnection) -> int:
    """Close ``connect``: its mappings go away and the dext's client is stopped. Closing twice
    is ``kIOReturnNotOpen``."""
    if not isinstance(connect, IOConnection):
        return kIOReturnBadArgument
    kr = kernel_close(connect.client, connect.app.trace)
    if connect.state is UserClientState.CLOSED:
        for mapping in connect.mappings.values():
            if mapping.task.space.holds(mapping):  # not released by hand already
                mapping.unmap()
        connect.mappings.clear()
    return kr


# -- calls ------------------------------------------------------------------------------------


def IOConnectCallAsyncMethod(
    connection: IOConnection,
    selector: int,
    wake_port,
    reference,
    input=(),
    inputStruct=None,
    outputCnt: int = 0,
    outputStructCnt: int = 0,
) -> tuple[int, list[int], bytes]:
    """The general call, asynchronous when ``wake_port`` is a notification port: the dext gets
    a completion (``OSAction``) that sends to ``wake_port`` with ``reference`` (at most
    ``kOSAsyncRef64Count`` values; index ``kIOAsyncCalloutFuncIndex`` holds the callback,
    ``kIOAsyncCalloutRefconIndex`` its refcon). Returns ``(kr, scalar outputs, structure
    output)``."""
    try:
        conn = _connection(connection)
        selector = uint32("selector", selector)
        scalars = _scalars(input)
        struct_in = _struct(inputStruct)
        out_count = c_int(
            "outputCnt", outputCnt, 0, kIOUserClientScalarArrayCountMax, ctype="uint32_t"
        )
        out_size = uint32("outputStructCnt", outputStructCnt)
        completion = None
        if wake_port is not None:
            if not isinstance(wake_port, IONotificationPort):
                raise _Refused(kIOReturnBadArgument)
            ref = _at_most(reference, kOSAsyncRef64Count) if reference is not None else ()
            if not ref:  # IOKitLib substitutes a one-element dummy reference
                ref = (0,)
            completion = OSAction.ForAsyncCall(wake_port, ref, conn.client, conn.app.trace)
    except (_Refused, BadArgument) as refused:
        return refused.code, [], b""
    return kernel_external_method(
        conn.client, selector, scalars, struct_in, out_count, out_size, completion, conn.app.trace
    )


def IOConnectCallMethod(
    connection: IOConnection,
    selector: int,
    input=(),
    inputStruct=None,
    outputCnt: int = 0,
    outputStructCnt: int = 0,
) -> tuple[int, list[int], bytes]:
    """``IOConnectCallMethod``: scalars and a structure in, scalars and a structure out.
    Structures over 4096 bytes travel out of line. Returns ``(kr, scalars, structure)``."""
    return IOConnectCallAsyncMethod(
        connection, selector, None, None, input, inputStruct, outputCnt, outputStructCnt
    )


def IOConnectCallStructMethod(
    connection: IOConnection, selector: int, inputStruct=None, outputStructCnt: int = 0
) -> tuple[int, bytes]:
    """``IOConnectCallStructMethod``: a structure in, a structure out. Returns ``(kr, bytes)``."""
    kr, _, out = IOConnectCallAsyncMethod(
        connection, selector, None, None, (), inputStruct, 0, outputStructCnt
    )
    return kr, out


def IOConnectCallAsyncStructMethod(
    connection: IOConnection,
    selector: int,
    wake_port,
    reference,
    inputStruct=None,
    outputStructCnt: int = 0,
) -> tuple[int, bytes]:
    """``IOConnectCallAsyncStructMethod``. Returns ``(kr, bytes)``."""
    kr, _, out = IOConnectCallAsyncMethod(
        connection, selector, wake_port, reference, (), inputStruct, 0, outputStructCnt
    )
    return kr, out


def IOConnectCallScalarMethod(
    connection: IOConnection, selector: int, input=(), outputCnt: int = 0
) -> tuple[int, list[int]]:
    """``IOConnectCallScalarMethod``: at most 16 scalars each way (more fails, documented).
    Returns ``(kr, scalars)``."""
    kr, scalars, _ = IOConnectCallAsyncMethod(
        connection, selector, None, None, input, None, outputCnt, 0
    )
    return kr, scalars


def IOConnectCallAsyncScalarMethod(
    connection: IOConnection, selector: int, wake_port, reference, input=(), outputCnt: int = 0
) -> tuple[int, list[int]]:
    """``IOConnectCallAsyncScalarMethod``. Returns ``(kr, scalars)``."""
    kr, scalars, _ = IOConnectCallAsyncMethod(
        connection, selector, wake_port, reference, input, None, outputCnt, 0
    )
    return kr, scalars


# -- shared memory ------------------------------------------------------------------------


def IOConnectMapMemory64(
    connect: IOConnection,
    memoryType: int,
    intoTask: App,
    atAddress: int = 0,
    options: int = kIOMapAnywhere,
) -> tuple[int, int, int]:
    """Map the memory the dext offers for ``memoryType`` (its ``CopyClientMemoryForType``) into
    ``intoTask``: anywhere with ``kIOMapAnywhere``, else at ``atAddress``; read-only with
    ``kIOMapReadOnly`` or when the dext says ``kIOUserClientMemoryReadOnly``.
    Returns ``(kr, address, size)``."""
    if not isinstance(connect, IOConnection) or not isinstance(intoTask, App):
        return kIOReturnBadArgument, 0, 0
    try:
        memoryType, atAddress = uint32("memoryType", memoryType), uint64("atAddress", atAddress)
        options = uint32("options", options)
    except BadArgument as err:
        return err.code, 0, 0
    if options & ~_MAP_OPTIONS_ALLOWED:
        return kIOReturnBadArgument, 0, 0
    map_options = 0 if options & kIOMapAnywhere else kIOMemoryMapFixedAddress
    if options & kIOMapReadOnly:
        map_options |= kIOMemoryMapReadOnly
    address = 0 if options & kIOMapAnywhere else atAddress
    kr, mapping = kernel_map(
        connect.client, memoryType, intoTask.task, map_options, address, connect.app.trace
    )
    if kr != kIOReturnSuccess:
        return kr, 0, 0
    connect.mappings[(memoryType, mapping.GetAddress())] = mapping
    return kr, mapping.GetAddress(), mapping.GetLength()


def IOConnectUnmapMemory64(
    connect: IOConnection, memoryType: int, fromTask: App, atAddress: int
) -> int:
    """Undo ``IOConnectMapMemory64`` of ``memoryType`` at ``atAddress``."""
    if not isinstance(connect, IOConnection) or not isinstance(fromTask, App):
        return kIOReturnBadArgument
    try:
        memoryType, atAddress = uint32("memoryType", memoryType), uint64("atAddress", atAddress)
    except BadArgument as err:
        return err.code
    connect.app.mac.costs.count_crossing()
    if connect.state is UserClientState.CLOSED:
        return kIOReturnNotOpen
    mapping = connect.mappings.get((memoryType, atAddress))
    if mapping is None or mapping.task is not fromTask.task:
        return kIOReturnBadArgument
    try:
        mapping.unmap()
    except (IOReturnError, ValueError):
        return kIOReturnBadArgument
    del connect.mappings[(memoryType, atAddress)]
    connect.app.trace.record(
        "unmap", "IOConnectUnmapMemory64", kIOReturnSuccess, f"type {memoryType}"
    )
    return kIOReturnSuccess
