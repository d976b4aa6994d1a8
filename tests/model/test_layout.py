"""Pool layout: the size rule and every buffer's offset."""

import pytest
from hypothesis import given, strategies as st

from vethlab.ioreturn import IOReturnError, kIOReturnBadArgument, kIOReturnNoMemory
from vethlab.model.layout import MAX_REGION_BYTES, PoolLayout, configured_buffer_size
from vethlab.model.machine import APPLE_SILICON, INTEL, SEGMENT_SIZES, Boot

BOOTS = [Boot(p, s) for p in (APPLE_SILICON, INTEL) for s in SEGMENT_SIZES]


@pytest.mark.parametrize("boot", BOOTS, ids=lambda b: f"{b.profile.name}-{b.segment_size}")
def test_1600_becomes_2048_everywhere(boot):
    """The question's 1600 is 2048 on both profiles and both segment sizes."""
    assert PoolLayout.plan(boot, 1600, 32).buffer_size == 2048


@pytest.mark.parametrize(
    "requested,seg64,seg80",
    [
        (1200, 2048, 1280),
        (1500, 2048, 2048),
        (1514, 2048, 2048),
        (2048, 2048, 2048),
        (9000, 16384, 10240),
        (9216, 16384, 10240),
    ],
)
def test_size_rule_table(requested, seg64, seg80):
    """The size rule gives the values worked out from XNU's loop."""
    for line in (64, 128):
        assert configured_buffer_size(requested, line, 65536) == seg64
        assert configured_buffer_size(requested, line, 81920) == seg80


def test_question_geometry():
    """32 buffers of 2048 fill one 64 KiB segment: 4 pages of 16 KiB."""
    lay = PoolLayout.plan(Boot(APPLE_SILICON, 65536), 1600, 32)
    assert (lay.buffers_per_segment, lay.segment_count, lay.length, lay.page_count) == (
        32,
        1,
        65536,
        4,
    )
    assert lay.stride_error == 448
    assert lay.buffer_offset(5) == 5 * 2048
    assert lay.segment_offset(5, reported_stride=True) == 5 * 1600


def test_multi_segment_offsets():
    """Buffer k (k = buffers per segment) starts segment 1, with segment offset 0.

    XNU resizes the 80 KiB segment to the pool: two 128 KiB segments of 64 (this test
    expected three 80 KiB segments of 40 before the segment rule was ported)."""
    lay = PoolLayout.plan(Boot(INTEL, 81920), 2048, 100)
    k = lay.buffers_per_segment
    assert k == 64 and lay.segment_count == 2 and lay.segment_size == 131072
    assert lay.buffer_offset(k) == 131072 and lay.segment_offset(k) == 0
    assert lay.segment_of(k) == 1 and lay.segment_of(40) == 0


def test_offsets_skip_each_segments_unused_tail():
    """Buffer k of segment s is at s × segment_size + k × buffer_size: the bytes at a
    segment's end that no buffer uses are skipped. 1200 on an 80 KiB Intel boot: 1280-byte
    buffers, 102 per 128 KiB segment, 512 bytes unused at each segment's end."""
    lay = PoolLayout.plan(Boot(INTEL, 81920), 1200, 1000)
    assert (lay.buffer_size, lay.segment_size, lay.buffers_per_segment) == (1280, 131072, 102)
    assert lay.segment_unused_bytes == 512 and lay.segment_count == 10
    assert lay.buffer_offset(101) + 1280 == 131072 - 512
    assert lay.buffer_offset(102) == 131072 and lay.buffer_offset(205) == 2 * 131072 + 1280
    assert lay.buffer_index(131072 - 1) is None  # the unused tail of segment 0
    assert lay.region_buffer_count == 1020 and len(lay.buffer_offsets()) == 1000
    assert lay.buffer_index(lay.length - 1) is None  # a region buffer the dext did not ask for


def test_a_pool_whose_segments_hold_too_few_buffers_is_refused():
    """9000 × 100 on an 80 KiB Intel boot: XNU's arithmetic gives 9 segments of 11 buffers of
    10240 (2048 bytes unused in each): room for 99. The model refuses (modelled)."""
    with pytest.raises(IOReturnError) as info:
        PoolLayout.plan(Boot(INTEL, 81920), 9000, 100)
    assert info.value.code == kIOReturnNoMemory
    assert "room for only 99" in str(info.value) and "bufferCount 100" in str(info.value)


@pytest.mark.parametrize(
    "kwargs,fragment",
    [
        (dict(buffer_size=1600, packet_count=0), "packetCount 0"),
        (dict(buffer_size=1600, packet_count=32, buffer_count=0), "bufferCount 0"),
        (dict(buffer_size=1600, packet_count=32, buffer_count=16), "bufferCount 16 is smaller"),
        (dict(buffer_size=0, packet_count=32), "bufferSize 0"),
        (dict(buffer_size=1 << 32, packet_count=32), f"bufferSize {1 << 32}"),
        (dict(buffer_size=1 << 20, packet_count=4096), f"at most {MAX_REGION_BYTES} bytes"),
        (dict(buffer_size=1600, packet_count=32, memory_segment_size=-1), "memorySegmentSize -1"),
        (dict(buffer_size=1600.5, packet_count=32), "not an integer"),
        (dict(buffer_size=1600, packet_count=True), "not an integer"),
    ],
)
def test_bad_parameters(kwargs, fragment):
    """Bad sizes and counts give kIOReturnBadArgument naming the value and the allowed range."""
    with pytest.raises(IOReturnError) as info:
        PoolLayout.plan(Boot(), **kwargs)
    assert info.value.code == kIOReturnBadArgument
    assert fragment in str(info.value)
    assert "allowed" in str(info.value) or "requires" in str(info.value)


def test_index_out_of_range():
    """Asking for a buffer that does not exist is a BadArgument, not an IndexError."""
    lay = PoolLayout.plan(Boot(), 2048, 4)
    with pytest.raises(IOReturnError, match=r"buffer index 4 is out of range; allowed: 0\.\.3"):
        lay.buffer_offset(4)


def plan_or_none(boot, size, packets, extra, seg):
    """A layout, or None where the segments XNU's arithmetic gives hold too few buffers."""
    try:
        return PoolLayout.plan(boot, size, packets, packets + extra, seg)
    except IOReturnError as err:
        assert err.code == kIOReturnNoMemory
        return None


layouts = st.builds(
    plan_or_none,
    st.sampled_from(BOOTS),
    st.integers(1, 200_000),
    st.integers(1, 300),
    st.integers(0, 100),
    st.sampled_from([0, 0, 16384, 32768, 100000]),
).filter(lambda lay: lay is not None)


@given(layouts)
def test_buffers_never_overlap_and_lie_inside(lay):
    """Buffers are disjoint, inside the descriptor, and none crosses a segment boundary."""
    offsets = lay.buffer_offsets()
    assert (offsets[1:] - offsets[:-1] >= lay.buffer_size).all()
    assert offsets[0] == 0 and offsets[-1] + lay.buffer_size <= lay.length
    seg = lay.segment_size
    assert ((offsets // seg) == ((offsets + lay.buffer_size - 1) // seg)).all()
    assert (offsets % seg + lay.buffer_size <= seg - lay.segment_unused_bytes).all()
    assert lay.buffer_count <= lay.region_buffer_count


@given(layouts, st.data())
def test_offset_index_round_trip(lay, data):
    """buffer_index inverts buffer_offset for every byte of a buffer."""
    i = data.draw(st.integers(0, lay.buffer_count - 1))
    inside = data.draw(st.integers(0, lay.buffer_size - 1))
    assert lay.buffer_index(lay.buffer_offset(i)) == i
    assert lay.locate(lay.buffer_offset(i) + inside) == (i, inside)


@given(
    st.integers(1, 200_000),
    st.sampled_from([64, 128]),
    st.sampled_from([16384, 32768, 65536, 81920, 98304]),
)
def test_size_rule_properties(requested, line, segment):
    """The real size is at least the request, a multiple of the cache line (or a small power
    of two that divides it, kept as asked), and divides the segment or exceeds it."""
    real = configured_buffer_size(requested, line, segment)
    assert real >= requested
    assert real % line == 0 or (real == requested and line % real == 0)
    assert segment % real == 0 or real > segment
