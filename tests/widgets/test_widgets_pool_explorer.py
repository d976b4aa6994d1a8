"""The pool explorer: move its controls like a learner would and check what it drew."""

import itertools

import matplotlib.pyplot as plt
import pytest

from vethlab.ioreturn import IOReturnError, kIOReturnBadArgument
from vethlab.widgets.pool_explorer import (
    BUFFER_CHOICES,
    PACKET_CHOICES,
    clear_axes,
    explore_pool,
    pool_explorer,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def explorer():
    return pool_explorer()


def test_starts_as_the_question_with_offset_errors(explorer):
    """Default: 1600 asked, 2048 real, the quirk on; packet i is read 448 × i bytes early."""
    s = explorer.vethlab_state
    assert s["error"] is None and s["redraws"] == 1
    assert s["summary"]["requested_buffer_size"] == 1600 and s["summary"]["buffer_size"] == 2048
    assert s["offset_errors"] == [-448 * i for i in range(32)]
    assert s["wrong_packets"] == list(range(1, 32))
    assert s["map"]["mode"] == "buffers" and s["map"]["rows"] == 32
    assert s["map"]["error_rows"] == list(range(1, 32))
    assert bytes(explorer.vethlab_image.value).startswith(PNG_MAGIC)


def test_asking_for_the_real_size_makes_every_error_vanish(explorer):
    """Moving bufferSize from 1600 to 2048: every offset error becomes 0, no row is red."""
    explorer.vethlab_controls["buffer_size"].value = 2048
    s = explorer.vethlab_state
    assert s["redraws"] == 2 and s["error"] is None
    assert s["offset_errors"] == [0] * 32 and s["wrong_packets"] == []
    assert s["map"]["errors"] == [] and s["map"]["error_rows"] == []
    assert s["offsets"]["series"]["packet_buffer_addr + packet_offset + packet_head"]["line"] == (
        0,
        0,
    )
    assert "every packet is read at its frame" in explorer.children[1].value


def test_the_quirk_is_what_makes_1600_wrong(explorer):
    """With the reported quirk off, segment offsets use the real stride: no error at 1600."""
    explorer.vethlab_controls["quirk"].value = False
    assert explorer.vethlab_state["offset_errors"] == [0] * 32


def test_todays_api_is_right_whatever_the_size(explorer):
    """getDataVirtualAddress() + getDataOffset(): no error, quirk or not."""
    explorer.vethlab_controls["method"].value = "current_api"
    assert explorer.vethlab_state["offset_errors"] == [0] * 32
    explorer.vethlab_controls["method"].value = "first_attempt"
    assert explorer.vethlab_state["offset_errors"] == [-(448 * i + 8) for i in range(32)]


def test_more_packets_than_buffers_shows_the_model_s_message(explorer):
    """bufferCount < packetCount: the message in place of the picture, then back again."""
    controls = explorer.vethlab_controls
    controls["packets"].value = 64
    s = explorer.vethlab_state
    assert "bufferCount 32 is smaller than packetCount 64" in s["error"]
    assert s["layout"] is None and s["offset_errors"] is None
    assert explorer.vethlab_image.layout.display == "none"
    assert "The model refuses this pool" in explorer.children[1].value
    assert "Traceback" not in explorer.children[1].value
    controls["buffers"].value = 64
    assert s["error"] is None and explorer.vethlab_image.layout.display is None
    assert s["summary"]["segment_count"] == 2 and s["map"]["rows"] == 64


def test_zero_and_tiny_buffer_sizes_are_explained(explorer):
    """bufferSize 0 is refused by Create; 64 on Intel is too small for the host's frames."""
    controls = explorer.vethlab_controls
    controls["buffer_size"].value = 0
    assert "bufferSize 0 is out of range" in explorer.vethlab_state["error"]
    controls["profile"].value = "intel"
    controls["buffer_size"].value = 64
    assert "64-byte buffers" in explorer.vethlab_state["error"]


def test_many_buffers_are_aggregated_and_multi_segment_errors_show(explorer):
    """65,536 buffers: the map crops to the 64 used; past the first segment the fix is wrong."""
    controls = explorer.vethlab_controls
    controls["buffer_size"].value = 2048
    controls["packets"].value = 64
    controls["buffers"].value = 65536
    s = explorer.vethlab_state
    assert s["summary"]["segment_count"] == 2048
    assert (s["map"]["shown_buffers"], s["map"]["left_out_buffers"]) == (64, 65536 - 64)
    assert s["offset_errors"][:32] == [0] * 32
    assert s["offset_errors"][32:] == [-65536] * 32  # trap 4: segment offset is not pool offset
    assert s["offsets"]["segment_starts"] == [32]


def test_one_figure_is_reused_for_every_redraw(explorer):
    """The figure and its two axes survive redraws; only what is drawn on them changes."""
    fig = explorer.vethlab_figure
    axes = list(fig.axes)
    for size in (1500, 1700, 2048):
        explorer.vethlab_controls["buffer_size"].value = size
    assert explorer.vethlab_figure is fig and fig.axes == axes
    assert len(axes[0].images) == 0 and len(axes[1].collections) >= 1
    assert explorer.vethlab_state["redraws"] == 4


def test_choices_are_powers_of_two_up_to_the_limits():
    """Packets up to 4096 (XNU's TX minimum), buffers up to 65,536."""
    assert PACKET_CHOICES[0] == 1 and PACKET_CHOICES[-1] == 4096
    assert BUFFER_CHOICES[-1] == 65536
    assert all(b == 2 * a for a, b in itertools.pairwise(BUFFER_CHOICES))


def test_explore_pool_fills_twice_and_reads_lazily():
    """Two rounds of frames (the first recycled), readings made once per method."""
    explored = explore_pool(packets=8, buffers=16)
    assert len(explored.host.writes) == 16 and len(explored.sent) == 8
    assert explored.layout.buffer_count == 16
    first = explored.readings("question_fix")
    assert explored.readings("question_fix") is first
    with pytest.raises(IOReturnError) as err:
        explored.readings("guess")
    assert err.value.code == kIOReturnBadArgument


def test_explore_pool_refuses_what_create_refuses():
    """The pool's own checks: bufferCount below packetCount is kIOReturnBadArgument."""
    with pytest.raises(IOReturnError) as err:
        explore_pool(packets=8, buffers=4)
    assert err.value.code == kIOReturnBadArgument


def test_clear_axes_keeps_ticks_and_drops_drawings():
    """clear_axes removes collections, lines, texts, images and the legend, not the ticks."""
    _fig, ax = plt.subplots()
    ax.plot([0, 1], label="x")
    ax.scatter([0], [0])
    ax.text(0, 0, "t")
    ax.legend()
    ax.set_yticks([0, 0.5, 1])
    ticks = ax.yaxis.get_major_ticks()
    clear_axes(ax)
    assert not ax.lines and not ax.collections and not ax.texts and ax.get_legend() is None
    assert ax.yaxis.get_major_ticks()[:3] == ticks[:3]
