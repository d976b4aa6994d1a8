r"""FreeBSD mbufs: a small mbuf, or an mbuf with a cluster; ``m_data`` is the first byte.

``m_get2(1600, M_NOWAIT, MT_DATA, M_PKTHDR)`` on amd64::

    mbuf (MSIZE 256, from zone_pack)          cluster (MCLBYTES 2048)
    +--------+--------+------------+          +----------------------------------+
    | m_hdr  | pkthdr | m_ext ---------------> | data ...                         |
    | 32     | 56     | ext_buf    |          +----------------------------------+
    +--------+--------+------------+          m_data = ext_buf (+2 after m_adj(m, ETHER_ALIGN))

    mtod(m, t) = (t)((m)->m_data)

``m_get2`` picks the smallest storage that fits: the mbuf's own data area (MHLEN 168 with a
packet header, MLEN 224 without), a 2048-byte cluster, a page-sized cluster; above a page
it returns NULL. There is no headroom: a driver that wants its IP header aligned sets
``m_len`` and calls ``m_adj(m, ETHER_ALIGN)``, moving ``m_data`` 2 bytes in.

Which clusters UMA hands out, and whether consecutive ones are adjacent, is not in any source
we read: here they are end to end (modelled).
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
)

__all__ = [
    "NAME",
    "TITLE",
    "FORMULA",
    "REQUEST",
    "BUFFER_SIZE",
    "COUNT",
    "SOURCES",
    "MbufConfig",
    "MbufLayout",
    "Mbuf",
    "plan",
    "mtod",
    "mtodo",
    "M_LEADINGSPACE",
    "address",
    "CLASSIC_BUG",
    "classic_bug",
]

NAME = "mbuf"
TITLE = "FreeBSD mbufs"
#: The first data byte, as the stack writes it (what ``address`` runs).
FORMULA = "mtod(m, char *)"
REQUEST = "size"
#: What the stack calls the size it records for a buffer (the shared ``buffer_size``).
BUFFER_SIZE = "ext_size (the cluster size)"
COUNT = "count"

MSIZE = 256
MCLBYTES = 2048
ETHER_ALIGN = 2
MHSIZE_LP64 = 32  #: offsetof(struct mbuf, m_dat): the m_hdr part, LP64
PKTHDR_LP64 = 56  #: sizeof(struct pkthdr), LP64

_FB = "freebsd/freebsd-src"
_MBUFH = f"{_FB} @016e194 sys/sys/mbuf.h"

S_MTOD = Source(
    "mtod(m, t) = (t)((m)->m_data); mtodo(m, o) = m_data + o", f"{_MBUFH} (mtod, mtodo)"
)
S_LENS = Source(
    "MLEN = MSIZE - MHSIZE, MHLEN = MSIZE - MPKTHSIZE; mbuf header 32 bytes and pkthdr 56 on "
    "LP64 (compile-time assertions): MLEN 224, MHLEN 168",
    f"{_MBUFH} (MHSIZE, MPKTHSIZE, MLEN, MHLEN; struct pkthdr, struct mbuf comments)",
)
S_SIZES = Source(
    "MSIZE 256, MCLBYTES = 1 << MCLSHIFT = 2048, MJUMPAGESIZE = PAGE_SIZE",
    f"{_FB} @0010db7 sys/sys/param.h",
)
S_GET2 = Source(
    "m_get2(): size <= MHLEN (or <= MLEN without M_PKTHDR): an mbuf; <= MCLBYTES: mbuf + "
    "cluster from zone_pack; > MJUMPAGESIZE: NULL; else mbuf + page cluster",
    f"{_FB} @0007ba0 sys/kern/kern_mbuf.c m_get2()",
)
S_NO_HEADROOM = Source(
    "m_cljset() sets m_data = ext_buf: no headroom; M_LEADINGSPACE(m) = m_data - M_START(m)",
    f"{_MBUFH} (M_LEADINGSPACE, M_START); {_FB} sys/kern/kern_mbuf.c m_cljset()",
)
S_ETHER_ALIGN = Source(
    "drivers set m_len and m_adj(m, ETHER_ALIGN) (2) so that the IP header is aligned",
    f"{_FB} sys/net/ethernet.h (ETHER_ALIGN comment)",
)
S_ORDER = Source(
    "consecutive mbufs/clusters are adjacent, in allocation order (UMA's order is not known)",
    "vethlab's choice",
    label="modelled",
)
S_BUG = Source(
    "the cluster's start (ext_buf) read for the data after m_adj moved m_data",
    "vethlab's example (no public report found)",
    label="modelled",
)

SOURCES = (S_MTOD, S_LENS, S_SIZES, S_GET2, S_NO_HEADROOM, S_ETHER_ALIGN, S_ORDER, S_BUG)


@dataclass(frozen=True)
class MbufConfig:
    """``m_get2(size, how, type, flags)`` ``count`` times, with ``pkthdr`` (M_PKTHDR in
    flags), then the driver idiom ``m->m_len = size_of_storage; m_adj(m, adj)``."""

    size: int = MCLBYTES
    pkthdr: bool = True
    adj: int = 0
    count: int = 32
    page_size: int = 4096

    @property
    def mlen(self) -> int:
        return MSIZE - MHSIZE_LP64

    @property
    def mhlen(self) -> int:
        return MSIZE - MHSIZE_LP64 - PKTHDR_LP64


@dataclass(frozen=True)
class Mbuf:
    """The fields the formulas read: ``m_data`` (the first byte), ``m_len``, the storage's
    start (M_START: ``m_ext.ext_buf`` for a cluster) and ``m_ext.ext_size``."""

    m_data: int
    m_len: int
    start: int
    ext_size: int


@dataclass(frozen=True)
class MbufLayout(StackLayout):
    """``count`` storages of ``storage_size`` bytes: clusters, or mbufs' own data areas."""

    stack = NAME
    origin = "C = the first cluster (or mbuf) handed out (adjacency modelled)"

    config: MbufConfig
    zone: str
    storage_size: int
    stride_bytes: int
    storage_start: int
    provenance: dict = field(repr=False, compare=False, default_factory=dict)

    @property
    def has_cluster(self) -> bool:
        return self.zone != "zone_mbuf"

    # -- shared interface -------------------------------------------------------------------
    @property
    def requested_buffer_size(self) -> int:
        return self.config.size

    @property
    def buffer_size(self) -> int:
        return self.storage_size

    @property
    def stride(self) -> int:
        return self.stride_bytes

    @property
    def headroom(self) -> int:
        return self.config.adj

    @property
    def first_data_offset(self) -> int:
        return self.config.adj

    @property
    def usable_size(self) -> int:
        return self.storage_size - self.config.adj

    @property
    def buffer_count(self) -> int:
        return self.config.count

    @property
    def memory_size(self) -> int:
        return self.buffer_count * self.stride_bytes

    def _buffer_offset(self, index: int) -> int:
        return index * self.stride_bytes + self.storage_start

    def regions(self) -> tuple[Region, ...]:
        """A cluster: the ``m_adj`` bytes, then data. A small mbuf: its header (``m_hdr``,
        ``pkthdr``) before its own data area."""
        adj, start = self.config.adj, self.storage_start
        regions = (
            Region(-start, 0, "metadata", "struct mbuf header"),
            Region(0, adj, "headroom", "m_adj (ETHER_ALIGN)"),
            Region(adj, self.storage_size, "data", "ext_size" if self.has_cluster else "M_dat"),
        )
        return tuple(r for r in regions if r.size)

    def mbuf(self, index: int) -> Mbuf:
        """Storage ``index`` after the driver idiom: ``m_len`` = storage, ``m_adj(m, adj)``."""
        start = self.buffer_offset(index)
        return Mbuf(start + self.config.adj, self.usable_size, start, self.storage_size)

    def own_fields(self, count: int | None = None) -> dict:
        n = self._count(count)
        return {
            "zone": self.zone,
            "M_EXT": self.has_cluster,
            "ext_size": self.storage_size if self.has_cluster else None,
            "MHLEN": self.config.mhlen,
            "MLEN": self.config.mlen,
            "m_adj": self.config.adj,
            "M_LEADINGSPACE": self.config.adj,
            "ext_buf": [self._buffer_offset(i) for i in range(n)] if self.has_cluster else None,
            "m_data": [self._buffer_offset(i) + self.config.adj for i in range(n)],
        }


def plan(config: MbufConfig | None = None, **overrides) -> MbufLayout:
    """The storage ``m_get2(size, ...)`` picks, ``count`` times, then ``m_adj(m, adj)``."""
    c = replace(config or MbufConfig(), **overrides)
    if c.size < 0 or c.adj < 0 or c.count < 1:
        raise ValueError("size and adj are non-negative here; count must be at least 1")
    if c.size <= c.mhlen or (c.size <= c.mlen and not c.pkthdr):
        zone = "zone_mbuf"
        storage = c.mhlen if c.pkthdr else c.mlen
        stride, start = MSIZE, MSIZE - storage
    elif c.size <= MCLBYTES:
        zone, storage, stride, start = "zone_pack", MCLBYTES, MCLBYTES, 0
    elif c.size > c.page_size:
        raise StackError(
            NAME,
            "m_get2()",
            None,
            f"size {c.size} is above MJUMPAGESIZE ({c.page_size})",
            S_GET2,
            returns="NULL",
        )
    else:
        zone, storage, stride, start = "zone_jumbop", c.page_size, c.page_size, 0
    if c.adj > storage:  # m_adj trims at most m_len bytes; the model refuses instead
        raise ValueError(f"m_adj {c.adj} is more than the {storage} bytes of storage")
    return MbufLayout(
        config=c,
        zone=zone,
        storage_size=storage,
        stride_bytes=stride,
        storage_start=start,
        provenance={
            "buffer_size": S_GET2,
            "stride": S_ORDER,
            "headroom": S_NO_HEADROOM,
            "first_data_offset": S_ETHER_ALIGN if c.adj else S_NO_HEADROOM,
            "buffer_offsets": S_ORDER,
            "usable_size": S_LENS if zone == "zone_mbuf" else S_SIZES,
        },
    )


# -- the formulas, as mbuf.h writes them ------------------------------------------------------
def mtod(m: Mbuf) -> int:
    """``((t)((m)->m_data))``"""
    return m.m_data


def mtodo(m: Mbuf, o: int) -> int:
    """``((void *)(((m)->m_data) + (o)))``"""
    return m.m_data + o


def M_LEADINGSPACE(m: Mbuf) -> int:
    """``m->m_data - M_START(m)`` (for writable storage)."""
    return m.m_data - m.start


def address(layout: MbufLayout, index: int) -> int:
    """Offset of storage ``index``'s first data byte: ``mtod(m, char *)``."""
    return mtod(layout.mbuf(index))


# -- the classic bug (modelled: no public report) --------------------------------------------
CLASSIC_BUG = ClassicBug(
    stack=NAME,
    name="ext_buf read for the data (a forgotten m_adj)",
    description=(
        "After m_adj(m, ETHER_ALIGN) the frame starts 2 bytes into the cluster. Code that "
        "reads the frame at m->m_ext.ext_buf, the cluster's start, instead of mtod(m, ...) "
        "is ETHER_ALIGN bytes early. (No public report found: modelled.)"
    ),
    code=(
        "/* a FreeBSD driver's code (C) */\n"
        "m->m_len = m->m_pkthdr.len = MCLBYTES;\n"
        "m_adj(m, ETHER_ALIGN);\n"
        "struct ether_header *eh = (struct ether_header *)m->m_ext.ext_buf;  /* 2 early */\n"
        "/* right: eh = mtod(m, struct ether_header *); */\n"
    ),
    language="c",
    report=None,
    label="modelled",
)


def classic_bug(layout: MbufLayout, index: int) -> BugResult:
    """Storage ``index``'s frame read at the storage's start instead of ``m_data``."""
    m = layout.mbuf(index)
    return BugResult(CLASSIC_BUG, index, mtod(m), m.start)
