r"""Linux AF_XDP: a UMEM of equal chunks; descriptors carry offsets into it (``addr``).

The UMEM, aligned mode (U = umem_area, the address registered with XDP_UMEM_REG)::

    U                      U+chunk_size               U+2*chunk_size
    +----------+-----+-----------------+----------+-----+------------- ...
    | headroom | 256 | frame ...       | headroom | 256 | frame ...
    +----------+-----+-----------------+----------+-----+-------------
    chunk 0: data_hard_start = U + headroom; data = data_hard_start + XDP_PACKET_HEADROOM

    xsk_umem__get_data(umem_area, addr) = &((char *)umem_area)[addr]

``xdp_umem_reg()`` refuses (-EINVAL) a ``chunk_size`` below 2048 or above the page size, a
chunk size that is not a power of two in aligned mode, a ``len`` that holds no chunk (or, in
aligned mode, not a whole number of them) and a ``headroom`` that leaves less than
XDP_PACKET_HEADROOM (256); it never rounds. An RX descriptor's ``addr`` already points at the
data (chunk + headroom + 256): that offset is what the classic bug takes for the chunk.

The page-size limit is xdp_umem_reg() at torvalds/linux @031616c. A 2023 series ("xsk: Support
UMEM chunk_size > PAGE_SIZE", HugeTLB UMEMs) lifts it; whether mainline has it is unconfirmed,
so the model keeps the limit and makes ``page_size`` a parameter. A 2026 stable posting
(a315e022a72d) that tightens the headroom limit by the skb_shared_info size is not modelled.

Chunks are handed to the kernel in fill-ring order; here chunk i is the i-th in the UMEM
(modelled: the application chooses). In unaligned mode chunks may sit anywhere; here they
sit end to end (modelled).
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
    is_power_of_2,
)

__all__ = [
    "NAME",
    "TITLE",
    "FORMULA",
    "REQUEST",
    "BUFFER_SIZE",
    "COUNT",
    "SOURCES",
    "MODES",
    "XDP_PACKET_HEADROOM",
    "XDP_UMEM_MIN_CHUNK_SIZE",
    "AfXdpConfig",
    "AfXdpLayout",
    "plan",
    "xsk_umem__get_data",
    "xsk_umem__extract_addr",
    "xsk_umem__extract_offset",
    "xsk_umem__add_offset_to_addr",
    "address",
    "CLASSIC_BUG",
    "classic_bug",
]

NAME = "af_xdp"
TITLE = "Linux AF_XDP (UMEM)"
#: The first data byte, as the stack writes it (what ``address`` runs).
FORMULA = "xsk_umem__get_data(umem_area, desc->addr)"
REQUEST = "chunk_size"
#: What the stack calls the size it records for a buffer (the shared ``buffer_size``).
BUFFER_SIZE = "chunk_size"
COUNT = "chunk_count"
MODES = ("aligned", "unaligned")

XDP_UMEM_MIN_CHUNK_SIZE = 2048
XDP_PACKET_HEADROOM = 256
XSK_UNALIGNED_BUF_OFFSET_SHIFT = 48
XSK_UNALIGNED_BUF_ADDR_MASK = (1 << XSK_UNALIGNED_BUF_OFFSET_SHIFT) - 1
XSK_UMEM__DEFAULT_FRAME_SIZE = 4096
XSK_UMEM__DEFAULT_FRAME_HEADROOM = 0
#: libxdp's example applications use 4096 frames (NUM_FRAMES); the count is the user's.
DEFAULT_CHUNK_COUNT = 4096

_LX = "torvalds/linux"
_UMEM = f"{_LX} @031616c net/xdp/xdp_umem.c"
_XT = "xdp-project/xdp-tools @f0b4ac2 headers/xdp/xsk.h"
_LB = "libbpf/libbpf @f7081a6"

S_FORMULA = Source("xsk_umem__get_data(umem_area, addr) = &((char *)umem_area)[addr]", f"{_XT}:168")
S_UNALIGNED = Source(
    "unaligned addr: bits 63..48 carry an offset; xsk_umem__add_offset_to_addr(a) = "
    "(a & XSK_UNALIGNED_BUF_ADDR_MASK) + (a >> 48)",
    f"{_LB} include/uapi/linux/if_xdp.h:116-118; {_XT}:173-186",
)
S_DEFAULTS = Source(
    "XSK_UMEM__DEFAULT_FRAME_SIZE 4096, XSK_UMEM__DEFAULT_FRAME_HEADROOM 0", f"{_XT}:193-195"
)
S_MIN_CHUNK = Source(
    "chunk_size < XDP_UMEM_MIN_CHUNK_SIZE (2048) or > PAGE_SIZE: -EINVAL",
    f"{_UMEM}:22 and xdp_umem_reg()",
)
S_POW2 = Source("aligned mode: chunk_size not a power of two: -EINVAL", f"{_UMEM} xdp_umem_reg()")
S_CHUNKS = Source(
    "len / chunk_size == 0: -EINVAL; aligned mode and len % chunk_size != 0: -EINVAL",
    f"{_UMEM} xdp_umem_reg()",
)
S_HEADROOM_LIMIT = Source(
    "headroom >= chunk_size - XDP_PACKET_HEADROOM: -EINVAL", f"{_UMEM} xdp_umem_reg()"
)
S_NO_ROUNDING = Source("xdp_umem_reg() never rounds chunk_size", f"{_UMEM} xdp_umem_reg()")
S_PACKET_HEADROOM = Source(
    "XDP_PACKET_HEADROOM 256; data_hard_start = addrs + addr + headroom, data = "
    "data_hard_start + XDP_PACKET_HEADROOM",
    f"{_LB} include/uapi/linux/bpf.h:6572; {_LX} net/xdp/xsk_buff_pool.c xp_alloc(), "
    "include/net/xsk_buff_pool.h xp_init_xskb_addr()",
)
S_FRAME_LEN = Source(
    "frame_len = chunk_size - headroom - XDP_PACKET_HEADROOM",
    f"{_LX} net/xdp/xsk_buff_pool.c xp_create_and_assign_umem()",
)
S_CHUNK_ORDER = Source(
    "chunk i is the i-th chunk of the UMEM (the kernel takes chunks in fill-ring order, which "
    "the application chooses); unaligned chunks laid end to end",
    "vethlab's choice",
    label="modelled",
)
S_BUG = Source(
    "RX addr is the data's offset, 'shifted by 256' from the chunk given in the fill ring",
    "xdp-project/xdp-tutorial#448, #472",
)

SOURCES = (
    S_FORMULA,
    S_UNALIGNED,
    S_DEFAULTS,
    S_MIN_CHUNK,
    S_POW2,
    S_CHUNKS,
    S_HEADROOM_LIMIT,
    S_NO_ROUNDING,
    S_PACKET_HEADROOM,
    S_FRAME_LEN,
    S_CHUNK_ORDER,
    S_BUG,
)


@dataclass(frozen=True)
class AfXdpConfig:
    """``struct xdp_umem_reg`` as an application fills it (via libxdp's ``xsk_umem_config``).

    ``len`` defaults to ``chunk_count * chunk_size``; ``mode`` "unaligned" sets
    XDP_UMEM_UNALIGNED_CHUNK_FLAG; ``page_size`` is the kernel's PAGE_SIZE.
    """

    chunk_size: int = XSK_UMEM__DEFAULT_FRAME_SIZE
    headroom: int = XSK_UMEM__DEFAULT_FRAME_HEADROOM
    mode: str = "aligned"
    chunk_count: int = DEFAULT_CHUNK_COUNT
    len: int | None = None
    page_size: int = 4096

    @property
    def umem_len(self) -> int:
        return self.chunk_count * self.chunk_size if self.len is None else self.len


@dataclass(frozen=True)
class AfXdpLayout(StackLayout):
    """A registered UMEM: ``chunks`` chunks of ``chunk_size`` bytes."""

    stack = NAME
    origin = "U = umem_area (xdp_umem_reg.addr)"

    config: AfXdpConfig
    chunk_size: int
    chunks: int
    frame_len: int
    provenance: dict = field(repr=False, compare=False, default_factory=dict)

    @property
    def unaligned(self) -> bool:
        return self.config.mode == "unaligned"

    @property
    def chunk_mask(self) -> int:
        """``~((u64)chunk_size - 1)``: how aligned mode finds a chunk from any addr in it."""
        return ~(self.chunk_size - 1) & ((1 << 64) - 1)

    # -- shared interface -------------------------------------------------------------------
    @property
    def requested_buffer_size(self) -> int:
        return self.config.chunk_size

    @property
    def buffer_size(self) -> int:
        return self.chunk_size

    @property
    def stride(self) -> int:
        return self.chunk_size

    @property
    def headroom(self) -> int:
        return self.config.headroom + XDP_PACKET_HEADROOM

    @property
    def first_data_offset(self) -> int:
        return self.config.headroom + XDP_PACKET_HEADROOM

    @property
    def usable_size(self) -> int:
        return self.frame_len

    @property
    def buffer_count(self) -> int:
        return self.chunks

    @property
    def memory_size(self) -> int:
        return self.config.umem_len

    def _buffer_offset(self, index: int) -> int:
        return index * self.chunk_size

    def regions(self) -> tuple[Region, ...]:
        """The UMEM ``headroom``, XDP_PACKET_HEADROOM, then ``frame_len`` bytes."""
        head = self.config.headroom
        regions = (
            Region(0, head, "headroom", "headroom (xdp_umem_reg)"),
            Region(head, head + XDP_PACKET_HEADROOM, "headroom", "XDP_PACKET_HEADROOM"),
            Region(self.first_data_offset, self.chunk_size, "data", "frame_len"),
        )
        return tuple(r for r in regions if r.size)

    def rx_addr(self, index: int) -> int:
        """``xdp_desc.addr`` of a packet received into chunk ``index`` (no
        ``bpf_xdp_adjust_head``): chunk + headroom + 256, plus in unaligned mode the same
        offset in bits 63..48 as the kernel's ``xp_get_handle()`` puts it."""
        chunk = self.buffer_offset(index)
        if self.unaligned:
            offset = self.first_data_offset
            return chunk | (offset << XSK_UNALIGNED_BUF_OFFSET_SHIFT)
        return chunk + self.first_data_offset

    def own_fields(self, count: int | None = None) -> dict:
        n = self._count(count)
        return {
            "chunk_size": self.chunk_size,
            "headroom": self.config.headroom,
            "XDP_PACKET_HEADROOM": XDP_PACKET_HEADROOM,
            "flags": "XDP_UMEM_UNALIGNED_CHUNK_FLAG" if self.unaligned else "0",
            "len": self.config.umem_len,
            "chunks": self.chunks,
            "frame_len": self.frame_len,
            "fill_addr": [self._buffer_offset(i) for i in range(n)],
            "rx_addr": [self.rx_addr(i) for i in range(n)],
            "page_size": self.config.page_size,
        }


def _refuse(reason: str, source: Source) -> StackError:
    return StackError(NAME, "setsockopt(XDP_UMEM_REG) -> xdp_umem_reg()", "EINVAL", reason, source)


def plan(config: AfXdpConfig | None = None, **overrides) -> AfXdpLayout:
    """Register a UMEM as ``xdp_umem_reg()`` would: its checks, in its order; no rounding."""
    config = replace(config or AfXdpConfig(), **overrides)
    if config.mode not in MODES:
        raise ValueError(f"mode {config.mode!r} is not one of {', '.join(MODES)}")
    chunk, headroom, page = config.chunk_size, config.headroom, config.page_size
    if chunk < 0 or headroom < 0 or config.umem_len < 0 or config.chunk_count < 0:
        raise ValueError("chunk_size, headroom, chunk_count and len are unsigned")
    aligned = config.mode == "aligned"
    if chunk < XDP_UMEM_MIN_CHUNK_SIZE:
        raise _refuse(
            f"chunk_size {chunk} is below XDP_UMEM_MIN_CHUNK_SIZE ({XDP_UMEM_MIN_CHUNK_SIZE})",
            S_MIN_CHUNK,
        )
    if chunk > page:
        raise _refuse(f"chunk_size {chunk} is above PAGE_SIZE ({page})", S_MIN_CHUNK)
    if aligned and not is_power_of_2(chunk):
        raise _refuse(
            f"chunk_size {chunk} is not a power of two (required in aligned mode)", S_POW2
        )
    chunks, rem = divmod(config.umem_len, chunk)
    if chunks == 0:
        raise _refuse(f"len {config.umem_len} holds no chunk of {chunk} bytes", S_CHUNKS)
    if aligned and rem:
        raise _refuse(
            f"len {config.umem_len} is not a multiple of chunk_size {chunk} (aligned mode)",
            S_CHUNKS,
        )
    if headroom >= chunk - XDP_PACKET_HEADROOM:
        raise _refuse(
            f"headroom {headroom} >= chunk_size {chunk} - XDP_PACKET_HEADROOM "
            f"({XDP_PACKET_HEADROOM}) = {chunk - XDP_PACKET_HEADROOM}",
            S_HEADROOM_LIMIT,
        )
    return AfXdpLayout(
        config=config,
        chunk_size=chunk,
        chunks=chunks,
        frame_len=chunk - headroom - XDP_PACKET_HEADROOM,
        provenance={
            "buffer_size": S_NO_ROUNDING,
            "stride": S_CHUNK_ORDER,
            "headroom": S_PACKET_HEADROOM,
            "first_data_offset": S_PACKET_HEADROOM,
            "usable_size": S_FRAME_LEN,
            "buffer_count": S_CHUNKS,
        },
    )


# -- the formulas, as libxdp's xsk.h writes them ---------------------------------------------
def xsk_umem__get_data(umem_area: int, addr: int) -> int:
    """``&((char *)umem_area)[addr]``"""
    return umem_area + addr


def xsk_umem__extract_addr(addr: int) -> int:
    """``addr & XSK_UNALIGNED_BUF_ADDR_MASK``"""
    return addr & XSK_UNALIGNED_BUF_ADDR_MASK


def xsk_umem__extract_offset(addr: int) -> int:
    """``addr >> XSK_UNALIGNED_BUF_OFFSET_SHIFT``"""
    return addr >> XSK_UNALIGNED_BUF_OFFSET_SHIFT


def xsk_umem__add_offset_to_addr(addr: int) -> int:
    """``xsk_umem__extract_addr(addr) + xsk_umem__extract_offset(addr)``"""
    return xsk_umem__extract_addr(addr) + xsk_umem__extract_offset(addr)


def address(layout: AfXdpLayout, index: int, umem_area: int = 0) -> int:
    """Offset of the first data byte of a packet received into chunk ``index``, as an
    application finds it from the RX descriptor (unaligned mode: offset folded in first)."""
    addr = layout.rx_addr(index)
    if layout.unaligned:
        addr = xsk_umem__add_offset_to_addr(addr)
    return xsk_umem__get_data(umem_area, addr)


# -- the classic bug --------------------------------------------------------------------------
CLASSIC_BUG = ClassicBug(
    stack=NAME,
    name="the packet read at the chunk's start (a forgotten headroom)",
    description=(
        "The kernel writes a received packet XDP_PACKET_HEADROOM (256) + headroom bytes into "
        "the chunk, and the RX descriptor's addr says so: it is 'shifted by 256' from the "
        "chunk the application put in the fill ring (16773376 = 4095 * 4096 + 256). Code that "
        "reads the packet at the chunk it posted reads the headroom instead: "
        "headroom + 256 bytes too early."
    ),
    code=(
        "/* an AF_XDP application's code (C, libxdp) */\n"
        "uint64_t chunk = frames[i];                       /* what went into the fill ring */\n"
        "uint8_t *pkt = xsk_umem__get_data(buffer, chunk); /* the packet is further on */\n"
        "/* right: xsk_umem__get_data(buffer, xsk_ring_cons__rx_desc(&rx, idx)->addr) */\n"
    ),
    language="c",
    report="xdp-project/xdp-tutorial#448",
    label="source",
)


def classic_bug(layout: AfXdpLayout, index: int) -> BugResult:
    """The packet of chunk ``index`` read at the chunk's start (the fill-ring addr) instead
    of the RX descriptor's addr: ``headroom + 256`` bytes too early."""
    correct = address(layout, index)
    return BugResult(
        CLASSIC_BUG, index, correct, xsk_umem__get_data(0, layout.buffer_offset(index))
    )
