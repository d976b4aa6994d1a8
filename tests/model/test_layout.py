"""Pool layout: the size rule and every buffer's offset."""


import pytest
from hypothesis import given, strategies as st

from vethlab.ioreturn import IOReturnError, kIOReturnBadArgument
from vethlab.model.layout import MAX_BUFFER_SIZE, PoolLayout, configured_buffer_size
from vethlab.model.machine import APPLE_SILICON, INTEL, SEGMENT_SIZES, Boot

BOOTS = [Boot(p, s) for p in (APPLE_SILICON, INTEL) for s in SEGMENT_SIZES]


@pytest.mark.parametrize("boot", BOOTS, ids=lambda b: f"{b.profile.name}-{b.segment_size}")
def test_1600_becomes_2048_everywhere(boot):
    """The question's 1600 is 2048 on both profiles and both segment sizes."""
    assert PoolLayout.plan(boot, 1600, 32).buffer_size == 2048


@pytest.mark.parametrize("requested,seg64,seg80", [
    (1200, 2048, 1280), (1500, 2048, 2048), (1514, 2048, 2048), (2048, 2048, 2048),
    (9000, 16384, 10240), (9216, 16384, 10240),
])
def test_size_rule_table(requested, seg64, seg80):
    """The size rule gives the values worked out from XNU's loop."""
    for line in (64, 128):
        assert configured_buffer_size(requested, line, 65536) == seg64
        assert configured_buffer_size(requested, line, 81920) == seg80


def test_question_geometry():
    """32 buffers of 2048 fill one 64 KiB segment: 4 pages of 16 KiB."""
    lay = PoolLayout.plan(Boot(APPLE_SILICON, 65536), 1600, 32)
    assert (lay.buffers_per_segment, lay.segment_count, lay.length, lay.page_count) == (32, 1, 65536, 4)
    assert lay.stride_error == 448
    assert lay.buffer_offset(5) == 5 * 2048
    assert lay.segment_offset(5, reported_stride=True) == 5 * 1600


def test_multi_segment_offsets():
    """Buffer k (k = buffers per segment) starts segment 1, with segment offset 0."""
    lay = PoolLayout.plan(Boot(INTEL, 81920), 2048, 100)
    k = lay.buffers_per_segment
    assert k == 40 and lay.segment_count == 3
    assert lay.buffer_offset(k) == 81920 and lay.segment_offset(k) == 0
    assert lay.segment_of(k) == 1


@pytest.mark.parametrize("kwargs,fragment", [
    (dict(buffer_size=1600, packet_count=0), "packetCount 0"),
    (dict(buffer_size=1600, packet_count=32, buffer_count=0), "bufferCount 0"),
    (dict(buffer_size=1600, packet_count=32, buffer_count=16), "bufferCount 16 is smaller"),
    (dict(buffer_size=0, packet_count=32), "bufferSize 0"),
    (dict(buffer_size=MAX_BUFFER_SIZE + 1, packet_count=32), f"bufferSize {MAX_BUFFER_SIZE + 1}"),
    (dict(buffer_size=1600.5, packet_count=32), "not an integer"),
    (dict(buffer_size=1600, packet_count=True), "not an integer"),
])
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


layouts = st.builds(
    lambda boot, size, packets, extra, seg: PoolLayout.plan(boot, size, packets, packets + extra, seg),
    st.sampled_from(BOOTS), st.integers(1, MAX_BUFFER_SIZE), st.integers(1, 300),
    st.integers(0, 100), st.sampled_from([0, 0, 16384, 32768, 100000]),
)


@given(layouts)
def test_buffers_never_overlap_and_lie_inside(lay):
    """Buffers are disjoint, inside the descriptor, and none crosses a segment boundary."""
    offsets = lay.buffer_offsets()
    assert (offsets[1:] - offsets[:-1] >= lay.buffer_size).all()
    assert offsets[0] == 0 and offsets[-1] + lay.buffer_size <= lay.length
    seg = lay.segment_size
    assert ((offsets // seg) == ((offsets + lay.buffer_size - 1) // seg)).all()


@given(layouts, st.data())
def test_offset_index_round_trip(lay, data):
    """buffer_index inverts buffer_offset for every byte of a buffer."""
    i = data.draw(st.integers(0, lay.buffer_count - 1))
    inside = data.draw(st.integers(0, lay.buffer_size - 1))
    assert lay.buffer_index(lay.buffer_offset(i)) == i
    assert lay.locate(lay.buffer_offset(i) + inside) == (i, inside)


@given(st.integers(1, MAX_BUFFER_SIZE), st.sampled_from([64, 128]),
       st.sampled_from([16384, 32768, 65536, 81920, 98304]))
def test_size_rule_properties(requested, line, segment):
    """The real size is at least the request, a multiple of the cache line, and divides the
    segment or exceeds it."""
    real = configured_buffer_size(requested, line, segment)
    assert real >= requested and real % line == 0
    assert segment % real == 0 or real > segment
