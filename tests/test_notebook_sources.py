"""The notebooks are built from notebooks/src by tools/build_notebooks.py and follow the house rules.

Each check loops over all notebooks and reports every offender at once; with no notebooks
and no sources the checks pass, and nothing here is ever skipped.
"""

import ast
import importlib
import importlib.util
import re
from pathlib import Path

import jupytext
import nbformat

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = REPO / "notebooks"
SOURCES = NOTEBOOKS / "src"

_spec = importlib.util.spec_from_file_location(
    "build_notebooks", REPO / "tools" / "build_notebooks.py"
)
build_notebooks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build_notebooks)

IGNORE_OUTPUT = "nbval-ignore-output"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
# Modules a notebook may import (and their submodules, as long as no part starts with "_").
ALLOWED_MODULES = ("vethlab", "IPython.display", "ipywidgets", "matplotlib.pyplot", "numpy")


def notebook_paths():
    return sorted(NOTEBOOKS.glob("*.ipynb"))


def source_paths():
    return sorted(SOURCES.glob("*.py"))


def read(path):
    return nbformat.read(path, as_version=4)


def code_cells(nb):
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def tags(cell):
    return list(cell.metadata.get("tags", []))


def check_all(check):
    """Run check(path, nb) -> list of problems on every notebook; fail listing all of them."""
    problems = [
        f"{path.name}: {problem}"
        for path in notebook_paths()
        for problem in check(path, read(path))
    ]
    assert not problems, "\n".join(problems)


# --- the build: jupytext reads, the script makes the result deterministic ---------------------


def test_build_keeps_tags_and_gives_content_ids(tmp_path):
    """A source becomes cells with their tags only, ids derived from content, no jupytext record."""
    source = tmp_path / "src" / "01_x.py"
    source.parent.mkdir()
    text = (
        "# %% [markdown]\n"
        "# # Title\n"
        "\n"
        "# %%\n"
        "%matplotlib inline\n"
        "x = 1\n"
        "\n"
        '# %% tags=["nbval-ignore-output"]\n'
        "def f():\n"
        "    return x\n"
    )
    source.write_text(text)
    nb = build_notebooks.build_notebook(source)
    assert [(c.cell_type, c.source, dict(c.metadata)) for c in nb.cells] == [
        ("markdown", "# Title", {}),
        ("code", "%matplotlib inline\nx = 1", {}),
        ("code", "def f():\n    return x", {"tags": ["nbval-ignore-output"]}),
    ]
    assert set(nb.metadata) == {"kernelspec", "language_info"}
    assert [c.id for c in nb.cells] == [c.id for c in build_notebooks.build_notebook(source).cells]
    assert len({c.id for c in nb.cells}) == 3
    assert build_notebooks.output_path(source) == tmp_path / "01_x.ipynb"


# --- (a) every notebook is its source, built ------------------------------------------------


def test_every_notebook_has_a_source_and_every_source_a_notebook():
    """notebooks/NN_topic.ipynb and notebooks/src/NN_topic.py come in pairs."""
    notebooks = {path.stem for path in notebook_paths()}
    sources = {path.stem for path in source_paths()}
    assert notebooks == sources, (
        f"notebooks without a source in notebooks/src: {sorted(notebooks - sources)}\n"
        f"sources not built (run tools/build_notebooks.py): {sorted(sources - notebooks)}"
    )


def test_notebooks_match_their_sources():
    """Cell types, sources and tags of each .ipynb are exactly what its source builds."""

    def check(path, nb):
        source = SOURCES / f"{path.stem}.py"
        if not source.exists():
            return []  # reported by the pairing test
        built = jupytext.read(source, fmt="py:percent")
        want = [(c.cell_type, c.source, tags(c)) for c in built.cells]
        have = [(c.cell_type, c.source, tags(c)) for c in nb.cells]
        if want == have:
            return []
        index = next(
            (i for i, (w, h) in enumerate(zip(want, have, strict=False)) if w != h),
            min(len(want), len(have)),
        )
        return [
            f"differs from src/{source.name} at cell {index} "
            f"(edit the source and run tools/build_notebooks.py, never the .ipynb): "
            f"source gives {want[index] if index < len(want) else 'no cell'!r}, "
            f"notebook has {have[index] if index < len(have) else 'no cell'!r}"
        ]

    check_all(check)


# --- (b) only vethlab's public API ------------------------------------------------------------


def cell_tree(cell):
    """The cell's code as an AST, without IPython magics and shell escapes."""
    lines = [line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    return ast.parse("\n".join(lines))


def module_allowed(module):
    if any(part.startswith("_") for part in module.split(".")):
        return False
    return any(module == root or module.startswith(root + ".") for root in ALLOWED_MODULES)


def is_public_submodule(name):
    return not name.startswith("_") and importlib.util.find_spec(f"vethlab.{name}") is not None


def api_problems(nb):
    """Everything in nb's code that goes past vethlab's public API or the allowed imports."""
    vethlab = importlib.import_module("vethlab")
    public = set(getattr(vethlab, "__all__", ()))

    def name_ok(name):
        return name in public or is_public_submodule(name)

    problems = []
    vethlab_names = set()  # local names bound to the vethlab package itself
    for number, cell in enumerate(code_cells(nb)):
        where = f"code cell {number}"
        try:
            tree = cell_tree(cell)
        except SyntaxError as error:
            problems.append(f"{where}: cannot parse: {error}")
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if not module_allowed(alias.name):
                        problems.append(
                            f"{where}: import {alias.name} is not allowed in a notebook"
                        )
                    elif alias.name == "vethlab" or (
                        alias.name.startswith("vethlab.") and not alias.asname
                    ):
                        vethlab_names.add(alias.asname or "vethlab")
            elif isinstance(node, ast.ImportFrom):
                module = "." * node.level + (node.module or "")
                for alias in node.names:
                    if alias.name == "*":
                        problems.append(
                            f"{where}: 'from {module} import *' hides what the notebook uses"
                        )
                    elif not (module_allowed(module) or module_allowed(f"{module}.{alias.name}")):
                        problems.append(
                            f"{where}: from {module} import {alias.name} is not allowed"
                        )
                    elif module.split(".")[0] == "vethlab" and alias.name.startswith("_"):
                        problems.append(
                            f"{where}: from {module} import {alias.name} takes a private name"
                        )
                    elif module == "vethlab" and not name_ok(alias.name):
                        problems.append(f"{where}: vethlab.{alias.name} is not in vethlab.__all__")
            elif isinstance(node, ast.Attribute):
                if node.attr.startswith("_"):
                    problems.append(f"{where}: .{node.attr} is a private name")
                elif (
                    isinstance(node.value, ast.Name)
                    and node.value.id in vethlab_names
                    and not name_ok(node.attr)
                ):
                    problems.append(f"{where}: vethlab.{node.attr} is not in vethlab.__all__")
    return problems


def test_notebooks_use_only_the_public_api():
    """Notebooks import only vethlab and the allowed libraries, and only public vethlab names."""
    check_all(lambda path, nb: api_problems(nb))


# --- (c)-(e) the shape of a notebook ----------------------------------------------------------


def test_first_code_cell_selects_the_inline_backend():
    """The first code cell has %matplotlib inline (MPLBACKEND=Agg would hide every figure)."""

    def check(path, nb):
        cells = code_cells(nb)
        if cells and "%matplotlib inline" in [
            line.strip() for line in cells[0].source.splitlines()
        ]:
            return []
        return ["the first code cell must contain the line '%matplotlib inline'"]

    check_all(check)


def test_notebooks_end_with_things_to_try_and_link_their_neighbours():
    """The last cell is a "Things to try" markdown cell; the previous and next notebooks are linked."""
    names = [path.name for path in notebook_paths()]

    def check(path, nb):
        problems = []
        last = nb.cells[-1] if nb.cells else None
        if not (
            last
            and last.cell_type == "markdown"
            and re.search(r"^#+ *Things to try", last.source, re.M)
        ):
            problems.append('the last cell must be a markdown cell headed "Things to try"')
        markdown = "\n".join(cell.source for cell in nb.cells if cell.cell_type == "markdown")
        index = names.index(path.name)
        neighbours = names[max(index - 1, 0) : index] + names[index + 1 : index + 2]
        for neighbour in neighbours:
            if not re.search(rf"\]\(\s*(?:\./)?{re.escape(neighbour)}(?:#[^)]*)?\s*\)", markdown):
                problems.append(f"no markdown link to its neighbour ({neighbour})")
        return problems

    check_all(check)


def test_every_thing_to_try_has_a_folded_answer():
    """Each item under "Things to try" is followed by its answer in a collapsed <details>."""

    def check(path, nb):
        last = nb.cells[-1] if nb.cells else None
        heading = last and re.search(r"^#+ *Things to try.*$", last.source, re.M)
        if not heading:
            return []  # reported by the test above
        problems = []
        for item in re.split(r"^\* ", last.source[heading.end() :], flags=re.M)[1:]:
            if "<details><summary>Answer</summary>" not in item or "</details>" not in item:
                problems.append(f"no folded answer for: {item.splitlines()[0][:60]!r}")
        return problems

    check_all(check)


def test_widget_output_only_in_cells_tagged_to_ignore_it():
    """A cell that displays a widget is tagged nbval-ignore-output (nbval cannot compare it)."""

    def check(path, nb):
        return [
            f"code cell {number} shows a widget but is not tagged {IGNORE_OUTPUT!r}"
            for number, cell in enumerate(code_cells(nb))
            if any(WIDGET_MIME in output.get("data", {}) for output in cell.get("outputs", []))
            and IGNORE_OUTPUT not in tags(cell)
        ]

    check_all(check)


def test_adjacent_stream_outputs_are_merged():
    """The build joins a cell's adjacent stdout outputs, so kernel flush timing never shows in diffs."""
    nbf = nbformat
    _merge_streams = build_notebooks._merge_streams

    nb = nbf.v4.new_notebook(cells=[nbf.v4.new_code_cell("print(1); print(2)")])
    nb.cells[0].outputs = [
        nbf.v4.new_output("stream", name="stdout", text="1\n"),
        nbf.v4.new_output("stream", name="stdout", text="2\n"),
        nbf.v4.new_output("stream", name="stderr", text="w\n"),
    ]
    _merge_streams(nb)
    assert [(o.name, o.text) for o in nb.cells[0].outputs] == [
        ("stdout", "1\n2\n"),
        ("stderr", "w\n"),
    ]
