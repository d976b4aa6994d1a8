"""The user client a dext hands frames to its app through: one table of selectors.

The question's driver tells its app "packets available" with an async notification; the app
then asks for each packet with a GetPacket selector that returns a ``GetPacket_Output``
(``uint8_t packet_data[1600]`` then ``uint32_t packet_size``). Two faster designs sit beside
it: GetPackets (many records through an out-of-line buffer per call) and a shared mapping (the
app maps the pool read-only; each notification carries up to 8 (offset, length) pairs; the app
hands the packets back with CompleteFrames).

Provenance: the struct, the selector-per-packet design and the async notification are reported
(the question's code). Selector numbers, the empty answer (``kIOReturnNoFrames``, whose header
comment is "no DMA frames enqueued": vethlab's choice of code for "no packet waiting"), the
batch record format and the shared-mapping protocol are modelled.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from vethlab.driverkit.service import OSData
from vethlab.driverkit.userclient import (
    IOUserClient,
    IOUserClientMethodDispatch,
    UserClientState,
    kIOUserClientMemoryReadOnly,
    kIOUserClientVariableStructureSize,
)
from vethlab.handoff.get_packet import GET_PACKET
from vethlab.handoff.structs import (
    FRAMES_PER_NOTIFICATION,
    GET_PACKET_OUTPUT_SIZE,
    batch_record_size,
)
from vethlab.ioreturn import (
    BadArgument,
    IOReturnError,
    kIOReturnNoFrames,
    kIOReturnNoSpace,
    kIOReturnSuccess,
)
from vethlab.model.cint import uint64
from vethlab.model.moves import PACKET_MOVES, Place
from vethlab.networkingdriverkit.packet import IOUserNetworkPacket

__all__ = [
    "kRegisterCallback",
    "kGetPacket",
    "kGetPackets",
    "kRegisterFrameCallback",
    "kCompleteFrames",
    "kPoolMemoryType",
    "PacketUserClient",
]

# -- the selectors (modelled numbers; the question does not give its own) ------------------
kRegisterCallback = 0
kGetPacket = 1
kGetPackets = 2
kRegisterFrameCallback = 3
kCompleteFrames = 4
#: CopyClientMemoryForType's type for the pool's memory.
kPoolMemoryType = 0


def _register_callback(target, reference, arguments):
    return target.RegisterCallback(arguments)


def _get_packet(target, reference, arguments):
    return target.GetPacket(arguments)


def _get_packets(target, reference, arguments):
    return target.GetPackets(arguments)


def _register_frame_callback(target, reference, arguments):
    return target.RegisterFrameCallback(arguments)


def _complete_frames(target, reference, arguments):
    return target.CompleteFrames(arguments)


_VAR = kIOUserClientVariableStructureSize


class PacketUserClient(IOUserClient):
    """The question's user client. Its selectors are one table (``DISPATCH``): a subclass adds
    its own with ``DISPATCH = {**PacketUserClient.DISPATCH, kPutPacket: ...}`` and the same
    for ``SELECTOR_NAMES``."""

    SELECTOR_NAMES = {
        kRegisterCallback: "RegisterCallback",
        kGetPacket: "GetPacket",
        kGetPackets: "GetPackets",
        kRegisterFrameCallback: "RegisterFrameCallback",
        kCompleteFrames: "CompleteFrames",
    }
    DISPATCH = {
        kRegisterCallback: IOUserClientMethodDispatch(_register_callback, checkCompletionExists=1),
        kGetPacket: IOUserClientMethodDispatch(
            _get_packet, checkStructureOutputSize=GET_PACKET_OUTPUT_SIZE
        ),
        kGetPackets: IOUserClientMethodDispatch(
            _get_packets, checkScalarOutputCount=3, checkStructureOutputSize=_VAR
        ),
        kRegisterFrameCallback: IOUserClientMethodDispatch(
            _register_frame_callback, checkCompletionExists=1
        ),
        kCompleteFrames: IOUserClientMethodDispatch(_complete_frames, checkScalarInputCount=1),
    }

    def __init__(self, provider) -> None:
        super().__init__(provider)
        self.callback = None  # the retained OSAction of RegisterCallback
        self.frame_callback = None  # the retained OSAction of RegisterFrameCallback
        self.lent: deque[IOUserNetworkPacket] = deque()  # packets whose frames the app is reading

    def ExternalMethod(self, selector, arguments, dispatch=None, target=None, reference=None):
        selector = uint64("selector", selector)
        entry = self.DISPATCH.get(selector)
        if entry is None:
            known = ", ".join(f"{s} ({self.selector_name(s)})" for s in sorted(self.DISPATCH))
            raise BadArgument(f"selector {selector} is unknown; allowed: {known}")
        return super().ExternalMethod(selector, arguments, entry, self, reference)

    # -- selectors --------------------------------------------------------------------
    def RegisterCallback(self, arguments):
        """Keep the completion (retained, as Apple's sample does) to say "packets available"
        with one value: how many are pending."""
        if self.callback is not None:
            self.callback.release()
        self.callback = arguments.completion.retain()
        self.provider.packets_available()

    def RegisterFrameCallback(self, arguments):
        """Keep the completion to send frames as (offset, length) pairs (shared mapping)."""
        if self.frame_callback is not None:
            self.frame_callback.release()
        self.frame_callback = arguments.completion.retain()
        self.provider.packets_available()

    def GetPacket(self, arguments):
        dext = self.provider
        if not dext.pending:
            raise IOReturnError(kIOReturnNoFrames, "GetPacket: no packet is pending")
        GET_PACKET[dext.get_packet](dext, arguments)

    def GetPackets(self, arguments):
        """As many pending frames as fit the caller's buffer, as ``BatchRecord``s. Scalar
        outputs: records, bytes used, packets still pending."""
        dext = self.provider
        if not dext.pending:
            raise IOReturnError(kIOReturnNoFrames, "GetPackets: no packet is pending")
        capacity = arguments.structureOutputMaximumSize
        first = batch_record_size(dext.pending[0].getDataLength())
        if first > capacity:
            raise IOReturnError(
                kIOReturnNoSpace,
                f"the next frame needs a {first}-byte record; the buffer holds {capacity}",
            )
        descriptor = arguments.structureOutputDescriptor
        mapping = None
        if descriptor is not None:  # the app's buffer, out of line: map it into the dext
            mapping = descriptor.CreateMapping(0, 0, 0, 0, 0)
            out = dext.task.view(mapping.GetAddress(), capacity, "write")
        else:
            out = np.zeros(capacity, np.uint8)
        try:
            count, used = dext.write_batch(out, capacity)
        finally:
            if mapping is not None:
                mapping.unmap()
        if descriptor is None:
            arguments.structureOutput = OSData(out[:used].tobytes())
        arguments.scalarOutput[:3] = [count, used, len(dext.pending)]

    def CompleteFrames(self, arguments):
        """The app is done with the first ``n`` frames it was sent: recycle their packets."""
        n = arguments.scalarInput[0]
        lent = self.lent
        if n > len(lent):
            raise BadArgument(f"CompleteFrames({n}): only {len(lent)} frames are lent")
        if n == len(lent):  # the usual case: every frame lent is done
            packets = list(lent)
            lent.clear()
        else:
            packets = [lent.popleft() for _ in range(n)]
        self.provider.recycle_many(packets)

    def CopyClientMemoryForType(self, type):
        """The pool's memory, for the app to map read-only (kPoolMemoryType only)."""
        if type != kPoolMemoryType:
            raise BadArgument(
                f"memory type {type} is unknown; allowed: {kPoolMemoryType} (the pool)"
            )
        return kIOUserClientMemoryReadOnly, self.provider.pool_md

    def Stop(self, provider=None):
        """Release the actions, take back lent packets, then stop."""
        for action in (self.callback, self.frame_callback):
            if action is not None:
                action.release()
        self.callback = self.frame_callback = None
        self.provider.recycle_many(list(self.lent))
        self.lent.clear()
        if self in self.provider.clients:
            self.provider.clients.remove(self)
        super().Stop(provider)

    # -- notifications (called by the dext) -------------------------------------------
    def notify(self) -> None:
        dext = self.provider
        if self.state is not UserClientState.OPEN or not dext.pending:
            return
        if self.frame_callback is not None:
            # Up to 8 (offset, length) pairs per notification: its 16 values.
            while dext.pending:
                values = []
                for _ in range(min(FRAMES_PER_NOTIFICATION, len(dext.pending))):
                    packet = dext.pending.popleft()
                    PACKET_MOVES.fire(packet, "lend to the app", Place.APP)
                    self.lent.append(packet)
                    values += (dext.frame_pool_offset(packet), packet.getDataLength())
                self.AsyncCompletion(self.frame_callback, kIOReturnSuccess, values, len(values))
        elif self.callback is not None:
            self.AsyncCompletion(self.callback, kIOReturnSuccess, [len(dext.pending)], 1)
