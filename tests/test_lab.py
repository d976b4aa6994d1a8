"""vethlab.lab: where the shipped notebooks are found, and copies that never overwrite an edit."""

import json
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from vethlab import cli, lab
from vethlab.ioreturn import BadArgument, IOReturnError, kIOReturnNotFound, kIOReturnNotWritable

REPO = Path(__file__).resolve().parent.parent


def make_source(folder: Path, files: dict[str, bytes]) -> lab.NotebookSource:
    """A shipped-notebooks folder holding files; returns it as a 'package' source."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in list(folder.glob("*.ipynb")):
        name.unlink()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return lab.NotebookSource("package", folder, tuple(sorted(files)))


def make_checkout(root: Path, project: str = "vethlab", notebooks: dict[str, bytes] | None = None) -> Path:
    """A fake source checkout: pyproject.toml naming project, and notebooks/."""
    (root / "notebooks").mkdir(parents=True)
    (root / "pyproject.toml").write_text(f'[project]\nname = "{project}"\nversion = "0"\n')
    for name, data in (notebooks or {}).items():
        (root / "notebooks" / name).write_bytes(data)
    return root


def manifest(folder: Path) -> dict:
    return json.loads((folder / lab.MANIFEST).read_text())


def actions(report) -> dict[str, str]:
    return {f.name: f.action for f in report.files}


# --- finding the notebooks ---------------------------------------------------------------------


def test_checkout_notebooks_come_first(tmp_path):
    """A vethlab checkout's notebooks/ wins over the package data folder."""
    checkout = make_checkout(tmp_path / "repo", notebooks={"01_a.ipynb": b"a", "02_b.ipynb": b"b"})
    package = make_source(tmp_path / "pkg", {"09_z.ipynb": b"z"}).folder
    source = lab.find_notebooks(checkout, package)
    assert source == lab.NotebookSource("checkout", checkout / "notebooks", ("01_a.ipynb", "02_b.ipynb"))


def test_package_notebooks_when_not_a_vethlab_checkout(tmp_path):
    """Another project's checkout, or one without notebooks, falls through to the package data."""
    other = make_checkout(tmp_path / "other", project="something-else", notebooks={"01_a.ipynb": b"a"})
    empty = make_checkout(tmp_path / "empty")
    package = make_source(tmp_path / "pkg", {"09_z.ipynb": b"z"}).folder
    for checkout in (other, empty, tmp_path / "missing"):
        assert lab.find_notebooks(checkout, package) == lab.NotebookSource("package", package, ("09_z.ipynb",))


def test_no_notebooks_anywhere_is_not_found(tmp_path):
    """With no notebooks in either place the error is kIOReturnNotFound and names both places."""
    with pytest.raises(IOReturnError) as caught:
        lab.find_notebooks(tmp_path / "repo", tmp_path / "pkg")
    assert caught.value.code == kIOReturnNotFound
    assert str(tmp_path / "repo" / "notebooks") in caught.value.message
    assert str(tmp_path / "pkg") in caught.value.message


def test_this_repo_is_found_as_the_checkout():
    """Imported from this source checkout, lab looks in this repo's notebooks/ first."""
    assert lab._CHECKOUT == REPO
    assert lab._is_checkout(REPO)


# --- copying -----------------------------------------------------------------------------------


def test_first_run_copies_everything_and_records_hashes(tmp_path):
    """Into an empty folder every notebook is copied, byte for byte, and its hash recorded."""
    source = make_source(tmp_path / "pkg", {"01_a.ipynb": b"one", "02_b.ipynb": b"two"})
    report = lab.sync_notebooks(tmp_path / "mine", source)
    assert actions(report) == {"01_a.ipynb": lab.COPIED, "02_b.ipynb": lab.COPIED}
    assert (tmp_path / "mine" / "01_a.ipynb").read_bytes() == b"one"
    assert (tmp_path / "mine" / "02_b.ipynb").read_bytes() == b"two"
    assert manifest(tmp_path / "mine") == {"format": 1, "files": {
        "01_a.ipynb": lab._sha256(b"one"), "02_b.ipynb": lab._sha256(b"two")}}
    assert sorted(p.name for p in (tmp_path / "mine").iterdir()) == [lab.MANIFEST, "01_a.ipynb", "02_b.ipynb"]


def test_second_run_changes_nothing(tmp_path):
    """Run again with nothing changed: all up to date, no file rewritten."""
    source = make_source(tmp_path / "pkg", {"01_a.ipynb": b"one"})
    mine = tmp_path / "mine"
    lab.sync_notebooks(mine, source)
    stamps = {p.name: p.stat().st_mtime_ns for p in mine.iterdir()}
    os.utime(mine / "01_a.ipynb", ns=(1, 1))  # an mtime a rewrite would change
    report = lab.sync_notebooks(mine, source)
    assert actions(report) == {"01_a.ipynb": lab.UP_TO_DATE}
    assert (mine / "01_a.ipynb").stat().st_mtime_ns == 1
    assert (mine / lab.MANIFEST).stat().st_mtime_ns == stamps[lab.MANIFEST]


def test_a_missing_notebook_is_copied_again(tmp_path):
    """A notebook the learner deleted comes back; the others are left alone."""
    source = make_source(tmp_path / "pkg", {"01_a.ipynb": b"one", "02_b.ipynb": b"two"})
    mine = tmp_path / "mine"
    lab.sync_notebooks(mine, source)
    (mine / "02_b.ipynb").unlink()
    report = lab.sync_notebooks(mine, source)
    assert actions(report) == {"01_a.ipynb": lab.UP_TO_DATE, "02_b.ipynb": lab.COPIED}
    assert (mine / "02_b.ipynb").read_bytes() == b"two"


def test_an_untouched_copy_is_updated_when_a_new_version_ships(tmp_path):
    """Shipped notebook changed, learner's copy untouched: it is replaced and the record follows."""
    mine = tmp_path / "mine"
    lab.sync_notebooks(mine, make_source(tmp_path / "pkg", {"01_a.ipynb": b"v1"}))
    report = lab.sync_notebooks(mine, make_source(tmp_path / "pkg", {"01_a.ipynb": b"v2"}))
    assert actions(report) == {"01_a.ipynb": lab.UPDATED}
    assert (mine / "01_a.ipynb").read_bytes() == b"v2"
    assert manifest(mine)["files"] == {"01_a.ipynb": lab._sha256(b"v2")}


def test_an_edited_copy_is_kept_and_the_report_says_so(tmp_path):
    """Learner edited, new version shipped: their bytes stay, the record stays, the report says why."""
    mine = tmp_path / "mine"
    lab.sync_notebooks(mine, make_source(tmp_path / "pkg", {"01_a.ipynb": b"v1"}))
    (mine / "01_a.ipynb").write_bytes(b"v1 + my notes")
    report = lab.sync_notebooks(mine, make_source(tmp_path / "pkg", {"01_a.ipynb": b"v2"}))
    assert report.files == [lab.FileAction(
        "01_a.ipynb", lab.KEPT, "you changed it, and a newer version ships: rename or delete yours to get it")]
    assert (mine / "01_a.ipynb").read_bytes() == b"v1 + my notes"
    assert manifest(mine)["files"] == {"01_a.ipynb": lab._sha256(b"v1")}
    assert "kept" in report.text() and "you changed it" in report.text()


def test_an_edited_copy_is_kept_even_when_nothing_new_ships(tmp_path):
    """Learner edited, shipped unchanged: kept (an edit is never mistaken for an old version)."""
    source = make_source(tmp_path / "pkg", {"01_a.ipynb": b"v1"})
    mine = tmp_path / "mine"
    lab.sync_notebooks(mine, source)
    (mine / "01_a.ipynb").write_bytes(b"mine")
    assert lab.sync_notebooks(mine, source).files == [lab.FileAction("01_a.ipynb", lab.KEPT, "you changed it")]
    assert (mine / "01_a.ipynb").read_bytes() == b"mine"


def test_a_file_vethlab_never_wrote_is_kept_unless_identical(tmp_path):
    """Without a record, a differing file is kept and an identical one is adopted."""
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "01_a.ipynb").write_bytes(b"someone's own")
    (mine / "02_b.ipynb").write_bytes(b"two")
    source = make_source(tmp_path / "pkg", {"01_a.ipynb": b"one", "02_b.ipynb": b"two"})
    report = lab.sync_notebooks(mine, source)
    assert report.files[0] == lab.FileAction(
        "01_a.ipynb", lab.KEPT, "vethlab did not write this copy; rename or delete it to get the shipped one")
    assert actions(report)["02_b.ipynb"] == lab.UP_TO_DATE
    assert (mine / "01_a.ipynb").read_bytes() == b"someone's own"
    assert manifest(mine)["files"] == {"02_b.ipynb": lab._sha256(b"two")}


def test_a_notebook_no_longer_shipped_is_left_alone(tmp_path):
    """A notebook dropped from the package stays in the folder and is reported as not shipped."""
    mine = tmp_path / "mine"
    lab.sync_notebooks(mine, make_source(tmp_path / "pkg", {"01_a.ipynb": b"a", "02_old.ipynb": b"old"}))
    report = lab.sync_notebooks(mine, make_source(tmp_path / "pkg", {"01_a.ipynb": b"a"}))
    assert actions(report) == {"01_a.ipynb": lab.UP_TO_DATE, "02_old.ipynb": lab.NOT_SHIPPED}
    assert (mine / "02_old.ipynb").read_bytes() == b"old"


def test_an_unreadable_manifest_keeps_every_differing_notebook(tmp_path):
    """A corrupt manifest counts as no record: differing files are kept, the report says why."""
    mine = tmp_path / "mine"
    lab.sync_notebooks(mine, make_source(tmp_path / "pkg", {"01_a.ipynb": b"v1"}))
    (mine / lab.MANIFEST).write_text("{not json")
    report = lab.sync_notebooks(mine, make_source(tmp_path / "pkg", {"01_a.ipynb": b"v2"}))
    assert actions(report) == {"01_a.ipynb": lab.KEPT}
    assert (mine / "01_a.ipynb").read_bytes() == b"v1"
    assert report.manifest_note.startswith(f"{lab.MANIFEST} unreadable")
    assert manifest(mine) == {"format": 1, "files": {}}


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

    monkeypatch.setattr(lab, "_write_atomically", refuse)
    with pytest.raises(IOReturnError) as caught:
        lab.sync_notebooks(tmp_path / "mine", make_source(tmp_path / "pkg", {"01_a.ipynb": b"a"}))
    assert caught.value.code == kIOReturnNotWritable
    assert str(tmp_path / "mine") in caught.value.message


def test_an_interrupted_update_leaves_the_old_file(tmp_path, monkeypatch):
    """If the final rename fails, the copy and the record are as before and no temp file is left."""
    mine = tmp_path / "mine"
    lab.sync_notebooks(mine, make_source(tmp_path / "pkg", {"01_a.ipynb": b"v1"}))
    before = sorted(p.name for p in mine.iterdir())

    def fail(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(lab.os, "replace", fail)
    with pytest.raises(OSError):
        lab.sync_notebooks(mine, make_source(tmp_path / "pkg", {"01_a.ipynb": b"v2"}))
    assert (mine / "01_a.ipynb").read_bytes() == b"v1"
    assert manifest(mine)["files"] == {"01_a.ipynb": lab._sha256(b"v1")}
    assert sorted(p.name for p in mine.iterdir()) == before


# The learner's moves between two runs, and the package's: edit, delete, or a new version ships.
_STEP = st.tuples(st.sampled_from(["edit", "delete", "ship", "sync"]), st.sampled_from(["01_a.ipynb", "02_b.ipynb"]))


@settings(max_examples=60, deadline=None)
@given(steps=st.lists(_STEP, max_size=12))
def test_no_sequence_of_edits_and_releases_loses_an_edit(steps):
    """After any history, a sync leaves every edited copy byte for byte, and every other copy current."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        mine, shipped = tmp / "mine", {"01_a.ipynb": b"a0", "02_b.ipynb": b"b0"}
        edited: dict[str, bytes] = {}  # learner's bytes that no sync may overwrite
        lab.sync_notebooks(mine, make_source(tmp / "pkg", shipped))
        for number, (step, name) in enumerate(steps):
            if step == "edit":
                edited[name] = f"edit {number}".encode()
                (mine / name).write_bytes(edited[name])
            elif step == "delete" and (mine / name).exists():
                (mine / name).unlink()
                edited.pop(name, None)
            elif step == "ship":
                shipped[name] = f"{name} v{number}".encode()
            elif step == "sync":
                lab.sync_notebooks(mine, make_source(tmp / "pkg", shipped))
        report = lab.sync_notebooks(mine, make_source(tmp / "pkg", shipped))
        for name, data in shipped.items():
            if name in edited and edited[name] != data:
                assert (mine / name).read_bytes() == edited[name]
                assert actions(report)[name] == lab.KEPT
            else:
                assert (mine / name).read_bytes() == data
                assert actions(report)[name] != lab.KEPT


# --- the command -------------------------------------------------------------------------------


@pytest.fixture
def shipped(tmp_path, monkeypatch):
    """Make the command find two notebooks in a temporary 'package' folder."""
    source = make_source(tmp_path / "pkg", {"01_a.ipynb": b"one", "02_b.ipynb": b"two"})
    monkeypatch.setattr(lab, "find_notebooks", lambda: source)
    return source


def test_cli_no_open_copies_and_prints_json(tmp_path, shipped, monkeypatch, capsys):
    """`vethlab lab --no-open --json` copies, prints the report as JSON, and starts nothing."""
    monkeypatch.setattr(lab, "open_lab", lambda *a: pytest.fail("JupyterLab must not start"))
    assert cli.main(["lab", "--no-open", "--dir", str(tmp_path / "mine"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out == {
        "folder": str((tmp_path / "mine").resolve()),
        "source": str(shipped.folder),
        "source_kind": "package",
        "files": [{"name": "01_a.ipynb", "action": "copied", "note": ""},
                  {"name": "02_b.ipynb", "action": "copied", "note": ""}],
        "opened": False,
    }
    assert (tmp_path / "mine" / "02_b.ipynb").read_bytes() == b"two"


def test_cli_default_folder_is_vethlab_notebooks_here(tmp_path, shipped, monkeypatch, capsys):
    """Without --dir the copies go to ./vethlab-notebooks; the text report lists each file."""
    monkeypatch.chdir(tmp_path)
    assert cli.main(["lab", "--no-open"]) == 0
    text = capsys.readouterr().out
    assert (tmp_path / "vethlab-notebooks" / "01_a.ipynb").read_bytes() == b"one"
    assert f"into {(tmp_path / 'vethlab-notebooks').resolve()}" in text
    assert "  copied  01_a.ipynb" in text and "  copied  02_b.ipynb" in text


def test_cli_opens_jupyterlab_after_saying_what_it_copied(tmp_path, shipped, monkeypatch, capsys):
    """Without --no-open the report is printed first, then JupyterLab runs in the folder with the extra args."""
    calls = []

    def fake_open(folder, extra):
        calls.append((folder, list(extra), capsys.readouterr().out))
        return 0

    monkeypatch.setattr(lab, "open_lab", fake_open)
    assert cli.main(["lab", "--dir", str(tmp_path / "mine"), "--", "--port", "8899"]) == 0
    [(folder, extra, printed_before)] = calls
    assert folder == (tmp_path / "mine").resolve() and extra == ["--port", "8899"]
    assert "copied  01_a.ipynb" in printed_before
    assert capsys.readouterr().out.strip() in ("", "running as root: JupyterLab needs `vethlab lab -- --allow-root`")


def test_cli_reports_a_failed_jupyterlab(tmp_path, shipped, monkeypatch, capsys):
    """A JupyterLab that exits with an error makes `vethlab lab` exit 2 and say so."""
    monkeypatch.setattr(lab, "open_lab", lambda folder, extra: 1)
    assert cli.main(["lab", "--dir", str(tmp_path / "mine")]) == 2
    assert "JupyterLab exited with status 1" in capsys.readouterr().err


def test_jupyterlab_command_runs_this_python_in_the_folder(tmp_path):
    """JupyterLab is started by this interpreter, rooted at the folder, with the extra args last."""
    command = lab.jupyter_lab_command(tmp_path, ["--allow-root"])
    assert command[1:3] == ["-m", "jupyterlab"]
    assert command[3:] == [f"--ServerApp.root_dir={tmp_path}", "--allow-root"]
    assert Path(command[0]).name.startswith("python")
