"""The question, as a scenario you can run: three ways a dext looks for a frame.

A developer's virtual Ethernet dext must copy each outgoing frame to its app. The frame is
somewhere in the packet buffer pool's memory. The story, step by step:

1. The pool is created with ``bufferSize`` 1600; the pool silently uses 2048-byte buffers
   (XNU's size rule, see ``vethlab.model.layout``).
2. **First attempt**: map the pool's memory descriptor and add ``GetMemorySegmentOffset()`` to
   the mapping's address. With the reported quirk on, segment offsets use the requested stride
   (1600) while the bytes sit at the real one (2048), and nothing adds the headroom: packet i is
   read ``i × 448 + headroom`` bytes before its frame. Only packet 0 with headroom 0 is right.
3. **The question's fix**: ``bufferSize`` 2048, and mapping address + segment offset +
   ``GetHeadroom()``. Right for every packet while the data offset equals the headroom; wrong
   by their difference otherwise (a native-flow packet has data offset 2).
4. **Today's API**: ``getDataVirtualAddress() + getDataOffset()`` on a pool created with
   ``PoolFlagMapToDext``. Right for every packet, whatever the sizes, quirk or data offset.

Each method is written below as the C++ would be, line for line, so you can carry it back.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from vethlab.driverkit.service import IOService
from vethlab.ioreturn import BadArgument
from vethlab.model.layout import PoolLayout
from vethlab.model.machine import Boot
from vethlab.model.memory import Mac, SimulatedFault
from vethlab.networkingdriverkit.packet import IOUserNetworkPacket
from vethlab.networkingdriverkit.pool import (
    IOUserNetworkPacketBufferPool,
    IOUserNetworkPacketBufferPoolOptions,
    PoolFlagMapToDext,
)
from vethlab.wire.frames import (
    NEIGHBOR_SOLICITATION_LEN,
    STANDARD_MAX_FRAME_LEN,
    mixed_frames,
)
from vethlab.wire.host import HostStack

__all__ = [
    "QuestionDext",
    "Reading",
    "MethodResult",
    "QuestionReport",
    "METHODS",
    "first_attempt",
    "question_fix",
    "current_api",
    "run_question",
    "read_packet",
    "fill_pool",
    "frame_room",
]


class QuestionDext(IOService):
    """The question's driver, as far as the pool goes: a pool of ``packets`` packets of
    ``buffer_size`` bytes, and the pool's memory mapped into the dext.

    ``api="question"`` creates the pool with the deprecated ``Create`` (no flags, as in the
    question) and maps it twice, once with ``CreateMapping`` (the first attempt) and once with
    ``Map(…, IOVMPageSize)`` (the fix). ``api="current"`` uses ``CreateWithOptions`` with
    ``PoolFlagMapToDext`` so that packets know their own addresses.
    """

    def __init__(
        self,
        mac: Mac,
        buffer_size: int = 1600,
        packets: int = 32,
        api: str = "question",
        buffers: int | None = None,
    ) -> None:
        if api not in ("question", "current"):
            raise BadArgument(f"api {api!r} is unknown; allowed: 'question', 'current'")
        super().__init__(mac, "dext")
        self.buffer_size = buffer_size
        self.packet_count = packets
        self.buffer_count = packets if buffers is None else buffers
        self.api = api

    def Start(self, provider=None) -> None:
        super().Start(provider)
        if self.api == "current":
            options = IOUserNetworkPacketBufferPoolOptions(
                packetCount=self.packet_count,
                bufferCount=self.buffer_count,
                bufferSize=self.buffer_size,
                maxBuffersPerPacket=1,
                poolFlags=PoolFlagMapToDext,
            )
            self.pool = IOUserNetworkPacketBufferPool.CreateWithOptions(self, "FooBuffer", options)
        else:
            self.pool = IOUserNetworkPacketBufferPool.Create(
                self, "FooBuffer", self.packet_count, self.buffer_count, self.buffer_size
            )
        self.pool_md = self.pool.CopyMemoryDescriptor()
        self.pool_map = self.pool_md.CreateMapping(0, 0, 0, 0, 0)
        self.packet_buffer_addr, self.packet_buffer_length = self.pool_md.Map(
            0, 0, 0, self.mac.page_size
        )


# -- the three methods, as the C++ would read ---------------------------------------------


def first_attempt(dext: QuestionDext, packet: IOUserNetworkPacket) -> int:
    """The question's first attempt: the pool mapping's address plus the segment offset.

    C++::  address = map->GetAddress() + packet->getMemorySegmentOffset();
    """
    return dext.pool_map.GetAddress() + packet.GetMemorySegmentOffset()


def question_fix(dext: QuestionDext, packet: IOUserNetworkPacket) -> int:
    """The question's fix (with bufferSize 2048): mapped base + segment offset + headroom.

    C++::  buffer = packet_buffer_addr + packet_offset + packet_head;
    """
    packet_head = packet.GetHeadroom()
    packet_offset = packet.GetMemorySegmentOffset()
    return dext.packet_buffer_addr + packet_offset + packet_head


def current_api(dext: QuestionDext, packet: IOUserNetworkPacket) -> int:
    """Today's API, as Apple's sample does it: the buffer base plus the data offset.

    C++::  frame = packet->getDataVirtualAddress() + packet->getDataOffset();
    """
    return packet.getDataVirtualAddress() + packet.getDataOffset()


@dataclass(frozen=True)
class MethodSpec:
    key: str
    title: str
    cpp: str
    buffer_size: int | None  # None: the scenario's requested size
    api: str
    function: object = field(repr=False)
    provenance: str = ""


METHODS: dict[str, MethodSpec] = {
    "first_attempt": MethodSpec(
        "first_attempt",
        "the question's first attempt",
        "map->GetAddress() + packet->getMemorySegmentOffset()",
        None,
        "question",
        first_attempt,
        "reported: segment offsets with the requested stride",
    ),
    "question_fix": MethodSpec(
        "question_fix",
        "the question's fix (bufferSize 2048)",
        "packet_buffer_addr + packet_offset + packet_head",
        2048,
        "question",
        question_fix,
        "reported: the fix that worked for the question's author",
    ),
    "current_api": MethodSpec(
        "current_api",
        "today's API (PoolFlagMapToDext)",
        "packet->getDataVirtualAddress() + packet->getDataOffset()",
        None,
        "current",
        current_api,
        "observed: Apple's sample and real dexts",
    ),
}


@dataclass(frozen=True)
class Reading:
    """What one method read for one packet, against where the frame really is."""

    index: int
    read_address: int
    read_offset: int | None  # pool offset read (None: the address is not in the pool)
    frame_offset: int  # pool offset of the frame's first byte
    offset_error: int | None  # read_offset - frame_offset
    data_length: int
    bytes_match: bool
    read: bytes = field(repr=False, default=b"")
    frame: bytes = field(repr=False, default=b"")
    fault: str | None = None

    def to_json(self) -> dict:
        d = asdict(self)
        del d["read"], d["frame"]
        return d


@dataclass
class MethodResult:
    """One method run over every packet of its own pool."""

    spec: MethodSpec
    dext: QuestionDext
    host: HostStack
    readings: list[Reading]

    @property
    def pool(self) -> IOUserNetworkPacketBufferPool:
        return self.dext.pool

    @property
    def all_match(self) -> bool:
        return all(r.bytes_match for r in self.readings)

    def to_json(self) -> list[dict]:
        return [r.to_json() for r in self.readings]


@dataclass
class QuestionReport:
    """The scenario's result: one :class:`MethodResult` per method, and its parameters."""

    parameters: dict
    methods: dict[str, MethodResult]

    def to_json(self) -> dict:
        return {
            "parameters": self.parameters,
            "layouts": {k: m.pool.layout.summary() for k, m in self.methods.items()},
            "methods": {k: m.to_json() for k, m in self.methods.items()},
            "all_match": {k: m.all_match for k, m in self.methods.items()},
        }


def run_method(
    key: str,
    *,
    profile="apple-silicon",
    segment_size=None,
    seed=0,
    buffer_size=1600,
    packets=32,
    headroom=8,
    data_offset=None,
    quirk=True,
    frames=None,
) -> MethodResult:
    """Run one method: boot a Mac, start the dext, let the host stack send frames (a first
    round that is recycled, leaving stale bytes, then the round that is read), and read every
    packet with the method."""
    spec = _method(key)
    mac = Mac(profile, segment_size, seed, requested_stride_quirk=quirk)
    dext = QuestionDext(mac, spec.buffer_size or buffer_size, packets, spec.api)
    dext.Start()
    host = HostStack(dext.pool)
    room = frame_room(dext.pool, headroom, data_offset)
    if frames is None:
        frames = mixed_frames(packets, seed=seed, max_len=room)
    stale = mixed_frames(packets, seed=seed + 1, max_len=min(room, STANDARD_MAX_FRAME_LEN))
    sent = fill_pool(host, frames, stale, headroom=headroom, data_offset=data_offset)
    readings = [_read(dext, spec.function, p) for p in sent]
    return MethodResult(spec, dext, host, readings)


def frame_room(
    pool: IOUserNetworkPacketBufferPool, headroom: int, data_offset: int | None = None
) -> int:
    """The longest frame the host may send into ``pool``: at most a standard 1514-byte frame,
    and no more than a real buffer holds past the data offset. ``BadArgument`` when the buffers
    cannot hold even the host's smallest frames."""
    start = max(headroom, headroom if data_offset is None else data_offset)
    room = pool.layout.buffer_size - start
    if room < NEIGHBOR_SOLICITATION_LEN:
        raise BadArgument(
            f"bufferSize {pool.layout.requested_buffer_size} gives {pool.layout.buffer_size}-byte "
            f"buffers: past a data offset of {start} they hold {room} bytes, fewer than the host's "
            f"smallest frames need ({NEIGHBOR_SOLICITATION_LEN} bytes)"
        )
    return min(room, STANDARD_MAX_FRAME_LEN)


def fill_pool(
    host: HostStack, frames, stale_frames, *, headroom: int, data_offset: int | None = None
) -> list[IOUserNetworkPacket]:
    """Fill the pool the way the scenario does: the host sends ``stale_frames`` and the dext
    recycles them (their bytes stay in the buffers: the "junk" of later wrong reads), then the
    host sends ``frames``, whose packets are returned for reading."""
    old = [host.transmit(f, headroom=headroom) for f in stale_frames]
    host.pool.DeallocatePackets(old)
    return [host.transmit(f, headroom=headroom, data_offset=data_offset) for f in frames]


def _method(key: str) -> MethodSpec:
    try:
        return METHODS[key]
    except KeyError:
        raise BadArgument(f"method {key!r} is unknown; allowed: {', '.join(METHODS)}") from None


def run_question(
    *,
    profile="apple-silicon",
    segment_size=None,
    seed=0,
    buffer_size=1600,
    packets=32,
    headroom=8,
    data_offset=None,
    quirk=True,
) -> QuestionReport:
    """Run all three methods with the same frames; see the module docstring for the story."""
    params = dict(
        profile=str(profile),
        segment_size=segment_size,
        seed=seed,
        buffer_size=buffer_size,
        packets=packets,
        headroom=headroom,
        data_offset=headroom if data_offset is None else data_offset,
        quirk=quirk,
    )
    fix_layout = PoolLayout.plan(
        Boot(profile, segment_size, seed), METHODS["question_fix"].buffer_size, packets
    )
    asked_layout = PoolLayout.plan(Boot(profile, segment_size, seed), buffer_size, packets)
    smallest = min(fix_layout.buffer_size, asked_layout.buffer_size)
    start = max(headroom, headroom if data_offset is None else data_offset)
    frames = mixed_frames(
        packets,
        seed=seed,
        max_len=max(NEIGHBOR_SOLICITATION_LEN, min(STANDARD_MAX_FRAME_LEN, smallest - start)),
    )
    methods = {
        key: run_method(
            key,
            profile=profile,
            segment_size=segment_size,
            seed=seed,
            buffer_size=buffer_size,
            packets=packets,
            headroom=headroom,
            data_offset=data_offset,
            quirk=quirk,
            frames=frames,
        )
        for key in METHODS
    }
    params["segment_size"] = methods["first_attempt"].pool.layout.boot_segment_size
    return QuestionReport(params, methods)


def read_packet(dext: QuestionDext, method, packet: IOUserNetworkPacket) -> Reading:
    """What ``method`` (a key of :data:`METHODS` or one of the three functions) reads for
    ``packet`` in ``dext``, against where its frame is: the pool offset the address shows, the
    error in bytes, or the simulated fault."""
    if isinstance(method, str):
        method = _method(method).function
    return _read(dext, method, packet)


def _read(dext: QuestionDext, method, packet: IOUserNetworkPacket) -> Reading:
    address = method(dext, packet)
    length = packet.getDataLength()
    frame = packet.frame_bytes()
    mapping = dext.task.space.find(address)
    read_offset = None
    if mapping is not None and mapping.descriptor is dext.pool_md:
        read_offset = mapping.offset_of(address)
    try:
        data = dext.task.read(address, length)
        fault = None
    except SimulatedFault as err:
        data, fault = b"", str(err)
    error = None if read_offset is None else read_offset - packet.frame_offset()
    return Reading(
        packet.index,
        address,
        read_offset,
        packet.frame_offset(),
        error,
        length,
        data == frame,
        data,
        frame,
        fault,
    )
