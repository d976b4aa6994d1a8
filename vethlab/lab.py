"""Copies of the notebooks in a folder of yours, and JupyterLab opened there (``vethlab lab``).

Someone who installed vethlab with pip has no ``notebooks/`` folder. :func:`sync_notebooks`
gives them one: it copies every shipped notebook that the folder lacks, never overwrites a
file that is there (an edit, or saved outputs, may be someone's work), and lists the ones
that differ from the shipped version; rename or delete yours to get the shipped one. It
keeps no record: what is in the folder is all it looks at.

The shipped notebooks are the package data ``vethlab/_notebooks/*.ipynb`` that a wheel
carries or, in a source checkout (an editable install has no package data), the repo's
``notebooks/*.ipynb``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

from vethlab.ioreturn import IORETURN_CODES, BadArgument, IOReturnError

__all__ = [
    "DEFAULT_FOLDER",
    "FileAction",
    "NotebookSource",
    "SyncReport",
    "find_notebooks",
    "jupyter_lab_command",
    "open_lab",
    "sync_notebooks",
]

DEFAULT_FOLDER = "vethlab-notebooks"

_PACKAGE = Path(str(files("vethlab")))
_PACKAGE_NOTEBOOKS = _PACKAGE / "_notebooks"
_CHECKOUT = _PACKAGE.parent  # the repo, when vethlab is imported from a checkout

# What happened to a notebook, as printed and as found in the JSON report.
COPIED, UP_TO_DATE, KEPT = "copied", "up to date", "kept"
DIFFERS = "differs from the shipped one: rename or delete yours to get it"


@dataclass(frozen=True)
class NotebookSource:
    """Where the shipped notebooks are: ``kind`` is "package" or "checkout"."""

    kind: str
    folder: Path
    names: tuple[str, ...]


@dataclass(frozen=True)
class FileAction:
    """What happened to one notebook of the folder, and why."""

    name: str
    action: str
    note: str = ""


@dataclass
class SyncReport:
    """The result of :func:`sync_notebooks`: one :class:`FileAction` per shipped notebook."""

    folder: Path
    source: NotebookSource
    files: list[FileAction] = field(default_factory=list)

    def text(self) -> str:
        lines = [f"notebooks from {self.source.folder} ({self.source.kind})", f"into {self.folder}"]
        width = max((len(f.action) for f in self.files), default=0)
        for f in self.files:
            lines.append(f"  {f.action:<{width}}  {f.name}" + (f"  ({f.note})" if f.note else ""))
        return "\n".join(lines)

    def to_json(self) -> dict:
        return {
            "folder": str(self.folder),
            "source": str(self.source.folder),
            "source_kind": self.source.kind,
            "files": [{"name": f.name, "action": f.action, "note": f.note} for f in self.files],
        }


def _is_checkout(root: Path) -> bool:
    """root is a source checkout of vethlab: a pyproject.toml and a notebooks/ folder."""
    return (root / "pyproject.toml").is_file() and (root / "notebooks").is_dir()


def find_notebooks(
    package_dir: Path = _PACKAGE_NOTEBOOKS, checkout: Path = _CHECKOUT
) -> NotebookSource:
    """The shipped notebooks: the package data first, then a checkout's notebooks/.

    Raises IOReturnError(kIOReturnNotFound) naming both places when neither has a notebook.
    """
    places = [("package", package_dir)]
    if _is_checkout(checkout):
        places.append(("checkout", checkout / "notebooks"))
    for kind, folder in places:
        names = tuple(sorted(p.name for p in folder.glob("*.ipynb") if p.is_file()))
        if names:
            return NotebookSource(kind, folder, names)
    raise IOReturnError(
        IORETURN_CODES["kIOReturnNotFound"],
        f"no notebooks found (looked in {package_dir}, {checkout / 'notebooks'}); this vethlab "
        "was installed without its notebooks: reinstall it, or clone the repo",
    )


def _write_new(path: Path, data: bytes) -> None:
    """Write data to path through a temporary file beside it: never a half-written notebook."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def sync_notebooks(folder: str | Path, source: NotebookSource | None = None) -> SyncReport:
    """Copy into folder each shipped notebook it lacks; never overwrite; say which differ.

    Returns what happened to every shipped notebook, in name order: copied, up to date
    (same bytes) or kept (differs from the shipped one). Raises BadArgument if folder is a
    file, and IOReturnError(kIOReturnNotWritable) if it cannot be written.
    """
    folder = Path(folder).expanduser().resolve()
    source = source or find_notebooks()
    if folder.exists() and not folder.is_dir():
        raise BadArgument(f"--dir {folder} is a file; give a folder (it is created if missing)")
    report = SyncReport(folder, source)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name in source.names:
            shipped, mine = (source.folder / name).read_bytes(), folder / name
            if not mine.exists():
                _write_new(mine, shipped)
                report.files.append(FileAction(name, COPIED))
            elif mine.read_bytes() == shipped:
                report.files.append(FileAction(name, UP_TO_DATE))
            else:
                report.files.append(FileAction(name, KEPT, DIFFERS))
    except PermissionError as err:
        raise IOReturnError(
            IORETURN_CODES["kIOReturnNotWritable"],
            f"cannot write in {folder}: {err.strerror} ({err.filename})",
        ) from err
    return report


def jupyter_lab_command(folder: Path, extra_args: list[str] = ()) -> list[str]:
    """The command that starts JupyterLab (of this Python) in folder."""
    return [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={folder}", *extra_args]


def open_lab(folder: Path, extra_args: list[str] = ()) -> int:
    """Run JupyterLab in folder until it stops; return its exit status.

    Ctrl+C reaches JupyterLab too (same terminal), which asks to confirm; so wait for it.
    """
    process = subprocess.Popen(jupyter_lab_command(folder, list(extra_args)), cwd=folder)
    while True:
        try:
            return process.wait()
        except KeyboardInterrupt:
            continue
