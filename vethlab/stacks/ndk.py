"""The NetworkingDriverKit pool, through the same interface as the other stacks.

An adapter over :class:`vethlab.model.layout.PoolLayout` (all of vethlab's pool arithmetic
stays there): the frame of buffer i is at buffer base + dataOffset, and the real buffer size
is the requested one after XNU's rounding (1600 -> 2048). See vethlab.model.layout for where
each rule comes from; the labels here repeat them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from vethlab.model.layout import PoolLayout
from vethlab.model.machine import Boot, profile_named
from vethlab.stacks.base import BugResult, ClassicBug, Region, Source, StackLayout

__all__ = [
    "NAME",
    "TITLE",
    "FORMULA",
    "REQUEST",
    "BUFFER_SIZE",
    "COUNT",
    "SOURCES",
    "NdkConfig",
    "NdkLayout",
    "plan",
    "address",
    "CLASSIC_BUG",
    "classic_bug",
]

NAME = "ndk"
TITLE = "NetworkingDriverKit (IOUserNetworkPacketBufferPool)"
#: The first data byte, as the stack writes it (what ``address`` runs).
FORMULA = "base + dataOffset"
REQUEST = "buffer_size"
#: What the stack calls the size it records for a buffer (the shared ``buffer_size``).
BUFFER_SIZE = "the real buffer size (after XNU's rounding)"
COUNT = "packet_count"

S_SIZE = Source(
    "the buffer size is XNU's object-size rule applied to bufferSize (1600 -> 2048)",
    "apple-oss-distributions/xnu skmem_region_params_config() (vethlab.model.layout)",
)
S_FRAME = Source(
    "frame = buffer base + dataOffset (observed on real dexts; Apple's sample)",
    "vethlab.model.layout",
    label="observed",
)
S_SEGMENTS = Source(
    "segments end to end inside one memory descriptor; packet i owns buffer i",
    "vethlab.model.layout",
    label="modelled",
)
S_HEADROOM = Source(
    "the headroom and dataOffset are the driver's choice (Apple's sample sets a headroom of 8)",
    "Apple's sample dext (vethlab.question)",
)
S_BUG = Source(
    "memorySegmentOffset reported as if the stride were the requested size",
    "the question (vethlab.model.layout: reported_stride)",
    label="reported",
)

SOURCES = (S_SIZE, S_FRAME, S_SEGMENTS, S_HEADROOM, S_BUG)


@dataclass(frozen=True)
class NdkConfig:
    """``IOUserNetworkPacketBufferPool::Create`` on a simulated Mac, plus the packets'
    headroom and dataOffset (default: the headroom)."""

    buffer_size: int = 1600
    packet_count: int = 32
    profile: str = "apple-silicon"
    segment_size: int = 65536
    headroom: int = 0
    data_offset: int | None = None


@dataclass(frozen=True)
class NdkLayout(StackLayout):
    """The pool's layout (``pool``), seen through the shared interface."""

    stack = NAME
    origin = "the pool's memory descriptor, offset 0"

    config: NdkConfig
    pool: PoolLayout
    provenance: dict = field(repr=False, compare=False, default_factory=dict)

    @property
    def data_offset_value(self) -> int:
        c = self.config
        return c.headroom if c.data_offset is None else c.data_offset

    @property
    def requested_buffer_size(self) -> int:
        return self.pool.requested_buffer_size

    @property
    def buffer_size(self) -> int:
        return self.pool.buffer_size

    @property
    def stride(self) -> int:
        return self.pool.buffer_size

    @property
    def headroom(self) -> int:
        return self.config.headroom

    @property
    def first_data_offset(self) -> int:
        return self.data_offset_value

    @property
    def usable_size(self) -> int:
        return self.pool.buffer_size - self.data_offset_value

    @property
    def buffer_count(self) -> int:
        return self.pool.buffer_count

    @property
    def memory_size(self) -> int:
        return self.pool.length

    def _buffer_offset(self, index: int) -> int:
        return self.pool.buffer_offset(index)

    def regions(self) -> tuple[Region, ...]:
        """GetHeadroom() bytes, the rest of the data offset, then the frame's room."""
        head, first = self.config.headroom, self.data_offset_value
        regions = (
            Region(0, head, "headroom", "headroom (GetHeadroom)"),
            Region(head, first, "headroom", "dataOffset − headroom"),
            Region(first, self.pool.buffer_size, "data", "from dataOffset"),
        )
        return tuple(r for r in regions if r.size)

    def own_fields(self, count: int | None = None) -> dict:
        n = self._count(count)
        return {
            "bufferSize": self.pool.requested_buffer_size,
            "real_buffer_size": self.pool.buffer_size,
            "segment_size": self.pool.segment_size,
            "buffers_per_segment": self.pool.buffers_per_segment,
            "headroom": self.config.headroom,
            "dataOffset": self.data_offset_value,
            "memorySegmentOffset": [self.pool.segment_offset(i) for i in range(n)],
        }


def plan(config: NdkConfig | None = None, **overrides) -> NdkLayout:
    """The pool ``Create`` makes (its checks raise ``kIOReturnBadArgument``)."""
    c = replace(config or NdkConfig(), **overrides)
    boot = Boot(profile_named(c.profile), c.segment_size)
    pool = PoolLayout.plan(boot, c.buffer_size, c.packet_count)
    offset = c.headroom if c.data_offset is None else c.data_offset
    if not 0 <= c.headroom <= offset <= pool.buffer_size:
        raise ValueError(
            f"headroom {c.headroom} and dataOffset {offset} must satisfy "
            f"0 <= headroom <= dataOffset <= {pool.buffer_size}"
        )
    return NdkLayout(
        config=c,
        pool=pool,
        provenance={
            "buffer_size": S_SIZE,
            "stride": S_SIZE,
            "headroom": S_HEADROOM,
            "first_data_offset": S_FRAME,
            "buffer_offsets": S_SEGMENTS,
        },
    )


def address(layout: NdkLayout, index: int) -> int:
    """Pool offset of buffer ``index``'s frame: base + dataOffset (observed)."""
    return layout.pool.frame_offset(index, layout.data_offset_value)


CLASSIC_BUG = ClassicBug(
    stack=NAME,
    name="the requested size taken for the stride (the question's quirk)",
    description=(
        "Packets report memorySegmentOffset as if buffers were bufferSize apart while they "
        "sit at the real (rounded) size: slot i is i × (real − requested) bytes early."
    ),
    code=(
        "// the question's dext code (C++, DriverKit)\n"
        "uint8_t *frame = base + packet->memorySegmentOffset + packet->dataOffset;\n"
    ),
    language="c++",
    report="the question (vethlab's scenario)",
    label="reported",
)


def classic_bug(layout: NdkLayout, index: int) -> BugResult:
    """Buffer ``index``'s frame at the reported (requested-stride) segment offset."""
    pool = layout.pool
    segment = pool.segment_start(pool.segment_of(index))
    read = segment + pool.segment_offset(index, reported_stride=True) + layout.data_offset_value
    return BugResult(CLASSIC_BUG, index, address(layout, index), read)
