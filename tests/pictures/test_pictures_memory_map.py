"""The pool's memory map: what each byte of each buffer holds, and what the picture drew."""

import itertools

import matplotlib.pyplot as plt
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from matplotlib.collections import LineCollection
from matplotlib.colors import to_hex

from vethlab.driverkit.service import IOService
from vethlab.model.memory import Mac
from vethlab.networkingdriverkit.pool import (
    IOUserNetworkPacketBufferPool,
    IOUserNetworkPacketBufferPoolOptions,
    PoolFlagMapToDext,
)
from vethlab.pictures.memory_map import (
    REGION_KINDS,
    buffer_regions,
    draw_memory_map,
    memory_map_rules,
    read_right,
)
from vethlab.question.scenario import run_method
from vethlab.widgets.pool_explorer import explore_pool
from vethlab.wire.frames import APP, HOST, arp_request, icmp_echo_request
from vethlab.wire.host import HostStack


def make_pool(
    packets=4, buffers=None, buffer_size=2048, profile="apple-silicon", segment_size=65536
):
    mac = Mac(profile, segment_size, 0)
    dext = IOService(mac, "dext")
    options = IOUserNetworkPacketBufferPoolOptions(
        packetCount=packets,
        bufferCount=buffers or packets,
        bufferSize=buffer_size,
        poolFlags=PoolFlagMapToDext,
    )
    pool = IOUserNetworkPacketBufferPool.CreateWithOptions(dext, "test", options)
    return pool, HostStack(pool)


def runs(regions, index):
    return regions.runs_of(index)


@pytest.fixture(scope="module")
def first_attempt():
    return run_method("first_attempt", segment_size=65536)


# -- buffer_regions: what each byte holds ---------------------------------------------------


def test_fresh_pool_is_all_zero():
    """A pool nobody wrote to is zero in every buffer, one run each."""
    pool, host = make_pool(packets=3)
    regions = buffer_regions(pool, host)
    assert [runs(regions, i) for i in range(3)] == [[(0, 2048, "zero")]] * 3


def test_one_frame_gives_headroom_frame_and_tailroom():
    """A packet holding a 60-byte frame at data offset 8: headroom, frame, tailroom."""
    pool, host = make_pool(packets=2)
    host.transmit(arp_request(HOST, APP.ipv4), headroom=8)
    regions = buffer_regions(pool, host)
    assert runs(regions, 0) == [(0, 8, "headroom"), (8, 68, "frame"), (68, 2048, "tailroom")]
    assert runs(regions, 1) == [(0, 2048, "zero")]


def test_link_headers_come_from_the_frame_fields():
    """With link_headers the Ethernet header's 14 bytes are the link header."""
    pool, host = make_pool(packets=1)
    host.transmit(arp_request(HOST, APP.ipv4), headroom=8)
    regions = buffer_regions(pool, host, link_headers=True)
    assert runs(regions, 0) == [
        (0, 8, "headroom"),
        (8, 22, "link_header"),
        (22, 68, "frame"),
        (68, 2048, "tailroom"),
    ]


def test_recycled_buffer_shows_the_stale_tail_of_a_longer_frame():
    """A long frame recycled, then a short one in the same buffer: the long one's tail is stale."""
    pool, host = make_pool(packets=1)
    long = host.transmit(icmp_echo_request(HOST, APP, 1, 1, 200), headroom=8)
    pool.DeallocatePacket(long)
    assert runs(buffer_regions(pool, host), 0) == [
        (0, 8, "zero"),
        (8, 8 + 242, "stale"),
        (250, 2048, "zero"),
    ]
    host.transmit(arp_request(HOST, APP.ipv4), headroom=8)
    assert runs(buffer_regions(pool, host), 0) == [
        (0, 8, "headroom"),
        (8, 68, "frame"),
        (68, 250, "stale"),
        (250, 2048, "tailroom"),
    ]


@settings(max_examples=40)
@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 120), st.booleans()), min_size=1, max_size=12
    )
)
def test_runs_tile_every_buffer_and_frames_add_up(events):
    """Runs of each buffer are ordered, disjoint and cover it; frame bytes are the in-use data."""
    pool, host = make_pool(packets=4, buffer_size=1600)
    for _, size, free in events:
        if pool.free_count == 0:
            pool.DeallocatePacket(pool.in_use()[0])
        packet = host.transmit(icmp_echo_request(HOST, APP, 1, 1, size), headroom=8)
        if free:
            pool.DeallocatePacket(packet)
    regions = buffer_regions(pool, host, link_headers=True)
    for index in range(pool.layout.buffer_count):
        r = runs(regions, index)
        assert r[0][0] == 0 and r[-1][1] == pool.layout.buffer_size
        assert all(a[1] == b[0] for a, b in itertools.pairwise(r))
        assert all(
            a[2] != b[2] for a, b in itertools.pairwise(r)
        )  # neighbours of one kind are merged
    totals = regions.bytes_by_kind()
    assert sum(totals.values()) == pool.layout.buffer_count * pool.layout.buffer_size
    assert totals["frame"] + totals["link_header"] == sum(p.getDataLength() for p in pool.in_use())
    assert set(totals) == set(REGION_KINDS)


# -- the picture: detail mode -----------------------------------------------------------------


def test_question_map_draws_one_row_per_buffer_and_marks_every_wrong_read(first_attempt):
    """32 buffers: one row each, every packet of the first attempt marked wrong."""
    m = first_attempt
    _fig, ax = plt.subplots(figsize=(9, 6))
    draw_memory_map(ax, m.pool, mapping=m.dext.pool_map, host=m.host, readings=m.readings)
    rec = ax.vethlab
    assert rec["mode"] == "buffers" and not rec["aggregated"]
    assert rec["rows"] == rec["buffers"] == 32 and rec["buffers_per_row"] == 1
    assert rec["errors"] == list(range(32)) and rec["error_rows"] == list(range(1, 32))
    assert rec["early"] == [0]  # slot 0 is right: its read is only the headroom early
    assert rec["reads_outside_pool"] == []
    # packet 0 reads [0, 60) inside buffer 0; a read that crosses a buffer end is cut in two
    assert rec["read_pieces"] > 32
    assert rec["bytes"]["headroom"] == 32 * 8


def test_map_labels_rows_with_addresses_in_the_given_mapping(first_attempt):
    """Row labels are the buffer index and its base address in the mapping, in hex."""
    m = first_attempt
    _fig, ax = plt.subplots(figsize=(9, 6))
    draw_memory_map(ax, m.pool, mapping=m.dext.pool_map, readings=m.readings)
    first = ax.vethlab["labels"][0]
    assert first == f"0  0x{m.dext.pool_map.address_of(0):x}"
    second = ax.vethlab["labels"][1]
    index = int(second.split()[0])
    assert second.endswith(f"0x{m.dext.pool_map.address_of(m.pool.layout.buffer_offset(index)):x}")


def test_map_without_mapping_labels_pool_offsets():
    """Without any mapping of the pool the labels are pool offsets."""
    pool, host = make_pool(packets=4)
    pool.dext_mapping = None
    _fig, ax = plt.subplots()
    draw_memory_map(ax, pool, host=host, max_rows=10)
    assert ax.vethlab["labels"][0] == "0  +0x0"


def test_right_reads_are_green_and_leave_no_error(first_attempt):
    """Today's API reads every frame: no error rows, and the status column is all right."""
    m = run_method("current_api", segment_size=65536)
    _fig, ax = plt.subplots(figsize=(9, 6))
    draw_memory_map(ax, m.pool, host=m.host, readings=m.readings)
    assert ax.vethlab["errors"] == [] and ax.vethlab["error_rows"] == []
    assert ax.vethlab["read_pieces"] == 32


def test_highlight_adds_one_outline_and_is_recorded(first_attempt):
    """highlight outlines one buffer and says which."""
    m = first_attempt
    _fig, ax = plt.subplots(figsize=(9, 6))
    draw_memory_map(ax, m.pool, readings=m.readings)
    plain = ax.vethlab["rects"]
    _fig, ax = plt.subplots(figsize=(9, 6))
    draw_memory_map(ax, m.pool, readings=m.readings, highlight=3)
    assert ax.vethlab["highlight"] == 3 and ax.vethlab["rects"] == plain + 1


def test_segment_boundaries_are_lines_between_rows():
    """64 buffers of 2048 in 64 KiB segments: one segment line, before buffer 32."""
    pool, host = make_pool(packets=64)
    _fig, ax = plt.subplots(figsize=(9, 8))
    draw_memory_map(ax, pool, host=host, max_rows=64, crop=False)
    assert ax.vethlab["segment_lines"] == [32]
    assert not ax.vethlab["segment_lines_skipped"]


def test_the_regions_extra_buffers_are_one_unused_row():
    """100 × 2048 on an 80 KiB Intel boot: XNU makes two 128 KiB segments of 64. The map has
    100 buffer rows, segment 1 before buffer 64, and one row for the 28 unused buffers."""
    pool, host = make_pool(packets=100, profile="intel", segment_size=81920)
    _, ax = plt.subplots(figsize=(9, 12))
    draw_memory_map(ax, pool, host=host, max_rows=100, crop=False)
    assert ax.vethlab["rows"] == 100 and ax.vethlab["unused_buffers"] == 28
    assert ax.vethlab["segment_lines"] == [64]
    assert "+28 buffers of the region, unused" in [t.get_text() for t in ax.texts]
    assert ax.vethlab["left_out_buffers"] == 0
    assert ax.get_ylim()[0] > 100
    pool, _ = make_pool(packets=64)
    _, ax = plt.subplots(figsize=(9, 8))
    draw_memory_map(ax, pool, max_rows=64, crop=False)
    assert ax.vethlab["unused_buffers"] == 0 and ax.get_ylim() == (64, 0)


def test_title_gives_the_unused_bytes_at_each_segment_end():
    """1200 on an 80 KiB Apple-silicon boot: 1280-byte buffers, 38 in a 48 KiB segment, 512
    bytes at its end that no buffer uses."""
    pool, _ = make_pool(packets=32, buffer_size=1200, segment_size=81920)
    _, ax = plt.subplots(figsize=(9, 8))
    draw_memory_map(ax, pool)
    assert "1 segment(s) of 49152 (512 unused at each end)" in ax.get_title(loc="left")
    assert ax.vethlab["unused_buffers"] == 6


def test_page_boundaries_fall_between_rows_or_inside_them():
    """4 KiB pages: between every two 2048-byte buffers; inside 10240-byte buffers."""
    pool, _ = make_pool(packets=8, profile="intel")
    _fig, ax = plt.subplots(figsize=(9, 6))
    draw_memory_map(ax, pool, crop=False)
    assert ax.vethlab["page_lines"] == 8 * 2048 // 4096 - 1
    pool, _ = make_pool(packets=2, buffer_size=9000, profile="intel", segment_size=81920)
    assert pool.layout.buffer_size == 10240
    _fig, ax = plt.subplots(figsize=(9, 6))
    draw_memory_map(ax, pool, crop=False)
    assert ax.vethlab["page_lines"] == 2 * 10240 // 4096 - 1  # 4 of them inside buffer rows
    # Cropped to the one buffer in use: only the lines in that row are drawn.
    _fig, ax = plt.subplots(figsize=(9, 6))
    draw_memory_map(ax, pool)
    assert ax.vethlab["shown_buffers"] == 1 and ax.vethlab["page_lines"] == 2


def test_a_cropped_large_pool_draws_no_line_past_its_rows():
    """65,536 buffers cropped to the 32 in use: the page lines of those 32 rows, not 8,191."""
    explored = explore_pool(buffers=65536, packets=32, profile="intel", buffer_size=2048)
    _fig, ax = plt.subplots(figsize=(9, 6))
    draw_memory_map(ax, explored.pool, host=explored.host)
    shown = ax.vethlab["shown_buffers"]
    # 4 KiB pages, 2048-byte buffers: a page line at every second buffer's start.
    assert shown >= 32 and ax.vethlab["page_lines"] == (shown - 1) // 2
    (lines,) = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert all(path.vertices[:, 1].max() <= shown for path in lines.get_paths())


def test_rules_carry_their_provenance(first_attempt):
    """The size and segment rules are XNU's source, the segment placement modelled, the quirk
    reported."""
    labels = [label for label, _ in memory_map_rules(first_attempt.pool)]
    assert labels == ["source", "modelled", "reported"]
    _fig, ax = plt.subplots()
    draw_memory_map(ax, first_attempt.pool)
    assert [label for label, _ in ax.vethlab["provenance"]] == labels
    pool, _ = make_pool(packets=64)
    assert [label for label, _ in memory_map_rules(pool)] == ["modelled"]
    pool, _ = make_pool(packets=2)  # the 64 KiB segment shrinks to 16 KiB
    rules = memory_map_rules(pool)
    assert rules[0] == ("source", "segment 65536 → 16384: XNU resizes it to the pool's buffers")
    assert [label for label, _ in rules] == ["source", "modelled"]


# -- the picture: many buffers ----------------------------------------------------------------


@pytest.mark.parametrize("buffers", [4096, 65536])
def test_a_big_pool_is_cropped_to_its_used_buffers(buffers):
    """64 packets in thousands of buffers: 64 rows, one row per buffer, and a note of how many
    free buffers are left out; no mostly white box."""
    explored = explore_pool(buffers=buffers, packets=64)
    readings = explored.readings("question_fix")
    _fig, ax = plt.subplots(figsize=(9, 8), dpi=80)
    draw_memory_map(ax, explored.pool, host=explored.host, readings=readings)
    rec = ax.vethlab
    assert not rec["aggregated"] and rec["shown_buffers"] == rec["rows"] == 64
    assert rec["left_out_buffers"] == buffers - 64
    assert f"{buffers - 64:,} free buffers not drawn" in [t.get_text() for t in ax.texts]
    assert len(ax.images) == 0
    wrong = [r.index for r in readings if r.offset_error != 0]
    assert rec["errors"] == wrong


def test_many_used_buffers_are_stacked_bars_in_the_legend_colours():
    """4096 packets: rows of 2^k buffers, each a stacked bar whose pieces have the legend's
    colours and whose widths are the shares of each kind of byte; errors still marked."""
    explored = explore_pool(buffers=65536, packets=4096)
    readings = explored.readings("question_fix")
    _fig, ax = plt.subplots(figsize=(9, 6), dpi=80)
    draw_memory_map(ax, explored.pool, host=explored.host, readings=readings)
    rec = ax.vethlab
    per = rec["buffers_per_row"]
    assert rec["aggregated"] and per & (per - 1) == 0 and per > 1
    assert rec["rows"] == -(-4096 // per) and rec["left_out_buffers"] == 65536 - 4096
    assert len(ax.images) == 0
    bars = ax.collections[0]
    legend = {to_hex(h.get_facecolor()) for h in ax.get_legend().legend_handles}
    assert {to_hex(c) for c in bars.get_facecolors()} <= legend
    widths = [np.ptp(p.vertices[:, 0]) for p in bars.get_paths()]
    size = explored.layout.buffer_size
    assert sum(widths) == pytest.approx(rec["rows"] * size)  # every row's shares add up
    wrong = [r.index for r in readings if r.offset_error != 0]
    assert rec["errors"] == wrong
    assert rec["error_rows"] == sorted({i // per for i in wrong})
    assert rec["page_lines_skipped"]


def test_read_right_is_about_the_place_not_the_bytes():
    """A read is right only at its own frame: in a two-segment pool the fix reads packet 0's
    buffer for packet 32, and neither its place nor (frames all differ) its bytes are right."""
    explored = explore_pool(buffers=64, packets=64, segment_size=65536)
    readings = explored.readings("question_fix")
    assert [read_right(r) for r in readings] == [r.offset_error == 0 for r in readings]
    assert not read_right(readings[32]) and not readings[32].bytes_match
    assert all(read_right(r) == r.bytes_match for r in readings)


def test_a_read_across_a_buffer_end_is_cut_in_two_and_a_segment_tail_is_skipped():
    """A read crossing a buffer boundary gives two pieces; bytes in a segment's tail none."""
    from vethlab.pictures.memory_map import _read_pieces
    from vethlab.question.scenario import Reading

    pool, _ = make_pool(packets=2, buffers=2)  # 2 buffers, then 6 unused ones of the segment
    across = Reading(0, 0, 2000, 8, 1992, 100, False)
    tail = Reading(1, 0, 4090, 2056, 2034, 100, False)
    packet, buffer, start, end, right = _read_pieces(pool.layout, [across, tail])
    pieces = sorted(
        zip(packet.tolist(), buffer.tolist(), start.tolist(), end.tolist(), strict=True)
    )
    assert pieces == [(0, 0, 2000, 2048), (0, 1, 0, 52), (1, 1, 2042, 2048)]
    assert not right.any()
