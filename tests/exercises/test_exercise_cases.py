"""The matrix: every dimension the issue asks for, slot 1 of its segment, and worlds that
hold what the cases say."""

from vethlab.exercises.cases import (
    BOOT_SEGMENT_SIZES,
    PROFILES,
    REQUESTED_BUFFER_SIZES,
    build_cases,
    world_for,
)
from vethlab.networkingdriverkit.pool import PoolFlagMapToDext


def test_matrix_covers_every_dimension():
    """Both Macs, both boots, 1600/2048/1200/9000, one and several segments, both flows,
    quirk on and off, with and without PoolFlagMapToDext, mapped by the dext or not."""
    cases = build_cases("frame_address")
    assert len(cases) == 576
    assert {c.profile for c in cases} == set(PROFILES)
    assert {c.boot_segment_size for c in cases} == set(BOOT_SEGMENT_SIZES)
    assert (
        {c.requested_buffer_size for c in cases}
        == set(REQUESTED_BUFFER_SIZES)
        >= {
            1600,
            2048,
            1200,
            9000,
        }
    )
    assert {c.segments for c in cases} == {"one", "several"}
    assert {c.flow for c in cases} == {"bsd", "native"}
    assert {c.quirk for c in cases} == {False, True}
    assert {(c.map_to_dext, c.dext_mapped) for c in cases} == {
        (False, True),
        (True, True),
        (True, False),
    }
    assert [c.number for c in cases] == list(range(len(cases)))


def test_worlds_hold_what_the_cases_say():
    """Each case's packet is slot 1 of its segment, its pool has the segments, flag and
    mapping the case names, and its data offset is the flow's."""
    worlds = {}
    for case in build_cases("frame_address")[::7]:
        world = world_for(case, worlds)
        packet = world.packet(case)
        layout = world.layout
        assert packet.index % layout.buffers_per_segment == 1
        assert layout.segment_of(packet.index) == (case.position != "first segment")
        assert (layout.segment_count > 1) == (case.segments == "several")
        assert bool(world.pool.flags & PoolFlagMapToDext) == case.map_to_dext
        assert (world.exercise_pool.address is not None) == case.dext_mapped
        assert world.mac.requested_stride_quirk == case.quirk
        assert packet.getDataOffset() - packet.GetHeadroom() == (2 if case.flow == "native" else 0)
        assert packet.frame_bytes()[:2] != b"\0\0"


def test_get_packet_cases_have_long_frames_where_buffers_hold_them():
    """get_packet adds a long frame (over packet_data's 1600 bytes) wherever the real buffer
    holds one past its data offset, and only there."""
    cases = build_cases("get_packet")
    long = [c for c in cases if c.frame == "long"]
    assert len(cases) == 1080 and long
    worlds = {}
    for case in long[::11]:
        packet = world_for(case, worlds).packet(case)
        assert packet.getDataLength() > 1600
    # 1200 becomes 2048 on a 64 KiB boot, which holds one, and 1280 on an 80 KiB one, which
    # does not.
    assert {(c.requested_buffer_size, c.boot_segment_size) for c in long} == {
        (size, boot) for size in (1600, 2048, 9000) for boot in (65536, 81920)
    } | {(1200, 65536)}
