"""The size rule picture: the model's real sizes as steps, and the segment by count."""

from matplotlib.figure import Figure

from vethlab.model.layout import configured_buffer_size
from vethlab.pictures.size_rule import draw_size_rule, segment_by_count, size_rule_curves


def test_four_curves_for_two_cache_lines_and_two_boot_segments():
    """Apple silicon and Intel, 64 and 80 KiB: 1600 is 2048 on all four, 1200 is 2048 or 1280."""
    curves = size_rule_curves([1200, 1600])
    assert set(curves) == {
        ("apple-silicon", 65536),
        ("apple-silicon", 81920),
        ("intel", 65536),
        ("intel", 81920),
    }
    assert {int(c[1]) for c in curves.values()} == {2048}
    assert {int(c[0]) for c in curves.values()} == {2048, 1280}


def test_the_steps_are_the_models_sizes():
    """Every point of every step curve is configured_buffer_size's answer."""
    ax = Figure(figsize=(7, 4)).add_subplot()
    rec = draw_size_rule(ax, largest=2048, step=64).vethlab
    for (profile, segment), real in rec["curves"].items():
        line = 128 if profile == "apple-silicon" else 64
        assert list(real) == [
            configured_buffer_size(int(r), line, segment) for r in rec["requested"]
        ]
    assert rec["marked"][("intel", 81920)] == 2048
    assert rec["notes"][0][0] == "source"


def test_the_count_shrinks_the_segment_for_few_buffers():
    """One 2048-byte buffer needs a 16 KiB segment; 32 need 64 KiB on a 64 KiB boot."""
    segments = segment_by_count(1600, [1, 32])
    assert list(segments[65536]) == [16384, 65536]


def test_a_given_count_axes_is_used():
    """With count_ax the count panel is drawn there, not in a panel of its own."""
    fig = Figure(figsize=(9, 4))
    ax, count_ax = fig.subplots(1, 2)
    draw_size_rule(ax, count_ax=count_ax)
    assert len(count_ax.lines) >= 2 and len(fig.axes) == 2
