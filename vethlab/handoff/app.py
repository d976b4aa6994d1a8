"""The controlling app, in three designs (``DESIGNS``), on the app's IOKit.framework.

::

    dext ──AsyncCompletion──► app's callback (on its dispatch queue)
    per_packet      GetPacket (1604-byte struct, inline) once per frame
    batch           GetPackets: many records through an out-of-line buffer per call
    shared_mapping  the app maps the pool read-only (IOConnectMapMemory64); each notification
                    carries up to 8 (offset, length) pairs in its 16 values; the app copies the
                    frames from its own mapping and hands the packets back (CompleteFrames)

Provenance: the IOKit calls are documented; the designs and what the app does with a bogus
``packet_size`` are modelled.
"""

from __future__ import annotations

from collections import deque

from vethlab.driverkit.userclient import (
    ENTITLEMENT_USERCLIENT_ACCESS,
    UserClientState,
)
from vethlab.handoff.dext import FrameHandoff
from vethlab.handoff.structs import (
    GET_PACKET_OUTPUT_SIZE,
    frame_of_output,
    parse_batch,
)
from vethlab.handoff.user_client import (
    kCompleteFrames,
    kGetPacket,
    kGetPackets,
    kPoolMemoryType,
    kRegisterCallback,
    kRegisterFrameCallback,
)
from vethlab.iokit import (
    App,
    IOConnectCallAsyncScalarMethod,
    IOConnectCallAsyncStructMethod,
    IOConnectCallMethod,
    IOConnectCallScalarMethod,
    IOConnectCallStructMethod,
    IOConnectMapMemory64,
    IONotificationPortCreate,
    IONotificationPortSetDispatchQueue,
    IOServiceClose,
    IOServiceOpen,
    dispatch_queue_create,
    kIOAsyncCalloutFuncIndex,
    kIOAsyncCalloutRefconIndex,
    kIOMapAnywhere,
    kIOMapReadOnly,
    kOSAsyncRef64Count,
)
from vethlab.ioreturn import (
    BadArgument,
    IOReturnName,
    kIOReturnMessageTooLarge,
    kIOReturnNoFrames,
    kIOReturnSuccess,
)

__all__ = [
    "DESIGNS",
    "QuestionApp",
]

DESIGNS = ("per_packet", "batch", "shared_mapping")


class QuestionApp:
    """The controlling app in one of the three designs (``DESIGNS``). ``open()`` connects and
    registers; ``run()`` lets the notifications that arrived run and returns how many frames
    they brought; every frame goes to ``on_frame`` (default: appended to ``received``).

    By default the app is entitled to the dext (``userclient-access`` naming its bundle id);
    pass ``entitlements={}`` to see ``kIOReturnNotPermitted``.
    """

    def __init__(
        self,
        dext: FrameHandoff,
        design: str = "per_packet",
        *,
        name: str = "FooApp",
        entitlements: dict | None = None,
        batch_bytes: int = 65536,
        on_frame=None,
        keep_outputs: int = 64,
        trace_limit: int = 256,
    ) -> None:
        if design not in DESIGNS:
            raise BadArgument(f"design {design!r} is unknown; allowed: {', '.join(DESIGNS)}")
        if entitlements is None:
            entitlements = {ENTITLEMENT_USERCLIENT_ACCESS: [dext.bundle_identifier]}
        self.dext = dext
        self.design = design
        self.app = App(
            dext.mac,
            name,
            bundle_identifier=f"com.example.{name}",
            entitlements=entitlements,
            trace_limit=trace_limit,
        )
        self.batch_bytes = batch_bytes
        self.received: list[bytes] = []
        self.on_frame = on_frame or self.received.append
        #: the raw GetPacket outputs, newest last (per_packet design)
        self.outputs: deque[bytes] = deque(maxlen=keep_outputs)
        self.errors: list[int] = []  # codes of failed calls, in order
        self.rejected = 0  # shared mapping: pairs outside the app's mapping
        self.connect = None
        self.pool_address = self.pool_size = 0
        self._pool_view = None
        self._unacknowledged = 0
        self._count = 0

    @property
    def trace(self):
        return self.app.trace

    def open(self) -> int:
        """IOServiceOpen, a notification port on a dispatch queue, the design's registration
        (and, for the shared mapping, the read-only map of the pool). Returns the first
        failing code, or kIOReturnSuccess."""
        kr, self.connect = IOServiceOpen(self.dext, self.app, 0)
        if kr != kIOReturnSuccess:
            return self._failed(kr)
        self.port = IONotificationPortCreate()
        self.queue = dispatch_queue_create(f"com.example.{self.app.name}.notifications")
        IONotificationPortSetDispatchQueue(self.port, self.queue)
        reference = [0] * kOSAsyncRef64Count
        reference[kIOAsyncCalloutFuncIndex] = (
            self.on_frames_ready if self.design == "shared_mapping" else self.on_packets_available
        )
        reference[kIOAsyncCalloutRefconIndex] = self
        if self.design == "shared_mapping":
            kr, self.pool_address, self.pool_size = IOConnectMapMemory64(
                self.connect, kPoolMemoryType, self.app, 0, kIOMapAnywhere | kIOMapReadOnly
            )
            if kr != kIOReturnSuccess:
                return self._failed(kr)
            # A view that faults once the mapping is released (IOServiceClose unmaps it).
            self._pool_view = self.app.task.mapped(self.pool_address, self.pool_size)
            kr, _ = IOConnectCallAsyncScalarMethod(
                self.connect, kRegisterFrameCallback, self.port, reference
            )
        else:
            kr, _ = IOConnectCallAsyncStructMethod(
                self.connect, kRegisterCallback, self.port, reference
            )
        return kr if kr == kIOReturnSuccess else self._failed(kr)

    def run(self) -> int:
        """Run the notifications waiting on the dispatch queue; return frames received."""
        self._count = 0
        self.queue.drain()
        if self._unacknowledged and not self._open():
            self._unacknowledged = 0  # closing gave every lent packet back to the dext
        if self._unacknowledged:
            kr, _ = IOConnectCallScalarMethod(self.connect, kCompleteFrames, [self._unacknowledged])
            self._unacknowledged = 0
            if kr != kIOReturnSuccess:
                self._failed(kr)
        return self._count

    def close(self) -> int:
        if self.connect is None:
            return kIOReturnSuccess
        return IOServiceClose(self.connect)

    # -- the callbacks (run on the app's dispatch queue) ------------------------------------
    def on_packets_available(self, refcon, result, args, count):
        if self.design == "per_packet":
            self._get_packet_until_empty()
        else:
            self._get_batches()

    def _get_packet_until_empty(self):
        while True:
            kr, out = IOConnectCallStructMethod(
                self.connect, kGetPacket, None, GET_PACKET_OUTPUT_SIZE
            )
            if kr == kIOReturnNoFrames:
                return
            if kr != kIOReturnSuccess:
                self._failed(kr)
                if kr == kIOReturnMessageTooLarge:
                    continue  # that frame was dropped; the others wait
                return
            self.outputs.append(out)
            # The app trusts packet_size (as C code copying out.packet_size bytes would); a
            # size over 1600 can only come from the overflow: the app keeps the 1600 it has.
            self._count += 1
            self.on_frame(frame_of_output(out))

    def _get_batches(self):
        while True:
            kr, scalars, out = IOConnectCallMethod(
                self.connect, kGetPackets, (), None, 3, self.batch_bytes
            )
            if kr == kIOReturnNoFrames:
                return
            if kr != kIOReturnSuccess:
                self._failed(kr)
                return
            count, used, remaining = scalars
            for frame in parse_batch(out, count, used):
                self._count += 1
                self.on_frame(frame)
            if not remaining:
                return

    def _open(self) -> bool:
        """Whether the connection is still open (a callback may have closed it)."""
        return self.connect is not None and self.connect.state is UserClientState.OPEN

    def on_frames_ready(self, refcon, result, args, count):
        if not self._open():  # closed (maybe by an earlier callback): the mapping is gone
            return
        pairs = count // 2
        for offset, length in zip(args[0 : 2 * pairs : 2], args[1 : 2 * pairs : 2]):
            if not self._open():  # on_frame closed the connection: read no more
                return
            end = offset + length
            if end > self.pool_size:  # a pair outside the mapping: never read it
                self.rejected += 1
                continue
            self.app.mac.costs.count_copy(length)  # out of the app's mapping
            self.on_frame(self._pool_view.read(offset, length))
            self._count += 1
        self._unacknowledged += pairs

    def _failed(self, kr: int) -> int:
        self.errors.append(kr)
        return kr

    def error_names(self) -> list[str]:
        return [IOReturnName(kr) for kr in self.errors]
