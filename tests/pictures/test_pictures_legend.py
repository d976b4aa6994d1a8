"""Provenance: every rule a figure states carries one of the five labels, in its colour."""

import matplotlib.pyplot as plt
import pytest

from vethlab.pictures.legend import (
    add_provenance_notes,
    check_label,
    draw_provenance_key,
    provenance_handles,
)
from vethlab.pictures.style import PROVENANCE, PROVENANCE_COLORS


def test_handles_show_each_label_in_its_colour_in_order():
    """The legend handles: documented, source, observed, reported, modelled, each in its colour."""
    handles = provenance_handles()
    assert [h.get_label() for h in handles] == [
        "documented",
        "source",
        "observed",
        "reported",
        "modelled",
    ]
    assert [h.get_facecolor() for h in handles] == [
        plt.matplotlib.colors.to_rgba(PROVENANCE_COLORS[h.get_label()]) for h in handles
    ]


def test_unknown_label_is_refused_naming_the_allowed_ones():
    """A typo in a label is an error, never a silent fifth colour."""
    with pytest.raises(ValueError, match="documented, source, observed, reported, modelled"):
        check_label("guessed")
    _fig, ax = plt.subplots()
    with pytest.raises(ValueError):
        add_provenance_notes(ax, [("guessed", "x")])


def test_notes_are_a_second_legend_in_the_label_colours():
    """Notes keep the axes' own legend and show each rule with its label's colour."""
    _fig, ax = plt.subplots()
    ax.plot([0, 1], label="data")
    ax.legend()
    rules = add_provenance_notes(
        ax, [("observed", "1600 becomes 2048"), ("reported", "offsets use the requested stride")]
    )
    assert ax.get_legend().get_texts()[0].get_text() == "data"
    (notes,) = [a for a in ax.artists if a is not ax.get_legend()]
    assert [t.get_text() for t in notes.get_texts()] == [
        "observed: 1600 becomes 2048",
        "reported: offsets use the requested stride",
    ]
    colours = [h.get_facecolor() for h in notes.legend_handles]
    assert colours == [
        plt.matplotlib.colors.to_rgba(PROVENANCE_COLORS[k]) for k in ("observed", "reported")
    ]
    assert ax.vethlab_provenance == rules


def test_no_rules_draw_nothing():
    """An empty list of rules adds no artist."""
    _fig, ax = plt.subplots()
    assert add_provenance_notes(ax, []) == [] and len(ax.artists) == 0


def test_key_lists_each_label_with_its_meaning():
    """The key draws one square per label, and the label's meaning beside it."""
    _fig, ax = plt.subplots()
    draw_provenance_key(ax)
    assert ax.vethlab == {"labels": list(PROVENANCE)}
    texts = [t.get_text() for t in ax.texts]
    assert texts[0::2] == list(PROVENANCE)
    assert texts[7] == "only the question says so; nothing else confirms it"
    assert len(ax.patches) == 5


def test_every_colour_is_its_own():
    """No two labels share a colour, and every label has one."""
    assert set(PROVENANCE_COLORS) == set(PROVENANCE)
    assert len(set(PROVENANCE_COLORS.values())) == len(PROVENANCE)
