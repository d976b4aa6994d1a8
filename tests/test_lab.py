"""vethlab.lab: where the shipped notebooks are found, and copies that never overwrite a file."""

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from vethlab import lab
from vethlab.ioreturn import BadArgument, IOReturnError, kIOReturnNotFound, kIOReturnNotWritable

REPO = Path(__file__).resolve().parent.parent


def make_source(folder: Path, files: dict[str, bytes]) -> lab.NotebookSource:
    """A shipped-notebooks folder holding exactly files; returns it as a 'package' source."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.ipynb"):
        old.unlink()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return lab.NotebookSource("package", folder, tuple(sorted(files)))


def make_checkout(root: Path, notebooks: dict[str, bytes]) -> Path:
    """A fake source checkout: a pyproject.toml and notebooks/."""
    (root / "notebooks").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "vethlab"\n')
    for name, data in notebooks.items():
        (root / "notebooks" / name).write_bytes(data)
    return root


def actions(report) -> dict[str, str]:
    return {f.name: f.action for f in report.files}


# --- finding the notebooks ---------------------------------------------------------------------


def test_package_notebooks_come_first(tmp_path):
    """The package data (what a wheel installs) wins over a checkout's notebooks/."""
    package = make_source(tmp_path / "pkg", {"09_z.ipynb": b"z"}).folder
    checkout = make_checkout(tmp_path / "repo", {"01_a.ipynb": b"a"})
    assert lab.find_notebooks(package, checkout) == lab.NotebookSource(
        "package", package, ("09_z.ipynb",)
    )


def test_checkout_notebooks_without_package_data(tmp_path):
    """An editable install has no package data: the checkout's notebooks/ are used."""
    checkout = make_checkout(tmp_path / "repo", {"02_b.ipynb": b"b", "01_a.ipynb": b"a"})
    assert lab.find_notebooks(tmp_path / "missing", checkout) == lab.NotebookSource(
        "checkout", checkout / "notebooks", ("01_a.ipynb", "02_b.ipynb")
    )


def test_no_notebooks_anywhere_is_not_found(tmp_path):
    """No notebooks, or a notebooks/ folder without a pyproject.toml beside it: kIOReturnNotFound
    naming both places."""
    (tmp_path / "repo" / "notebooks").mkdir(parents=True)
    (tmp_path / "repo" / "notebooks" / "01_a.ipynb").write_bytes(b"a")  # not a checkout
    with pytest.raises(IOReturnError) as caught:
        lab.find_notebooks(tmp_path / "pkg", tmp_path / "repo")
    assert caught.value.code == kIOReturnNotFound
    assert str(tmp_path / "pkg") in caught.value.message
    assert str(tmp_path / "repo" / "notebooks") in caught.value.message


def test_this_repo_is_found_as_the_checkout():
    """Imported from this source checkout (editable install), lab finds this repo's notebooks."""
    source = lab.find_notebooks()
    assert source.kind == "checkout" and source.folder == REPO / "notebooks"
    assert source.names == tuple(sorted(p.name for p in (REPO / "notebooks").glob("*.ipynb")))


# --- copying -----------------------------------------------------------------------------------


def test_first_run_copies_everything(tmp_path):
    """Into a new folder every notebook is copied byte for byte, and nothing else is written."""
    source = make_source(tmp_path / "pkg", {"01_a.ipynb": b"one", "02_b.ipynb": b"two"})
    report = lab.sync_notebooks(tmp_path / "mine", source)
    assert actions(report) == {"01_a.ipynb": lab.COPIED, "02_b.ipynb": lab.COPIED}
    assert (tmp_path / "mine" / "01_a.ipynb").read_bytes() == b"one"
    assert (tmp_path / "mine" / "02_b.ipynb").read_bytes() == b"two"
    assert sorted(p.name for p in (tmp_path / "mine").iterdir()) == ["01_a.ipynb", "02_b.ipynb"]


def test_second_run_writes_nothing(tmp_path):
    """Run again with nothing changed: all up to date, no file rewritten."""
    source = make_source(tmp_path / "pkg", {"01_a.ipynb": b"one"})
    mine = tmp_path / "mine"
    lab.sync_notebooks(mine, source)
    os.utime(mine / "01_a.ipynb", ns=(1, 1))  # an mtime that a rewrite would change
    report = lab.sync_notebooks(mine, source)
    assert actions(report) == {"01_a.ipynb": lab.UP_TO_DATE}
    assert (mine / "01_a.ipynb").stat().st_mtime_ns == 1


def test_a_missing_notebook_is_copied_again(tmp_path):
    """A notebook the learner deleted comes back; the others are left alone."""
    source = make_source(tmp_path / "pkg", {"01_a.ipynb": b"one", "02_b.ipynb": b"two"})
    mine = tmp_path / "mine"
    lab.sync_notebooks(mine, source)
    (mine / "02_b.ipynb").unlink()
    report = lab.sync_notebooks(mine, source)
    assert actions(report) == {"01_a.ipynb": lab.UP_TO_DATE, "02_b.ipynb": lab.COPIED}
    assert (mine / "02_b.ipynb").read_bytes() == b"two"


def test_a_copy_that_differs_is_kept_and_listed(tmp_path):
    """An edited copy, or one from an older release, is never overwritten; the report lists it
    and says how to get the shipped one."""
    mine = tmp_path / "mine"
    lab.sync_notebooks(
        mine, make_source(tmp_path / "pkg", {"01_a.ipynb": b"v1", "02_b.ipynb": b"b"})
    )
    (mine / "02_b.ipynb").write_bytes(b"b + my notes")
    report = lab.sync_notebooks(
        mine, make_source(tmp_path / "pkg", {"01_a.ipynb": b"v2", "02_b.ipynb": b"b"})
    )
    assert report.files == [
        lab.FileAction("01_a.ipynb", lab.KEPT, lab.DIFFERS),
        lab.FileAction("02_b.ipynb", lab.KEPT, lab.DIFFERS),
    ]
    assert (mine / "01_a.ipynb").read_bytes() == b"v1"
    assert (mine / "02_b.ipynb").read_bytes() == b"b + my notes"
    assert "  kept  02_b.ipynb  (differs from the shipped one: rename or delete" in report.text()


def test_a_notebook_no_longer_shipped_is_left_alone(tmp_path):
    """A notebook dropped from the package stays in the folder, and the report is about the
    shipped ones only."""
    mine = tmp_path / "mine"
    lab.sync_notebooks(
        mine, make_source(tmp_path / "pkg", {"01_a.ipynb": b"a", "02_old.ipynb": b"old"})
    )
    report = lab.sync_notebooks(mine, make_source(tmp_path / "pkg", {"01_a.ipynb": b"a"}))
    assert actions(report) == {"01_a.ipynb": lab.UP_TO_DATE}
    assert (mine / "02_old.ipynb").read_bytes() == b"old"


def test_the_report_as_json():
    """to_json: the folder, where the notebooks came from, and one entry per notebook."""
    source = lab.NotebookSource("package", Path("/pkg"), ("01_a.ipynb", "02_b.ipynb"))
    report = lab.SyncReport(
        Path("/mine"),
        source,
        [
            lab.FileAction("01_a.ipynb", lab.COPIED),
            lab.FileAction("02_b.ipynb", lab.KEPT, lab.DIFFERS),
        ],
    )
    assert report.to_json() == {
        "folder": str(Path("/mine")),
        "source": str(Path("/pkg")),
        "source_kind": "package",
        "files": [
            {"name": "01_a.ipynb", "action": "copied", "note": ""},
            {"name": "02_b.ipynb", "action": "kept", "note": lab.DIFFERS},
        ],
    }


def test_dir_that_is_a_file_is_a_bad_argument(tmp_path):
    """--dir naming a file raises BadArgument naming it, and writes nothing."""
    target = tmp_path / "afile"
    target.write_bytes(b"x")
    source = make_source(tmp_path / "pkg", {"01_a.ipynb": b"a"})
    with pytest.raises(BadArgument, match="afile is a file"):
        lab.sync_notebooks(target, source)
    assert target.read_bytes() == b"x"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "pkg"]


def test_a_refused_write_is_not_writable(tmp_path, monkeypatch):
    """A PermissionError while writing becomes kIOReturnNotWritable naming the folder."""

    def refuse(path, data):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(lab, "_write_new", refuse)
    with pytest.raises(IOReturnError) as caught:
        lab.sync_notebooks(tmp_path / "mine", make_source(tmp_path / "pkg", {"01_a.ipynb": b"a"}))
    assert caught.value.code == kIOReturnNotWritable
    assert str(tmp_path / "mine") in caught.value.message


def test_an_interrupted_copy_leaves_no_file(tmp_path, monkeypatch):
    """If the final rename fails, neither a half-written notebook nor a temporary file is left,
    so the next run copies it again."""
    mine = tmp_path / "mine"
    source = make_source(tmp_path / "pkg", {"01_a.ipynb": b"a"})

    def fail(src, dst):
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(lab.os, "replace", fail)
        with pytest.raises(OSError):
            lab.sync_notebooks(mine, source)
    assert list(mine.iterdir()) == []
    assert actions(lab.sync_notebooks(mine, source)) == {"01_a.ipynb": lab.COPIED}


# The learner's moves between two runs, and the package's: edit, delete, or a new version ships.
_NAMES = ["01_a.ipynb", "02_b.ipynb"]
_STEP = st.tuples(st.sampled_from(["edit", "delete", "ship", "sync"]), st.sampled_from(_NAMES))


@settings(max_examples=60, deadline=None)
@given(steps=st.lists(_STEP, max_size=12))
def test_no_sequence_of_edits_and_releases_overwrites_a_file(steps):
    """After any history, a sync changes no file that exists, copies every missing one, and
    lists as kept exactly the ones that differ from the shipped version."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        mine, shipped = tmp / "mine", {"01_a.ipynb": b"a0", "02_b.ipynb": b"b0"}
        lab.sync_notebooks(mine, make_source(tmp / "pkg", shipped))
        for number, (step, name) in enumerate(steps):
            if step == "edit":
                (mine / name).write_bytes(f"edit {number}".encode())
            elif step == "delete" and (mine / name).exists():
                (mine / name).unlink()
            elif step == "ship":
                shipped[name] = f"{name} v{number}".encode()
            elif step == "sync":
                lab.sync_notebooks(mine, make_source(tmp / "pkg", shipped))
        before = {name: (mine / name).read_bytes() for name in _NAMES if (mine / name).exists()}
        report = lab.sync_notebooks(mine, make_source(tmp / "pkg", shipped))
        for name, data in shipped.items():
            if name in before:
                assert (mine / name).read_bytes() == before[name]
                assert actions(report)[name] == (
                    lab.UP_TO_DATE if before[name] == data else lab.KEPT
                )
            else:
                assert (mine / name).read_bytes() == data
                assert actions(report)[name] == lab.COPIED


def test_jupyterlab_command_runs_this_python_in_the_folder(tmp_path):
    """JupyterLab is started by this interpreter, rooted at the folder, with the extra args last."""
    command = lab.jupyter_lab_command(tmp_path, ["--allow-root"])
    assert command[1:3] == ["-m", "jupyterlab"]
    assert command[3:] == [f"--ServerApp.root_dir={tmp_path}", "--allow-root"]
    assert Path(command[0]).name.startswith("python")
