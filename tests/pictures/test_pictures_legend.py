"""Provenance: every rule a figure states carries one of the five labels, in its colour."""

import matplotlib.pyplot as plt
import pytest
from matplotlib.colors import to_hex

from vethlab.pictures.legend import (
    add_provenance_notes,
    check_label,
    draw_provenance_key,
    provenance_handles,
)
from vethlab.pictures.style import COLORS, PROVENANCE, provenance_linestyle


def test_handles_show_each_label_by_line_style_in_order():
    """The legend handles: documented, source, observed, reported, modelled, one neutral colour,
    each its own line style."""
    handles = provenance_handles()
    assert [h.get_label() for h in handles] == list(PROVENANCE)
    assert {h.get_color() for h in handles} == {COLORS["queue_line"]}
    assert len({str(provenance_linestyle(label)) for label in PROVENANCE}) == 5


def test_unknown_label_is_refused_naming_the_allowed_ones():
    """A typo in a label is an error, never a silent fifth colour."""
    with pytest.raises(ValueError, match="documented, source, observed, reported, modelled"):
        check_label("guessed")
    _fig, ax = plt.subplots()
    with pytest.raises(ValueError):
        add_provenance_notes(ax, [("guessed", "x")])


def test_notes_are_badges_under_the_axes_and_keep_the_legend():
    """Notes keep the axes' own legend; each rule is an outlined badge with its label, then
    the rule's text, under the axes; no badge is filled with a colour."""
    _fig, ax = plt.subplots()
    ax.plot([0, 1], label="data")
    ax.legend()
    rules = add_provenance_notes(
        ax, [("observed", "1600 becomes 2048"), ("reported", "offsets use the requested stride")]
    )
    assert ax.get_legend().get_texts()[0].get_text() == "data"
    texts = [t.get_text().strip() for t in ax.texts]
    assert texts == [
        "observed",
        "1600 becomes 2048",
        "reported",
        "offsets use the requested stride",
    ]
    badges = [t.get_bbox_patch() for t in ax.texts[0::2]]
    assert all(b is not None for b in badges)
    assert {to_hex(b.get_facecolor()) for b in badges} == {to_hex(COLORS["background"])}
    assert {to_hex(b.get_edgecolor()) for b in badges} == {to_hex(COLORS["provenance"])}
    assert all(t.xyann[1] < 0 for t in ax.texts)  # under the axes
    assert ax.vethlab_provenance == rules


def test_no_rules_draw_nothing():
    """An empty list of rules adds no artist."""
    _fig, ax = plt.subplots()
    assert add_provenance_notes(ax, []) == [] and len(ax.texts) == 0


def test_key_lists_each_label_with_its_meaning():
    """The key draws one badge per label, and the label's meaning beside it."""
    _fig, ax = plt.subplots()
    draw_provenance_key(ax)
    assert ax.vethlab == {"labels": list(PROVENANCE)}
    texts = [t.get_text() for t in ax.texts]
    assert [t.strip() for t in texts[0::2]] == list(PROVENANCE)
    assert texts[7] == "only the question says so; nothing else confirms it"
    assert len(ax.patches) == 0  # badges are outlined text, not patches


def test_colour_key_shows_every_data_and_read_role_once():
    """The key: the bytes of a buffer and the three reads, each role once."""
    from vethlab.pictures.legend import draw_colour_key

    _fig, ax = plt.subplots()
    roles = draw_colour_key(ax).vethlab["roles"]
    assert len(roles) == len(set(roles))
    assert {
        "frame",
        "link_header",
        "headroom",
        "stale",
        "right_read",
        "early_read",
        "wrong_read",
    } <= set(roles)
