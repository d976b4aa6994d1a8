"""The matrix of cases an answer runs in, and the simulated dext behind each one.

A case is one packet of one pool on one Mac, read by one dext. Its parameters are the ones
that make the traps show (``vethlab.traps``):

==========================  ==========================================================
``profile``                 Apple silicon or Intel (page size, cache line)
``boot_segment_size``       the boot's starting buffer segment, 64 or 80 KiB
``requested_buffer_size``   1600, 2048, 1200 or 9000 (XNU's rule gives the real size)
``segments``                "one" or "several": how many memory segments the pool has
``flow``                    "bsd" (data offset = headroom) or "native" (headroom + 2)
``quirk``                   the question's reported quirk: segment offsets with the
                            requested stride
``map_to_dext``             the pool was created with ``PoolFlagMapToDext``
``dext_mapped``             the dext mapped the pool's memory descriptor itself (always,
                            without the flag: the question's setup)
``position``                "first segment" (slot 1 of segment 0) or "past the first
                            segment" (slot 1 of segment 1; several segments only)
``frame``                   get_packet only: "short" (after a longer frame: stale bytes)
                            or "long" (over the 1600 bytes of ``packet_data``)
==========================  ==========================================================

Every case reads slot 1 of its segment, never slot 0: slot 0 reads right whatever the stride,
so it could not show trap 1. Each case's world (:class:`World`) is built from the library:
the Mac (``vethlab.model.memory``), the pool (``vethlab.networkingdriverkit``), the frames the
host stack sends into it (``vethlab.wire.host``), first a round of longer frames that is
recycled (their bytes stay: the "junk"), then the round that is read. Where a buffer is, and
where its frame is, is asked of the pool's layout (``vethlab.model.layout``), never computed here.

Which dext mapped what is the dext's choice in real code; the answer sees only what a dext
knows (:class:`ExercisePool`).
"""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass
from functools import cached_property, lru_cache

from vethlab.driverkit.service import IOService
from vethlab.model.layout import PoolLayout
from vethlab.model.machine import Boot
from vethlab.model.memory import Mac
from vethlab.networkingdriverkit.packet import IOUserNetworkPacket
from vethlab.networkingdriverkit.pool import (
    IOUserNetworkPacketBufferPool,
    IOUserNetworkPacketBufferPoolOptions,
    PoolFlagMapToDext,
)
from vethlab.wire.frames import APP, DISCARD_PORT, HOST, udp_datagram
from vethlab.wire.host import HostStack, native_flow_data_offset

__all__ = [
    "EXERCISES",
    "PROFILES",
    "BOOT_SEGMENT_SIZES",
    "REQUESTED_BUFFER_SIZES",
    "HEADROOM",
    "SHORT_FRAME_LEN",
    "LONG_FRAME_LEN",
    "STALE_FRAME_LEN",
    "MAPPINGS",
    "Case",
    "ExercisePool",
    "World",
    "build_cases",
    "world_for",
]

#: The exercises, by name: what the answer defines.
EXERCISES = ("frame_address", "get_packet")

PROFILES = ("apple-silicon", "intel")
BOOT_SEGMENT_SIZES = (65536, 81920)
REQUESTED_BUFFER_SIZES = (1600, 2048, 1200, 9000)
#: Headroom of every TX packet (the interface's ``SetTxPacketHeadroom``, as in the scenario).
HEADROOM = 8
#: (map_to_dext, dext_mapped): without the flag the dext always maps the pool itself.
MAPPINGS = ((False, True), (True, True), (True, False))
#: Frame lengths: a short frame read after a longer stale one, a frame over ``packet_data``
#: (1600 bytes), and the stale frame every buffer held before.
SHORT_FRAME_LEN = 98
LONG_FRAME_LEN = 2000
STALE_FRAME_LEN = 1400
#: Packets of a pool of one segment (4 buffers fit a segment of every size asked), and the
#: counts tried, smallest first, for a pool of several.
_ONE_SEGMENT_PACKETS = 4
_SEVERAL_SEGMENT_PACKETS = (16, 24, 32, 48, 64, 96, 128, 160, 200, 256)


@dataclass(frozen=True)
class Case:
    """One case of the matrix: see the module's table."""

    number: int
    exercise: str
    profile: str
    boot_segment_size: int
    requested_buffer_size: int
    segments: str
    flow: str
    quirk: bool
    map_to_dext: bool
    dext_mapped: bool
    position: str
    frame: str = "short"

    @property
    def world_key(self) -> tuple:
        """The parameters of the world this case reads (cases that share them share it)."""
        return (
            self.profile,
            self.boot_segment_size,
            self.requested_buffer_size,
            self.segments,
            self.flow,
            self.quirk,
            self.map_to_dext,
            self.dext_mapped,
        )

    def parameters(self) -> dict:
        """The case's parameters, as the JSON report gives them."""
        d = asdict(self)
        if self.exercise != "get_packet":
            del d["frame"]
        return d

    def describe(self) -> str:
        """One line: "Intel, 64 KiB boot, 1600 (2048), several segments, native flow, …"."""
        mapping = ("PoolFlagMapToDext" if self.map_to_dext else "no PoolFlagMapToDext") + (
            ", mapped by the dext" if self.dext_mapped else ", not mapped by the dext"
        )
        text = (
            f"{self.profile}, {self.boot_segment_size // 1024} KiB boot, bufferSize "
            f"{self.requested_buffer_size}, {self.segments} segment"
            f"{'s' * (self.segments == 'several')}, {self.flow} flow, quirk "
            f"{'on' if self.quirk else 'off'}, {mapping}, {self.position}"
        )
        if self.exercise == "get_packet":
            text += f", {self.frame} frame"
        return text


@dataclass(frozen=True)
class ExercisePool:
    """What a dext knows about its pool in real code, and nothing more.

    ``address``: where the dext mapped the pool's memory descriptor itself (``Map`` or
    ``CreateMapping``), None if it did not (C++: 0). ``map_to_dext``: whether it created the
    pool with ``PoolFlagMapToDext``. ``requested_buffer_size``: the ``bufferSize`` it asked for.
    """

    address: int | None
    map_to_dext: bool
    requested_buffer_size: int


class _ExerciseDext(IOService):
    """The dext of one world: it creates the pool, with or without ``PoolFlagMapToDext``, and
    maps the pool's memory descriptor itself or not. (``vethlab.question.QuestionDext`` always
    maps it; a dext that relies on the flag alone is one of the cases here.)"""

    def __init__(self, mac: Mac, buffer_size: int, packets: int, map_to_dext: bool, mapped: bool):
        super().__init__(mac, "dext")
        options = IOUserNetworkPacketBufferPoolOptions(
            packetCount=packets,
            bufferCount=packets,
            bufferSize=buffer_size,
            maxBuffersPerPacket=1,
            poolFlags=PoolFlagMapToDext if map_to_dext else 0,
        )
        self.pool = IOUserNetworkPacketBufferPool.CreateWithOptions(self, "ExercisePool", options)
        self.pool_md = self.pool.CopyMemoryDescriptor()
        self.pool_map = self.pool_md.CreateMapping(0, 0, 0, 0, 0) if mapped else None
        # The names QuestionDext gives its mappings, so that the scenario's METHODS run on this
        # dext too (one mapping serves both: the first attempt's and the fix's).
        self.packet_buffer_addr = None if self.pool_map is None else self.pool_map.GetAddress()


class World:
    """One pool on one Mac, filled by the host stack: what a set of cases reads."""

    def __init__(self, key: tuple, frame: str = "short") -> None:
        profile, segment, size, segments, flow, quirk, map_to_dext, mapped = key
        self.key = key
        self.frame = frame
        self.flow = flow
        self.mac = Mac(profile, segment, 0, requested_stride_quirk=quirk)
        packets = _packets(self.mac.boot, size, segments)
        self.dext = _ExerciseDext(self.mac, size, packets, map_to_dext, mapped)
        self.pool = self.dext.pool
        self.host = HostStack(self.pool)
        self.data_offset = native_flow_data_offset(HEADROOM) if flow == "native" else HEADROOM
        room = self.layout.buffer_size - self.data_offset
        length = min(LONG_FRAME_LEN if frame == "long" else SHORT_FRAME_LEN, room)
        # Only the packets up to the last one a case reads get frames, and the one after it
        # (so that the buffer after a read one holds a frame too).
        last_read = "past the first segment" if segments == "several" else "first segment"
        sent = min(packets, self.index_of(last_read) + 2)
        stale = [_frame(i, min(STALE_FRAME_LEN, room), "stale") for i in range(sent)]
        old = [self.host.transmit(f, headroom=HEADROOM) for f in stale]
        old += [self.pool.allocatePacket() for _ in range(packets - sent)]
        self.pool.DeallocatePackets(old)
        # Packet i owns buffer i, and the pool hands out the oldest free packet first: every
        # packet went back in index order, so the frames below land in buffers 0, 1, 2, ….
        self.packets = [
            self.host.transmit(
                _frame(i, length, frame),
                headroom=HEADROOM,
                data_offset=self.data_offset,
            )
            for i in range(sent)
        ]

    @property
    def layout(self) -> PoolLayout:
        return self.pool.layout

    @cached_property
    def exercise_pool(self) -> ExercisePool:
        mapping = self.dext.pool_map
        return ExercisePool(
            None if mapping is None else mapping.GetAddress(),
            self.pool.dext_mapping is not None,
            self.layout.requested_buffer_size,
        )

    def index_of(self, position: str) -> int:
        """The packet a case at ``position`` reads: slot 1 of segment 0 or of segment 1."""
        segment = 0 if position == "first segment" else 1
        return segment * self.layout.buffers_per_segment + 1

    def packet(self, case: Case) -> IOUserNetworkPacket:
        """The packet ``case`` reads."""
        return self.packets[self.index_of(case.position)]

    def dext_mappings(self) -> list:
        """Every mapping of the pool in the dext: the pool's own (with the flag) and the dext's."""
        return [m for m in (self.pool.dext_mapping, self.dext.pool_map) if m is not None]

    def frame_addresses(self, packet: IOUserNetworkPacket) -> list[int]:
        """Every address of the frame's first byte in the dext (one per mapping)."""
        return [m.address_of(packet.frame_offset()) for m in self.dext_mappings()]

    def pool_offset_of(self, address: int) -> int | None:
        """The pool offset ``address`` shows in one of the dext's mappings of the pool, or None."""
        mapping = self.dext.task.space.find(address)
        if mapping is not None and mapping.descriptor is self.dext.pool_md:
            return mapping.offset_of(address)
        return None


@lru_cache(maxsize=4096)
def _frame(index: int, length: int, kind: str = "frame") -> bytes:
    """A UDP frame of ``length`` bytes whose payload names it (so a hex dump says whose it is)."""
    # Headers only (an empty datagram would be padded to the 60-byte minimum).
    overhead = len(udp_datagram(HOST, APP, 49152, DISCARD_PORT, bytes(100))) - 100
    unit = f"vethlab {kind} {index:04d} ".encode()
    payload = (unit * (length // len(unit) + 1))[: length - overhead]
    return udp_datagram(HOST, APP, 49152, DISCARD_PORT, payload)


def _packets(boot: Boot, size: int, segments: str) -> int:
    """Packets of a pool of one segment, or the fewest tried that give several segments."""
    if segments == "one":
        return _ONE_SEGMENT_PACKETS
    for count in _SEVERAL_SEGMENT_PACKETS:
        if PoolLayout.plan(boot, size, count).segment_count >= 2:
            return count
    raise ValueError(f"no pool of several segments for bufferSize {size} on {boot}")


def build_cases(exercise: str = "frame_address") -> list[Case]:
    """Every case of ``exercise``, numbered from 0, in a fixed order."""
    if exercise not in EXERCISES:
        raise ValueError(f"exercise {exercise!r} is unknown; allowed: {', '.join(EXERCISES)}")
    cases = []
    for profile, segment, size, segments, flow, quirk, (flag, mapped) in itertools.product(
        PROFILES,
        BOOT_SEGMENT_SIZES,
        REQUESTED_BUFFER_SIZES,
        ("one", "several"),
        ("bsd", "native"),
        (False, True),
        MAPPINGS,
    ):
        positions = (
            ["first segment"] if segments == "one" else ["first segment", "past the first segment"]
        )
        frames = ["short"]
        if exercise == "get_packet" and _room(profile, segment, size, segments, flow):
            frames.append("long")
        for position, frame in itertools.product(positions, frames):
            cases.append(
                Case(
                    len(cases),
                    exercise,
                    profile,
                    segment,
                    size,
                    segments,
                    flow,
                    quirk,
                    flag,
                    mapped,
                    position,
                    frame,
                )
            )
    return cases


def _room(profile: str, segment: int, size: int, segments: str, flow: str) -> bool:
    """Whether the real buffers hold a frame longer than ``packet_data`` past the data offset."""
    boot = Boot(profile, segment, 0)
    layout = PoolLayout.plan(boot, size, _packets(boot, size, segments))
    offset = native_flow_data_offset(HEADROOM) if flow == "native" else HEADROOM
    return layout.buffer_size - offset >= LONG_FRAME_LEN


def world_for(case: Case, worlds: dict) -> World:
    """The world ``case`` reads, built once per key in ``worlds`` (a dict the caller keeps).
    Long frames have worlds of their own."""
    key = (*case.world_key, case.frame)
    if key not in worlds:
        worlds[key] = World(case.world_key, case.frame)
    return worlds[key]
