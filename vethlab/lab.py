"""``vethlab lab``: copy the notebooks into a folder you can write to, then open JupyterLab there.

Someone who installed vethlab with pip, without cloning the repo, has no ``notebooks/``
folder. This command gives them one (default ``./vethlab-notebooks``, or ``--dir``) and
starts JupyterLab in it. Running it again later, after an upgrade, brings in new and
changed notebooks but never overwrites a notebook the learner has edited.

Where the shipped notebooks are found, first match wins:

1. ``checkout``: the repo's ``notebooks/*.ipynb`` when vethlab is imported from a source
   checkout (an editable install): the folder beside the package, next to a
   ``pyproject.toml`` that names the ``vethlab`` project.
2. ``package``: ``vethlab/_notebooks/*.ipynb``, package data put into the wheel at build time.

What happens to each shipped notebook (the manifest ``.vethlab-lab.json`` in the folder
records the SHA-256 of every file this command wrote)::

    your copy                                          action
    -------------------------------------------------  -------------------------------
    missing                                            copied
    same bytes as the shipped one                      up to date
    differs, but is what vethlab last wrote there      updated  (you had not touched it)
    differs from what vethlab last wrote (or no record) kept     (your edits; we say so)

Running a notebook and saving it counts as an edit, on purpose: outputs may be work too.
A notebook that vethlab no longer ships is left where it is. Files are replaced atomically
(written beside, then renamed), so an interrupted run leaves either the old file or the new.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from vethlab.ioreturn import IORETURN_CODES, BadArgument, IOReturnError

__all__ = [
    "DEFAULT_FOLDER",
    "MANIFEST",
    "FileAction",
    "NotebookSource",
    "SyncReport",
    "find_notebooks",
    "open_lab",
    "sync_notebooks",
]

DEFAULT_FOLDER = "vethlab-notebooks"
MANIFEST = ".vethlab-lab.json"
MANIFEST_FORMAT = 1

_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE.parent
_PACKAGE_NOTEBOOKS = _PACKAGE / "_notebooks"

# Actions, as printed and as found in the JSON report.
COPIED, UPDATED, UP_TO_DATE, KEPT, NOT_SHIPPED = "copied", "updated", "up to date", "kept", "not shipped"


@dataclass(frozen=True)
class NotebookSource:
    """Where the shipped notebooks are: ``kind`` is "checkout" or "package"."""

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
    """The result of :func:`sync_notebooks`."""

    folder: Path
    source: NotebookSource
    files: list[FileAction] = field(default_factory=list)
    manifest_note: str = ""

    def by_action(self, action: str) -> list[str]:
        return [f.name for f in self.files if f.action == action]

    def text(self) -> str:
        lines = [f"notebooks from {self.source.folder} ({self.source.kind})", f"into {self.folder}"]
        if self.manifest_note:
            lines.append(self.manifest_note)
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
    """root holds a pyproject.toml of the vethlab project and a notebooks/ folder."""
    pyproject = root / "pyproject.toml"
    if not (pyproject.is_file() and (root / "notebooks").is_dir()):
        return False
    try:
        text = pyproject.read_text(encoding="utf-8")
    except OSError:
        return False
    return any(line.replace(" ", "") == 'name="vethlab"' for line in text.splitlines())


def _notebook_names(folder: Path) -> tuple[str, ...]:
    return tuple(sorted(p.name for p in folder.glob("*.ipynb") if p.is_file()))


def find_notebooks(checkout: Path | None = _CHECKOUT,
                   package_dir: Path | None = _PACKAGE_NOTEBOOKS) -> NotebookSource:
    """The shipped notebooks: the checkout's notebooks/ first, then the package data folder.

    Raises IOReturnError(kIOReturnNotFound) naming both places when neither has a notebook.
    """
    if checkout is not None and _is_checkout(checkout):
        names = _notebook_names(checkout / "notebooks")
        if names:
            return NotebookSource("checkout", checkout / "notebooks", names)
    if package_dir is not None and package_dir.is_dir():
        names = _notebook_names(package_dir)
        if names:
            return NotebookSource("package", package_dir, names)
    looked = [str(p) for p in ((checkout / "notebooks") if checkout else None, package_dir) if p]
    raise IOReturnError(IORETURN_CODES["kIOReturnNotFound"],
                        f"no notebooks found (looked in {', '.join(looked)}); this vethlab was "
                        "installed without its notebooks: reinstall it, or clone the repo")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_manifest(folder: Path) -> tuple[dict[str, str], str]:
    """(name -> hash of what vethlab last wrote, a note if the manifest could not be used)."""
    path = folder / MANIFEST
    if not path.exists():
        return {}, ""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files = data["files"]
        if data.get("format") != MANIFEST_FORMAT or not isinstance(files, dict):
            raise ValueError(f"format {data.get('format')!r}")
        return {str(k): str(v) for k, v in files.items()}, ""
    except (OSError, ValueError, KeyError, TypeError) as err:
        # Without a record every changed notebook counts as the learner's: nothing is lost.
        return {}, f"{MANIFEST} unreadable ({err}); every notebook that differs is kept"


def _write_atomically(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _prepare_folder(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise BadArgument(f"--dir {folder} is a file; give a folder (it is created if missing)")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise IOReturnError(IORETURN_CODES["kIOReturnNotWritable"],
                            f"cannot create the folder {folder}: {err.strerror}") from err


def sync_notebooks(folder: str | Path, source: NotebookSource | None = None) -> SyncReport:
    """Bring folder's notebooks up to date with the shipped ones without losing an edit.

    See the module docstring for the rules. Returns what happened to every notebook, the
    shipped ones first (in name order), then those vethlab no longer ships.
    """
    folder = Path(folder).expanduser().resolve()
    source = source or find_notebooks()
    _prepare_folder(folder)
    manifest, note = _read_manifest(folder)
    new_manifest = dict(manifest)
    report = SyncReport(folder, source, manifest_note=note)
    try:
        for name in source.names:
            shipped = (source.folder / name).read_bytes()
            target = folder / name
            shipped_hash = _sha256(shipped)
            if not target.exists():
                _write_atomically(target, shipped)
                new_manifest[name] = shipped_hash
                report.files.append(FileAction(name, COPIED))
                continue
            mine = _sha256(target.read_bytes())
            if mine == shipped_hash:
                new_manifest[name] = shipped_hash
                report.files.append(FileAction(name, UP_TO_DATE))
            elif manifest.get(name) == mine:
                _write_atomically(target, shipped)
                new_manifest[name] = shipped_hash
                report.files.append(FileAction(name, UPDATED, "a newer version shipped"))
            else:
                if name not in manifest:
                    why = "vethlab did not write this copy; rename or delete it to get the shipped one"
                elif manifest[name] == shipped_hash:
                    why = "you changed it"
                else:
                    why = "you changed it, and a newer version ships: rename or delete yours to get it"
                report.files.append(FileAction(name, KEPT, why))
        for name in sorted(set(manifest) - set(source.names)):
            if (folder / name).exists():
                report.files.append(FileAction(name, NOT_SHIPPED, "left as it is"))
        if new_manifest != manifest or note or not (folder / MANIFEST).exists():
            body = {"format": MANIFEST_FORMAT, "files": dict(sorted(new_manifest.items()))}
            _write_atomically(folder / MANIFEST, (json.dumps(body, indent=1) + "\n").encode())
    except PermissionError as err:
        raise IOReturnError(IORETURN_CODES["kIOReturnNotWritable"],
                            f"cannot write in {folder}: {err.strerror} ({err.filename})") from err
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
