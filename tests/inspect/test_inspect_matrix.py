"""vethlab.inspect recovers the layout of dumps built independently (dpkt frames, arithmetic
layout) over strides, segments, phases, counts, headrooms, flows and stale bytes."""

import numpy as np
import pytest
from dumps import build
from hypothesis import given, settings, strategies as st

import vethlab

# (stride, segment size): 2048 and 16384 divide their segments; 1280 leaves 256 bytes of a
# 64 KiB segment unused (51 buffers), 10240 leaves 4096 (6 buffers).
GEOMETRIES = [(2048, 65536), (1280, 65536), (10240, 65536), (16384, 65536), (1280, 81920)]


def check(result, dump, pool):
    """The inspection agrees with the pool's truth: stride, phase, every frame's place."""
    assert result.answered, result.reasons
    assert result.buffer_size == pool.stride
    first = min(pool.current)
    first_start = pool.dump_offset(pool.buffer_start(first))
    assert result.buffer0_offset == first_start % pool.stride
    buffers = result.buffers
    frames = result.frames
    current = [f for f in frames if not f["stale"]]
    assert sorted(f["offset"] for f in current) == sorted(v[0] for v in pool.current.values())
    by_offset = {f["offset"]: f for f in current}
    for i, (offset, data_offset, _length) in pool.current.items():
        f = by_offset[offset]
        assert f["data_offset"] == data_offset
        assert buffers[f["buffer"]]["offset"] == pool.dump_offset(pool.buffer_start(i))
    expected = {}
    for _, do, _ in pool.current.values():
        expected[do] = expected.get(do, 0) + 1
    assert result.data_offsets == expected


@pytest.mark.parametrize(("stride", "segment"), GEOMETRIES)
@pytest.mark.parametrize("headroom", [0, 8, 16])
@pytest.mark.parametrize("native", [0.0, 0.3])
@pytest.mark.parametrize("stale", [False, True])
def test_matrix(stride, segment, headroom, native, stale):
    buffers = 3 * (segment // stride) + 2  # three segments and a bit: segment ends to find
    dump, pool = build(
        stride,
        segment,
        buffers,
        headroom=headroom,
        native=native,
        stale=stale,
        seed=stride + headroom,
    )
    result = vethlab.inspect(dump.tobytes())
    check(result, dump, pool)
    assert result.headroom == headroom
    if native == 0.0:
        assert any("cannot be told apart" in r for r in result.reasons)
    assert result.confidence > 0.8
    if stale:  # the earlier, longer frames left their tails
        assert sum(b["stale_bytes"] > 0 for b in result.buffers) >= len(pool.current) // 2
    if segment % stride:
        assert any(f"last {segment % stride} bytes hold no buffer" in r for r in result.reasons)


@pytest.mark.parametrize(("stride", "segment"), GEOMETRIES)
@pytest.mark.parametrize(
    ("before", "skip"), [(4096, 0), (16384, 0), (0, 4096), (0, 12288), (8192, 0)]
)
def test_phase(stride, segment, before, skip):
    """Memory before the pool, or the pool's first pages cut off: the phase moves."""
    buffers = 2 * (segment // stride) + 3
    dump, pool = build(stride, segment, buffers, before=before, skip=skip, native=0.2, seed=7)
    result = vethlab.inspect(dump)
    check(result, dump, pool)


@pytest.mark.parametrize(("stride", "segment"), GEOMETRIES)
@pytest.mark.parametrize("fill", [0.5, 0.8])
def test_sparse(stride, segment, fill):
    """Only some buffers hold a frame (the others are zeros)."""
    buffers = 3 * (segment // stride) + 4
    dump, pool = build(stride, segment, max(buffers, 24), fill=fill, stale=False, seed=11)
    result = vethlab.inspect(dump)
    check(result, dump, pool)


@pytest.mark.parametrize("count", [3, 4, 8, 32])
def test_few_frames(count):
    dump, pool = build(2048, 65536, count, stale=False, seed=count)
    result = vethlab.inspect(dump)
    check(result, dump, pool)
    assert result.confidence < 1.0 or count >= 8


@settings(max_examples=30, deadline=None)
@given(
    geometry=st.sampled_from(GEOMETRIES),
    headroom=st.sampled_from([0, 8, 16, 24]),
    native=st.sampled_from([0.0, 0.5]),
    pages=st.integers(0, 5),
    count=st.integers(5, 70),
    seed=st.integers(0, 2**16),
)
def test_any_pool(geometry, headroom, native, pages, count, seed):
    stride, segment = geometry
    dump, pool = build(
        stride, segment, count, headroom=headroom, native=native, before=4096 * pages, seed=seed
    )
    result = vethlab.inspect(dump)
    check(result, dump, pool)


def test_untouched_buffers_count_as_current():
    """A freed buffer never reused still holds its frame whole: a dump cannot tell it."""
    dump, pool = build(2048, 65536, 40, fill=0.5, stale=True, seed=3)
    assert pool.untouched
    check(vethlab.inspect(dump), dump, pool)


def test_dump_from_a_file(tmp_path):
    dump, pool = build(1280, 65536, 120, seed=5)
    path = tmp_path / "pool.bin"
    path.write_bytes(dump.tobytes())
    check(vethlab.inspect(path), dump, pool)
    check(vethlab.inspect(str(path)), dump, pool)


def test_segments_reported_with_page_size():
    dump, pool = build(1280, 65536, 160, seed=9)
    result = vethlab.inspect(dump, page_size=16384)
    check(result, dump, pool)
    assert any(
        "segments of 65536 bytes: 51 buffers and 256 unused bytes each" in r for r in result.reasons
    )
    segments = {b["segment"] for b in result.buffers}
    assert segments == {0, 1, 2, 3}


def test_every_json_key():
    dump, _ = build(2048, 65536, 32, seed=1)
    out = vethlab.inspect(dump, reads=[(0, 8)]).to_json()
    assert list(out) == [*vethlab.inspection.JSON_KEYS, "reads"]
    assert all(list(f) == list(vethlab.inspection.FRAME_KEYS) for f in out["frames"])
    assert all(isinstance(k, str) for k in out["data_offsets"])
    assert 0.0 <= out["confidence"] <= 1.0


def test_numpy_array_is_not_copied():
    dump, _pool = build(2048, 65536, 16, seed=4)
    result = vethlab.inspect(dump)
    assert np.shares_memory(result.data, dump)


@pytest.mark.parametrize(("stride", "segment"), [(1280, 65536), (10240, 65536)])
def test_one_frame_in_the_last_segment(stride, segment):
    """A segment holding a single frame, with no other segment end to compare its jump with:
    kept, because a segment can start on a page boundary there."""
    per = segment // stride
    dump, pool = build(stride, segment, per + 1, stale=False, seed=12)
    result = vethlab.inspect(dump)
    check(result, dump, pool)
    assert {b["segment"] for b in result.buffers} == {0, 1}
