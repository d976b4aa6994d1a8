"""IOUserClient: the dext's end of a connection with an app, and the boundary between them.

::

    app (vethlab.iokit)                  kernel (this module)                 dext (DriverKit)
    IOServiceOpen(service, app, type) ── entitlements? ─────────────────────► service.NewUserClient(type)
    IOConnectCall…Method(conn, sel, …) ─ ≤ 4096 bytes inline, larger ones ──► client.ExternalMethod(sel, args,
                                         through memory descriptors             NULL, NULL, NULL)
                                                                                 └► super::ExternalMethod(sel, args,
                                                                                    &table[sel], …): the checks,
                                                                                    then the selector's function
                                    ◄── kern_return_t and outputs ◄────────── returns, or raises IOReturnError
    callback on a dispatch queue ◄───── message on the notification port ◄── AsyncCompletion(action, status, …)
    IOConnectMapMemory64(conn, type) ──────────────────────────────────────► CopyClientMemoryForType(type)
    IOServiceClose(conn) ──────────────────────────────────────────────────► client.Stop()

Inside the dext, a failing DriverKit call raises :class:`~vethlab.ioreturn.IOReturnError`, as
everywhere in vethlab. The app gets a ``kern_return_t`` back, as in C. The dext's outcome turns
into the app's return code in exactly one place, :func:`_enter_dext`; nothing else crosses:

* an ``IOReturnError`` raised by the dext (or by the checks) becomes its code;
* a :class:`~vethlab.model.memory.SimulatedFault` (EXC_BAD_ACCESS) kills the dext process: the app
  gets ``kIOReturnNotResponding`` and every later call on the dead dext gets the same (modelled:
  which code a real app sees depends on timing; the dext is relaunched by the system, which
  vethlab does not model);
* any other Python exception is what C++ would have turned into a crash: treated the same way,
  and kept in ``service.crash`` for whoever wants to look.

The rule at this boundary: what the app can get wrong is refused before any dext code runs
or any memory is allocated, with a code, and never counts as the dext's crash. Opening a
service that has not started is ``kIOReturnNotReady`` (modelled); the selector and every count
and size are checked against the client's ``DISPATCH`` table before an out-of-line buffer is
made (``kIOReturnBadArgument``); closing or stopping twice is ``kIOReturnNotOpen`` (modelled).
Only an exception raised by the dext's own code while it serves a call is a crash.

The user client is a state machine: :class:`UserClientState` and ONE table of legal moves,
:data:`USER_CLIENT_MOVES` (both in :mod:`vethlab.model.moves`, importable from here too). An
illegal move raises (and so becomes a return code at the boundary: ``kIOReturnNotOpen`` on a
closed connection) and leaves the state unchanged.

Provenance. Documented (DriverKit ``IOUserClient.iig``, Apple's user-client sample, IOKitLib):
the argument structure and its fields, the dispatch checks (counts and sizes must match unless
``kIOUserClientVariableStructureSize``; completion required / forbidden / don't care; a
mismatch is ``kIOReturnBadArgument``; no function → ``kIOReturnNoCompletion``), the 4096-byte
inline limit, at most 16 scalars and 16 async values, ``kIOUserClientMemoryReadOnly`` mapping
read-only, and the entitlements. Observed in XNU (``IOUserServer.cpp``): an inline output longer
than the caller's buffer is ``kIOReturnBadArgument``. Modelled: the state names, the codes for
illegal moves, the crash handling above, and the trace of calls kept for the pictures.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from vethlab.driverkit.memory import (
    IOMemoryDescriptor,
    IOMemoryMap,
    kIOMemoryDirectionInOut,
    kIOMemoryMapReadOnly,
)
from vethlab.driverkit.service import IOService, OSAction, OSData, OSObject
from vethlab.ioreturn import (
    BadArgument,
    IOReturnError,
    IOReturnName,
    kIOReturnNoCompletion,
    kIOReturnNoMemory,
    kIOReturnNotPermitted,
    kIOReturnNotReady,
    kIOReturnNotResponding,
    kIOReturnSuccess,
    kIOReturnUnsupported,
)
from vethlab.model.cint import UINT32_MAX, UINT64_MAX, c_int, uint64
from vethlab.model.layout import round_up
from vethlab.model.moves import ILLEGAL_MOVE_CODES, USER_CLIENT_MOVES, UserClientState

__all__ = [
    "IOUserClient",
    "IOUserClientMethodArguments",
    "IOUserClientMethodDispatch",
    "OSAction",
    "UserClientState",
    "USER_CLIENT_MOVES",
    "ILLEGAL_MOVE_CODES",
    "Trace",
    "TraceEvent",
    "kIOUserClientScalarArrayCountMax",
    "kIOUserClientAsyncReferenceCountMax",
    "kIOUserClientAsyncArgumentsCountMax",
    "kIOUserClientMemoryReadOnly",
    "kIOUserClientQueueNameExternalMethod",
    "kIOUserClientVariableStructureSize",
    "kIOUserClientMethodArgumentsCurrentVersion",
    "IO_STRUCT_INBAND_MAX",
    "ENTITLEMENT_DRIVERKIT",
    "ENTITLEMENT_USERCLIENT_ACCESS",
    "ENTITLEMENT_ALLOW_ANY_USERCLIENT_ACCESS",
    "may_open",
    "kernel_open",
    "kernel_external_method",
    "kernel_map",
    "kernel_close",
    "client_buffer",
]

# -- DriverKit IOUserClient.iig (documented) ------------------------------------------------
kIOUserClientScalarArrayCountMax = 16
kIOUserClientAsyncReferenceCountMax = 16
kIOUserClientAsyncArgumentsCountMax = 16
kIOUserClientMemoryReadOnly = 0x00000001
kIOUserClientQueueNameExternalMethod = "IOUserClientQueueExternalMethod"
kIOUserClientVariableStructureSize = 0xFFFFFFFF
kIOUserClientMethodArgumentsCurrentVersion = 2
#: ``io_struct_inband_t`` is ``array[*:4096] of char`` (XNU device.defs): larger structures
#: travel out of line, as memory descriptors.
IO_STRUCT_INBAND_MAX = 4096

# -- entitlements (documented, BundleResources) ---------------------------------------------
ENTITLEMENT_DRIVERKIT = "com.apple.developer.driverkit"
ENTITLEMENT_USERCLIENT_ACCESS = "com.apple.developer.driverkit.userclient-access"
ENTITLEMENT_ALLOW_ANY_USERCLIENT_ACCESS = (
    "com.apple.developer.driverkit.allow-any-userclient-access"
)

# =========================================================================================
# Arguments, dispatch entries, actions
# =========================================================================================


@dataclass(slots=True)
class IOUserClientMethodArguments:
    """``struct IOUserClientMethodArguments`` (version 2). "Any argument may be passed as NULL
    if not passed by the caller" (documented): here, ``None`` or empty.

    ``scalarOutput`` has ``scalarOutputCount`` zeros for the method to fill (it may lower
    ``scalarOutputCount``); ``structureOutput`` is the ``OSData`` the method sets for an inline
    output; ``structureOutputDescriptor`` is the caller's buffer when the output is larger than
    4096 bytes, and then ``structureOutput`` must stay ``None``.
    """

    selector: int
    completion: OSAction | None = None
    scalarInput: tuple = ()
    scalarInputCount: int = 0
    structureInput: OSData | None = None
    structureInputDescriptor: IOMemoryDescriptor | None = None
    scalarOutput: list = field(default_factory=list)
    scalarOutputCount: int = 0
    structureOutput: OSData | None = None
    structureOutputDescriptor: IOMemoryDescriptor | None = None
    structureOutputMaximumSize: int = 0
    version: int = kIOUserClientMethodArgumentsCurrentVersion

    def structure_input_size(self) -> int:
        """Bytes of structure input, whether inline or through a descriptor."""
        if self.structureInputDescriptor is not None:
            return self.structureInputDescriptor.GetLength()
        return 0 if self.structureInput is None else self.structureInput.getLength()

    def structure_input_bytes(self) -> bytes:
        """The structure input's bytes, whether inline or through a descriptor."""
        if self.structureInputDescriptor is not None:
            md = self.structureInputDescriptor
            return bytes(md.bytes_at(0, md.GetLength()))
        return b"" if self.structureInput is None else bytes(self.structureInput)


@dataclass(frozen=True)
class IOUserClientMethodDispatch:
    """``struct IOUserClientMethodDispatch``: a selector's function and what it accepts.

    ``function(target, reference, arguments)`` raises ``IOReturnError`` to fail (vethlab's one
    error strategy); returning a non-zero ``kern_return_t`` fails too, as in C.
    ``checkCompletionExists``: 1 the call must be asynchronous, 0 it must not, ``0xFFFFFFFF``
    either. Every other check is a count or size that must match exactly, unless it is
    ``kIOUserClientVariableStructureSize``.
    """

    function: object
    checkCompletionExists: int = 0
    checkScalarInputCount: int = 0
    checkStructureInputSize: int = 0
    checkScalarOutputCount: int = 0
    checkStructureOutputSize: int = 0


# =========================================================================================
# The trace: what crossed the boundary, in order (for the sequence picture)
# =========================================================================================


@dataclass(frozen=True)
class TraceEvent:
    """One crossing. ``kind``: "open", "call", "map", "unmap", "close" (app → dext, with the
    code the app got back), "notify" (the dext's AsyncCompletion) or "deliver" (the app's
    callback ran on its dispatch queue)."""

    step: int
    kind: str
    name: str
    kr: int | None = None
    detail: str = ""

    @property
    def kr_name(self) -> str:
        return "" if self.kr is None else IOReturnName(self.kr)


class Trace:
    """The first ``limit`` crossings of one app's connections (``count`` counts them all)."""

    def __init__(self, limit: int = 256) -> None:
        self.limit = limit
        self.events: list[TraceEvent] = []
        self.count = 0

    def record(self, kind: str, name: str, kr: int | None = None, detail: str = "") -> None:
        if len(self.events) < self.limit:
            self.events.append(TraceEvent(self.count, kind, name, kr, detail))
        self.count += 1

    def clear(self) -> None:
        self.events.clear()
        self.count = 0

    def __len__(self) -> int:
        return len(self.events)


# =========================================================================================
# IOUserClient
# =========================================================================================


class IOUserClient(IOService):
    """The dext's side of one app's connection. Subclasses override ``ExternalMethod`` (look
    the selector up in their dispatch table and pass the entry to ``super``),
    ``CopyClientMemoryForType`` and ``Stop``.

    ``SELECTOR_NAMES`` (vethlab's) names the selectors in traces and messages.
    """

    SELECTOR_NAMES: dict[int, str] = {}

    def __init__(self, provider: IOService) -> None:
        super().__init__(provider.mac, provider.task.name)
        self.provider = provider
        USER_CLIENT_MOVES.start(self)
        #: AsyncCompletion calls made while the client was not open: dropped, as messages to a
        #: dead port are (the C function returns nothing).
        self.notifications_dropped = 0

    # -- the state machine (USER_CLIENT_MOVES) -----------------------------------------------
    def can(self, move: str) -> bool:
        return USER_CLIENT_MOVES.find(self.state, move) is not None

    def move(self, move: str) -> UserClientState:
        """Make ``move``; an illegal one raises ``IllegalMove`` (an ``IOReturnError`` with the
        code of ``ILLEGAL_MOVE_CODES``) and changes nothing."""
        return USER_CLIENT_MOVES.fire(self, move).target

    def legal_moves(self) -> list[str]:
        return [m.action for m in USER_CLIENT_MOVES.allowed(self.state)]

    def selector_name(self, selector: int) -> str:
        return self.SELECTOR_NAMES.get(selector, f"selector {selector}")

    # -- DriverKit API --------------------------------------------------------------------
    def Start(self, provider: IOService | None = None) -> None:
        self.move("Start")
        super().Start(provider)

    def Stop(self, provider: IOService | None = None) -> None:
        """Subclasses release what they hold (retained actions, lent packets), then call this."""
        self.move("Stop")

    def ExternalMethod(
        self,
        selector: int,
        arguments: IOUserClientMethodArguments,
        dispatch: IOUserClientMethodDispatch | None = None,
        target: OSObject | None = None,
        reference=None,
    ) -> None:
        """Check ``arguments`` against ``dispatch`` and call its function.

        Calls arrive with ``dispatch`` None; a subclass picks its table's entry and calls
        ``super().ExternalMethod(selector, arguments, &table[selector], self, reference)``.
        Without an entry the call is unsupported.
        """
        if dispatch is None:
            raise IOReturnError(
                kIOReturnUnsupported, f"{self.selector_name(selector)} has no dispatch entry"
            )
        self._check_dispatch(selector, arguments, dispatch)
        if dispatch.function is None:  # documented: the implementer may dispatch itself
            raise IOReturnError(
                kIOReturnNoCompletion, f"{self.selector_name(selector)}: checks passed, no function"
            )
        result = dispatch.function(target, reference, arguments)
        if result not in (None, kIOReturnSuccess):
            raise IOReturnError(
                result, f"{self.selector_name(selector)} returned {IOReturnName(result)}"
            )

    def AsyncCompletion(
        self, action: OSAction, status: int, asyncData, asyncDataCount: int
    ) -> None:
        """Send ``asyncData[:asyncDataCount]`` (at most 16 ``uint64_t``) and ``status`` to the
        app that made ``action``'s async call. Returns nothing, as in C: a message for a
        closed connection is dropped (counted in ``notifications_dropped``)."""
        if not isinstance(action, OSAction):
            raise BadArgument(f"action {action!r} is not an OSAction")
        if action.retain_count <= 0:
            raise RuntimeError(
                "AsyncCompletion on an OSAction nobody retained: a use-after-free "
                "(retain arguments->completion to keep it; modelled as a crash)"
            )
        asyncDataCount = c_int(
            "asyncDataCount",
            asyncDataCount,
            0,
            kIOUserClientAsyncArgumentsCountMax,
            ctype="uint32_t",
        )
        values = tuple(asyncData[:asyncDataCount])
        if len(values) != asyncDataCount:
            raise BadArgument(
                f"asyncDataCount {asyncDataCount} but only {len(values)} values given"
            )
        values = tuple(uint64(f"asyncData[{i}]", v) for i, v in enumerate(values))
        status = c_int("status", status, 0, UINT32_MAX, ctype="kern_return_t")
        client = action.client
        if not client.can("AsyncCompletion"):
            client.notifications_dropped += 1
            return
        trace = action.trace
        if trace is not None:
            trace.record(
                "notify",
                "AsyncCompletion",
                status,
                f"{asyncDataCount} value{'s' * (asyncDataCount != 1)}",
            )
        action.port.post(action, status, values)

    def CopyClientMemoryForType(self, type: int) -> tuple[int, IOMemoryDescriptor]:
        """``CopyClientMemoryForType(type, &options, &memory)``: the memory an app may map
        with ``IOConnectMapMemory64``, and options (``kIOUserClientMemoryReadOnly``). Repeated
        calls for one type should return the same descriptor (documented). None by default."""
        raise IOReturnError(kIOReturnUnsupported, f"no client memory of type {type}")

    # -- the checks ---------------------------------------------------------------------
    def _check_dispatch(
        self, selector: int, args: IOUserClientMethodArguments, d: IOUserClientMethodDispatch
    ) -> None:
        var = kIOUserClientVariableStructureSize
        need = d.checkCompletionExists
        if need != var and (need != 0) != (args.completion is not None):
            how = (
                "must be called asynchronously (with a completion)"
                if need
                else "must not be called asynchronously (it got a completion)"
            )
            raise BadArgument(f"{self.selector_name(selector)} {how}")
        if d.checkScalarInputCount != var and args.scalarInputCount != d.checkScalarInputCount:
            self._mismatch(
                selector, "scalar input count", args.scalarInputCount, d.checkScalarInputCount
            )
        if d.checkStructureInputSize != var:
            size = (
                0
                if args.structureInput is None and args.structureInputDescriptor is None
                else args.structure_input_size()
            )
            if size != d.checkStructureInputSize:
                self._mismatch(selector, "structure input size", size, d.checkStructureInputSize)
        if d.checkScalarOutputCount != var and args.scalarOutputCount != d.checkScalarOutputCount:
            self._mismatch(
                selector, "scalar output count", args.scalarOutputCount, d.checkScalarOutputCount
            )
        if (
            d.checkStructureOutputSize != var
            and args.structureOutputMaximumSize != d.checkStructureOutputSize
        ):
            self._mismatch(
                selector,
                "structure output size",
                args.structureOutputMaximumSize,
                d.checkStructureOutputSize,
            )

    def _mismatch(self, selector: int, what: str, got: int, allowed: int) -> None:
        raise BadArgument(
            f"{self.selector_name(selector)}: {what} {got}; this selector allows exactly {allowed}"
        )


# =========================================================================================
# The kernel: the boundary between the app and the dext
# =========================================================================================


def _enter_dext(service: IOService, client: IOUserClient | None, work, *args):
    """THE user-client boundary: run ``work(*args)`` (kernel and dext code) and turn its
    outcome into ``(kern_return_t, result)``. The only place an exception of the dext becomes
    a code."""
    if service.crash is not None:
        if client is not None and client.can("crash"):
            client.move("crash")
        if client is None or client.state is not UserClientState.CLOSED:
            return kIOReturnNotResponding, None
    try:
        return kIOReturnSuccess, work(*args)
    except IOReturnError as err:
        return err.code, None
    except Exception as exc:
        service.crash = exc
        if client is not None and client.can("crash"):
            client.move("crash")
        return kIOReturnNotResponding, None


def may_open(app_entitlements: dict, service: IOService) -> tuple[bool, str]:
    """Whether an app with ``app_entitlements`` may open ``service`` and why (documented: the
    app's userclient-access lists the dext's bundle id, or the dext allows any app)."""
    if service.entitlements.get(ENTITLEMENT_ALLOW_ANY_USERCLIENT_ACCESS) is True:
        return True, f"the dext has {ENTITLEMENT_ALLOW_ANY_USERCLIENT_ACCESS}"
    granted = app_entitlements.get(ENTITLEMENT_USERCLIENT_ACCESS, ())
    if isinstance(granted, str):
        granted = (granted,)
    if not isinstance(granted, (list, tuple)):  # a number, a dict, …: grants nothing
        granted = ()
    if service.bundle_identifier in granted:
        return True, f"the app's {ENTITLEMENT_USERCLIENT_ACCESS} names {service.bundle_identifier}"
    return False, (
        f"the app's {ENTITLEMENT_USERCLIENT_ACCESS} does not name "
        f"{service.bundle_identifier!r} and the dext lacks "
        f"{ENTITLEMENT_ALLOW_ANY_USERCLIENT_ACCESS}"
    )


def kernel_open(
    service: IOService, app_entitlements: dict, type: int, trace: Trace | None = None
) -> tuple[int, IOUserClient | None]:
    """IOServiceOpen's kernel half: check entitlements, then that the service has started
    (``kIOReturnNotReady`` before ``Start``, modelled: the open is refused, the dext is not
    harmed), then ``NewUserClient(type)``."""
    service.mac.costs.count_crossing()
    allowed, why = may_open(app_entitlements, service)
    if not allowed:
        if trace is not None:
            trace.record("open", "IOServiceOpen", kIOReturnNotPermitted, why)
        return kIOReturnNotPermitted, None
    if not getattr(service, "started", False):  # checked before any dext code runs
        if trace is not None:
            trace.record("open", "IOServiceOpen", kIOReturnNotReady, "the service has not started")
        return kIOReturnNotReady, None

    def work():
        client = service.NewUserClient(type)
        if not isinstance(client, IOUserClient):
            raise IOReturnError(kIOReturnUnsupported, f"NewUserClient returned {client!r}")
        if client.state is not UserClientState.OPEN:
            raise IOReturnError(kIOReturnNotReady, "NewUserClient returned a client not started")
        return client

    kr, client = _enter_dext(service, None, work)
    if trace is not None:
        trace.record("open", "IOServiceOpen", kr, f"NewUserClient({type})")
    return kr, client


#: The largest app buffer passed out of line that vethlab simulates (modelled: it keeps the
#: simulation in memory; a Mac wires the app's pages instead of copying them).
MAX_OUT_OF_LINE_BYTES = 64 * 1024 * 1024


def client_buffer(client: IOUserClient, size: int, data: bytes | None = None) -> IOMemoryDescriptor:
    """A descriptor for an app buffer passed out of line (the dext maps it to use it). A buffer
    over :data:`MAX_OUT_OF_LINE_BYTES` is refused with ``kIOReturnNoMemory`` (modelled) before
    anything is allocated."""
    if size > MAX_OUT_OF_LINE_BYTES:
        raise IOReturnError(
            kIOReturnNoMemory,
            f"an out-of-line buffer of {size} bytes is more than vethlab simulates; allowed: at "
            f"most {MAX_OUT_OF_LINE_BYTES} bytes (modelled limit)",
        )
    memory = np.zeros(round_up(max(size, 1), client.mac.page_size), dtype=np.uint8)
    if data:
        memory[: len(data)] = np.frombuffer(data, np.uint8)
    return IOMemoryDescriptor(
        client.task, memory, 0, size, kIOMemoryDirectionInOut, "app buffer (out of line)"
    )


def _external_method(
    client: IOUserClient,
    selector: int,
    scalar_input: tuple,
    struct_input: bytes | None,
    scalar_output_count: int,
    struct_output_size: int,
    completion: OSAction | None,
):
    """The kernel's work for one call, run inside the boundary: move the state machine,
    marshal the arguments, call ``ExternalMethod``, check the outputs. Returns
    ``(scalar outputs, structure output bytes)``."""
    client.move("ExternalMethod")
    args = IOUserClientMethodArguments(
        selector=selector,
        completion=completion,
        scalarInput=scalar_input,
        scalarInputCount=len(scalar_input),
        scalarOutput=[0] * scalar_output_count,
        scalarOutputCount=scalar_output_count,
        structureOutputMaximumSize=struct_output_size,
    )
    if struct_input:
        if len(struct_input) > IO_STRUCT_INBAND_MAX:
            args.structureInputDescriptor = client_buffer(client, len(struct_input), struct_input)
        else:
            args.structureInput = OSData(struct_input)
            client.mac.costs.count_copy(len(struct_input))  # the inline copy-in
    table = getattr(client, "DISPATCH", None)
    if isinstance(table, dict):  # the selector and every size, before any buffer is made
        entry = table.get(selector)
        if entry is None:
            known = ", ".join(f"{s} ({client.selector_name(s)})" for s in sorted(table))
            raise BadArgument(f"selector {selector} is unknown; allowed: {known}")
        client._check_dispatch(selector, args, entry)
    out_md = None
    if struct_output_size > IO_STRUCT_INBAND_MAX:
        out_md = args.structureOutputDescriptor = client_buffer(client, struct_output_size)
    try:
        client.ExternalMethod(selector, args, None, None, None)
    finally:
        if completion is not None:
            completion.release()  # the kernel's reference ends with the call
    count = c_int(
        "the dext's scalarOutputCount",
        args.scalarOutputCount,
        0,
        scalar_output_count,
        ctype="uint32_t",
    )
    scalars = [int(v) & UINT64_MAX for v in args.scalarOutput[:count]]  # stored as uint64_t
    if args.structureOutput is not None:
        if out_md is not None:
            raise BadArgument(
                "the dext set structureOutput although the caller's buffer "
                "came as structureOutputDescriptor"
            )
        out = bytes(args.structureOutput)
        if len(out) > struct_output_size:
            raise BadArgument(
                f"the dext returned {len(out)} bytes; the caller's buffer "
                f"holds {struct_output_size}"
            )
        client.mac.costs.count_copy(len(out))  # the inline copy-out to the app
    elif out_md is not None:
        out = bytes(out_md.bytes_at(0, struct_output_size))
    else:
        out = b""
    return scalars, out


def kernel_external_method(
    client: IOUserClient,
    selector: int,
    scalar_input: tuple,
    struct_input: bytes | None,
    scalar_output_count: int,
    struct_output_size: int,
    completion: OSAction | None = None,
    trace: Trace | None = None,
) -> tuple[int, list[int], bytes]:
    """IOConnectCall…Method's kernel half: marshal, call ``ExternalMethod``, check the outputs.

    Arguments arrive checked by the app side (types, at most 16 scalars). Returns
    ``(kern_return_t, scalar outputs, structure output bytes)``; on failure the outputs are
    empty.
    """
    client.mac.costs.count_crossing()
    kr, result = _enter_dext(
        client.provider,
        client,
        _external_method,
        client,
        selector,
        scalar_input,
        struct_input,
        scalar_output_count,
        struct_output_size,
        completion,
    )
    if trace is not None:
        trace.record(
            "call", client.selector_name(selector), kr, "async" if completion is not None else ""
        )
    if kr != kIOReturnSuccess:
        return kr, [], b""
    return kr, result[0], result[1]


def kernel_map(
    client: IOUserClient,
    memory_type: int,
    task,
    map_options: int,
    address: int = 0,
    trace: Trace | None = None,
) -> tuple[int, IOMemoryMap | None]:
    """IOConnectMapMemory64's kernel half: ``CopyClientMemoryForType`` then map the memory into
    ``task``; ``map_options`` are ``IOMemoryDescriptor`` map options (read-only is added when
    the dext asks for it)."""
    client.mac.costs.count_crossing()

    def work():
        client.move("CopyClientMemoryForType")
        options, memory = client.CopyClientMemoryForType(memory_type)
        if not isinstance(memory, IOMemoryDescriptor):
            raise IOReturnError(kIOReturnUnsupported, f"CopyClientMemoryForType gave {memory!r}")
        opts = map_options | (kIOMemoryMapReadOnly if options & kIOUserClientMemoryReadOnly else 0)
        return memory.CreateMapping(opts, address, 0, 0, 0, into=task)

    kr, mapping = _enter_dext(client.provider, client, work)
    if trace is not None:
        trace.record("map", "IOConnectMapMemory64", kr, f"type {memory_type}")
    return kr, mapping


def kernel_close(client: IOUserClient, trace: Trace | None = None) -> int:
    """IOServiceClose's kernel half: stop the client. A dead dext runs no code: then the kernel
    alone tears the connection down."""
    client.mac.costs.count_crossing()
    service = client.provider
    if service.crash is None:

        def work():
            if not client.can("Stop"):
                client.move("Stop")  # raises: closing twice is kIOReturnNotOpen
            client.Stop(service)
            if client.state is not UserClientState.CLOSED:  # a Stop that forgot super
                client.move("Stop")

        kr, _ = _enter_dext(service, client, work)
    else:
        try:
            if client.can("crash"):
                client.move("crash")
            client.move("Stop")
            kr = kIOReturnSuccess
        except IOReturnError as err:
            kr = err.code
    if trace is not None:
        trace.record("close", "IOServiceClose", kr)
    return kr
