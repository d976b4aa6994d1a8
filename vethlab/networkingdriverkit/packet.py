"""IOUserNetworkPacket: metadata about one frame; never the frame's bytes.

A packet holds offsets and indices only (``memorySegmentOffset``, ``dataOffset``,
``dataLength``, ``headroom``, ``linkHeaderLength``, direction, index). Turning them into an
address takes a mapping: ``getDataVirtualAddress()`` is the buffer's base in the dext's mapping
of the pool, and the frame starts ``getDataOffset()`` bytes later. (observed: Apple's sample and
the disassembly of NetworkingDriverKit agree; the address does *not* include the data offset.)

Both accessor families exist: the question-era capitalised ones (``GetMemorySegmentOffset``,
``GetHeadroom``, ``GetDataOffset``, …; deprecated in the SDK) and today's lowercase ones
(``getDataVirtualAddress``, ``getDataOffset``, ``setDataOffsetAndLength``, …). C
out-parameters become return values.
"""

from __future__ import annotations

from vethlab.ioreturn import BadArgument
from vethlab.model.cint import uint8, uint16, uint32
from vethlab.model.moves import PACKET_MOVES

__all__ = [
    "IOUserNetworkPacket",
    "kIOUserNetworkPacketDirectionNone",
    "kIOUserNetworkPacketDirectionTx",
    "kIOUserNetworkPacketDirectionRx",
]

kIOUserNetworkPacketDirectionNone = 0
kIOUserNetworkPacketDirectionTx = 1
kIOUserNetworkPacketDirectionRx = 2


class IOUserNetworkPacket:
    """One packet of a pool. You do not create packets; the pool and the queues hand them out."""

    def __init__(self, pool, index: int) -> None:
        """Packet ``index`` of ``pool`` (an ``IOUserNetworkPacketBufferPool``)."""
        self.pool = pool
        self.index = index  # packet i owns buffer i (modelled)
        #: Where the packet is (a ``vethlab.model.moves.Place``), its one record of it: born in
        #: the pool; only ``PACKET_MOVES.fire`` moves it (the pool and the queues call it).
        PACKET_MOVES.start(self)
        self.direction = kIOUserNetworkPacketDirectionNone
        # Fixed for the pool's life (its layout and mappings never move), so asked once.
        self._buffer_offset = pool.layout.buffer_offset(index)
        mapping = pool.dext_mapping
        self._dext_address = None if mapping is None else mapping.address_of(self._buffer_offset)
        self._reset(0)

    def _reset(self, headroom: int) -> None:
        self._headroom = headroom
        self._data_offset = headroom  # a fresh packet's data offset equals its headroom
        self._data_length = 0
        self._link_header_length = 0
        self._completion_status = 0
        self._timestamp = None

    # -- where the buffer is ----------------------------------------------------------------
    @property
    def buffer_size(self) -> int:
        """The real size of this packet's buffer (what the size rule gave)."""
        return self.pool.layout.buffer_size

    @property
    def buffer_offset(self) -> int:
        """Pool offset of this packet's buffer (vethlab's: the truth, quirk or not)."""
        return self._buffer_offset

    def getMemorySegmentOffset(self) -> int:
        """Bytes from the start of the buffer's memory segment to the buffer. With the
        question's quirk on, computed with the requested size as stride (reported)."""
        return self.pool.layout.segment_offset(
            self.index, reported_stride=self.pool.reported_stride
        )

    def GetMemorySegmentOffset(self) -> int:
        """``GetMemorySegmentOffset(&offset)`` (deprecated): same as the lowercase one."""
        return self.getMemorySegmentOffset()

    def getDataVirtualAddress(self) -> int:
        """The buffer's BASE in the dext's mapping of the pool; add ``getDataOffset()`` for the
        frame. Without ``PoolFlagMapToDext`` the pool is not mapped into the dext and this is a
        pool-relative offset (observed: faults at 0xa800, 0xc000, 0xd800 on a real Mac)."""
        if self._dext_address is None:
            return self._buffer_offset
        return self._dext_address

    def getDataIOVirtualAddress(self) -> int:
        """The buffer's base as the device sees it (IOVA); pool-relative without
        ``PoolFlagMapToDevice`` (modelled, by symmetry with the dext address)."""
        return self.pool.iova_base() + self.buffer_offset

    def getPacketBufferPool(self):
        return self.pool

    def GetPacketBufferPool(self):
        return self.pool

    # -- data offset and length -----------------------------------------------------------
    def getDataOffset(self) -> int:
        """Bytes from the buffer's start to the frame's first byte."""
        return self._data_offset

    def GetDataOffset(self) -> int:
        return self._data_offset

    getDataOff = getDataOffset

    def getDataLength(self) -> int:
        return self._data_length

    def GetDataLength(self) -> int:
        return self._data_length

    def setDataOffset(self, offset: int) -> None:
        """Move the frame's start; ``offset + dataLength`` must fit the buffer."""
        self._data_offset, _ = self._check_fit(offset, self._data_length)

    def setDataLength(self, length: int) -> None:
        """Set the frame's length; ``dataOffset + length`` must fit the buffer."""
        _, self._data_length = self._check_fit(self._data_offset, length)

    def setDataOffsetAndLength(self, offset: int, length: int) -> None:
        self._data_offset, self._data_length = self._check_fit(offset, length)

    SetDataOffset = setDataOffset
    SetDataLength = setDataLength
    setDataOff = setDataOffset
    setDataOffAndLen = setDataOffsetAndLength

    # -- headroom, link header (legacy headroom: deprecated, kept by the question's code) -
    def GetHeadroom(self) -> int:
        """Bytes reserved at the front of the buffer. Not to be added to the data offset: the
        data offset already counts from the buffer's start."""
        return self._headroom

    def SetHeadroom(self, headroom: int) -> None:
        """Reserve ``headroom`` bytes (uint8). A packet holding no data yet moves its data
        offset along, so a fresh packet's data offset equals its headroom (modelled)."""
        headroom = uint8("headroom", headroom)
        if headroom >= self.buffer_size:
            raise BadArgument(f"headroom {headroom} does not fit a {self.buffer_size}-byte buffer")
        self._headroom = headroom
        if self._data_length == 0:
            self._data_offset = headroom

    def getLinkHeaderLength(self) -> int:
        return self._link_header_length

    GetLinkHeaderLength = getLinkHeaderLength

    def setLinkHeaderLength(self, length: int) -> None:
        self._link_header_length = uint8("link header length", length)

    SetLinkHeaderLength = setLinkHeaderLength

    # -- the rest of the metadata ---------------------------------------------------------
    def getPacketIndex(self) -> int:
        return self.index

    def getDirection(self) -> int:
        return self.direction

    def prepareWithQueue(self, queue, direction: int) -> None:
        """Sets the direction (observed: a single store plus logging)."""
        self.direction = direction

    def setCompletionStatus(self, status: int) -> None:
        self._completion_status = status

    def getCompletionStatus(self) -> int:
        return self._completion_status

    def setTimestamp(self, timestamp: int) -> None:
        self._timestamp = timestamp

    def getTimestamp(self) -> int | None:
        return self._timestamp

    # -- vethlab's own ----------------------------------------------------------------------
    def frame_offset(self) -> int:
        """Pool offset of the frame's first byte: buffer base + data offset."""
        return self._buffer_offset + self._data_offset

    def frame_bytes(self) -> bytes:
        """The frame, read by pool offset (the truth every address method is checked against)."""
        return bytes(
            self.pool.CopyMemoryDescriptor().bytes_at(self.frame_offset(), self._data_length)
        )

    def _check_fit(self, offset, length) -> tuple[int, int]:
        """``(offset, length)`` as ints, if they are a uint16 and a uint32 that fit the buffer."""
        offset = uint16("data offset", offset)
        length = uint32("data length", length)
        if offset + length > self.buffer_size:
            raise BadArgument(
                f"data offset {offset} + length {length} = {offset + length} does not fit the "
                f"packet's {self.buffer_size}-byte buffer; allowed: offset + length <= {self.buffer_size}"
            )
        return offset, length

    def __repr__(self) -> str:
        return (
            f"<IOUserNetworkPacket {self.index}: offset {self._data_offset}, "
            f"length {self._data_length}, headroom {self._headroom}, {self.place.name}>"
        )
