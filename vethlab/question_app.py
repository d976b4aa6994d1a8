"""The question's dext and its controlling app, whole: from the host's frame to the app's bytes.

The question's driver tells its app "packets available" with an async notification; the app
then asks for each packet with a GetPacket selector that returns a ``GetPacket_Output``
(``uint8_t packet_data[1600]`` then ``uint32_t packet_size``). This module runs that story,
and two faster designs beside it::

    host stack ──transmit──► PacketDext.pending ──AsyncCompletion──► app's callback
                                                                         │
    per_packet      GetPacket (1604-byte struct, inline) once per frame ◄┤
    batch           GetPackets: many records through an out-of-line buffer per call
    shared_mapping  the app maps the pool read-only (IOConnectMapMemory64); each notification
                    carries up to 8 (offset, length) pairs in its 16 values; the app copies the
                    frames from its own mapping and hands the packets back (CompleteFrames)

Two GetPackets exist, chosen per dext (``get_packet=``):

``"question"``  the question's code, both of its bugs kept: it copies ``getDataLength()`` bytes
                into the 1600-byte array (a longer frame overwrites ``packet_size`` and the
                stack after the struct; even longer, the copy runs off the stack and the dext
                dies) and returns all 1604 bytes of a struct it never cleared (stale bytes of
                earlier, longer frames reach the app).
``"safe"``      bounds checked (a frame over 1600 bytes is dropped with
                ``kIOReturnMessageTooLarge``), output cleared first, only ``packet_size``
                bytes of frame.

Where the dext looks for the frame is one of the three address methods of
:mod:`vethlab.question` (``address_method=``), so the question's first attempt can be run
through the whole user client too.

The output struct lives in the dext's memory (:class:`OutputSlot`): a local on the stack of the
thread that serves ``ExternalMethod``, at the same address every call, followed by ``guard``
bytes of whatever the stack holds above it, then the end of the stack. Each byte remembers which
write put it there, so a call's record (:class:`GetPacketRecord`) can say exactly which bytes
the overflow overwrote and whose frame each leaked byte came from.

Provenance: the struct, the selector-per-packet design, the async notification and the two bugs
are reported (the question's code). The rest is modelled: selector numbers, the empty answer
(``kIOReturnNoFrames``), the stack slot (same address each call, 2048 guard bytes, uninitialised
bytes shown as zero where a real stack holds older garbage), the batch record format, the
shared-mapping protocol and what the app does with a bogus ``packet_size``.
"""

from __future__ import annotations

import struct
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from .frames import APP, HOST, MAX_FRAME_LEN, mixed_frames, udp_datagram
from .host import HostStack
from .iokit import (
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
from .ioreturn import (
    BadArgument,
    IOReturnError,
    IOReturnName,
    kIOReturnMessageTooLarge,
    kIOReturnNoFrames,
    kIOReturnNoSpace,
    kIOReturnNotResponding,
    kIOReturnSuccess,
)
from .layout import round_up
from .memory import IOBufferMemoryDescriptor, Mac, SimulatedFault, kIOMemoryDirectionInOut
from .packet import IOUserNetworkPacket, PacketState
from .question import METHODS, QuestionDext
from .service import OSData
from .structs import (
    BATCH_ALIGNMENT,
    FRAMES_PER_NOTIFICATION,
    GET_PACKET_DATA_SIZE,
    GET_PACKET_OUTPUT_SIZE,
    BatchRecord,
    GetPacket_Output,
    batch_record_size,
    field_range,
    frame_of_output,
    parse_batch,
    unpack_get_packet_output,
)
from .userclient import (
    ENTITLEMENT_ALLOW_ANY_USERCLIENT_ACCESS,
    ENTITLEMENT_DRIVERKIT,
    ENTITLEMENT_USERCLIENT_ACCESS,
    IOUserClient,
    IOUserClientMethodArguments,
    IOUserClientMethodDispatch,
    UserClientState,
    kIOUserClientMemoryReadOnly,
    kIOUserClientVariableStructureSize,
)

__all__ = [
    "PacketDext",
    "PacketUserClient",
    "OutputSlot",
    "GetPacketRecord",
    "QuestionApp",
    "Delivery",
    "deliver",
    "compare_designs",
    "frame_of_length",
    "get_packet_question",
    "get_packet_safe",
    "kRegisterCallback",
    "kGetPacket",
    "kGetPackets",
    "kRegisterFrameCallback",
    "kCompleteFrames",
    "kPoolMemoryType",
    "GET_PACKET_VARIANTS",
    "DESIGNS",
    "DEFAULT_GUARD",
    "NEVER_WRITTEN",
    "GUARD_FILL",
    "DEXT_WRITE",
    "ZEROED",
]

# -- the selectors (modelled numbers; the question does not give its own) ------------------
kRegisterCallback = 0
kGetPacket = 1
kGetPackets = 2
kRegisterFrameCallback = 3
kCompleteFrames = 4
#: CopyClientMemoryForType's type for the pool's memory.
kPoolMemoryType = 0

GET_PACKET_VARIANTS = ("question", "safe")
DESIGNS = ("per_packet", "batch", "shared_mapping")

#: Bytes of stack above the output struct before the stack ends (modelled).
DEFAULT_GUARD = 2048
#: What the guard bytes hold before anything overwrites them (a recognisable pattern).
GUARD_PATTERN = 0xA5

# Who wrote each byte of the output slot: a frame's serial (>= 0, ``HostStack.writes``) or:
NEVER_WRITTEN = -1  #: uninitialised stack: nothing wrote it since the dext started
GUARD_FILL = -2  #: the stack's own bytes above the struct, untouched
DEXT_WRITE = -3  #: the dext's store of packet_size
ZEROED = -4  #: cleared by the safe GetPacket

_SIZE_START, _SIZE_END = field_range(GetPacket_Output, "packet_size")
_ZERO_STRUCT = bytes(GET_PACKET_OUTPUT_SIZE)
#: A BatchRecord's header packed in one step (uint32_t packet_size, uint32_t reserved, as the
#: dtype in vethlab.structs says), and the zeros that pad a record.
_RECORD_HEADER = struct.Struct("<II")
assert _RECORD_HEADER.size == BatchRecord.itemsize, "BatchRecord changed: update _RECORD_HEADER"
_PADDING = bytes(BATCH_ALIGNMENT)


# =========================================================================================
# The output struct in the dext's memory
# =========================================================================================

class OutputSlot:
    """The dext's ``GetPacket_Output output;``: a local on the stack of the thread serving
    ``ExternalMethod``, at the same address every call (modelled: same call depth), never
    cleared unless the code clears it, with ``guard`` bytes of stack above it and then the end
    of the stack's mapping (a write past it faults)."""

    def __init__(self, task, guard: int = DEFAULT_GUARD, *, track: bool = True) -> None:
        if not isinstance(guard, int) or guard < 0:
            raise BadArgument(f"guard {guard!r} is not a byte count; allowed: 0 or more")
        self.task = task
        #: whether ``owner`` follows every write (off: the bytes are the same, only faster)
        self.track = track
        self.guard = guard
        self.size = GET_PACKET_OUTPUT_SIZE + guard
        stack = IOBufferMemoryDescriptor.Create(kIOMemoryDirectionInOut, self.size, task=task)
        base = stack.GetAddressRange().address
        #: the stack's top: the first address past its mapping
        self.end = base + round_up(self.size, task.mac.page_size)
        #: the struct's address (the same every call)
        self.address = self.end - self.size
        self.memory = task.view(self.address, self.size, "write")  # the slot's bytes, no copy
        self.memory[GET_PACKET_OUTPUT_SIZE:] = GUARD_PATTERN
        self._packet_size = self.memory[_SIZE_START:_SIZE_END].view("<u4")  # the field, in place
        self._struct = self.memory[:GET_PACKET_OUTPUT_SIZE]
        # The same bytes again, as a memoryview: storing a few hundred bytes through it costs
        # about half what a numpy slice assignment does (the slot is written once per call).
        self._bytes = memoryview(self.memory)
        self.owner = np.full(self.size, NEVER_WRITTEN, dtype=np.int64)
        self.owner[GET_PACKET_OUTPUT_SIZE:] = GUARD_FILL

    def store_packet_size(self, value: int) -> None:
        """``output.packet_size = value;``"""
        self._packet_size[0] = value
        if self.track:
            self.owner[_SIZE_START:_SIZE_END] = DEXT_WRITE

    def bzero(self) -> None:
        """``GetPacket_Output output = {};`` (or ``bzero(&output, sizeof(output))``)."""
        self._bytes[:GET_PACKET_OUTPUT_SIZE] = _ZERO_STRUCT
        if self.track:
            self.owner[:GET_PACKET_OUTPUT_SIZE] = ZEROED

    def memcpy(self, source: int, length: int, serial: int) -> None:
        """``memcpy(output.packet_data, (void *)source, length)`` with no bound: reads
        ``length`` bytes at ``source`` in the dext (a fault if unmapped) and writes them from the
        struct's first byte on; what does not fit before the stack's end is written up to it,
        then the copy faults."""
        data = self.task.view(source, length, "read")
        room = length if length <= self.size else self.size
        self._bytes[:room] = data if room == length else data[:room]
        if self.track:
            self.owner[:room] = serial
        if length > room:
            raise SimulatedFault(self.task, self.end, length - room, "write",
                                 f"memcpy of {length} bytes into packet_data[{GET_PACKET_DATA_SIZE}] "
                                 f"ran past the end of the dext's stack")

    def struct_bytes(self) -> bytes:
        """``&output, sizeof(GetPacket_Output)``: the struct's 1604 bytes as they are now."""
        return self._struct.tobytes()


@dataclass(frozen=True)
class GetPacketRecord:
    """What one GetPacket call did in the dext: the frame, the output it returned, and who wrote
    each byte of the output slot (``owner``: a frame serial, or ``NEVER_WRITTEN``,
    ``GUARD_FILL``, ``DEXT_WRITE``, ``ZEROED``) when the call ended."""

    variant: str
    packet: int
    serial: int
    frame_length: int
    packet_size_written: int
    output: bytes  # the 1604 bytes sent to the app (b"" when the call failed)
    owner: np.ndarray = field(repr=False)
    guard: int = DEFAULT_GUARD
    kr: int = kIOReturnSuccess
    fault: str | None = None

    @property
    def packet_size_returned(self) -> int | None:
        """The ``packet_size`` the app received (None if it received nothing)."""
        if not self.output:
            return None
        return unpack_get_packet_output(self.output)[1]

    @property
    def copied(self) -> int:
        """Bytes the memcpy wrote into the slot."""
        return int(np.count_nonzero(self.owner == self.serial))

    def overwritten(self) -> list[tuple[int, int, str]]:
        """The struct-relative byte ranges the copy wrote beyond ``packet_data``, by region:
        ``"packet_size"``, ``"after the struct"`` (the guard bytes), ``"past the stack"`` (not
        written: the fault)."""
        if self.variant != "question" or self.frame_length <= GET_PACKET_DATA_SIZE:
            return []
        end = self.frame_length
        regions = [("packet_size", _SIZE_START, _SIZE_END),
                   ("after the struct", GET_PACKET_OUTPUT_SIZE, GET_PACKET_OUTPUT_SIZE + self.guard),
                   ("past the stack", GET_PACKET_OUTPUT_SIZE + self.guard, end)]
        return [(max(lo, GET_PACKET_DATA_SIZE), min(hi, end), name) for name, lo, hi in regions
                if min(hi, end) > max(lo, GET_PACKET_DATA_SIZE)]

    def origins(self, start: int = 0, end: int | None = None) -> list[tuple[int, int, str, int | None]]:
        """Runs ``(start, end, kind, serial)`` of the output slot's bytes ``[start, end)``
        (default: the 1604 bytes of the struct). ``kind``: "frame" (this call's frame),
        "stale" (an earlier frame, ``serial`` says which), "packet_size" (the dext's own
        store), "zeroed", "uninitialised", "guard"."""
        end = GET_PACKET_OUTPUT_SIZE if end is None else end
        owner = self.owner[start:end]
        if len(owner) == 0:
            return []
        cuts = np.flatnonzero(np.diff(owner)) + 1
        runs = []
        for lo, hi in zip(np.r_[0, cuts], np.r_[cuts, len(owner)]):
            who = int(owner[lo])
            kind = ("frame" if who == self.serial else "stale" if who >= 0 else
                    {DEXT_WRITE: "packet_size", ZEROED: "zeroed", NEVER_WRITTEN: "uninitialised",
                     GUARD_FILL: "guard"}[who])
            runs.append((start + int(lo), start + int(hi), kind, who if who >= 0 else None))
        return runs

    def leaked(self) -> list[tuple[int, int, int]]:
        """``(start, end, serial)`` of the output bytes that belong to earlier frames."""
        if not self.output:
            return []
        return [(lo, hi, s) for lo, hi, kind, s in self.origins() if kind == "stale"]

    @property
    def leaked_bytes(self) -> int:
        return sum(hi - lo for lo, hi, _ in self.leaked())


# =========================================================================================
# Selector implementations, as the C++ would read
# =========================================================================================

def get_packet_question(dext: "PacketDext", arguments: IOUserClientMethodArguments) -> None:
    """The question's GetPacket (reported), both bugs kept. C++::

        IOUserNetworkPacket *packet = ivars->m_provider->getPacket();
        GetPacket_Output output;                      // stack memory, never cleared
        output.packet_size = packet->getDataLength();
        uint64_t address = /* one of the three address methods */;
        memcpy(output.packet_data, (void *)address, packet->getDataLength());  // unbounded
        in_arguments->structureOutput = OSData::withBytes(&output, sizeof(GetPacket_Output));
    """
    packet = dext.getPacket()
    slot = dext.slot
    length = packet.getDataLength()
    fault = None
    output = b""
    try:
        slot.store_packet_size(length)
        address = dext.frame_address(packet)
        slot.memcpy(address, length, dext.serial_of(packet))
        output = slot.struct_bytes()
        arguments.structureOutput = OSData(output)
    except SimulatedFault as err:
        fault = str(err)
        raise
    finally:
        dext.log(packet, "question", length, length, output, fault)
        dext.recycle(packet)


def get_packet_safe(dext: "PacketDext", arguments: IOUserClientMethodArguments) -> None:
    """A safe GetPacket. C++::

        uint32_t length = packet->getDataLength();
        if (length > sizeof(output.packet_data)) { drop it; return kIOReturnMessageTooLarge; }
        GetPacket_Output output = {};                 // cleared: nothing stale can leave
        memcpy(output.packet_data, (void *)address, length);
        output.packet_size = length;
        in_arguments->structureOutput = OSData::withBytes(&output, sizeof(GetPacket_Output));
    """
    packet = dext.getPacket()
    slot = dext.slot
    length = packet.getDataLength()
    if length > GET_PACKET_DATA_SIZE:
        dext.dropped += 1
        dext.recycle(packet)
        raise IOReturnError(kIOReturnMessageTooLarge,
                            f"a frame of {length} bytes does not fit packet_data"
                            f"[{GET_PACKET_DATA_SIZE}]; packet {packet.index} dropped")
    fault = None
    output = b""
    try:
        slot.bzero()
        slot.memcpy(dext.frame_address(packet), length, dext.serial_of(packet))
        slot.store_packet_size(length)
        output = slot.struct_bytes()
        arguments.structureOutput = OSData(output)
    except SimulatedFault as err:
        fault = str(err)
        raise
    finally:
        dext.log(packet, "safe", length, length, output, fault)
        dext.recycle(packet)


_GET_PACKET = {"question": get_packet_question, "safe": get_packet_safe}


# =========================================================================================
# The user client
# =========================================================================================

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
            _get_packet, checkStructureOutputSize=GET_PACKET_OUTPUT_SIZE),
        kGetPackets: IOUserClientMethodDispatch(
            _get_packets, checkScalarOutputCount=3, checkStructureOutputSize=_VAR),
        kRegisterFrameCallback: IOUserClientMethodDispatch(_register_frame_callback,
                                                           checkCompletionExists=1),
        kCompleteFrames: IOUserClientMethodDispatch(_complete_frames, checkScalarInputCount=1),
    }

    def __init__(self, provider: "PacketDext") -> None:
        super().__init__(provider)
        self.callback = None  # the retained OSAction of RegisterCallback
        self.frame_callback = None  # the retained OSAction of RegisterFrameCallback
        self.lent: deque[IOUserNetworkPacket] = deque()  # packets whose frames the app is reading

    def ExternalMethod(self, selector, arguments, dispatch=None, target=None, reference=None):
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
        _GET_PACKET[dext.get_packet](dext, arguments)

    def GetPackets(self, arguments):
        """As many pending frames as fit the caller's buffer, as ``BatchRecord``s. Scalar
        outputs: records, bytes used, packets still pending."""
        dext = self.provider
        if not dext.pending:
            raise IOReturnError(kIOReturnNoFrames, "GetPackets: no packet is pending")
        capacity = arguments.structureOutputMaximumSize
        first = batch_record_size(dext.pending[0].getDataLength())
        if first > capacity:
            raise IOReturnError(kIOReturnNoSpace, f"the next frame needs a {first}-byte record; "
                                                  f"the buffer holds {capacity}")
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
            raise BadArgument(f"memory type {type} is unknown; allowed: {kPoolMemoryType} (the pool)")
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
            pending, offset_of, lent_state = dext.pending, dext.frame_pool_offset, PacketState.APP
            action, per = self.frame_callback, FRAMES_PER_NOTIFICATION
            while pending:
                chunk = [pending.popleft() for _ in range(min(per, len(pending)))]
                values = []
                for packet in chunk:
                    packet.state = lent_state
                    values += (offset_of(packet), packet.getDataLength())
                self.lent.extend(chunk)
                self.AsyncCompletion(action, kIOReturnSuccess, values, len(values))
        elif self.callback is not None:
            self.AsyncCompletion(self.callback, kIOReturnSuccess, [len(dext.pending)], 1)


# =========================================================================================
# The dext
# =========================================================================================

_POOL_BASES = {  # the base each address method's addresses are relative to, in the dext
    "first_attempt": lambda d: d.pool_map.address_of(0),
    "question_fix": lambda d: d.packet_buffer_addr,
    "current_api": lambda d: d.pool.dext_mapping.address_of(0),
}


class PacketDext(QuestionDext):
    """The question's driver with its user client: a normal pool (``CreateWithOptions``,
    ``PoolFlagMapToDext``; ``buffer_size`` 9000 by default so jumbo frames fit), a host stack
    that puts frames into packets, and the packets it has not yet given to its app.

    ``get_packet``: "question" or "safe" (see the module docstring). ``address_method``: a
    key of ``vethlab.question.METHODS``. ``allow_any_app`` gives the dext
    ``allow-any-userclient-access``. ``keep_records``: how many GetPacket records to keep.
    """

    bundle_identifier = "com.example.FooDriver"
    entitlements = {ENTITLEMENT_DRIVERKIT: True,
                    "com.apple.developer.driverkit.family.networking": True}
    USER_CLIENT_CLASS = PacketUserClient

    def __init__(self, mac: Mac, *, buffer_size: int = 9000, packets: int = 64,
                 get_packet: str = "question", address_method: str = "current_api",
                 allow_any_app: bool = False, guard: int = DEFAULT_GUARD,
                 keep_records: int = 64) -> None:
        if get_packet not in GET_PACKET_VARIANTS:
            raise BadArgument(f"get_packet {get_packet!r} is unknown; allowed: "
                              f"{', '.join(GET_PACKET_VARIANTS)}")
        if address_method not in METHODS:
            raise BadArgument(f"address_method {address_method!r} is unknown; allowed: "
                              f"{', '.join(METHODS)}")
        super().__init__(mac, buffer_size, packets, api="current")
        self.get_packet = get_packet
        self.address_method = address_method
        self.guard = guard
        self.keep_records = keep_records
        if allow_any_app:
            self.entitlements = {**type(self).entitlements, ENTITLEMENT_ALLOW_ANY_USERCLIENT_ACCESS: True}

    def Start(self, provider=None) -> None:
        super().Start(provider)
        self.host = HostStack(self.pool)
        #: packets the network stack handed over and no app has taken yet, oldest first
        self.pending: deque[IOUserNetworkPacket] = deque()
        self.slot = OutputSlot(self.task, self.guard, track=self.keep_records > 0)
        self.clients: list[PacketUserClient] = []
        self.records: deque[GetPacketRecord] = deque(maxlen=max(self.keep_records, 0))
        self.dropped = 0
        self._serials: dict[int, int] = {}
        self._address = METHODS[self.address_method].function
        self._pool_base = _POOL_BASES[self.address_method](self)

    def NewUserClient(self, type: int) -> PacketUserClient:
        """``NewUserClient(type, &client)``: type 0 only; the client is created and started."""
        if type != 0:
            raise BadArgument(f"user client type {type} is unknown; allowed: 0")
        client = self.USER_CLIENT_CLASS(self)
        client.Start(self)
        self.clients.append(client)
        return client

    # -- the network side -------------------------------------------------------------
    def transmit(self, frames, *, headroom: int | None = None,
                 data_offset: int | None = None) -> list[IOUserNetworkPacket]:
        """The host stack sends ``frames``: each goes into a packet, handed to the dext."""
        if self.crash is not None:
            raise IOReturnError(kIOReturnNotResponding, f"the dext crashed: {self.crash}")
        packets = self.fill(frames, headroom=headroom, data_offset=data_offset)
        self.hand_over(packets)
        return packets

    def fill(self, frames, *, headroom: int | None = None,
             data_offset: int | None = None) -> list[IOUserNetworkPacket]:
        """The host stack's half of ``transmit``: frames into packets (not handed over yet)."""
        packets = []
        for frame in frames:
            packet = self.host.transmit(frame, headroom=headroom, data_offset=data_offset)
            self._serials[packet.index] = self.host.writes[-1].serial
            packets.append(packet)
        return packets

    def hand_over(self, packets) -> None:
        """The dext's half of ``transmit``: the packets become pending; apps are told."""
        self.pending.extend(packets)
        self.packets_available()

    def packets_available(self) -> None:
        """Tell the apps: a client that registered for frames gets them all, as pairs; else
        each client with a callback gets the pending count."""
        for client in self.clients:
            if client.frame_callback is not None and client.state is UserClientState.OPEN:
                client.notify()
                return
        for client in list(self.clients):
            client.notify()

    # -- what the selectors use ---------------------------------------------------------
    def getPacket(self) -> IOUserNetworkPacket:
        """``ivars->m_provider->getPacket()``: the oldest pending packet."""
        return self.pending.popleft()

    def frame_address(self, packet: IOUserNetworkPacket) -> int:
        """Where the dext looks for ``packet``'s frame: the chosen address method."""
        return self._address(self, packet)

    def frame_pool_offset(self, packet: IOUserNetworkPacket) -> int:
        """The frame's offset in the pool's memory as the dext computes it (its address minus
        the base of the mapping the address method uses), as a uint64_t."""
        return (self._address(self, packet) - self._pool_base) % (1 << 64)

    def serial_of(self, packet: IOUserNetworkPacket) -> int:
        """The host's serial of the frame ``packet`` holds (``HostStack.writes``)."""
        return self._serials.get(packet.index, -1)

    def write_batch(self, out: np.ndarray, capacity: int) -> tuple[int, int]:
        """Copy pending frames into ``out`` as batch records until the next does not fit;
        recycle their packets. Returns ``(records, bytes used)``."""
        used = 0
        done = []
        records = bytearray()  # built here, then stored into ``out`` with one copy
        pending, header, view = self.pending, BatchRecord.itemsize, self.task.view
        address = self._address
        try:
            while pending:
                packet = pending[0]
                length = packet.getDataLength()
                size = header + -(-length // BATCH_ALIGNMENT) * BATCH_ALIGNMENT
                if used + size > capacity:
                    break
                records += _RECORD_HEADER.pack(length, 0)  # packet_size, reserved
                records += view(address(self, packet), length, "read").data  # no extra copy
                records += _PADDING[: size - header - length]
                pending.popleft()
                done.append(packet)
                used += size
        finally:
            out[:used] = np.frombuffer(records, np.uint8)
            self.recycle_many(done)
        return len(done), used

    def recycle(self, packet: IOUserNetworkPacket) -> None:
        """Give a sent packet back to the pool (its buffer keeps the frame's bytes)."""
        self.pool.DeallocatePacket(packet)

    def recycle_many(self, packets) -> None:
        if packets:
            self.pool.DeallocatePackets(packets)

    def log(self, packet, variant, length, size_written, output, fault) -> None:
        if self.records.maxlen:
            self.records.append(GetPacketRecord(
                variant, packet.index, self.serial_of(packet), length, size_written, output,
                self.slot.owner.copy(), self.guard, kIOReturnSuccess if fault is None else
                kIOReturnNotResponding, fault))


# =========================================================================================
# The app
# =========================================================================================

class QuestionApp:
    """The controlling app in one of the three designs (``DESIGNS``). ``open()`` connects and
    registers; ``run()`` lets the notifications that arrived run and returns how many frames
    they brought; every frame goes to ``on_frame`` (default: appended to ``received``).

    By default the app is entitled to the dext (``userclient-access`` naming its bundle id);
    pass ``entitlements={}`` to see ``kIOReturnNotPermitted``.
    """

    def __init__(self, dext: PacketDext, design: str = "per_packet", *, name: str = "FooApp",
                 entitlements: dict | None = None, batch_bytes: int = 65536, on_frame=None,
                 keep_outputs: int = 64, trace_limit: int = 256) -> None:
        if design not in DESIGNS:
            raise BadArgument(f"design {design!r} is unknown; allowed: {', '.join(DESIGNS)}")
        if entitlements is None:
            entitlements = {ENTITLEMENT_USERCLIENT_ACCESS: [dext.bundle_identifier]}
        self.dext = dext
        self.design = design
        self.app = App(dext.mac, name, bundle_identifier=f"com.example.{name}",
                       entitlements=entitlements, trace_limit=trace_limit)
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
        reference[kIOAsyncCalloutFuncIndex] = (self.on_frames_ready if self.design == "shared_mapping"
                                               else self.on_packets_available)
        reference[kIOAsyncCalloutRefconIndex] = self
        if self.design == "shared_mapping":
            kr, self.pool_address, self.pool_size = IOConnectMapMemory64(
                self.connect, kPoolMemoryType, self.app, 0, kIOMapAnywhere | kIOMapReadOnly)
            if kr != kIOReturnSuccess:
                return self._failed(kr)
            self._pool_view = self.app.task.view(self.pool_address, self.pool_size)
            kr, _ = IOConnectCallAsyncScalarMethod(self.connect, kRegisterFrameCallback, self.port,
                                                   reference)
        else:
            kr, _ = IOConnectCallAsyncStructMethod(self.connect, kRegisterCallback, self.port,
                                                   reference)
        return kr if kr == kIOReturnSuccess else self._failed(kr)

    def run(self) -> int:
        """Run the notifications waiting on the dispatch queue; return frames received."""
        self._count = 0
        self.queue.drain()
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
        call, connect = IOConnectCallStructMethod, self.connect
        keep, deliver = self.outputs.append, self.on_frame
        while True:
            kr, out = call(connect, kGetPacket, None, GET_PACKET_OUTPUT_SIZE)
            if kr == kIOReturnNoFrames:
                return
            if kr != kIOReturnSuccess:
                self._failed(kr)
                if kr == kIOReturnMessageTooLarge:
                    continue  # that frame was dropped; the others wait
                return
            keep(out)
            # The app trusts packet_size (as C code copying out.packet_size bytes would); a
            # size over 1600 can only come from the overflow: the app keeps the 1600 it has.
            self._count += 1
            deliver(frame_of_output(out))

    def _get_batches(self):
        while True:
            kr, scalars, out = IOConnectCallMethod(self.connect, kGetPackets, (), None, 3,
                                                   self.batch_bytes)
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

    def on_frames_ready(self, refcon, result, args, count):
        view, size, deliver = self._pool_view, self.pool_size, self.on_frame
        pairs = count // 2
        for offset, length in zip(args[0 : 2 * pairs : 2], args[1 : 2 * pairs : 2]):
            end = offset + length
            if end > size:  # a pair outside the mapping: never read it
                self.rejected += 1
                pairs -= 1
            else:
                deliver(view[offset:end].tobytes())
        self._count += pairs
        self._unacknowledged += count // 2

    def _failed(self, kr: int) -> int:
        self.errors.append(kr)
        return kr

    def error_names(self) -> list[str]:
        return [IOReturnName(kr) for kr in self.errors]


# =========================================================================================
# Whole runs
# =========================================================================================

_UDP_OVERHEAD = 14 + 20 + 8  # Ethernet, IPv4 and UDP headers
_MIN_FRAME = 60  # Ethernet's minimum without the FCS


def frame_of_length(length: int, index: int = 0) -> bytes:
    """A real UDP frame (host to app) of exactly ``length`` bytes (60 .. 9018), its payload
    repeating ``"frame <index> "`` so that stale copies show whose they were."""
    if isinstance(length, bool) or not isinstance(length, int) or not _MIN_FRAME <= length <= MAX_FRAME_LEN:
        raise BadArgument(f"frame length {length!r} is out of range; allowed: {_MIN_FRAME}..{MAX_FRAME_LEN}")
    unit = f"frame {index} ".encode()
    size = length - _UDP_OVERHEAD
    frame = udp_datagram(HOST, APP, 5000 + index % 1000, 5000, (unit * (size // len(unit) + 1))[:size])
    assert len(frame) == length, (len(frame), length)
    return frame

@dataclass
class Delivery:
    """One run: the frames the host sent, what the app received, and the objects involved."""

    design: str
    sent: list[bytes]
    app: QuestionApp
    dext: PacketDext
    open_kr: int

    @property
    def received(self) -> list[bytes]:
        return self.app.received

    @property
    def identical(self) -> bool:
        """Every frame arrived, in order, byte for byte."""
        return self.received == self.sent


def deliver(frames=None, design: str = "per_packet", *, get_packet: str = "safe",
            address_method: str = "current_api", profile="apple-silicon", segment_size=None,
            seed: int = 0, quirk: bool = False, buffer_size: int = 9000, packets: int = 32,
            headroom: int = 8, data_offset: int | None = None, guard: int = DEFAULT_GUARD,
            entitlements: dict | None = None, close: bool = True) -> Delivery:
    """Boot a Mac, start the dext, open the app in ``design`` and send ``frames`` (default:
    64 mixed frames of standard sizes) through it, ``packets`` at a time."""
    if frames is None:
        frames = mixed_frames(64, seed=seed)
    frames = [bytes(f) for f in frames]
    mac = Mac(profile, segment_size, seed, requested_stride_quirk=quirk)
    dext = PacketDext(mac, buffer_size=buffer_size, packets=packets, get_packet=get_packet,
                      address_method=address_method, guard=guard)
    dext.Start()
    app = QuestionApp(dext, design, entitlements=entitlements)
    kr = app.open()
    if kr == kIOReturnSuccess:
        for start in range(0, len(frames), packets):
            if dext.crash is not None:
                break
            dext.transmit(frames[start : start + packets], headroom=headroom, data_offset=data_offset)
            app.run()
            if dext.pool.free_count < packets:  # the app left packets behind: stop here
                break
        if close:
            app.close()
    return Delivery(design, frames, app, dext, kr)


def compare_designs(frames=None, **options) -> dict[str, Delivery]:
    """The same frames through the three designs (``deliver`` options apply to each)."""
    return {design: deliver(frames, design, **options) for design in DESIGNS}
