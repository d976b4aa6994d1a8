"""The drift: two rulers from the layout, and gaps that grow by real − requested."""

import pytest
from matplotlib.figure import Figure

from vethlab.model.layout import PoolLayout
from vethlab.model.memory import Mac
from vethlab.pictures.drift import draw_drift, drift_numbers


def layout(requested, segment=65536, profile="apple-silicon", count=32):
    return PoolLayout.plan(Mac(profile, segment, 0).boot, requested, count)


def test_the_question_drifts_448_bytes_per_buffer():
    """1600 → 2048: the code's ruler steps 1600, the buffers 2048, gaps 0, −448, −896, ..."""
    ax = Figure(figsize=(7, 3)).add_subplot()
    rec = draw_drift(ax, layout(1600)).vethlab
    assert rec["requested"] == 1600 and rec["real"] == 2048 and rec["per_buffer"] == 448
    assert rec["thinks"] == [0, 1600, 3200, 4800, 6400]
    assert rec["is"] == [0, 2048, 4096, 6144, 8192]
    assert rec["gaps"] == [0, -448, -896, -1344, -1792]
    shown = [t.get_text() for t in ax.texts if t.get_visible()]
    assert "−448" in shown and "−1,792" in shown
    assert rec["labels_dropped"] == []


@pytest.mark.parametrize(
    ("requested", "segment", "profile"),
    [(1200, 65536, "apple-silicon"), (1200, 81920, "apple-silicon"), (300, 81920, "intel")],
)
def test_numbers_come_from_the_layout(requested, segment, profile):
    """Whatever the Mac, the gaps are i × (requested − real), the model's stride error."""
    lay = layout(requested, segment, profile)
    numbers = drift_numbers(lay, 5)
    assert numbers["real"] == lay.buffer_size
    assert numbers["gaps"] == [-i * lay.stride_error for i in range(len(numbers["gaps"]))]


def test_the_real_size_gives_no_gap_and_green_arrows():
    """Asking for 2048: every arrow lands on its buffer's start, no gap is drawn."""
    ax = Figure(figsize=(7, 3)).add_subplot()
    rec = draw_drift(ax, layout(2048)).vethlab
    assert set(rec["gaps"]) == {0}
    assert "the code looks where each buffer is" in ax.get_title(loc="left")


def test_a_pool_is_accepted_and_few_buffers_per_segment_limit_the_strip():
    """A pool works like its layout; 9000 bytes (16384-byte buffers) gives 4 per 64 KiB."""
    ax = Figure(figsize=(7, 3)).add_subplot()
    rec = draw_drift(ax, layout(9000), buffers=8).vethlab
    assert rec["buffers"] == 4
