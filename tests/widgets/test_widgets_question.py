"""The question's sliders: slots line up only when the requested size is the real one."""

import pytest

from vethlab.pictures.style import COLORS
from vethlab.widgets.question import QUESTION_PACKETS, question_sliders, slots_text


@pytest.fixture
def sliders():
    return question_sliders()


def test_at_1600_every_slot_drifts_448_bytes_more(sliders):
    """The question's pool: slot i is read 448 × i bytes before its buffer."""
    s = sliders.vethlab_state
    assert not s["aligned"] and s["error"] is None
    assert s["slot_errors"] == [-448 * i for i in range(QUESTION_PACKETS)]
    assert s["offset_errors"] == [-(448 * i + 8) for i in range(QUESTION_PACKETS)]
    assert s["verdict"] == "wrong"
    assert "each slot drifts 448 bytes more than the last" in sliders.children[1].value


def test_asking_for_2048_lines_the_slots_up_but_the_headroom_remains(sliders):
    """Requested = real: every read on its buffer's first byte, 8 bytes before the frame."""
    sliders.vethlab_controls["buffer_size"].value = 2048
    s = sliders.vethlab_state
    assert s["aligned"] and s["slot_errors"] == [0] * QUESTION_PACKETS
    assert s["offset_errors"] == [-8] * QUESTION_PACKETS
    assert s["map"]["errors"] == list(range(QUESTION_PACKETS))  # still the headroom short
    # The picture marks every read wrong (8 bytes early): the verdict is "early", not green.
    assert s["verdict"] == "early" and "still 8 bytes early" in s["sentence"]
    assert COLORS["early_read"] in sliders.children[1].value
    assert COLORS["right_read"] not in sliders.children[1].value


def test_at_4096_nothing_drifts_but_the_second_segment_is_named(sliders):
    """4096-byte buffers: 16 per 64 KiB segment; packets 16-31 are read a segment early."""
    sliders.vethlab_controls["buffer_size"].value = 4096
    s = sliders.vethlab_state
    assert s["verdict"] == "wrong" and s["slot_errors"][16:] == [-65536] * 16
    assert "packets 16–31 are in segment 1" in s["sentence"]
    assert "65536 bytes early" in s["sentence"] and "drifts" not in s["sentence"]


def test_on_an_80_kib_segment_1200_becomes_1280(sliders):
    """1200 is 2048 on a 64 KiB segment but 1280 on an 80 KiB one; only 1280 lines up there."""
    controls = sliders.vethlab_controls
    controls["buffer_size"].value = 1200
    assert sliders.vethlab_state["summary"]["buffer_size"] == 2048
    controls["segment_size"].value = 81920
    s = sliders.vethlab_state
    assert s["summary"]["buffer_size"] == 1280 and s["slot_errors"][1] == -80
    controls["buffer_size"].value = 1280
    assert sliders.vethlab_state["aligned"]


def test_intel_and_a_tiny_size_explain_instead_of_drawing(sliders):
    """64 bytes on Intel cannot hold a frame: a sentence, no picture, no traceback."""
    controls = sliders.vethlab_controls
    controls["profile"].value = "intel"
    controls["buffer_size"].value = 64
    s = sliders.vethlab_state
    assert s["error"] and not s["aligned"]
    assert sliders.vethlab_image.layout.display == "none"
    assert slots_text(s).startswith("The model refuses this pool")
    controls["buffer_size"].value = 2048
    assert sliders.vethlab_state["aligned"] and not sliders.vethlab_image.layout.display


def test_the_hex_lines_show_one_misread_packet_for_the_slider_values(sliders):
    """Two hex lines of the first attempt's misread: wrong at 1600, early at 2048, gone when refused."""
    s = sliders.vethlab_state
    assert s["misread"]["role"] == "wrong_read" and s["misread"]["offset_error"] < -8
    sliders.vethlab_controls["buffer_size"].value = 2048
    assert s["misread"]["role"] == "early_read" and s["misread"]["offset_error"] == -8
    sliders.vethlab_controls["buffer_size"].value = 64
    assert s["misread"] is None and sliders.children[2].layout.display == "none"


@pytest.mark.parametrize(
    ("buffer_size", "trap"),
    [(1600, "trap 1 (wrong stride)"), (2048, "trap 2 (forgotten headroom / data offset)")],
)
def test_the_verdict_names_its_trap_as_the_trap_table_does(sliders, buffer_size, trap):
    """The sentence names the trap by its number and name from vethlab.traps."""
    sliders.vethlab_controls["buffer_size"].value = buffer_size
    assert trap in sliders.vethlab_state["sentence"]


def test_the_second_segment_is_trap_4(sliders):
    sliders.vethlab_controls["buffer_size"].value = 4096
    assert "trap 4 (segment offset taken for a pool offset)" in sliders.vethlab_state["sentence"]
