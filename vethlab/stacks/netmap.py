r"""netmap: buffers of one size in one run, found by index (``NETMAP_BUF``).

The buffer pool, as an application sees it through its mmap (B = ring + ring->buf_ofs)::

    B                 B+nr_buf_size        B+2*nr_buf_size
    +-----------------+-----------------+-----------------+---- ... (clusters of whole pages)
    | buf_idx 0       | buf_idx 1       | buf_idx 2       |
    | (reserved)      | (reserved)      | data at +0      |
    +-----------------+-----------------+-----------------+----

    NETMAP_BUF(ring, i) = (char *)ring + ring->buf_ofs + i * ring->nr_buf_size

``buf_size`` (the sysctl ``dev.netmap.buf_size``) is rounded up to 64 bytes and must land in
64..65536; the pool is made of clusters, each the fewest buffers that fill whole pages
(1600 bytes: 64 buffers in 25 pages). There is no headroom: data starts at the buffer, unless
the application asks for per-slot offsets (``NETMAP_REQ_OPT_OFFSETS``).

Sources: luigirizzo/netmap @89607e1 (``SOURCES``). Offsets here are from B.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from vethlab.stacks.base import (
    BugResult,
    ClassicBug,
    Region,
    Source,
    StackError,
    StackLayout,
    align_up,
)

__all__ = [
    "NAME",
    "TITLE",
    "FORMULA",
    "REQUEST",
    "BUFFER_SIZE",
    "COUNT",
    "SOURCES",
    "NetmapConfig",
    "NetmapLayout",
    "NetmapRing",
    "NetmapSlot",
    "plan",
    "NETMAP_BUF",
    "NETMAP_BUF_IDX",
    "NETMAP_ROFFSET",
    "NETMAP_BUF_OFFSET",
    "address",
    "CLASSIC_BUG",
    "classic_bug",
]

NAME = "netmap"
TITLE = "netmap"
#: The first data byte, as the stack writes it (what ``address`` runs).
FORMULA = "NETMAP_BUF_OFFSET(ring, slot)"
#: The config field ``vethlab layout --buffer-size`` sets, and the one ``--packets`` sets.
REQUEST = "buf_size"
#: What the stack calls the size it records for a buffer (the shared ``buffer_size``).
BUFFER_SIZE = "nr_buf_size"
COUNT = "buf_num"

_NM = "luigirizzo/netmap @89607e1"
_MEM2 = f"{_NM} sys/dev/netmap/netmap_mem2.c"

S_FORMULA = Source(
    "NETMAP_BUF(ring, index) = (char *)ring + ring->buf_ofs + index * ring->nr_buf_size",
    f"{_NM} sys/net/netmap_user.h:119-120",
)
S_OFFSET_FORMULA = Source(
    "NETMAP_BUF_OFFSET(ring, slot) = NETMAP_BUF(ring, slot->buf_idx) + (slot->ptr & "
    "ring->offset_mask)",
    f"{_NM} sys/net/netmap_user.h:126-139",
)
S_DEFAULT_SIZE = Source("buf_size defaults to 2048", f"{_MEM2}:574")
S_DEFAULT_NUM = Source("buf_num defaults to NETMAP_BUF_MAX_NUM = 20*4096*2", f"{_MEM2}:75, 575")
S_TOO_BIG = Source(
    "objsize >= MAX_CLUSTSIZE (4 MiB): EINVAL, 'unsupported allocation'", f"{_MEM2}:1337-1343"
)
S_ROUND = Source(
    "objsize rounded up to LINE_ROUND = NM_BUF_ALIGN = 64",
    f"{_MEM2}:1338, 1344-1349; sys/dev/netmap/netmap_kern.h:1952",
)
S_SIZE_RANGE = Source(
    "buffer objsize must be in [objminsize 64, objmaxsize 65536] after rounding, else EINVAL",
    f"{_MEM2}:557-558, 1350-1354",
)
S_NUM_RANGE = Source(
    "buffer objtotal must be in [nummin 4, nummax 1000000], else EINVAL",
    f"{_MEM2}:559-560, 1355-1359",
)
S_CLUSTER = Source(
    "a cluster is the fewest objects that fill whole pages; objtotal is rounded up to whole "
    "clusters",
    f"{_MEM2}:1366-1397",
)
S_RESERVED = Source("buffers 0 and 1 are reserved", f"{_MEM2}:456-464")
S_NR_BUF_SIZE = Source(
    "ring->nr_buf_size = netmap_mem_bufsize() (the rounded objsize)", f"{_MEM2}:2016-2017"
)
S_NO_HEADROOM = Source(
    "no headroom: data starts at the buffer ('Netmap does not support headroom' before the "
    "offsets option)",
    "tbarbette/fastclick#82; " + f"{_NM} sys/net/netmap_user.h:119-120",
)
S_OFFSETS = Source(
    "NETMAP_REQ_OPT_OFFSETS: EINVAL if offset_bits > 64, max_offset > buf size, max_offset "
    "does not fit the bits, or initial_offset > max_offset",
    f"{_NM} sys/dev/netmap/netmap.c:2292-2360 (netmap_offsets_init)",
)
S_BUG = Source(
    "nr_buf_size written through a uint16_t pointer: 16 of its 32 bits set, offsets wrong",
    "luigirizzo/netmap#391",
)

SOURCES = (
    S_FORMULA,
    S_OFFSET_FORMULA,
    S_DEFAULT_SIZE,
    S_DEFAULT_NUM,
    S_TOO_BIG,
    S_ROUND,
    S_SIZE_RANGE,
    S_NUM_RANGE,
    S_CLUSTER,
    S_RESERVED,
    S_NR_BUF_SIZE,
    S_NO_HEADROOM,
    S_OFFSETS,
    S_BUG,
)

LINE_ROUND = 64  #: NM_BUF_ALIGN
MAX_CLUSTSIZE = 1 << 22
OBJMINSIZE, OBJMAXSIZE = 64, 65536
NUMMIN, NUMMAX = 4, 1_000_000
NETMAP_BUF_MAX_NUM = 20 * 4096 * 2
RESERVED_BUFFERS = (0, 1)


@dataclass(frozen=True)
class NetmapConfig:
    """What a netmap user sets: the global allocator's sysctls and the offsets option.

    ``max_offset``/``initial_offset``/``offset_bits`` are ``struct nmreq_opt_offsets``'s
    ``nro_max_offset``, ``nro_initial_offset``, ``nro_offset_bits`` (all 0: option not used).
    """

    buf_size: int = 2048
    buf_num: int = NETMAP_BUF_MAX_NUM
    page_size: int = 4096
    max_offset: int = 0
    initial_offset: int = 0
    offset_bits: int = 0


@dataclass(frozen=True)
class NetmapRing:
    """The fields of ``struct netmap_ring`` that ``NETMAP_BUF`` reads (addresses as offsets)."""

    addr: int
    buf_ofs: int
    nr_buf_size: int
    offset_mask: int = 0


@dataclass(frozen=True)
class NetmapSlot:
    """The fields of ``struct netmap_slot`` the formulas read."""

    buf_idx: int
    ptr: int = 0


@dataclass(frozen=True)
class NetmapLayout(StackLayout):
    """The buffer pool ``plan`` made: its stride is ``nr_buf_size``."""

    stack = NAME
    origin = "B = (char *)ring + ring->buf_ofs"

    config: NetmapConfig
    nr_buf_size: int
    clustentries: int
    clustsize: int
    numclusters: int
    objtotal: int
    offset_mask: int
    provenance: dict = field(repr=False, compare=False, default_factory=dict)

    # -- shared interface -------------------------------------------------------------------
    @property
    def requested_buffer_size(self) -> int:
        return self.config.buf_size

    @property
    def buffer_size(self) -> int:
        return self.nr_buf_size

    @property
    def stride(self) -> int:
        return self.nr_buf_size

    @property
    def headroom(self) -> int:
        return 0

    @property
    def first_data_offset(self) -> int:
        return self.config.initial_offset

    @property
    def usable_size(self) -> int:
        return self.nr_buf_size - self.config.initial_offset

    @property
    def buffer_count(self) -> int:
        return self.objtotal

    @property
    def memory_size(self) -> int:
        return self.numclusters * self.clustsize

    def _buffer_offset(self, index: int) -> int:
        return NETMAP_BUF(self.ring(), index)

    def regions(self) -> tuple[Region, ...]:
        """The slot's offset (``slot->ptr``, with NETMAP_REQ_OPT_OFFSETS), then the data."""
        first = self.config.initial_offset
        regions = (
            Region(0, first, "headroom", "slot->ptr offset"),
            Region(first, self.nr_buf_size, "data", "nr_buf_size"),
        )
        return tuple(r for r in regions if r.size)

    def own_fields(self, count: int | None = None) -> dict:
        return {
            "nr_buf_size": self.nr_buf_size,
            "buf_idx": list(range(self._count(count))),
            "reserved_buf_idx": list(RESERVED_BUFFERS),
            "objtotal": self.objtotal,
            "clustentries": self.clustentries,
            "clustsize": self.clustsize,
            "numclusters": self.numclusters,
            "offset_mask": self.offset_mask,
            "nro_initial_offset": self.config.initial_offset,
            "page_size": self.config.page_size,
        }

    # -- the stack's own objects ----------------------------------------------------------
    def ring(self, buf_ofs: int = 0) -> NetmapRing:
        """A ring whose buffers start at B (offset 0): the ring sits ``buf_ofs`` before."""
        return NetmapRing(-buf_ofs, buf_ofs, self.nr_buf_size, self.offset_mask)

    def slot(self, index: int) -> NetmapSlot:
        """Slot holding buffer ``index`` with the initial offset in ``ptr``."""
        return NetmapSlot(self._check_index(index), self.config.initial_offset)


def _refuse(reason: str, source: Source, call: str = "netmap_config_obj_allocator()"):
    return StackError(NAME, call, "EINVAL", reason, source, returns="EINVAL")


def plan(config: NetmapConfig | None = None, **overrides) -> NetmapLayout:
    """The netmap buffer pool for ``config`` (fields may be given as keywords), with
    netmap's checks: ``netmap_config_obj_allocator()`` and ``netmap_offsets_init()``."""
    config = replace(config or NetmapConfig(), **overrides)
    objsize, objtotal, page = config.buf_size, config.buf_num, config.page_size
    if objsize < 0 or objtotal < 0 or page <= 0:
        raise ValueError("buf_size and buf_num are unsigned; page_size must be positive")
    if objsize >= MAX_CLUSTSIZE:
        raise _refuse(f"unsupported allocation for {objsize} bytes", S_TOO_BIG)
    objsize = align_up(objsize, LINE_ROUND)
    if not OBJMINSIZE <= objsize <= OBJMAXSIZE:
        raise _refuse(
            f"requested objsize {objsize} out of range [{OBJMINSIZE}, {OBJMAXSIZE}]", S_SIZE_RANGE
        )
    if not NUMMIN <= objtotal <= NUMMAX:
        raise _refuse(
            f"requested objtotal {objtotal} out of range [{NUMMIN}, {NUMMAX}]", S_NUM_RANGE
        )
    clustentries = 0
    i = 1
    while i * objsize <= MAX_CLUSTSIZE:
        if (i * objsize) % page == 0:
            clustentries = i
            break
        i += 1
    if clustentries == 0:
        raise _refuse(f"unsupported allocation for {objsize} bytes", S_CLUSTER)
    numclusters = -(-objtotal // clustentries)
    mask = _check_offsets(config, objsize)
    return NetmapLayout(
        config=config,
        nr_buf_size=objsize,
        clustentries=clustentries,
        clustsize=clustentries * objsize,
        numclusters=numclusters,
        objtotal=numclusters * clustentries,
        offset_mask=mask,
        provenance={
            "buffer_size": S_ROUND,
            "stride": S_FORMULA,
            "headroom": S_NO_HEADROOM,
            "first_data_offset": S_OFFSET_FORMULA,
            "buffer_count": S_CLUSTER,
            "memory_size": S_CLUSTER,
        },
    )


def _check_offsets(config: NetmapConfig, buf_size: int) -> int:
    """``netmap_offsets_init()``'s checks; the offset mask (0 without the option)."""
    if not (config.max_offset or config.initial_offset or config.offset_bits):
        return 0
    call = "netmap_offsets_init()"
    bits = config.offset_bits
    if bits > 64 or bits < 0:
        raise _refuse(f"bits: {bits} too large (max 64)", S_OFFSETS, call)
    mask = (1 << 64) - 1 if bits in (0, 64) else (1 << bits) - 1
    if config.max_offset > buf_size:
        raise _refuse(f"max offset {config.max_offset} > buf size {buf_size}", S_OFFSETS, call)
    if config.max_offset & mask != config.max_offset:
        raise _refuse(f"max offset {config.max_offset} to large for {bits} bits", S_OFFSETS, call)
    if config.initial_offset > config.max_offset:
        raise _refuse(
            f"initial offset {config.initial_offset} > max offset {config.max_offset}",
            S_OFFSETS,
            call,
        )
    return mask


# -- the formulas, as netmap_user.h writes them ----------------------------------------------
def NETMAP_BUF(ring: NetmapRing, index: int) -> int:
    """``((char *)(ring) + (ring)->buf_ofs + ((size_t)(index)*(ring)->nr_buf_size))``"""
    return ring.addr + ring.buf_ofs + index * ring.nr_buf_size


def NETMAP_BUF_IDX(ring: NetmapRing, buf: int) -> int:
    """``(((char *)(buf) - ((char *)(ring) + (ring)->buf_ofs)) / (ring)->nr_buf_size)``"""
    return (buf - (ring.addr + ring.buf_ofs)) // ring.nr_buf_size


def NETMAP_ROFFSET(ring: NetmapRing, slot: NetmapSlot) -> int:
    """``((slot)->ptr & (ring)->offset_mask)``"""
    return slot.ptr & ring.offset_mask


def NETMAP_BUF_OFFSET(ring: NetmapRing, slot: NetmapSlot) -> int:
    """``(NETMAP_BUF(ring, (slot)->buf_idx) + NETMAP_ROFFSET(ring, slot))``"""
    return NETMAP_BUF(ring, slot.buf_idx) + NETMAP_ROFFSET(ring, slot)


def address(layout: NetmapLayout, index: int) -> int:
    """Offset of buffer ``index``'s first data byte, by netmap's own formula."""
    return NETMAP_BUF_OFFSET(layout.ring(), layout.slot(index))


# -- the classic bug --------------------------------------------------------------------------
CLASSIC_BUG = ClassicBug(
    stack=NAME,
    name="half-written nr_buf_size (a wrong stride)",
    description=(
        "netmap wrote ring->nr_buf_size (32 bits) through a uint16_t pointer, so its upper "
        "16 bits kept whatever was there: 'buffer offsets were incorrectly calculated and "
        "invalid memory accesses occurred'. Every NETMAP_BUF(ring, i) is off by i times the "
        "stale upper half (× 65536)."
    ),
    code=(
        "/* netmap's code (C) before luigirizzo/netmap#391, netmap_mem2_rings_create() */\n"
        "*(uint16_t *)(uintptr_t)&ring->nr_buf_size = netmap_mem_bufsize(na->nm_mem);\n"
        "/* the application's code (C): the stride it reads is wrong */\n"
        "char *buf = NETMAP_BUF(ring, slot->buf_idx);\n"
    ),
    language="c",
    report="luigirizzo/netmap#391",
    label="source",
)


def classic_bug(layout: NetmapLayout, index: int, stale_upper: int = 1) -> BugResult:
    """NETMAP_BUF with a half-written ``nr_buf_size``: low 16 bits right, upper 16 bits
    ``stale_upper`` (whatever was in memory: a modelled value). Note that 65536 has a low
    half of 0, so with ``stale_upper=0`` every buffer aliases buffer 0."""
    good = layout.ring()
    bad_size = ((stale_upper & 0xFFFF) << 16) | (layout.nr_buf_size & 0xFFFF)
    bad = replace(good, nr_buf_size=bad_size)
    slot = layout.slot(index)
    return BugResult(
        CLASSIC_BUG, index, NETMAP_BUF_OFFSET(good, slot), NETMAP_BUF_OFFSET(bad, slot)
    )
