"""The question scenario: three ways to find a frame."""

import pytest
from hypothesis import given, settings, strategies as st

from vethlab.ioreturn import BadArgument
from vethlab.question.scenario import run_method, run_question


@pytest.fixture(scope="module")
def report():
    return run_question(segment_size=65536)


def test_first_attempt_reads_i_times_448_plus_headroom_early(report):
    """Packet i is read i × 448 + headroom bytes before its frame; only bytes at the right place match."""
    readings = report.methods["first_attempt"].readings
    assert [r.offset_error for r in readings] == [-(i * 448 + 8) for i in range(32)]
    assert not any(r.bytes_match for r in readings)


def test_first_attempt_without_headroom_only_packet_0_is_right():
    """With headroom 0 the first attempt gets packet 0 right and no other."""
    m = run_method("first_attempt", headroom=0, segment_size=65536)
    assert [r.bytes_match for r in m.readings] == [True] + [False] * 31
    assert [r.offset_error for r in m.readings] == [-i * 448 for i in range(32)]


def test_fix_and_current_api_get_every_packet(report):
    """The question's fix and today's API read every frame byte for byte."""
    for key in ("question_fix", "current_api"):
        m = report.methods[key]
        assert all(r.bytes_match and r.offset_error == 0 for r in m.readings), key


@pytest.mark.parametrize("data_offset, error", [(10, -2), (2, 6)])
def test_fix_breaks_when_data_offset_differs_from_headroom(data_offset, error):
    """The fix adds the headroom (8), not the data offset: a frame 2 bytes past the headroom
    is read 2 bytes early, one at offset 2 six bytes late; today's API stays right."""
    rep = run_question(headroom=8, data_offset=data_offset, segment_size=65536)
    fix = rep.methods["question_fix"].readings
    assert {r.offset_error for r in fix} == {error}
    assert not any(r.bytes_match for r in fix)
    assert rep.methods["current_api"].all_match


def test_junk_is_stale_or_neighbouring_frames(report):
    """What the first attempt reads is bytes of other frames (current or stale), not its own frame."""
    m = report.methods["first_attempt"]
    r = m.readings[5]
    runs = m.host.origin(r.read_offset, r.read_offset + r.data_length)
    assert runs and all(kind in ("frame", "stale", "zero") for _, _, kind, _ in runs)
    assert any(pkt != 5 for _, _, kind, pkt in runs if kind != "zero")


def test_json_shape(report):
    """JSON has methods with the three keys, each a list of packets with the stable fields."""
    data = report.to_json()
    assert set(data["methods"]) == {"first_attempt", "question_fix", "current_api"}
    for rows in data["methods"].values():
        assert len(rows) == 32
        assert {"index", "read_offset", "frame_offset", "offset_error", "bytes_match"} <= set(
            rows[0]
        )


@settings(max_examples=25, deadline=None)
@given(
    st.sampled_from(["apple-silicon", "intel"]),
    st.sampled_from([65536, 81920]),
    st.integers(0, 64),
    st.integers(0, 3),
)
def test_current_api_always_right(profile, segment, headroom, seed):
    """Today's API reads every frame whatever the profile, segment, headroom or seed."""
    m = run_method(
        "current_api",
        profile=profile,
        segment_size=segment,
        headroom=headroom,
        seed=seed,
        packets=8,
    )
    assert m.all_match


def test_read_packet_gives_one_reading_by_key_or_function():
    """read_packet reads one packet with a method named by key or given as a function."""
    from vethlab.question.scenario import current_api, question_fix, read_packet

    m = run_method(
        "current_api",
        packets=4,
        segment_size=65536,
        headroom=8,
        data_offset=10,
        buffer_size=2048,
        quirk=False,
    )
    packet = m.pool.packets[3]
    by_key = read_packet(m.dext, "question_fix", packet)
    by_function = read_packet(m.dext, question_fix, packet)
    assert by_key == by_function
    assert (by_key.index, by_key.offset_error) == (3, -2)
    assert read_packet(m.dext, current_api, packet).offset_error == 0
    with pytest.raises(BadArgument, match="allowed: first_attempt"):
        read_packet(m.dext, "no_such_method", packet)
    with pytest.raises(BadArgument, match="'nope' is unknown"):
        run_method("nope")


def test_small_buffers_get_frames_that_fit():
    """1200 on an 80 KiB segment gives 1280-byte buffers: the host sends frames that fit."""
    m = run_method("current_api", buffer_size=1200, segment_size=81920, headroom=8)
    assert m.pool.layout.buffer_size == 1280 and m.all_match
    assert max(r.data_length for r in m.readings) <= 1280 - 8


def test_buffers_too_small_for_any_frame():
    """Buffers that cannot hold the smallest frame are refused with the sizes named."""
    with pytest.raises(BadArgument, match="fewer than the host's smallest frames"):
        run_method("current_api", buffer_size=64, headroom=60)
