"""`vethlab lab`: the command line over vethlab.lab (copy the notebooks, then open JupyterLab)."""

import json
from pathlib import Path

import pytest

from vethlab import cli, lab


def make_source(folder: Path, files: dict[str, bytes]) -> lab.NotebookSource:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return lab.NotebookSource("package", folder, tuple(sorted(files)))


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
        "files": [
            {"name": "01_a.ipynb", "action": "copied", "note": ""},
            {"name": "02_b.ipynb", "action": "copied", "note": ""},
        ],
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
    assert capsys.readouterr().out.strip() in (
        "",
        "running as root: JupyterLab needs `vethlab lab -- --allow-root`",
    )


def test_cli_reports_a_failed_jupyterlab(tmp_path, shipped, monkeypatch, capsys):
    """A JupyterLab that exits with an error makes `vethlab lab` exit 1 and say so."""
    monkeypatch.setattr(lab, "open_lab", lambda folder, extra: 1)
    assert cli.main(["lab", "--dir", str(tmp_path / "mine")]) == 1
    assert "JupyterLab exited with status 1" in capsys.readouterr().err
