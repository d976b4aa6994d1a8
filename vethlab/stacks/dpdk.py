r"""DPDK: an rte_mempool of mbufs; each mbuf's data buffer follows its 128-byte header.

One mempool object (x86-64, cache line 64, priv_size 0, P = the memory's cache-aligned start)::

    P            P+64              P+192                    P+192+buf_len
    +------------+-----------------+----------+-------------+---------+----
    | objhdr     | struct rte_mbuf | headroom | data ...    | trailer | next object
    | (24 -> 64) | (128) + priv    | data_off |             | (pad)   |
    +------------+-----------------+----------+-------------+---------+----
                 m                 m->buf_addr

    rte_pktmbuf_mtod(m, t) = (t)((char *)(m)->buf_addr + (m)->data_off)

``data_room_size`` (what ``rte_pktmbuf_pool_create`` takes) is ``buf_len`` and INCLUDES the
headroom: 1600 leaves 1600 − 128 = 1472 bytes, too few for a 1514-byte frame. The object size
is header + element + trailer, the trailer padded to a cache line and then, on x86, grown
until the object's cache lines share no factor with channels × ranks (spreading objects over
memory channels); an object that would cross a page is moved to the next page.

Sources: DPDK/dpdk @38f72e5 (``SOURCES``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from math import gcd

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
    "RTE_MBUF_SIZE",
    "DpdkConfig",
    "DpdkLayout",
    "RteMbuf",
    "plan",
    "calc_obj_size",
    "rte_pktmbuf_mtod",
    "rte_pktmbuf_mtod_offset",
    "address",
    "CLASSIC_BUG",
    "classic_bug",
]

NAME = "dpdk"
TITLE = "DPDK (rte_mempool + rte_mbuf)"
#: The first data byte, as the stack writes it (what ``address`` runs).
FORMULA = "rte_pktmbuf_mtod(m, char *)"
REQUEST = "data_room_size"
#: What the stack calls the size it records for a buffer (the shared ``buffer_size``).
BUFFER_SIZE = "buf_len"
COUNT = "n"

RTE_MBUF_SIZE = 128  #: sizeof(struct rte_mbuf)
RTE_MEMPOOL_OBJHDR_SIZE = 24  #: sizeof(struct rte_mempool_objhdr): next, mp, iova
RTE_MBUF_PRIV_ALIGN = 8
RTE_PKTMBUF_HEADROOM = 128
RTE_MBUF_DEFAULT_DATAROOM = 2048
RTE_MBUF_DEFAULT_BUF_SIZE = RTE_MBUF_DEFAULT_DATAROOM + RTE_PKTMBUF_HEADROOM
HUGEPAGE_2M = 2 * 1024 * 1024

_DP = "DPDK/dpdk @38f72e5"

S_FORMULA = Source(
    "rte_pktmbuf_mtod_offset(m, t, o) = (t)((char *)(m)->buf_addr + (m)->data_off + (o))",
    f"{_DP} lib/mbuf/rte_mbuf_core.h:792-807",
)
S_INIT = Source(
    "rte_pktmbuf_init(): buf_addr = m + sizeof(struct rte_mbuf) + priv_size; buf_len = "
    "data_room_size; data_off = RTE_MIN(RTE_PKTMBUF_HEADROOM, buf_len)",
    f"{_DP} lib/mbuf/rte_mbuf.c:77-112",
)
S_DEFAULTS = Source(
    "RTE_MBUF_DEFAULT_DATAROOM 2048; RTE_MBUF_DEFAULT_BUF_SIZE = 2048 + RTE_PKTMBUF_HEADROOM",
    f"{_DP} lib/mbuf/rte_mbuf_core.h:413-415",
)
S_HEADROOM = Source(
    "RTE_PKTMBUF_HEADROOM = meson option pkt_mbuf_headroom, default 128",
    f"{_DP} meson_options.txt:51",
)
S_MBUF_SIZE = Source(
    "sizeof(struct rte_mbuf) is 128 (two cache lines)", f"{_DP} app/test/test_mbuf.c:2780"
)
S_PRIV = Source(
    "priv_size not a multiple of RTE_MBUF_PRIV_ALIGN (8): NULL, rte_errno = EINVAL",
    f"{_DP} lib/mbuf/rte_mbuf.c:238-243",
)
S_ELT = Source(
    "elt_size = sizeof(struct rte_mbuf) + priv_size + data_room_size",
    f"{_DP} lib/mbuf/rte_mbuf.c:244-245",
)
S_OBJ_SIZE = Source(
    "rte_mempool_calc_obj_size(): header to a cache line, element to 8, trailer to a cache "
    "line, then arch_mem_object_align() unless RTE_MEMPOOL_F_NO_SPREAD",
    f"{_DP} lib/mempool/rte_mempool.c:214-262",
)
S_SPREAD = Source(
    "arch_mem_object_align() (x86): grow the object by cache lines until gcd(lines, nchan * "
    "nrank) == 1; nchan 4 and nrank 1 when not set",
    f"{_DP} lib/mempool/rte_mempool.c:89-109",
)
S_PAGES = Source(
    "rte_mempool_op_populate_helper(): an object that would cross a page boundary starts at "
    "the next page",
    f"{_DP} lib/mempool/rte_mempool_ops_default.c:80-136",
)
S_HUGEPAGES = Source(
    "the page is the hugepage size (2 MiB here, the usual x86 hugepage; 4096 models "
    "--no-huge); the memory starts page-aligned",
    f"{_DP} lib/mempool/rte_mempool.c:459-481 (rte_mempool_get_page_size); start: vethlab's choice",
    label="modelled",
)
S_UINT16 = Source(
    "priv_size and data_room_size are uint16_t parameters: larger values do not fit",
    f"{_DP} lib/mbuf/rte_mbuf.c:228-230",
)
S_BUG = Source(
    "code assumed data_off was still the default (after odp_packet_push_head() it was not)",
    "OpenDataPlane/odp#1346",
)

SOURCES = (
    S_FORMULA,
    S_INIT,
    S_DEFAULTS,
    S_HEADROOM,
    S_MBUF_SIZE,
    S_PRIV,
    S_ELT,
    S_OBJ_SIZE,
    S_SPREAD,
    S_PAGES,
    S_HUGEPAGES,
    S_UINT16,
    S_BUG,
)


@dataclass(frozen=True)
class DpdkConfig:
    """``rte_pktmbuf_pool_create(name, n, cache_size, priv_size, data_room_size, socket)``
    and the build and machine values the layout depends on: ``pkt_mbuf_headroom`` (meson),
    ``mem_channels``/``mem_ranks`` (EAL ``-n``/``-r``; 0 = not set), ``spread`` (False =
    RTE_MEMPOOL_F_NO_SPREAD), ``cache_line`` (RTE_CACHE_LINE_SIZE), ``page_size``."""

    data_room_size: int = RTE_MBUF_DEFAULT_BUF_SIZE
    n: int = 8191
    priv_size: int = 0
    pkt_mbuf_headroom: int = RTE_PKTMBUF_HEADROOM
    mem_channels: int = 0
    mem_ranks: int = 0
    spread: bool = True
    cache_line: int = 64
    page_size: int = HUGEPAGE_2M


@dataclass(frozen=True)
class ObjSize:
    """``struct rte_mempool_objsz``."""

    header_size: int
    elt_size: int
    trailer_size: int

    @property
    def total_size(self) -> int:
        return self.header_size + self.elt_size + self.trailer_size


def calc_obj_size(elt_size: int, config: DpdkConfig) -> ObjSize:
    """``rte_mempool_calc_obj_size()`` with x86's ``arch_mem_object_align()``."""
    line = config.cache_line
    header = align_up(RTE_MEMPOOL_OBJHDR_SIZE, line)
    elt = align_up(elt_size, 8)
    trailer = (line - ((header + elt) % line)) % line
    if config.spread:
        nchan = config.mem_channels or 4
        nrank = config.mem_ranks or 1
        lines = (header + elt + trailer + line - 1) // line
        while gcd(lines, nrank * nchan) != 1:
            lines += 1
        trailer = lines * line - header - elt
    return ObjSize(header, elt, trailer)


@dataclass(frozen=True)
class RteMbuf:
    """The fields of ``struct rte_mbuf`` the formulas read (addresses as offsets from P)."""

    addr: int
    buf_addr: int
    data_off: int
    buf_len: int


@dataclass(frozen=True)
class DpdkLayout(StackLayout):
    """A pktmbuf pool: ``n`` objects of ``obj.total_size`` bytes, each an mbuf and its buffer."""

    stack = NAME
    origin = "P = the mempool memory chunk's start (page-aligned: modelled)"

    config: DpdkConfig
    obj: ObjSize
    buf_len: int
    data_off: int
    provenance: dict = field(repr=False, compare=False, default_factory=dict)
    _objects: tuple = field(repr=False, compare=False, default=())

    def __post_init__(self) -> None:
        # rte_mempool_op_populate_helper(): objects one after another, never across a page
        total, page = self.obj.total_size, self.config.page_size
        objects, off = [], 0
        for _ in range(self.config.n):
            if total <= page and off // page != (off + total - 1) // page:
                off = align_up(off, page)
            objects.append(off + self.obj.header_size)
            off += total
        object.__setattr__(self, "_objects", tuple(objects))

    # -- shared interface -------------------------------------------------------------------
    @property
    def requested_buffer_size(self) -> int:
        return self.config.data_room_size

    @property
    def buffer_size(self) -> int:
        return self.buf_len

    @property
    def stride(self) -> int:
        return self.obj.total_size

    @property
    def headroom(self) -> int:
        return self.data_off

    @property
    def first_data_offset(self) -> int:
        return self.data_off

    @property
    def usable_size(self) -> int:
        return self.buf_len - self.data_off

    @property
    def buffer_count(self) -> int:
        return self.config.n

    @property
    def memory_size(self) -> int:
        return self._objects[-1] - self.obj.header_size + self.obj.total_size

    def mbuf_offset(self, index: int) -> int:
        """Offset of mbuf ``index`` (the ``struct rte_mbuf``, after the object header)."""
        return self._objects[self._check_index(index)]

    def _buffer_offset(self, index: int) -> int:
        return self._objects[index] + RTE_MBUF_SIZE + self.config.priv_size

    def regions(self) -> tuple[Region, ...]:
        """One mempool object around ``buf_addr``: the object header, ``struct rte_mbuf``, the
        private area, ``data_off`` bytes of headroom, the data, and the trailer (the 8-byte
        alignment of the element and the cache lines that spread objects)."""
        priv = self.config.priv_size
        mbuf = -(RTE_MBUF_SIZE + priv)
        header = mbuf - self.obj.header_size
        regions = (
            Region(header, mbuf, "metadata", "rte_mempool_objhdr"),
            Region(mbuf, -priv, "metadata", "struct rte_mbuf"),
            Region(-priv, 0, "metadata", "priv_size"),
            Region(0, self.data_off, "headroom", "data_off (headroom)"),
            Region(self.data_off, self.buf_len, "data", "buf_len − data_off"),
            Region(self.buf_len, header + self.obj.total_size, "pad", "trailer"),
        )
        return tuple(r for r in regions if r.size)

    def mbuf(self, index: int, data_off: int | None = None) -> RteMbuf:
        """mbuf ``index`` as ``rte_pktmbuf_init()`` leaves it (or with another ``data_off``,
        as ``rte_pktmbuf_prepend``/``adj`` leave it)."""
        return RteMbuf(
            self.mbuf_offset(index),
            self.buffer_offset(index),
            self.data_off if data_off is None else data_off,
            self.buf_len,
        )

    def own_fields(self, count: int | None = None) -> dict:
        n = self._count(count)
        return {
            "buf_len": self.buf_len,
            "data_off": self.data_off,
            "priv_size": self.config.priv_size,
            "RTE_PKTMBUF_HEADROOM": self.config.pkt_mbuf_headroom,
            "sizeof_rte_mbuf": RTE_MBUF_SIZE,
            "elt_size": RTE_MBUF_SIZE + self.config.priv_size + self.config.data_room_size,
            "header_size": self.obj.header_size,
            "trailer_size": self.obj.trailer_size,
            "total_size": self.obj.total_size,
            "mem_channels": self.config.mem_channels or 4,
            "mem_ranks": self.config.mem_ranks or 1,
            "page_size": self.config.page_size,
            "mbuf": [self._objects[i] for i in range(n)],
            "buf_addr": [self._buffer_offset(i) for i in range(n)],
        }


def plan(config: DpdkConfig | None = None, **overrides) -> DpdkLayout:
    """The pool ``rte_pktmbuf_pool_create()`` makes, with its checks and DPDK's sizes."""
    config = replace(config or DpdkConfig(), **overrides)
    call = "rte_pktmbuf_pool_create()"
    for name in ("data_room_size", "priv_size"):
        value = getattr(config, name)
        if not 0 <= value <= 0xFFFF:  # not DPDK's refusal: C would silently truncate
            raise ValueError(
                f"{name} {value} does not fit rte_pktmbuf_pool_create()'s uint16_t "
                f"parameter (C would pass {value & 0xFFFF}) [{S_UINT16.where}]"
            )
    if config.n < 1 or config.cache_line < 8 or config.page_size < 1:
        raise ValueError("n must be at least 1, cache_line at least 8, page_size positive")
    if config.pkt_mbuf_headroom < 0 or config.mem_channels < 0 or config.mem_ranks < 0:
        raise ValueError("pkt_mbuf_headroom, mem_channels and mem_ranks are unsigned")
    if config.priv_size % RTE_MBUF_PRIV_ALIGN:
        raise StackError(
            NAME,
            call,
            "EINVAL",
            f"mbuf priv_size={config.priv_size} is not aligned (to {RTE_MBUF_PRIV_ALIGN})",
            S_PRIV,
            returns="NULL, rte_errno = EINVAL",
        )
    elt = RTE_MBUF_SIZE + config.priv_size + config.data_room_size
    return DpdkLayout(
        config=config,
        obj=calc_obj_size(elt, config),
        buf_len=config.data_room_size,
        data_off=min(config.pkt_mbuf_headroom, config.data_room_size),
        provenance={
            "buffer_size": S_INIT,
            "usable_size": S_INIT,
            "stride": S_SPREAD if config.spread else S_OBJ_SIZE,
            "headroom": S_HEADROOM,
            "first_data_offset": S_INIT,
            "buffer_offsets": S_PAGES,
            "memory_size": S_HUGEPAGES,
        },
    )


# -- the formulas, as rte_mbuf_core.h writes them --------------------------------------------
def rte_pktmbuf_mtod_offset(m: RteMbuf, o: int) -> int:
    """``((char *)(m)->buf_addr + (m)->data_off + (o))``"""
    return m.buf_addr + m.data_off + o


def rte_pktmbuf_mtod(m: RteMbuf) -> int:
    """``rte_pktmbuf_mtod_offset(m, t, 0)``"""
    return rte_pktmbuf_mtod_offset(m, 0)


def address(layout: DpdkLayout, index: int) -> int:
    """Offset of mbuf ``index``'s first data byte, by DPDK's own formula."""
    return rte_pktmbuf_mtod(layout.mbuf(index))


# -- the classic bug --------------------------------------------------------------------------
CLASSIC_BUG = ClassicBug(
    stack=NAME,
    name="data_off assumed to be the default (an offset taken for a constant)",
    description=(
        "data_off starts at RTE_PKTMBUF_HEADROOM but rte_pktmbuf_prepend(), adj() and some "
        "drivers move it. Code that finds the data at buf_addr + RTE_PKTMBUF_HEADROOM instead "
        "of rte_pktmbuf_mtod() is off by (RTE_PKTMBUF_HEADROOM − data_off) once data_off "
        "moved: OpenDataPlane fixed a check that 'didn't detect a scenario where data offset "
        "was not at default value'."
    ),
    code=(
        "/* a DPDK application's code (C) */\n"
        "rte_pktmbuf_prepend(m, 14);                                   /* data_off 128 -> 114 */\n"
        "char *eth = (char *)m->buf_addr + RTE_PKTMBUF_HEADROOM;       /* 14 bytes late */\n"
        "/* right: rte_pktmbuf_mtod(m, char *) */\n"
    ),
    language="c",
    report="OpenDataPlane/odp#1346",
    label="source",
)


def classic_bug(layout: DpdkLayout, index: int, prepended: int = 14) -> BugResult:
    """mbuf ``index`` after ``rte_pktmbuf_prepend(m, prepended)``, read at buf_addr +
    RTE_PKTMBUF_HEADROOM: off by ``prepended`` bytes."""
    moved = layout.mbuf(index, data_off=layout.data_off - prepended)
    if moved.data_off < 0:
        raise ValueError(f"prepend {prepended} exceeds the headroom {layout.data_off}")
    return BugResult(
        CLASSIC_BUG,
        index,
        rte_pktmbuf_mtod(moved),
        moved.buf_addr + layout.config.pkt_mbuf_headroom,
    )
