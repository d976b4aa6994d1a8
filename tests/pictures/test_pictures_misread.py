"""One misread packet: the bytes read against its frame, in two hex lines."""

import pytest
from matplotlib.figure import Figure

from vethlab.pictures.misread import draw_misread_hexdump, misread_packet, misread_result


@pytest.fixture(scope="module")
def first_attempt():
    return misread_result("first_attempt", segment_size=65536)


def test_the_question_shows_packet_7_read_in_packet_5s_frame(first_attempt):
    """Packet 7 is read 3144 bytes early, inside packet 5's frame; every byte differs."""
    ax = Figure(figsize=(8, 1.5)).add_subplot()
    rec = draw_misread_hexdump(ax, first_attempt).vethlab
    assert rec["packet"] == 7 and rec["offset_error"] == -3144 and rec["role"] == "wrong_read"
    assert len(rec["differs"]) == 16
    owners = [t.get_text() for t in ax.texts]
    assert "packet 5's frame" in owners and "packet 7's frame" in owners
    reading = first_attempt.readings[7]
    assert rec["addresses"][1] - rec["addresses"][0] == reading.frame_offset - reading.read_offset


def test_the_real_size_reads_each_buffer_start_early():
    """bufferSize 2048: no junk; packet 0 is read at its buffer's start, 8 bytes early."""
    result = misread_result("first_attempt", segment_size=65536, buffer_size=2048)
    assert misread_packet(result) == 0
    ax = Figure(figsize=(8, 1.5)).add_subplot()
    rec = draw_misread_hexdump(ax, result).vethlab
    assert rec["role"] == "early_read" and rec["offset_error"] == -8
    assert rec["kinds"][0][:8] == ["headroom"] * 8


def test_a_right_read_shows_two_equal_lines():
    """Today's API: both lines are the frame, nothing differs."""
    result = misread_result("current_api", segment_size=65536)
    ax = Figure(figsize=(8, 1.5)).add_subplot()
    rec = draw_misread_hexdump(ax, result).vethlab
    assert rec["role"] == "right_read" and rec["differs"] == []
    assert "the two lines agree" in ax.get_title(loc="left")
