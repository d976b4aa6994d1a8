"""Regenerate the notebooks from their sources: the one way notebooks are made.

Each notebook has a source ``notebooks/src/NN_topic.py`` in jupytext's "percent" format
(``# %%`` starts a code cell, ``# %% [markdown]`` a markdown cell, ``tags=[...]`` after
either sets the cell's tags). jupytext reads it, nbclient runs it in the Python environment
that runs this script (working directory: the notebook's folder), and the notebook is
written with its outputs to ``notebooks/NN_topic.ipynb`` (``<dir>/src/X.py`` always becomes
``<dir>/X.ipynb``)::

    python tools/build_notebooks.py               # every source in notebooks/src
    python tools/build_notebooks.py 02_pool       # only these (name, file name or path)

What this script adds to jupytext and nbclient: everything that would change from one run
to the next without a change of source is made deterministic (cell ids derived from the
cells, kernel metadata without the Python version, no jupytext or timing metadata, adjacent
stream outputs merged, widget model ids derived from the notebook's name), so regenerating
an unchanged notebook gives no diff.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path

import ipykernel.kernelspec
import jupytext
import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from traitlets import default

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = REPO / "notebooks"
SOURCES = NOTEBOOKS / "src"

TIMEOUT = 300  # seconds per cell

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
# What ipykernel reports, minus "version": that would change the file on every patch release.
LANGUAGE_INFO = {
    "name": "python",
    "mimetype": "text/x-python",
    "file_extension": ".py",
    "codemirror_mode": {"name": "ipython", "version": 3},
    "pygments_lexer": "ipython3",
    "nbconvert_exporter": "python",
}

_MODEL_ID = re.compile(r"^[0-9a-f]{32}$")


def build_notebook(source_path: str | Path) -> nbformat.NotebookNode:
    """Return the (unexecuted) notebook that a percent-format source describes.

    Cells keep only their tags: jupytext's layout hints (``lines_to_next_cell``) and its
    notebook metadata describe the .py file, not the notebook.
    """
    nb = jupytext.read(source_path, fmt="py:percent")
    for cell in nb.cells:
        tags = cell.metadata.get("tags")
        cell.metadata = nbformat.NotebookNode({"tags": tags} if tags else {})
    _assign_cell_ids(nb.cells)
    _set_metadata(nb)
    return nb


def _assign_cell_ids(cells: list[nbformat.NotebookNode]) -> None:
    """Give cells ids derived from their content, so a rebuild does not change them."""
    seen: dict[str, int] = {}
    for cell in cells:
        digest = hashlib.sha1(f"{cell.cell_type}\n{cell.source}".encode()).hexdigest()[:8]
        seen[digest] = seen.get(digest, 0) + 1
        cell.id = digest if seen[digest] == 1 else f"{digest}-{seen[digest]}"


def _set_metadata(nb: nbformat.NotebookNode) -> None:
    """The kernel and language, without what changes between machines; no jupytext record."""
    nb.metadata.pop("jupytext", None)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = json.loads(json.dumps(LANGUAGE_INFO))


class _ThisInterpreterSpecs(KernelSpecManager):
    """Every kernel name means ipykernel in the interpreter running this script.

    Without this, a "python3" kernelspec in the user's Jupyter data directory (which may
    point at another Python) would win over this environment's.
    """

    def get_kernel_spec(self, kernel_name):
        return self.kernel_spec_class(
            resource_dir=ipykernel.kernelspec.RESOURCES, **ipykernel.kernelspec.get_kernel_dict()
        )


class _ThisInterpreterKernelManager(AsyncKernelManager):
    @default("kernel_spec_manager")
    def _default_kernel_spec_manager(self):
        return _ThisInterpreterSpecs(data_dir=self.data_dir)


def execute_notebook(
    nb: nbformat.NotebookNode, cwd: str | Path, name: str
) -> nbformat.NotebookNode:
    """Run every cell of nb in a fresh kernel of this interpreter; return nb with outputs."""
    client = NotebookClient(
        nb,
        timeout=TIMEOUT,
        kernel_name=KERNELSPEC["name"],
        kernel_manager_class=_ThisInterpreterKernelManager,
        resources={"metadata": {"path": str(cwd)}},
        store_widget_state=True,
        record_timing=False,
    )
    client.execute()
    _set_metadata(nb)  # nbclient copied the kernel's language_info, version included
    _merge_streams(nb)
    return _renumber_widget_models(nb, name)


def _merge_streams(nb: nbformat.NotebookNode) -> None:
    """Join a cell's adjacent stream outputs of the same name (stdout after stdout): how the
    kernel happened to flush them is timing, and would otherwise show up as noise in diffs."""
    for cell in nb.cells:
        if "outputs" not in cell:
            continue
        merged = []
        for out in cell.outputs:
            previous = merged[-1] if merged else None
            if (
                previous is not None
                and out.output_type == previous.output_type == "stream"
                and out.name == previous.name
            ):
                previous.text += out.text
            else:
                merged.append(out)
        cell.outputs = merged


def _renumber_widget_models(nb: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """Replace the random widget model ids by ids derived from the notebook name and order."""
    state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    ids = [model_id for model_id in state.get("state", {}) if _MODEL_ID.match(model_id)]
    if not ids:
        return nb
    text = nbformat.writes(nb)
    for index, model_id in enumerate(ids):
        text = text.replace(model_id, hashlib.sha1(f"{name}:{index}".encode()).hexdigest()[:32])
    return nbformat.reads(text, as_version=4)


def output_path(source_path: str | Path) -> Path:
    """<dir>/src/NN_topic.py -> <dir>/NN_topic.ipynb."""
    source_path = Path(source_path)
    return source_path.parent.parent / f"{source_path.stem}.ipynb"


def regenerate(source_path: str | Path) -> Path:
    """Build, execute, validate and write the notebook of one source; return its path."""
    source_path = Path(source_path)
    target = output_path(source_path)
    nb = execute_notebook(build_notebook(source_path), cwd=target.parent, name=source_path.stem)
    nbformat.validate(nb)
    nbformat.write(nb, target)
    return target


def _resolve(name: str) -> Path:
    """Accept '02_pool', '02_pool.py', '02_pool.ipynb' or a path to a source file."""
    path = Path(name)
    if path.suffix == ".py" and path.exists():
        return path
    candidate = SOURCES / f"{path.stem}.py"
    if not candidate.exists():
        raise SystemExit(
            f"no notebook source for {name!r} (looked for {candidate.relative_to(REPO)})"
        )
    return candidate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "names", nargs="*", help="sources to build (default: every notebooks/src/*.py)"
    )
    args = parser.parse_args(argv)
    sources = [_resolve(name) for name in args.names] or sorted(SOURCES.glob("*.py"))
    if not sources:
        print("no notebook sources found", file=sys.stderr)
        return 1
    for source in sources:
        print(f"building {source.name} ...", flush=True)
        target = regenerate(source)
        print(f"wrote {target.name}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
