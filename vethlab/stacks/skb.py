r"""Linux sk_buff: a head from kmalloc (or a page fragment), its shared info at the end.

One head, ``alloc_skb(1600)`` on x86-64 (64-byte lines, a 320-byte ``skb_shared_info``)::

    head = data                                   head + end         head + 2048
    +---------------------------------------------+------------------+
    | 1728 bytes: data, tail, tailroom            | skb_shared_info  |   kmalloc-2048
    +---------------------------------------------+------------------+
    skb->data - skb->head = skb_headroom() (0 until skb_reserve())

``__alloc_skb()`` asks ``kmalloc_reserve()`` for ``SKB_HEAD_ALIGN(size)`` = SKB_DATA_ALIGN(size)
+ SKB_DATA_ALIGN(sizeof(struct skb_shared_info)), rounded up to the kmalloc bucket
(``kmalloc_size_roundup()``), and puts the shared info at the end of what it really got, so
``end`` = bucket − 320 (1728 for 1600: 128 more than asked). Small heads come from
``skb_small_head_cache``. ``netdev_alloc_skb()`` adds and reserves NET_SKB_PAD (64) and takes
heads that fit a page from a page fragment of SKB_HEAD_ALIGN(len) bytes instead.

On 64-bit, ``tail`` and ``end`` are OFFSETS from ``head`` (NET_SKBUFF_DATA_USES_OFFSET);
``head`` and ``data`` are pointers. Taking one for the other is the classic bug.

Which slab object a head gets, slab sizes, debug padding and the order of page fragments
are not in any source we read: heads here are consecutive objects of slabs laid end to end
(modelled). sizeof(struct sk_buff) depends on the kernel's configuration (modelled: 232).
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
    "ALLOCATORS",
    "SkbConfig",
    "SkbLayout",
    "SkBuff",
    "plan",
    "kmalloc_size_roundup",
    "skb_end_pointer",
    "skb_shinfo",
    "skb_headroom",
    "skb_tail_pointer",
    "address",
    "CLASSIC_BUG",
    "classic_bug",
]

NAME = "skb"
TITLE = "Linux sk_buff"
#: The first data byte, as the stack writes it (what ``address`` runs).
FORMULA = "skb->data"
REQUEST = "size"
#: What the stack calls the size it records for a buffer (the shared ``buffer_size``).
BUFFER_SIZE = "the kmalloc bucket (or fragment) size"
COUNT = "count"
ALLOCATORS = ("alloc_skb", "netdev_alloc_skb")

_LX = "torvalds/linux"
_SKBH = f"{_LX} @0010b83 include/linux/skbuff.h"
_SKBC = f"{_LX} @00b229f net/core/skbuff.c"

S_DATA = Source(
    "skb->head and skb->data are pointers; skb_headroom(skb) = skb->data - skb->head",
    f"{_SKBH} (struct sk_buff, skb_headroom())",
)
S_OFFSETS = Source(
    "64-bit: tail and end are sk_buff_data_t offsets from head (NET_SKBUFF_DATA_USES_OFFSET); "
    "skb_end_pointer(skb) = skb->head + skb->end; skb_shinfo(skb) = skb_end_pointer(skb)",
    f"{_SKBH} (skb_end_pointer(), skb_shinfo(), skb_tail_pointer())",
)
S_HEAD_ALIGN = Source(
    "SKB_DATA_ALIGN(X) = ALIGN(X, SMP_CACHE_BYTES); SKB_HEAD_ALIGN(X) = SKB_DATA_ALIGN(X) + "
    "SKB_DATA_ALIGN(sizeof(struct skb_shared_info)); SKB_WITH_OVERHEAD(X) = X - "
    "SKB_DATA_ALIGN(sizeof(struct skb_shared_info))",
    f"{_SKBH} (SKB_DATA_ALIGN, SKB_HEAD_ALIGN, SKB_WITH_OVERHEAD)",
)
S_TRUESIZE = Source(
    "SKB_TRUESIZE(X) = X + SKB_DATA_ALIGN(sizeof(struct sk_buff)) + "
    "SKB_DATA_ALIGN(sizeof(struct skb_shared_info)); truesize = SKB_TRUESIZE(end)",
    f"{_SKBH} (SKB_TRUESIZE); {_SKBC} __finalize_skb_around()",
)
S_ROUNDUP = Source(
    "kmalloc_reserve(): SKB_HEAD_ALIGN(size), skb_small_head_cache if it fits, else "
    "kmalloc_size_roundup(); the shared info goes at the end of what was allocated",
    f"{_SKBC} kmalloc_reserve(), __alloc_skb(); commit 12d6c1d3a2ad",
)
S_BUCKETS = Source(
    "kmalloc buckets KMALLOC_MIN_SIZE..8192: powers of two plus 96 and 192 (when "
    "KMALLOC_MIN_SIZE allows); above KMALLOC_MAX_CACHE_SIZE (2 pages) PAGE_SIZE << "
    "get_order(size)",
    f"{_LX} include/linux/slab.h __kmalloc_index(); mm/slab_common.c kmalloc_size_roundup()",
)
S_NO_HEADROOM = Source("alloc_skb() leaves no headroom (data = head)", f"{_SKBC} __alloc_skb()")
S_NETDEV = Source(
    "__netdev_alloc_skb(): len += NET_SKB_PAD (max(32, L1_CACHE_BYTES)); a page fragment of "
    "SKB_HEAD_ALIGN(len) unless len <= SKB_WITH_OVERHEAD(1024) or len > "
    "SKB_WITH_OVERHEAD(PAGE_SIZE); then skb_reserve(skb, NET_SKB_PAD)",
    f"{_SKBC} __netdev_alloc_skb()",
)
S_SHINFO = Source(
    "sizeof(struct skb_shared_info) = 320 with 17 frags (a pahole figure in the netdev thread "
    "'net: veth: reduce page_pool memory footprint', 2023-05-12); config-dependent",
    "netdev mailing list, 2023-05-12",
    label="modelled",
)
S_SKBUFF_SIZE = Source(
    "sizeof(struct sk_buff) = 232: depends on the kernel's configuration",
    "vethlab's choice",
    label="modelled",
)
S_SMALL_HEAD = Source(
    "SKB_SMALL_HEAD_CACHE_SIZE = SKB_HEAD_ALIGN(MAX_TCP_HEADER) (+ L1_CACHE_BYTES if a power "
    "of two); MAX_TCP_HEADER is config-dependent: 640 here",
    f"{_SKBC} (SKB_SMALL_HEAD_CACHE_SIZE); value: vethlab's choice",
    label="modelled",
)
S_SLABS = Source(
    "heads are consecutive objects of 32 KiB slabs laid end to end, page fragments "
    "consecutive in 32 KiB pages; real order depends on the allocator's state",
    "vethlab's choice (slab object order and debug padding: no source)",
    label="modelled",
)
S_TOO_BIG = Source(
    "kmalloc() of more than KMALLOC_MAX_SIZE (4 MiB: MAX_PAGE_ORDER 10) fails: alloc_skb "
    "returns NULL",
    "vethlab's reading of the allocator (not checked against a source)",
    label="modelled",
)
S_BUG = Source(
    "skb->tail used as a pointer where it is an offset (64-bit)",
    "a patch titled 'rt2860: use skb_set_tail_pointer' (title only; repository not found)",
    label="modelled",
)

SOURCES = (
    S_DATA,
    S_OFFSETS,
    S_HEAD_ALIGN,
    S_TRUESIZE,
    S_ROUNDUP,
    S_BUCKETS,
    S_NO_HEADROOM,
    S_NETDEV,
    S_SHINFO,
    S_SKBUFF_SIZE,
    S_SMALL_HEAD,
    S_SLABS,
    S_TOO_BIG,
    S_BUG,
)

KMALLOC_MAX_SIZE = 1 << 22
PAGE_FRAG_CACHE_MAX_SIZE = 32768
#: The kernel address the first slab is modelled at (x86-64's direct map starts here).
DIRECT_MAP_BASE = 0xFFFF888000000000


@dataclass(frozen=True)
class SkbConfig:
    """An skb allocation: ``allocator(size)`` ``count`` times, then ``skb_reserve(reserve)``.

    Build and machine values: ``cache_line`` (SMP_CACHE_BYTES = L1_CACHE_BYTES),
    ``page_size``, ``net_ip_align`` (0 on x86), ``sizeof_shinfo``, ``sizeof_sk_buff``,
    ``small_head_cache_size`` (0: no skb_small_head_cache, as before 6.3), ``slab_size``,
    ``kmalloc_min_size`` (KMALLOC_MIN_SIZE: which size classes exist).
    """

    size: int = 1600
    allocator: str = "alloc_skb"
    reserve: int = 0
    count: int = 32
    cache_line: int = 64
    page_size: int = 4096
    net_ip_align: int = 0
    sizeof_shinfo: int = 320
    sizeof_sk_buff: int = 232
    small_head_cache_size: int = 640
    slab_size: int = 32768
    kmalloc_min_size: int = 8

    @property
    def net_skb_pad(self) -> int:
        """NET_SKB_PAD = max(32, L1_CACHE_BYTES)."""
        return max(32, self.cache_line)


def kmalloc_size_roundup(size: int, page_size: int = 4096, kmalloc_min_size: int = 8) -> int:
    """The kmalloc bucket for ``size`` (SLUB): powers of two from KMALLOC_MIN_SIZE (8 on
    x86-64; larger where DMA alignment needs it), plus 96 if KMALLOC_MIN_SIZE <= 32 and 192 if
    it is <= 64 (``__kmalloc_index()``); above two pages, whole pages of a power-of-two order."""
    if size <= 0:
        return 0
    if size <= 2 * page_size:  # KMALLOC_MAX_CACHE_SIZE
        if kmalloc_min_size <= 32 and 64 < size <= 96:
            return 96
        if kmalloc_min_size <= 64 and 128 < size <= 192:
            return 192
        return max(kmalloc_min_size, 1 << (size - 1).bit_length())
    pages = -(-size // page_size)
    return page_size << (pages - 1).bit_length()


@dataclass(frozen=True)
class SkBuff:
    """The fields of ``struct sk_buff`` the formulas read: ``head``/``data`` pointers (here
    offsets from the origin), ``tail``/``end`` offsets from head (64-bit)."""

    head: int
    data: int
    tail: int
    end: int


@dataclass(frozen=True)
class SkbLayout(StackLayout):
    """``count`` heads of ``object_size`` bytes each, from ``cache``."""

    stack = NAME
    origin = "S = the first slab (or page-fragment page) holding the heads (modelled)"

    config: SkbConfig
    cache: str
    object_size: int
    end: int
    truesize: int
    reserved: int
    objects_per_slab: int
    slab_size: int
    provenance: dict = field(repr=False, compare=False, default_factory=dict)

    # -- shared interface -------------------------------------------------------------------
    @property
    def requested_buffer_size(self) -> int:
        return self.config.size

    @property
    def buffer_size(self) -> int:
        return self.object_size

    @property
    def stride(self) -> int:
        return self.object_size

    @property
    def headroom(self) -> int:
        return self.reserved

    @property
    def first_data_offset(self) -> int:
        return self.reserved

    @property
    def usable_size(self) -> int:
        return self.end - self.reserved

    @property
    def buffer_count(self) -> int:
        return self.config.count

    @property
    def memory_size(self) -> int:
        return -(-self.buffer_count // self.objects_per_slab) * self.slab_size

    def _buffer_offset(self, index: int) -> int:
        slab, slot = divmod(index, self.objects_per_slab)
        return slab * self.slab_size + slot * self.object_size

    def regions(self) -> tuple[Region, ...]:
        """``skb_headroom()`` bytes (what ``skb_reserve`` kept), data up to ``end``, then the
        ``skb_shared_info`` at the end of the object."""
        regions = (
            Region(0, self.reserved, "headroom", "skb_reserve (skb_headroom)"),
            Region(self.reserved, self.end, "data", "data … end"),
            Region(self.end, self.object_size, "metadata", "skb_shared_info"),
        )
        return tuple(r for r in regions if r.size)

    def skb(self, index: int) -> SkBuff:
        """A fresh skb on head ``index``: data = head + reserve, no data yet (tail = data)."""
        head = self.buffer_offset(index)
        return SkBuff(head, head + self.reserved, self.reserved, self.end)

    def own_fields(self, count: int | None = None) -> dict:
        n = self._count(count)
        return {
            "allocator": self.config.allocator,
            "cache": self.cache,
            "object_size": self.object_size,
            "end": self.end,
            "truesize": self.truesize,
            "skb_headroom": self.reserved,
            "NET_SKB_PAD": self.config.net_skb_pad,
            "SKB_DATA_ALIGN(sizeof(struct skb_shared_info))": align_up(
                self.config.sizeof_shinfo, self.config.cache_line
            ),
            "sizeof(struct sk_buff)": self.config.sizeof_sk_buff,
            "head": [self._buffer_offset(i) for i in range(n)],
            "data": [self._buffer_offset(i) + self.reserved for i in range(n)],
        }


def plan(config: SkbConfig | None = None, **overrides) -> SkbLayout:
    """The heads ``count`` calls of ``alloc_skb(size)`` or ``netdev_alloc_skb(dev, size)``
    get, followed by ``skb_reserve(reserve)``."""
    c = replace(config or SkbConfig(), **overrides)
    if c.allocator not in ALLOCATORS:
        raise ValueError(f"allocator {c.allocator!r} is not one of {', '.join(ALLOCATORS)}")
    if c.size < 0 or c.reserve < 0 or c.count < 1:
        raise ValueError("size and reserve are unsigned; count must be at least 1")
    line = c.cache_line
    shinfo = align_up(c.sizeof_shinfo, line)
    pad = 0
    length = c.size
    fragment = False
    if c.allocator == "netdev_alloc_skb":
        pad = c.net_skb_pad
        length = c.size + pad
        fragment = not (length <= 1024 - shinfo or length > c.page_size - shinfo)
    obj = align_up(length, line) + shinfo  # SKB_HEAD_ALIGN
    if obj > KMALLOC_MAX_SIZE:
        raise StackError(
            NAME,
            f"{c.allocator}()",
            None,
            f"SKB_HEAD_ALIGN({length}) = {obj} is above KMALLOC_MAX_SIZE ({KMALLOC_MAX_SIZE}): "
            "kmalloc fails",
            S_TOO_BIG,
            returns="NULL",
        )
    if fragment:
        cache, size, slab = "page_frag", obj, PAGE_FRAG_CACHE_MAX_SIZE
    elif c.small_head_cache_size and obj <= c.small_head_cache_size:
        cache, size, slab = "skb_small_head_cache", c.small_head_cache_size, c.slab_size
    else:
        size = kmalloc_size_roundup(obj, c.page_size, c.kmalloc_min_size)
        cache = f"kmalloc-{size}" if size <= 2 * c.page_size else "kmalloc (pages)"
        slab = max(c.slab_size, size) if size <= 2 * c.page_size else size
    end = size - shinfo  # SKB_WITH_OVERHEAD: the shared info at the very end
    reserved = pad + c.reserve
    if reserved > end:  # skb_reserve() does not check; the model does
        raise ValueError(f"reserve {reserved} is past end {end}: no room left for data")
    truesize = end + align_up(c.sizeof_sk_buff, line) + shinfo
    return SkbLayout(
        config=c,
        cache=cache,
        object_size=size,
        end=end,
        truesize=truesize,
        reserved=reserved,
        objects_per_slab=slab // size,
        slab_size=slab,
        provenance={
            "buffer_size": S_NETDEV if fragment else S_ROUNDUP,
            "usable_size": S_HEAD_ALIGN,
            "stride": S_SLABS,
            "headroom": S_NETDEV if pad else S_NO_HEADROOM,
            "first_data_offset": S_DATA,
            "buffer_offsets": S_SLABS,
        },
    )


# -- the formulas, as skbuff.h writes them (64-bit: NET_SKBUFF_DATA_USES_OFFSET) -------------
def skb_end_pointer(skb: SkBuff) -> int:
    """``skb->head + skb->end``"""
    return skb.head + skb.end


def skb_shinfo(skb: SkBuff) -> int:
    """``((struct skb_shared_info *)(skb_end_pointer(SKB)))``"""
    return skb_end_pointer(skb)


def skb_headroom(skb: SkBuff) -> int:
    """``skb->data - skb->head``"""
    return skb.data - skb.head


def skb_tail_pointer(skb: SkBuff) -> int:
    """``skb->head + skb->tail``"""
    return skb.head + skb.tail


def address(layout: SkbLayout, index: int) -> int:
    """Offset of skb ``index``'s first data byte: ``skb->data``."""
    return layout.skb(index).data


# -- the classic bug --------------------------------------------------------------------------
CLASSIC_BUG = ClassicBug(
    stack=NAME,
    name="skb->tail taken for a pointer (an offset taken for a pointer)",
    description=(
        "On 64-bit kernels skb->tail and skb->end are offsets from skb->head, not pointers. "
        "Driver code written for 32-bit, where they were pointers, that uses skb->tail as "
        "an address writes near address 0 (an oops), not at the packet's tail: off by the "
        "head's whole address. skb_tail_pointer() and skb_set_tail_pointer() are right on "
        "both."
    ),
    code=(
        "/* a Linux driver's code (C), as written for 32-bit */\n"
        "memcpy(skb->tail, rxd, len);            /* tail is an offset on 64-bit */\n"
        "/* right: memcpy(skb_tail_pointer(skb), rxd, len); or skb_put_data(skb, rxd, len) */\n"
    ),
    language="c",
    report="a patch titled 'rt2860: use skb_set_tail_pointer' (repository not found)",
    label="modelled",
)


def classic_bug(layout: SkbLayout, index: int, base: int = DIRECT_MAP_BASE) -> BugResult:
    """skb ``index``'s tail written at ``(void *)skb->tail``; the slab sits at kernel
    address ``base`` (modelled), so the error is −(base + head)."""
    skb = layout.skb(index)
    return BugResult(CLASSIC_BUG, index, skb_tail_pointer(skb), skb.tail - base)
