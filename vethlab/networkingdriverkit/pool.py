"""IOUserNetworkPacketBufferPool: the packets, their buffers, and the memory behind them.

``Create(owner, name, packetCount, bufferCount, bufferSize)`` (deprecated, still what the
question used) and ``CreateWithOptions(device, name, options)`` lay the pool out with
:class:`~vethlab.model.layout.PoolLayout` (XNU's size rule: 1600 → 2048), allocate its memory zeroed,
and map it into the kernel (where the host stack writes frames) and, with ``PoolFlagMapToDext``,
into the dext. ``CopyMemoryDescriptor`` gives one descriptor over all of it.

Packets are recycled, their buffers are not cleared: a buffer keeps the bytes of the frames it
held before. That is where "junk" comes from when a driver reads at the wrong offset.

Provenance: signatures, flags and the options struct are documented (SDK headers). "Never
fewer buffers than packets" and the size rule are XNU's source. Packet i owning buffer i,
first-in-first-out recycling, and the error codes for exhaustion and double free are modelled.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field, fields, replace

import numpy as np

from vethlab.driverkit.memory import (
    IOMemoryDescriptor,
    IOMemoryMap,
    kIOMemoryDirectionInOut,
)
from vethlab.driverkit.service import IOService, OSObject
from vethlab.ioreturn import (
    BadArgument,
    IOReturnError,
    kIOReturnBadArgument,
    kIOReturnBusy,
    kIOReturnNoResources,
)
from vethlab.model.cint import uint32
from vethlab.model.layout import PoolLayout, round_up
from vethlab.model.moves import PACKET_MOVES, QUEUE_PLACES, Place
from vethlab.networkingdriverkit.packet import IOUserNetworkPacket

__all__ = [
    "IOUserNetworkPacketBufferPool",
    "IOUserNetworkPacketBufferPoolOptions",
    "IODMACommandSpecification",
    "PoolExhausted",
    "PacketNotAllocated",
    "PacketOnQueue",
    "PoolFlagSingleMemorySegment",
    "PoolFlagPersistentMemory",
    "PoolFlagMapToDext",
    "PoolFlagMapToDevice",
    "PoolFlagMask",
    "POOL_NAME_MAX",
]

# IOUserNetworkPacketBufferPoolFlags (SDK 107, documented)
PoolFlagSingleMemorySegment = 0x00000002
PoolFlagPersistentMemory = 0x00000004
PoolFlagMapToDext = 0x10000000
PoolFlagMapToDevice = 0x20000000
PoolFlagMask = (
    PoolFlagSingleMemorySegment | PoolFlagPersistentMemory | PoolFlagMapToDext | PoolFlagMapToDevice
)
#: ``const char name[1024]``: at most 1023 bytes and the terminating NUL.
POOL_NAME_MAX = 1023
#: Where device (IOVA) addresses of pools start when ``PoolFlagMapToDevice`` is set (modelled).
_IOVA_BASE = 0x8_0000_0000


@dataclass
class IODMACommandSpecification:
    options: int = 0
    maxAddressBits: int = 64


@dataclass
class IOUserNetworkPacketBufferPoolOptions:
    """``struct IOUserNetworkPacketBufferPoolOptions`` (SDK 107 field order)."""

    packetCount: int = 0
    bufferCount: int = 0
    bufferSize: int = 0
    maxBuffersPerPacket: int = 1
    memorySegmentSize: int = 0
    poolFlags: int = 0
    dmaSpecification: IODMACommandSpecification = field(default_factory=IODMACommandSpecification)


class PoolExhausted(IOReturnError):
    """kIOReturnNoResources: every packet of the pool is in use (modelled code)."""

    def __init__(self, message: str) -> None:
        super().__init__(kIOReturnNoResources, message)

    def __reduce__(self):
        return (type(self), (self.message,))


class PacketNotAllocated(IOReturnError, ValueError):
    """kIOReturnBadArgument: a packet handed back that the pool does not consider in use
    (a double free, or a packet of another pool)."""

    def __init__(self, message: str) -> None:
        super().__init__(kIOReturnBadArgument, message)

    def __reduce__(self):
        return (type(self), (self.message,))


class PacketOnQueue(IOReturnError):
    """kIOReturnBusy: a packet handed back while a queue still holds it (modelled code; in a
    real dext this corrupts the queue)."""

    def __init__(self, message: str) -> None:
        super().__init__(kIOReturnBusy, message)

    def __reduce__(self):
        return (type(self), (self.message,))


class IOUserNetworkPacketBufferPool(OSObject):
    """A pool of packets and the buffers that hold their bytes. Build it with ``Create`` or
    ``CreateWithOptions``."""

    def __init__(self, owner: IOService, name: str, options: IOUserNetworkPacketBufferPoolOptions):
        _check_name(name)
        options = _check_options(options)
        self.owner = owner
        self.mac = owner.mac
        self.name = name
        self.flags = options.poolFlags
        self.layout = PoolLayout.plan(
            self.mac.boot,
            options.bufferSize,
            options.packetCount,
            options.bufferCount,
            options.memorySegmentSize,
        )
        #: The question's reported quirk: segment offsets reported with the requested stride.
        self.reported_stride = self.mac.requested_stride_quirk
        #: Headroom new packets get (set by the interface's SetTxPacketHeadroom).
        self.headroom = 0
        # Memory: zeroed, page multiple (segments always are), shared by every mapping.
        length = self.layout.length
        memory = np.zeros(round_up(length, self.mac.page_size), dtype=np.uint8)
        self._memory = IOMemoryDescriptor(
            owner.task, memory, 0, length, kIOMemoryDirectionInOut, f"pool {name!r}"
        )
        #: The kernel's own mapping: where the host network stack reads and writes frames.
        self.kernel_mapping: IOMemoryMap = self._memory.CreateMapping(into=self.mac.kernel)
        #: The dext's mapping made by the pool itself, with PoolFlagMapToDext only.
        self.dext_mapping: IOMemoryMap | None = None
        if self.flags & PoolFlagMapToDext:
            self.dext_mapping = self._memory.CreateMapping(into=owner.task)
        self.packets = [IOUserNetworkPacket(self, i) for i in range(self.layout.packet_count)]
        #: The free packets, oldest first: a freed packet joins the back, allocation takes
        #: the front (first in, first out: modelled). Exactly the packets whose place is POOL.
        self._free = deque(self.packets)
        #: The queues created on this pool (vethlab's: ``where`` lists queued packets in their
        #: queues' order).
        self.packet_queues: list = []

    # -- creation (C out-parameters become return values) -------------------------------
    @classmethod
    def Create(
        cls, poolOwner: IOService, name: str, packetCount: int, bufferCount: int, bufferSize: int
    ) -> IOUserNetworkPacketBufferPool:
        """Deprecated ``Create``: no flags, so the pool is not mapped into the dext (that it
        behaves like ``CreateWithOptions`` without ``PoolFlagMapToDext`` is modelled)."""
        return cls(
            poolOwner,
            name,
            IOUserNetworkPacketBufferPoolOptions(
                packetCount=packetCount, bufferCount=bufferCount, bufferSize=bufferSize
            ),
        )

    @classmethod
    def CreateWithOptions(
        cls, device: IOService, name: str, options: IOUserNetworkPacketBufferPoolOptions
    ) -> IOUserNetworkPacketBufferPool:
        """``CreateWithOptions(device, name, &options, &pool)``."""
        if not isinstance(options, IOUserNetworkPacketBufferPoolOptions):
            raise BadArgument(f"options {options!r} is not an IOUserNetworkPacketBufferPoolOptions")
        return cls(device, name, options)

    # -- DriverKit API --------------------------------------------------------------------
    def CopyMemoryDescriptor(self) -> IOMemoryDescriptor:
        """One descriptor over all of the pool's memory (segments end to end: modelled)."""
        return self._memory

    def GetPacketCount(self) -> int:
        return self.layout.packet_count

    def GetBufferCount(self) -> int:
        return self.layout.buffer_count

    def getPoolOwnerDevice(self) -> IOService:
        return self.owner

    def allocatePacket(self, options: int = 0) -> IOUserNetworkPacket:
        """A free packet, headroom and data offset set to the pool's headroom, length 0."""
        return self.take("allocatePacket")

    def DeallocatePacket(self, packet: IOUserNetworkPacket) -> None:
        """Recycle ``packet``. Its buffer keeps its bytes (nothing clears them)."""
        self.put_back([packet], "DeallocatePacket")

    def DeallocatePackets(self, packets) -> None:
        """Recycle every packet of ``packets``, in order; if one is refused, none is."""
        self.put_back(packets, "DeallocatePacket")

    deallocatePacket = DeallocatePacket
    deallocatePackets = DeallocatePackets

    # -- vethlab's own ----------------------------------------------------------------------
    def take(self, action: str) -> IOUserNetworkPacket:
        """Move the oldest free packet out of the pool by ``action`` (a move of
        :data:`~vethlab.model.moves.PACKET_MOVES` from POOL: ``allocatePacket`` for the dext,
        ``allocate (kernel)`` for the kernel) and reset its metadata."""
        if not self._free:
            raise PoolExhausted(
                f"pool {self.name!r} has no free packet: all {len(self.packets)} are in use"
            )
        packet = self._free[0]
        PACKET_MOVES.fire(packet, action)
        self._free.popleft()
        packet._reset(self.headroom)
        return packet

    def put_back(self, packets, action: str) -> None:
        """Move ``packets`` back into the pool by ``action`` (``DeallocatePacket``, or one of
        the kernel's moves to POOL), in order, to the back of the free list. All or nothing:
        every packet is checked before any moves. ``packets`` that is not an iterable (``None``)
        is ``kIOReturnBadArgument`` (modelled: C would dereference a NULL array)."""
        try:
            packets = list(packets)
        except TypeError:
            raise BadArgument(
                f"packets {packets!r} is not a sequence of packets; allowed: a list of "
                "IOUserNetworkPacket"
            ) from None
        for packet in packets:
            self._check_free(packet, action)
        if len({id(p) for p in packets}) != len(packets):
            raise PacketNotAllocated("the same packet appears twice in one DeallocatePackets call")
        for packet in packets:
            PACKET_MOVES.fire(packet, action, Place.POOL)
            self._free.append(packet)

    @property
    def free_count(self) -> int:
        return len(self._free)

    def in_use(self) -> list[IOUserNetworkPacket]:
        return [p for p in self.packets if p.place is not Place.POOL]

    def buffer_bytes(self, index: int) -> np.ndarray:
        """The bytes of buffer ``index`` (a view; no address involved)."""
        return self._memory.bytes_at(self.layout.buffer_offset(index), self.layout.buffer_size)

    def iova_base(self) -> int:
        """Where the device sees the pool (with PoolFlagMapToDevice), else 0 (modelled)."""
        return _IOVA_BASE if self.flags & PoolFlagMapToDevice else 0

    def _check_free(self, packet: IOUserNetworkPacket, action: str) -> None:
        """Raise unless ``action`` may move ``packet`` into this pool; changes nothing."""
        if not isinstance(packet, IOUserNetworkPacket) or packet.pool is not self:
            raise PacketNotAllocated(f"{packet!r} does not belong to pool {self.name!r}")
        if packet.place is Place.POOL:
            raise PacketNotAllocated(
                f"packet {packet.index} of pool {self.name!r} is already free (double free)"
            )
        if packet.place in QUEUE_PLACES and PACKET_MOVES.find(packet.place, action) is None:
            raise PacketOnQueue(
                f"packet {packet.index} of pool {self.name!r} is still on the "
                f"{packet.place.value} queue; dequeue it before freeing it"
            )
        PACKET_MOVES.check(packet, action, Place.POOL)

    def __repr__(self) -> str:
        lay = self.layout
        return (
            f"<IOUserNetworkPacketBufferPool {self.name!r}: {lay.packet_count} packets, "
            f"{lay.buffer_count} buffers of {lay.buffer_size} bytes "
            f"(asked for {lay.requested_buffer_size})>"
        )


def _check_name(name) -> None:
    if not isinstance(name, str):
        raise BadArgument(f"name {name!r} is not a string")
    size = len(name.encode())
    if size == 0 or size > POOL_NAME_MAX:
        raise BadArgument(
            f"name of {size} bytes is not allowed; allowed: 1..{POOL_NAME_MAX} bytes (char[1024])"
        )


def _check_options(
    options: IOUserNetworkPacketBufferPoolOptions,
) -> IOUserNetworkPacketBufferPoolOptions:
    """A copy of ``options`` whose ``uint32_t`` fields are checked and plain ints."""
    options = replace(
        options,
        **{
            f.name: uint32(f.name, getattr(options, f.name))
            for f in fields(options)
            if f.name != "dmaSpecification"
        },
    )
    if options.poolFlags & ~PoolFlagMask:
        raise BadArgument(
            f"poolFlags 0x{options.poolFlags:x} has unknown bits "
            f"0x{options.poolFlags & ~PoolFlagMask:x}; allowed: PoolFlagMask 0x{PoolFlagMask:x}"
        )
    if options.maxBuffersPerPacket != 1:
        raise BadArgument(
            f"maxBuffersPerPacket {options.maxBuffersPerPacket} is not supported; allowed: 1 "
            "(every real driver uses 1; XNU refuses more without buffer-on-demand)"
        )
    return options
