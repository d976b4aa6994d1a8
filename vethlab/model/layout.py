r"""Where every buffer of a packet buffer pool lives: all of vethlab's pool arithmetic.

Nothing else in vethlab adds offsets to find a buffer; it asks this module. Metadata holds
offsets and indices only; a mapping (``vethlab.driverkit.memory``) turns a pool offset into an address,
so two mappings of one pool resolve the same buffer at two different addresses.

The pool's memory, as ``CopyMemoryDescriptor`` describes it (segments end to end: modelled)::

    pool offset 0                                   segment_size            2*segment_size
    |<------------------- segment 0 ------------------->|<------- segment 1 ------- ...
    +-----------+-----------+-----------+-----+---------+-----------+-----------+
    | buffer 0  | buffer 1  | buffer 2  | ... | buf k-1 | buffer k  | buf k+1   | ...
    +-----------+-----------+-----------+-----+---------+-----------+-----------+
    |<--------->|                                       k = buffers_per_segment
     buffer_size (the REAL size: the requested one after XNU's rounding rule)

    one buffer (frame address = buffer base + dataOffset; headroom is not added on top)::

    buffer base                                                        base + buffer_size
    |<- headroom ->|                                                            |
    +--------------+---------------------------------------+--------------------+
    | reserved     | frame: link header, then payload       |  tailroom / stale  |
    +--------------+---------------------------------------+--------------------+
    |<-- dataOffset -->|   (a fresh packet: dataOffset == headroom)
                       |<-------------- dataLength -------->|

    buffer base (pool offset)  = segment * segment_size + memorySegmentOffset
    memorySegmentOffset        = (index % buffers_per_segment) * buffer_size
    frame (pool offset)        = buffer base + dataOffset

Provenance: the size rule is XNU's ``skmem_region_params_config`` (observed in XNU source;
that DriverKit pools use it is inferred). ``frame = base + dataOffset`` is observed on real
dexts and matches Apple's sample. Laying segments end to end inside one descriptor, and a
packet owning the buffer of the same index, are modelled choices.

The question's reported quirk (``reported_stride``): packets report ``memorySegmentOffset`` as
if the stride were the *requested* size while the bytes sit at the real stride. Slot 0 is right;
slot i is i × (real − requested) bytes early. (reported)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from vethlab.ioreturn import BadArgument
from vethlab.model.cint import c_int, uint32
from vethlab.model.machine import SKMEM_MIN_SEG_SIZE, Boot

__all__ = [
    "PoolLayout",
    "configured_buffer_size",
    "round_up",
    "MAX_BUFFER_SIZE",
    "MAX_BUFFER_COUNT",
]

#: Largest ``bufferSize`` the model accepts (modelled: data offsets are uint16, and a pool of
#: larger buffers is outside what the lessons need).
MAX_BUFFER_SIZE = 65536
#: Most buffers one pool may have (modelled: keeps the simulated memory in RAM).
MAX_BUFFER_COUNT = 1 << 17


def round_up(value: int, multiple: int) -> int:
    """``value`` rounded up to a multiple of ``multiple`` (XNU's P2ROUNDUP for powers of two)."""
    return -(-value // multiple) * multiple


def configured_buffer_size(requested: int, cache_line: int, segment_size: int) -> int:
    """XNU's object-size rule: the buffer size a pool really uses for ``requested``.

    Round up to the cache line, then grow by one cache line at a time until the size divides
    the segment evenly (or reaches it). 1600 → 2048 on every profile; 1200 → 2048 on a 64 KiB
    segment, 1280 on an 80 KiB one. (XNU ``skmem_region_params_config``: observed in source)
    """
    size = round_up(requested, cache_line)
    while size < segment_size and segment_size % size != 0:
        size += cache_line
    return size


@dataclass(frozen=True)
class PoolLayout:
    """The geometry of one pool: sizes, counts, and the offset of every buffer.

    Build it with :meth:`plan`, which checks the parameters the way ``Create`` does.
    """

    requested_buffer_size: int
    buffer_size: int
    packet_count: int
    buffer_count: int
    segment_size: int
    cache_line: int
    page_size: int
    _offsets: np.ndarray = field(repr=False, compare=False, default=None)

    # -- construction ---------------------------------------------------------------------
    @classmethod
    def plan(
        cls,
        boot: Boot,
        buffer_size: int,
        packet_count: int,
        buffer_count: int | None = None,
        memory_segment_size: int = 0,
    ) -> "PoolLayout":
        """Lay out a pool the way ``IOUserNetworkPacketBufferPool.Create`` would on ``boot``.

        ``buffer_count`` defaults to ``packet_count``. ``memory_segment_size`` 0 means the
        boot's segment size; another value is rounded up to 16 KiB (inferred from XNU).
        """
        if buffer_count is None:
            buffer_count = packet_count
        packet_count = uint32("packetCount", packet_count, 1, MAX_BUFFER_COUNT)
        buffer_count = uint32("bufferCount", buffer_count, 1, MAX_BUFFER_COUNT)
        if buffer_count < packet_count:
            raise BadArgument(
                f"bufferCount {buffer_count} is smaller than packetCount {packet_count}; "
                "Apple requires bufferCount >= packetCount"
            )
        buffer_size = uint32("bufferSize", buffer_size, 1, MAX_BUFFER_SIZE)
        memory_segment_size = uint32("memorySegmentSize", memory_segment_size, 0, 1 << 30)
        segment = boot.segment_size
        if memory_segment_size:
            segment = round_up(memory_segment_size, SKMEM_MIN_SEG_SIZE)
        real = configured_buffer_size(buffer_size, boot.cache_line, segment)
        if real > segment:  # one buffer per segment; the segment grows to hold it
            segment = round_up(real, SKMEM_MIN_SEG_SIZE)
        return cls(
            requested_buffer_size=buffer_size,
            buffer_size=real,
            packet_count=packet_count,
            buffer_count=buffer_count,
            segment_size=segment,
            cache_line=boot.cache_line,
            page_size=boot.page_size,
        )

    def __post_init__(self) -> None:
        index = np.arange(self.buffer_count, dtype=np.int64)
        per = self.buffers_per_segment
        offsets = (index // per) * self.segment_size + (index % per) * self.buffer_size
        offsets.setflags(write=False)
        object.__setattr__(self, "_offsets", offsets)

    # -- derived sizes --------------------------------------------------------------------
    @property
    def buffers_per_segment(self) -> int:
        return self.segment_size // self.buffer_size

    @property
    def segment_count(self) -> int:
        return -(-self.buffer_count // self.buffers_per_segment)

    @property
    def length(self) -> int:
        """Bytes of the pool's memory descriptor: every segment, end to end."""
        return self.segment_count * self.segment_size

    @property
    def page_count(self) -> int:
        return -(-self.length // self.page_size)

    @property
    def stride_error(self) -> int:
        """Bytes each slot drifts when offsets use the requested size: real − requested."""
        return self.buffer_size - self.requested_buffer_size

    # -- forward and inverse: index <-> offset (the NETMAP_BUF / NETMAP_BUF_IDX pair) -----
    def segment_of(self, index: int) -> int:
        """The segment that holds buffer ``index``."""
        return self._index(index) // self.buffers_per_segment

    def segment_offset(self, index: int, *, reported_stride: bool = False) -> int:
        """``memorySegmentOffset`` of buffer ``index``: bytes from its segment's start.

        With ``reported_stride`` the question's quirk applies: the requested size is used as
        the stride (reported), so the value is wrong for every slot but the first.
        """
        slot = self._index(index) % self.buffers_per_segment
        stride = self.requested_buffer_size if reported_stride else self.buffer_size
        return slot * stride

    def buffer_offset(self, index: int) -> int:
        """Pool offset of buffer ``index``'s first byte (its base)."""
        return int(self._offsets[self._index(index)])

    def buffer_offsets(self) -> np.ndarray:
        """Pool offsets of every buffer base, read-only, in index order."""
        return self._offsets

    def segment_start(self, segment: int) -> int:
        """Pool offset of segment ``segment``'s first byte."""
        return c_int("segment", segment, 0, self.segment_count - 1) * self.segment_size

    def buffer_index(self, pool_offset: int) -> int | None:
        """The buffer that contains ``pool_offset``, or None (past the end, or in the unused
        tail of a segment)."""
        if not 0 <= pool_offset < self.length:
            return None
        segment, within = divmod(pool_offset, self.segment_size)
        slot = within // self.buffer_size
        if slot >= self.buffers_per_segment:
            return None
        index = segment * self.buffers_per_segment + slot
        return index if index < self.buffer_count else None

    def locate(self, pool_offset: int) -> tuple[int | None, int]:
        """``(buffer index, offset inside that buffer)`` for a pool offset; index may be None."""
        index = self.buffer_index(pool_offset)
        if index is None:
            return None, 0
        return index, pool_offset - self.buffer_offset(index)

    def frame_offset(self, index: int, data_offset: int) -> int:
        """Pool offset of the frame of buffer ``index``: base + dataOffset (observed)."""
        return self.buffer_offset(index) + data_offset

    # -- reports --------------------------------------------------------------------------
    def summary(self) -> dict:
        """The numbers a person (or ``vethlab layout --json``) asks about first."""
        return {
            "requested_buffer_size": self.requested_buffer_size,
            "buffer_size": self.buffer_size,
            "packet_count": self.packet_count,
            "buffer_count": self.buffer_count,
            "buffers_per_segment": self.buffers_per_segment,
            "segment_size": self.segment_size,
            "segment_count": self.segment_count,
            "page_size": self.page_size,
            "cache_line": self.cache_line,
            "pool_length": self.length,
            "page_count": self.page_count,
            "stride_error": self.stride_error,
        }

    def _index(self, index: int) -> int:
        return c_int("buffer index", index, 0, self.buffer_count - 1)
