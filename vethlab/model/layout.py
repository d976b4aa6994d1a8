r"""Where every buffer of a packet buffer pool lives: all of vethlab's pool arithmetic.

Nothing else in vethlab adds offsets to find a buffer; it asks this module. Metadata holds
offsets and indices only; a mapping (``vethlab.driverkit.memory``) turns a pool offset into an address,
so two mappings of one pool resolve the same buffer at two different addresses.

How a pool's sizes are found (XNU's ``skmem_region_params_config``, :func:`buffer_region`)::

    bufferSize, bufferCount ---------------------------------+
    memorySegmentSize (0: the boot's 64/80 KiB)              |
      -> starting segment  (caller's value rounded to 16 KiB) |
      -> buffer_size       (cache-line rounding until it divides the STARTING segment)
      -> segment_size      (the starting segment shrunk or grown by 16 KiB steps to fit
                            bufferCount buffers: the one the pool really uses)
      -> segment_count, buffers_per_segment = segment_size // buffer_size

The pool's memory, as ``CopyMemoryDescriptor`` describes it (segments end to end: modelled)::

    pool offset 0                                   segment_size            2*segment_size
    |<------------------- segment 0 ------------------->|<------- segment 1 ------- ...
    +-----------+-----------+-----+---------+-----------+-----------+-----------+
    | buffer 0  | buffer 1  | ... | buf k-1 | unused    | buffer k  | buf k+1   | ...
    +-----------+-----------+-----+---------+-----------+-----------+-----------+
    |<--------->|                           |<--------->|   k = buffers_per_segment
     buffer_size (the REAL size: the         segment_unused_bytes (often 0): the
     requested one after XNU's rule)         tail no buffer uses, at every segment's end

    The region has segment_count whole segments: region_buffer_count = segment_count * k
    buffers, at least the bufferCount asked for; the buffers past bufferCount are unused.

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

Provenance: the size rule and the segment rule are what XNU's open source does (source:
``bsd/skywalk/mem/skmem_region.c``, ``skmem_region_params_config``, at xnu-11417.121.6,
checked against a table XNU's own C code computed); that DriverKit pools go through it is
not documented (IOSkywalkFamily is closed source). Buffer k of a segment at k × buffer_size is
source too (``skmem_slab.c``). ``frame = base + dataOffset`` is observed on real dexts and
matches Apple's sample. Laying segments end to end inside one descriptor, and a packet owning
the buffer of the same index, are modelled choices.

The question's reported quirk (``reported_stride``): packets report ``memorySegmentOffset`` as
if the stride were the *requested* size while the bytes sit at the real stride. Slot 0 is right;
slot i is i × (real − requested) bytes early. (reported)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from vethlab.ioreturn import BadArgument, IOReturnError, kIOReturnNoMemory
from vethlab.model.cint import c_int, round_up, uint32
from vethlab.model.machine import SKMEM_MIN_SEG_SIZE, Boot

__all__ = [
    "PoolLayout",
    "BufferRegion",
    "buffer_region",
    "configured_buffer_size",
    "starting_segment_size",
    "magazine_max",
    "round_up",
    "p2_round_up",
    "MAX_BUFFER_COUNT",
    "MAX_REGION_BYTES",
    "MAX_MEMORY_SEGMENT_SIZE",
    "KERN_BUF_MIN_STRIDING_SIZE",
]

KiB = 1024
#: Most buffers one pool may have (modelled: keeps the simulated pool's Python objects few).
MAX_BUFFER_COUNT = 1 << 17
#: Most bytes of simulated memory one pool's buffer region may take: every segment, end to end
#: (modelled: keeps the simulation in memory, whose untouched pages cost nothing; enough for
#: the pool explorer's largest pool, 65,536 buffers of 16 KiB; XNU has no such limit here).
MAX_REGION_BYTES = 2 * 1024 * 1024 * KiB
#: Largest ``memorySegmentSize`` the model accepts, in bytes (modelled, like the above).
MAX_MEMORY_SEGMENT_SIZE = 1 << 30
#: Largest ``bufferSize`` the model accepts: ``uint32_t`` in the options struct (documented);
#: a pool of such buffers is still refused by ``MAX_REGION_BYTES``.

#: XNU's ``KERN_BUF_MIN_STRIDING_SIZE`` (``pbufpool.c:72``): from this requested buffer size
#: on, the buffer region gets XNU's per-CPU magazine allowance (``pbufpool.c:451-458``).
KERN_BUF_MIN_STRIDING_SIZE = 32 * KiB

#: XNU's LP64 magazine types (``skmem_cache.c:191-208``) as (``mt_magsize``: objects per
#: magazine, ``mt_minbuf``: "all smaller bufs qualify", ``mt_maxbuf``: "no larger bufs
#: qualify"), largest magazines (for the smallest objects) first.
_MAGAZINE_TYPES = (
    (14, 128, 512),
    (30, 96, 256),
    (46, 64, 128),
    (62, 32, 64),
    (94, 16, 32),
    (126, 8, 16),
    (142, 0, 8),
    (158, 0, 0),
)


# -- rounding: XNU has two, and they differ ---------------------------------------------------
def p2_round_up(value: int, align: int) -> int:
    """XNU's ``P2ROUNDUP(x, align)`` (``mcache.h:80-81``), ``-(-x & -align)``.

    For a power-of-two ``align`` the bit trick is the same operation as :func:`round_up`, which
    is what runs here; for any other ``align`` it gives something else (not a multiple of
    ``align``), so the model refuses it rather than imitate that.
    """
    if align <= 0 or align & (align - 1):
        raise ValueError(f"P2ROUNDUP needs a power-of-two align, not {align}")
    return round_up(value, align)


# -- XNU's buffer region, step by step (source: skmem_region_params_config) ------------------
def starting_segment_size(boot_segment_size: int, memory_segment_size: int = 0) -> int:
    """Where the segment starts, ``seglim`` (``skmem_region.c:510-537``).

    A caller that passes no segment size (``memorySegmentSize`` 0) gets the boot's value (64 or
    80 KiB drawn at boot, or the boot-arg's). A caller's value is rounded up to 16 KiB
    (``P2ROUNDUP(srp_r_seg_size, SKMEM_MIN_SEG_SIZE)``) and never drawn at random. (source)
    """
    if memory_segment_size:
        return p2_round_up(memory_segment_size, SKMEM_MIN_SEG_SIZE)
    return boot_segment_size


@lru_cache(maxsize=4096)
def configured_buffer_size(requested: int, cache_line: int, segment_size: int) -> int:
    """XNU's object-size rule: the buffer size a pool really uses for ``requested``.

    ``segment_size`` is the *starting* segment (:func:`starting_segment_size`). A size that is
    below the cache line, divides it and divides the segment (1, 2, 4, … 32, and 64 on a
    128-byte line) is kept. Any other size is rounded up to the cache line, then grows by one
    cache line at a time until it divides the segment evenly (or reaches it). 1600 → 2048 on
    every profile; 1200 → 2048 on a 64 KiB segment, 1280 on an 80 KiB one; 9000 → 16384 or
    10240. (source: ``skmem_region.c:549-557``)
    """
    size = requested
    small_power_of_two = (
        size < cache_line
        and size < segment_size
        and cache_line % size == 0
        and segment_size % size == 0
    )
    if not small_power_of_two:
        size = p2_round_up(size, cache_line)
        while size < segment_size and segment_size % size != 0:
            size += cache_line
    return size


def magazine_max(chunk_size: int, ncpu: int) -> int:
    """XNU's ``skmem_cache_magazine_max``: the most objects the per-CPU magazines of a cache
    of ``chunk_size`` objects can hold (``skmem_cache.c:1784-1810``). (source)"""
    i = 0
    while chunk_size <= _MAGAZINE_TYPES[i][1]:  # :1794, the type a new cache starts with
        i += 1
    while True:  # :1799-1807, the type magazine resizing can reach for this chunk size
        magazine_size = _MAGAZINE_TYPES[i][0]
        if i == len(_MAGAZINE_TYPES) - 1 or chunk_size >= _MAGAZINE_TYPES[i][2]:
            break
        i += 1
    return ncpu * magazine_size * 2  # :1809, a full and a previous magazine per CPU


class BufferRegion(NamedTuple):
    """What XNU configures for a pool's buffer region (``struct skmem_region_params`` after
    ``skmem_region_params_config``). Build it with :func:`buffer_region`."""

    requested_buffer_size: int  #: ``srp_r_obj_size``
    requested_count: int  #: ``srp_r_obj_cnt``
    start_segment_size: int  #: ``seglim`` when the function starts (boot's or caller's)
    buffer_size: int  #: ``srp_c_obj_size``
    segment_size: int  #: ``srp_c_seg_size``
    segment_count: int  #: ``srp_seg_cnt``
    object_count: int  #: ``srp_c_obj_cnt``: segment bytes / buffer size, over all segments
    magazine_allowance: int  #: objects added for per-CPU magazines (0 below 32 KiB)

    @property
    def buffers_per_segment(self) -> int:
        """``skr_seg_objs = srp_c_seg_size / srp_c_obj_size`` (``skmem_region.c:703``)."""
        return self.segment_size // self.buffer_size

    @property
    def segment_unused_bytes(self) -> int:
        """Bytes at the end of every segment that no buffer uses."""
        return self.segment_size - self.buffers_per_segment * self.buffer_size

    @property
    def region_buffer_count(self) -> int:
        """Buffers the segments hold: ``segment_count × buffers_per_segment``.

        Can be more than asked (whole segments), and, when segments end with unused bytes, less
        than ``object_count`` (which XNU computes over all segments' bytes at once)."""
        return self.segment_count * self.buffers_per_segment

    @property
    def length(self) -> int:
        """Bytes of the whole region: every segment, end to end."""
        return self.segment_count * self.segment_size


def buffer_region(
    buffer_size: int,
    count: int,
    *,
    cache_line: int,
    ncpu: int,
    boot_segment_size: int,
    memory_segment_size: int = 0,
) -> BufferRegion:
    """XNU's ``skmem_region_params_config`` for a pool's buffer region, step by step.

    ``buffer_size`` and ``count`` are what the pool asks for; ``memory_segment_size`` 0 means
    the boot's segment. Line numbers are ``bsd/skywalk/mem/skmem_region.c`` at xnu-11417.121.6
    unless another file is named. Checked against a table computed by XNU's own C code
    (``tests/data/xnu_skmem_golden.csv.gz``). (source; that DriverKit pools come here through
    ``kern_pbufpool_create`` is not documented: XNU exports it and names IOSkywalkFamily as a
    user, whose code is closed)
    """
    objsize, objcnt = buffer_size, count  # :471-474

    # 1. The starting segment: the boot's value, or the caller's rounded to 16 KiB (:510-537).
    seglim = start = starting_segment_size(boot_segment_size, memory_segment_size)

    # 2. The object size, fixed against the STARTING segment (:549-557).
    objsize = configured_buffer_size(objsize, cache_line, seglim)

    # 3. A segment must hold at least one object: grow it by 16 KiB steps (:560-564).
    while objsize > seglim:
        seglim += SKMEM_MIN_SEG_SIZE

    # 4. Per-CPU magazines: the buffer region keeps them only when the REQUESTED size is
    #    32 KiB or more (pbufpool.c:451-458); then their worst case is added (:570-576).
    magazines = 0
    if buffer_size >= KERN_BUF_MIN_STRIDING_SIZE:
        magazines = magazine_max(objsize, ncpu)
    objcnt += magazines

    # 5. The segment follows what the objects need (:581-621).
    segsize = p2_round_up(objsize * objcnt, SKMEM_MIN_SEG_SIZE)
    if seglim > segsize:
        # Shrink by 16 KiB steps, not below 16 KiB (:582-599).
        while seglim > segsize and seglim > SKMEM_MIN_SEG_SIZE:
            seglim = p2_round_up(seglim - SKMEM_MIN_SEG_SIZE, SKMEM_MIN_SEG_SIZE)
        segsize = seglim
    elif seglim < segsize:
        # Grow by 16 KiB steps until it divides what is needed, at most to 1.5× (:600-621).
        grown_from = seglim
        while seglim < segsize and segsize % seglim != 0:
            seglim += SKMEM_MIN_SEG_SIZE
            if seglim >= grown_from + (grown_from >> 1):
                break
        segsize = round_up(segsize, seglim)  # SK_ROUNDUP: seglim need not be a power of two

    # 6. Objects larger than 16 KiB: make room for one more in the segment when it does not
    #    divide it (:637-644); segsize is now a whole number of segments.
    if objsize > SKMEM_MIN_SEG_SIZE:
        if seglim % objsize != 0:
            seglim += seglim - objsize
        segsize = round_up(segsize, seglim)

    # 7. Segment count and the real segment size (:646-647), object count (:654).
    segcnt = max(1, segsize // seglim)
    segsize //= segcnt
    objcnt = segsize * segcnt // objsize

    return BufferRegion(
        requested_buffer_size=buffer_size,
        requested_count=count,
        start_segment_size=start,
        buffer_size=objsize,
        segment_size=segsize,
        segment_count=segcnt,
        object_count=objcnt,
        magazine_allowance=magazines,
    )


@dataclass(frozen=True)
class PoolLayout:
    """The geometry of one pool: sizes, counts, and the offset of every buffer.

    Build it with :meth:`plan`, which checks the parameters the way ``Create`` does and takes
    the region's sizes from :func:`buffer_region` (XNU's arithmetic). ``buffer_count`` is what
    the dext asked for; the region may hold more (``region_buffer_count``), in whole segments.
    """

    requested_buffer_size: int
    buffer_size: int
    packet_count: int
    buffer_count: int
    segment_size: int  #: the configured segment: the one the pool really uses
    cache_line: int
    page_size: int
    boot_segment_size: int  #: the boot's starting value (64 or 80 KiB, or the boot-arg's)
    region: BufferRegion = field(repr=False)
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
    ) -> PoolLayout:
        """Lay out a pool the way ``IOUserNetworkPacketBufferPool.Create`` would on ``boot``.

        ``buffer_count`` defaults to ``packet_count``. ``memory_segment_size`` 0 means the
        boot's segment size; another value is rounded up to 16 KiB and replaces it (source:
        XNU; that the options' ``memorySegmentSize`` reaches XNU as the caller's segment size
        is not documented).
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
        buffer_size = uint32("bufferSize", buffer_size, 1)
        memory_segment_size = uint32(
            "memorySegmentSize", memory_segment_size, 0, MAX_MEMORY_SEGMENT_SIZE
        )
        # The region's bytes are at least the buffers' bytes: refuse before any arithmetic.
        _check_region_bytes(buffer_size * buffer_count, buffer_size, buffer_count)
        region = buffer_region(
            buffer_size,
            buffer_count,
            cache_line=boot.cache_line,
            ncpu=boot.ncpu,
            boot_segment_size=boot.segment_size,
            memory_segment_size=memory_segment_size,
        )
        _check_region_bytes(region.length, buffer_size, buffer_count)
        if region.region_buffer_count < buffer_count:
            raise IOReturnError(
                kIOReturnNoMemory,
                f"bufferCount {buffer_count} of bufferSize {buffer_size}: XNU's arithmetic gives "
                f"{region.segment_count} segment(s) of {region.segment_size} bytes, "
                f"{region.buffers_per_segment} buffers of {region.buffer_size} each "
                f"({region.segment_unused_bytes} bytes unused per segment), room for only "
                f"{region.region_buffer_count}; allowed: a count the segments hold (what a real "
                "Mac does then is unknown; refusing is modelled)",
            )
        return cls(
            requested_buffer_size=int(buffer_size),
            buffer_size=region.buffer_size,
            packet_count=int(packet_count),
            buffer_count=int(buffer_count),
            segment_size=region.segment_size,
            cache_line=boot.cache_line,
            page_size=boot.page_size,
            boot_segment_size=boot.segment_size,
            region=region,
        )

    def __post_init__(self) -> None:
        index = np.arange(self.buffer_count, dtype=np.int64)
        per = self.buffers_per_segment
        offsets = (index // per) * self.segment_size + (index % per) * self.buffer_size
        offsets.setflags(write=False)
        object.__setattr__(self, "_offsets", offsets)

    # -- derived sizes (all from XNU's arithmetic: source) ------------------------------
    @property
    def buffers_per_segment(self) -> int:
        return self.region.buffers_per_segment

    @property
    def segment_count(self) -> int:
        """Segments of the region, as XNU configures them (not only those the asked buffers
        need)."""
        return self.region.segment_count

    @property
    def segment_unused_bytes(self) -> int:
        """Bytes at the end of every segment that no buffer uses."""
        return self.region.segment_unused_bytes

    @property
    def region_buffer_count(self) -> int:
        """Buffers the segments hold; at least ``buffer_count``. The rest are unused."""
        return self.region.region_buffer_count

    @property
    def start_segment_size(self) -> int:
        """The segment XNU starts from: the boot's, or the caller's rounded to 16 KiB."""
        return self.region.start_segment_size

    @property
    def length(self) -> int:
        """Bytes of the pool's memory descriptor: every segment, end to end."""
        return self.region.length

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
            "boot_segment_size": self.boot_segment_size,
            "segment_unused_bytes": self.segment_unused_bytes,
            "segment_count": self.segment_count,
            "region_buffer_count": self.region_buffer_count,
            "page_size": self.page_size,
            "cache_line": self.cache_line,
            "pool_length": self.length,
            "page_count": self.page_count,
            "stride_error": self.stride_error,
        }

    def _index(self, index: int) -> int:
        return c_int("buffer index", index, 0, self.buffer_count - 1)


def _check_region_bytes(length: int, buffer_size: int, buffer_count: int) -> None:
    if length > MAX_REGION_BYTES:
        raise BadArgument(
            f"a pool of {buffer_count} buffers of bufferSize {buffer_size} needs {length} bytes "
            f"of simulated memory; allowed: at most {MAX_REGION_BYTES} bytes per pool "
            "(modelled limit: keeps the simulation in memory)"
        )
