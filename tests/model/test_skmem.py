"""XNU's buffer-region arithmetic: vethlab against a table XNU's own C code computed.

The oracle is ``tests/data/xnu_skmem_golden.csv.gz`` (see ``tests/data/README.md``): every row
was computed by XNU's ``skmem_region_params_config`` compiled from its source, not by a Python
port. ``buffer_region`` is the arithmetic ``PoolLayout.plan`` uses; the whole table is checked
against it, and ``PoolLayout`` itself on a sample of rows.
"""

import csv
import gzip
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from vethlab.ioreturn import IOReturnError, kIOReturnNoMemory
from vethlab.model.layout import (
    MAX_REGION_BYTES,
    PoolLayout,
    buffer_region,
    magazine_max,
    p2_round_up,
    round_up,
)
from vethlab.model.machine import APPLE_SILICON, INTEL, SEGMENT_SIZES, Boot

GOLDEN = Path(__file__).parents[1] / "data" / "xnu_skmem_golden.csv.gz"
COLUMNS = (
    "buf_size",
    "count",
    "cache_line",
    "seg_caller",
    "seg_request",
    "ncpu",
    "obj_size",
    "seg_size",
    "objs_per_seg",
    "seg_count",
    "obj_count",
    "seg_unused",
)
PROFILE_OF_LINE = {128: APPLE_SILICON, 64: INTEL}


@lru_cache(maxsize=1)
def golden_rows() -> tuple[tuple[int, ...], ...]:
    """Every row of the table as a tuple of ints, in the order of ``COLUMNS``."""
    with gzip.open(GOLDEN, "rt", newline="") as f:
        reader = csv.reader(f)
        assert tuple(next(reader)) == COLUMNS
        return tuple(tuple(map(int, row)) for row in reader)


def is_dense(row) -> bool:
    """The part of the table the issue's "done when" names: sizes 1..20,000, counts 32 and
    4096, both cache lines, boot segments 64/80 KiB, caller segments 16/32 KiB."""
    size, count, _line, caller, request = row[:5]
    return (
        size <= 20000
        and count in (32, 4096)
        and request in ((16384, 32768) if caller else SEGMENT_SIZES)
    )


def region_of(row):
    size, count, line, caller, request, ncpu = row[:6]
    return buffer_region(
        size,
        count,
        cache_line=line,
        ncpu=ncpu,
        boot_segment_size=0 if caller else request,
        memory_segment_size=request if caller else 0,
    )


def check_rows(rows) -> int:
    """Compare each row with ``buffer_region``; fail on the first few differences."""
    wrong = []
    for row in rows:
        r = region_of(row)
        got = (
            r.buffer_size,
            r.segment_size,
            r.buffers_per_segment,
            r.segment_count,
            r.object_count,
            r.segment_unused_bytes,
        )
        if got != row[6:]:
            wrong.append((row, got))
            if len(wrong) == 5:
                break
    lines = [f"{dict(zip(COLUMNS, row, strict=True))} -> vethlab {got}" for row, got in wrong]
    assert not wrong, "\n".join(lines)
    return len(rows)


def test_golden_table_is_complete():
    """The table has the rows its README describes, the dense part included."""
    rows = golden_rows()
    assert len(rows) == 329_752
    assert sum(map(is_dense, rows)) == 20000 * 2 * 2 * 4  # sizes × counts × lines × segments


def test_dense_golden_rows_agree_with_xnu():
    """Every buffer size 1..20,000 × counts 32 and 4096 × both cache lines × boot segments
    64/80 KiB and caller segments 16/32 KiB: buffer size, segment size, buffers per segment,
    segment count, object count and unused bytes are XNU's."""
    assert check_rows([row for row in golden_rows() if is_dense(row)]) == 320_000


def test_other_golden_rows_agree_with_xnu():
    """The table's edges (sizes to 200,000, counts 1..8,192, odd caller segments), magazine
    rows (many CPU counts) and random points agree too."""
    assert check_rows([row for row in golden_rows() if not is_dense(row)]) == 9_752


def test_pool_layout_uses_the_arithmetic():
    """PoolLayout.plan gives the table's numbers on a sample of rows (every 23rd row, and every
    row at 32 KiB or more, where the profile's CPU count matters), or refuses a pool whose
    segments cannot hold every buffer asked."""
    checked = refused = 0
    for i, row in enumerate(golden_rows()):
        size, count, line, caller, request, ncpu = row[:6]
        profile = PROFILE_OF_LINE[line]
        if size >= 32768 and ncpu != profile.ncpu:
            continue  # the profile's (modelled) CPU count is not this row's
        if i % 23 and size < 32768:
            continue
        if row[7] * row[9] > MAX_REGION_BYTES or size * count > MAX_REGION_BYTES:
            continue
        boot = Boot(profile, 65536 if caller else request)
        if row[8] * row[9] < count:
            with pytest.raises(IOReturnError) as info:
                PoolLayout.plan(boot, size, count, memory_segment_size=request if caller else 0)
            assert info.value.code == kIOReturnNoMemory
            refused += 1
            continue
        lay = PoolLayout.plan(boot, size, count, memory_segment_size=request if caller else 0)
        assert (
            lay.buffer_size,
            lay.segment_size,
            lay.buffers_per_segment,
            lay.segment_count,
            lay.segment_unused_bytes,
        ) == row[6:8] + row[8:10] + row[11:], row
        assert lay.region_buffer_count == row[8] * row[9] and lay.buffer_count == count
        assert lay.length == row[7] * row[9]
        checked += 1
    assert checked > 15_000 and refused > 600


# -- the reference's worked examples, by name -------------------------------------------------
def test_32_by_2048_on_an_80k_boot_has_one_64k_segment_of_32():
    """The 80 KiB segment shrinks to what 32 buffers of 2048 need: 64 KiB, not 80 KiB of 40."""
    lay = PoolLayout.plan(Boot(APPLE_SILICON, 81920), 2048, 32)
    assert (lay.buffer_size, lay.segment_size, lay.buffers_per_segment, lay.segment_count) == (
        2048,
        65536,
        32,
        1,
    )
    assert lay.boot_segment_size == 81920 and lay.segment_unused_bytes == 0


def test_32_by_1200_apple_silicon_80k_boot_is_1280_in_a_48k_segment():
    """1200 becomes 1280 against the 80 KiB start; the segment shrinks to 48 KiB: 38 buffers
    and 512 bytes nobody uses at its end."""
    lay = PoolLayout.plan(Boot(APPLE_SILICON, 81920), 1200, 32)
    assert (lay.buffer_size, lay.segment_size, lay.buffers_per_segment, lay.segment_count) == (
        1280,
        49152,
        38,
        1,
    )
    assert lay.segment_unused_bytes == 512 and lay.region_buffer_count == 38
    assert lay.buffer_count == 32 and len(lay.buffer_offsets()) == 32


@pytest.mark.parametrize("profile", [APPLE_SILICON, INTEL])
def test_4096_by_1600_on_an_80k_boot_has_128k_segments_of_64(profile):
    """4096 buffers: the 80 KiB segment grows (at most to 1.5×) until it divides what they
    need: 128 KiB, 64 buffers each, 64 segments. (On a 64 KiB boot it already divides: 128
    segments of 32.)"""
    lay = PoolLayout.plan(Boot(profile, 81920), 1600, 4096)
    assert (lay.buffer_size, lay.segment_size, lay.buffers_per_segment, lay.segment_count) == (
        2048,
        131072,
        64,
        64,
    )
    lay = PoolLayout.plan(Boot(profile, 65536), 1600, 4096)
    assert (lay.segment_size, lay.buffers_per_segment, lay.segment_count) == (65536, 32, 128)


def test_intel_80k_100_by_2048_has_two_128k_segments_and_buffer_40_in_segment_0():
    """The second-segment case: two segments of 64 (128 buffers, 28 unused), not three of 40;
    buffer 40 is in segment 0 and buffer 64 starts segment 1."""
    lay = PoolLayout.plan(Boot(INTEL, 81920), 2048, 100)
    assert (lay.buffer_size, lay.segment_size, lay.buffers_per_segment, lay.segment_count) == (
        2048,
        131072,
        64,
        2,
    )
    assert lay.region_buffer_count == 128 and lay.buffer_count == 100
    assert lay.segment_of(40) == 0 and lay.buffer_offset(40) == 40 * 2048
    assert lay.segment_of(64) == 1 and lay.buffer_offset(64) == 131072
    assert lay.segment_offset(64) == 0


def test_64_by_2048_one_segment_on_80k_two_on_64k():
    """Notebook 03's pool: one 128 KiB segment on an 80 KiB boot, two 64 KiB ones on 64 KiB."""
    on80 = PoolLayout.plan(Boot(APPLE_SILICON, 81920), 2048, 64)
    on64 = PoolLayout.plan(Boot(APPLE_SILICON, 65536), 2048, 64)
    assert (on80.segment_size, on80.segment_count) == (131072, 1)
    assert (on64.segment_size, on64.segment_count) == (65536, 2)


# -- the steps on their own -------------------------------------------------------------------
def test_caller_segment_is_rounded_and_replaces_the_boot():
    """memorySegmentSize is rounded up to 16 KiB and used instead of the boot's draw."""
    for boot_segment in SEGMENT_SIZES:
        lay = PoolLayout.plan(
            Boot(APPLE_SILICON, boot_segment), 1200, 32, memory_segment_size=10000
        )
        assert lay.start_segment_size == 16384 and lay.buffer_size == 2048
        assert (lay.segment_size, lay.segment_count) == (16384, 4)


def test_boot_arg_replaces_the_draw():
    """The skmem_drv_buf_seg_size boot-arg: at least 16 KiB, rounded up to 16 KiB, no draw."""
    assert Boot(APPLE_SILICON, boot_arg_segment_size=100000).segment_size == 114688
    assert Boot(APPLE_SILICON, boot_arg_segment_size=1).segment_size == 16384
    lay = PoolLayout.plan(Boot(APPLE_SILICON, boot_arg_segment_size=100000), 1200, 32)
    assert lay.boot_segment_size == 114688 and lay.buffer_size == 1792  # 64 per 112 KiB


@pytest.mark.parametrize("line,kept", [(64, [1, 2, 4, 8, 16, 32]), (128, [1, 2, 4, 8, 16, 32, 64])])
def test_small_powers_of_two_are_kept(line, kept):
    """Sizes below the cache line that divide it and the segment are not rounded up."""
    profile = PROFILE_OF_LINE[line]
    for size in range(1, line + 1):
        got = PoolLayout.plan(Boot(profile, 65536), size, 32).buffer_size
        assert got == (size if size in kept else line), size


def test_no_cap_on_buffer_size():
    """A buffer larger than 64 KiB grows the segment (one buffer per segment here)."""
    lay = PoolLayout.plan(Boot(APPLE_SILICON, 65536), 100_000, 4)
    assert lay.buffer_size == 100_096
    assert lay.buffers_per_segment * lay.buffer_size <= lay.segment_size
    assert lay.region_buffer_count >= 4


def test_magazines_from_32k():
    """From a requested 32 KiB on, the count grows by the per-CPU magazines (profile CPUs)."""
    below = buffer_region(32767, 32, cache_line=128, ncpu=8, boot_segment_size=65536)
    at = buffer_region(32768, 32, cache_line=128, ncpu=8, boot_segment_size=65536)
    assert below.magazine_allowance == 0
    assert at.magazine_allowance == magazine_max(32768, 8) == 8 * 14 * 2
    assert at.object_count >= 32 + at.magazine_allowance


def test_p2_round_up_is_round_up_for_powers_of_two_only():
    """XNU's two roundings agree for a power-of-two align; P2ROUNDUP refuses anything else."""
    for value in (1, 100, 16384, 16385, 81920):
        assert p2_round_up(value, 16384) == round_up(value, 16384)
    assert round_up(100000, 98304) == 196608
    with pytest.raises(ValueError):
        p2_round_up(100000, 98304)


# -- the invariants XNU's source asserts -------------------------------------------------------
@given(
    size=st.integers(1, 200_000),
    count=st.integers(1, 8192),
    line=st.sampled_from([64, 128]),
    boot_segment=st.sampled_from(SEGMENT_SIZES),
    caller=st.one_of(st.just(0), st.sampled_from([16384, 32768]), st.integers(1, 1 << 20)),
    ncpu=st.sampled_from([4, 8]),
)
def test_region_invariants(size, count, line, boot_segment, caller, ncpu):
    """Segment a multiple of 16 KiB unless an object over 16 KiB forces otherwise; at least one
    buffer per segment, and buffers × size within the segment; the count asked (and the
    magazines) covered by the region's object count; the buffer at least the request."""
    r = buffer_region(
        size,
        count,
        cache_line=line,
        ncpu=ncpu,
        boot_segment_size=boot_segment,
        memory_segment_size=caller,
    )
    assert r.segment_size % 16384 == 0 or r.buffer_size > 16384
    assert r.buffers_per_segment >= 1
    assert r.buffers_per_segment * r.buffer_size <= r.segment_size
    assert r.segment_unused_bytes < r.buffer_size
    assert r.object_count >= count + r.magazine_allowance
    assert r.segment_count >= 1 and r.length == r.segment_count * r.segment_size
    assert r.buffer_size >= size
    assert r.buffer_size % line == 0 or (size < line and line % size == 0)
    assert r.start_segment_size == (p2_round_up(caller, 16384) if caller else boot_segment)
