"""The trap table: numbers that never move, and every "shown in" pointing at a real section."""

import re
from pathlib import Path

import pytest

from vethlab.model.provenance import LABELS
from vethlab.traps import TRAPS, trap, trap_title

NOTEBOOK_SOURCES = Path(__file__).resolve().parent.parent / "notebooks" / "src"

# MODEL.md's first eight, by number: the names the notebooks used before the table existed.
MODEL_TRAPS = {
    1: "stride",
    2: "headroom",
    3: "data offset",
    4: "segment",
    5: "PoolFlagMapToDext",
    6: "packet_data",
    7: "struct",
    8: "4096",
}


def headings(stem: str) -> set[str]:
    """The headings of a notebook's source, as rendered text (backticks dropped)."""
    text = (NOTEBOOK_SOURCES / f"{stem}.py").read_text()
    return {
        h.replace("`", "").strip() for h in re.findall(r"^# #+ (.+)$", text, flags=re.MULTILINE)
    }


def test_numbers_run_from_one_without_gaps():
    assert sorted(TRAPS) == list(range(1, len(TRAPS) + 1))
    assert all(TRAPS[n].number == n for n in TRAPS)


@pytest.mark.parametrize("number", sorted(MODEL_TRAPS))
def test_the_models_eight_keep_their_numbers(number):
    t = TRAPS[number]
    assert MODEL_TRAPS[number] in t.name + " " + t.what_goes_wrong + " " + t.code


def test_names_are_unique():
    names = [t.name for t in TRAPS.values()]
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("number", sorted(TRAPS))
def test_every_trap_is_shown_in_a_section_that_exists(number):
    t = TRAPS[number]
    assert t.shown_in, f"{t.title} is shown nowhere"
    for showing in t.shown_in:
        assert (NOTEBOOK_SOURCES / f"{showing.notebook}.py").exists(), showing
        assert showing.section in headings(showing.notebook), (
            f"{t.title}: no section {showing.section!r} in {showing.notebook}"
        )


@pytest.mark.parametrize("number", sorted(TRAPS))
def test_every_trap_carries_one_provenance_label(number):
    assert TRAPS[number].provenance in LABELS


def test_a_title_is_number_and_name():
    assert trap_title(3) == "trap 3 (headroom used as the data offset)"


@pytest.mark.parametrize("bad", [0, 13, -1, "1", None])
def test_an_unknown_number_is_refused_with_the_allowed_range(bad):
    with pytest.raises(KeyError, match=r"allowed: 1\.\.12"):
        trap(bad)


def test_a_link_points_at_the_section_anchor():
    showing = TRAPS[4].shown_in[0]
    assert showing.link() == (
        "[03_pool_layout § A segment offset is not a pool offset]"
        "(03_pool_layout.ipynb#A-segment-offset-is-not-a-pool-offset)"
    )


def test_the_readme_lists_the_traps_as_the_table_prints_them():
    """README.md's list of traps is markdown_table("notebooks/"), between its two markers."""
    from vethlab.traps import markdown_table

    readme = (NOTEBOOK_SOURCES.parent.parent / "README.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- traps: begin -->\n(.*?)\n<!-- traps: end -->", readme, re.DOTALL)
    assert found, "README.md has no <!-- traps: begin --> ... <!-- traps: end --> list"
    assert found[1] == markdown_table("notebooks/"), (
        "README.md's traps differ from vethlab.traps: paste the output of\n"
        "python -c 'from vethlab.traps import markdown_table; "
        'print(markdown_table("notebooks/"))\''
    )


def test_a_summary_is_the_first_sentence():
    """The README's one line of a trap is the first sentence of what goes wrong."""
    assert TRAPS[2].summary.endswith("that many bytes early.")
    assert all(TRAPS[n].what_goes_wrong.startswith(TRAPS[n].summary) for n in TRAPS)


def test_the_readme_lists_every_notebook():
    """Every notebook is linked from the README's list of notebooks."""
    readme = (NOTEBOOK_SOURCES.parent.parent / "README.md").read_text(encoding="utf-8")
    for source in sorted(NOTEBOOK_SOURCES.glob("*.py")):
        assert f"(notebooks/{source.stem}.ipynb)" in readme, source.stem


def test_notebooks_name_each_trap_by_its_name():
    """Wherever a notebook writes "trap N (…)", the words in brackets are trap N's name."""
    wrong = []
    for source in sorted(NOTEBOOK_SOURCES.glob("*.py")):
        text = re.sub(r"\s*\n#\s*", " ", source.read_text(encoding="utf-8"))
        for number, name in re.findall(r"\b[Tt]rap (\d+) \(([^()]*)\)", text):
            if int(number) in TRAPS and name != TRAPS[int(number)].name:
                wrong.append(
                    f"{source.stem}: trap {number} ({name}); its name is {trap(int(number)).name!r}"
                )
    assert not wrong, "\n".join(wrong)
