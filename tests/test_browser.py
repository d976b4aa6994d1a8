"""Every notebook runs in a real browser: JupyterLab in Debian's chromium, driven by Playwright.

For each notebooks/*.ipynb, at 1440×900 with the file browser open (a laptop): Run All Cells,
no cell may show an error (cells tagged ``raises-exception`` excepted), and every vethlab
dashboard must fit the visible notebook area, show no picture scaled up (each image has at
least twice the pixels of its CSS width), and change its picture or its text after every move
of every control, to both ends and between, without a traceback. A screenshot and a text report of
each notebook land in test-artifacts/browser/ (gitignored), to read when a run fails.

One JupyterLab serves a temporary copy of the notebooks for the whole session (see
tests/browser_support.py for the isolation and the pitfalls it avoids). Two small notebooks
written here check the checker: it must notice an error, a dead dashboard and a dashboard
that raises. The suite skips, saying why, when chromium or playwright is missing; CI sets
VETHLAB_REQUIRE_ALL=1 and that skip becomes a failure.
"""

import shutil

import browser_support as bs
import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

pytestmark = pytest.mark.browser

NOTEBOOK_NAMES = sorted(path.name for path in bs.NOTEBOOKS.glob("*.ipynb"))

# --- notebooks that check the checker ----------------------------------------------------------

_SETUP = (
    "%matplotlib inline\n"
    "import matplotlib.pyplot as plt\n"
    "import ipywidgets as widgets\n"
    "from IPython.display import display"
)

# A dashboard as the notebooks build them: a slider, an Output widget, a figure redrawn on change.
_DASHBOARD = """\
def draw_{name}(n):
    {body}
    fig, ax = plt.subplots(figsize=(4, 1.5))
    ax.bar(range(n), range(n))
    ax.set_title("{name}")
    plt.show()
    plt.close(fig)

slider_{name} = widgets.IntSlider(value={value}, min=1, max={top}, description="{name}")
display(widgets.VBox([slider_{name}, widgets.interactive_output(draw_{name}, {{"n": slider_{name}}})]))"""

# A dashboard whose picture never depends on its slider.
_DEAD_DASHBOARD = """\
frozen = widgets.Output()
with frozen:
    plt.plot([1, 2, 3])
    plt.show()
display(widgets.VBox([widgets.IntSlider(value=3, min=0, max=9, description="dead"), frozen]))"""


def _notebook(cells):
    return new_notebook(
        cells=cells,
        metadata={
            "kernelspec": {
                "name": "python3",
                "display_name": "Python 3 (ipykernel)",
                "language": "python",
            }
        },
    )


def write_selftest_notebooks(folder):
    """checks.ipynb: two live dashboards, a dead one, one that raises, an expected error.
    broken.ipynb: an untagged error stops Run All before the last cell."""
    folder.mkdir(parents=True, exist_ok=True)
    checks = _notebook(
        [
            new_markdown_cell("# The browser suite's own check"),
            new_code_cell(_SETUP),
            # At its maximum, so the driver must step down.
            new_code_cell(_DASHBOARD.format(name="live", value=6, top=6, body="pass")),
            new_code_cell("int('not a number')", metadata={"tags": ["raises-exception"]}),
            new_code_cell(_DEAD_DASHBOARD),
            new_code_cell(
                _DASHBOARD.format(
                    name="raising",
                    value=4,
                    top=9,
                    body="if n != 4:\n        raise ValueError(f'no picture for {n}')",
                )
            ),
            new_code_cell("print('last cell ran')"),
        ]
    )
    broken = _notebook(
        [
            new_code_cell(_SETUP),
            new_code_cell("raise RuntimeError('broken on purpose')"),
            new_code_cell("print('never runs')"),
        ]
    )
    nbformat.write(checks, folder / "checks.ipynb")
    nbformat.write(broken, folder / "broken.ipynb")


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    """One JupyterLab for the session, serving copies of notebooks/ and the self-test notebooks."""
    reason = bs.missing_tools()
    if reason:
        pytest.skip(reason)
    shutil.rmtree(bs.ARTIFACTS, ignore_errors=True)  # only this suite's folder: no stale pictures
    bs.ARTIFACTS.mkdir(parents=True)
    root = tmp_path_factory.mktemp("lab")
    bs.copy_notebooks(bs.NOTEBOOKS, root / "notebooks")
    write_selftest_notebooks(root / "selftest")
    server = bs.LabServer(
        root / ".", tmp_path_factory.mktemp("home"), bs.ARTIFACTS / "jupyterlab.log"
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser(lab):
    """Debian's chromium, headless, for the whole session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=bs.find_chromium(),
            headless=True,
            args=["--no-sandbox", "--disable-dev-shm-usage"],
        )
        yield chromium
        chromium.close()


# --- the checker itself ------------------------------------------------------------------------


def test_checker_sees_live_dead_and_raising_dashboards(lab, browser):
    """On checks.ipynb the driver reports exactly the dead and the raising dashboard."""
    run = bs.run_notebook(browser, lab, "selftest/checks.ipynb", bs.ARTIFACTS / "selftest")
    assert (run.executed, run.code_cells, run.errors, run.expected_errors) == (6, 6, [], 1)
    boards = {board.sliders[0]: board for board in run.dashboards}
    assert sorted(boards) == ["dead", "live", "raising"]
    assert (
        boards["live"].changed and boards["live"].moved == "live" and not boards["live"].tracebacks
    )
    assert not boards["dead"].changed and not boards["dead"].tracebacks
    assert boards["raising"].tracebacks and "no picture for" in boards["raising"].tracebacks[0]
    problems = run.problems()
    assert len(problems) == 2, problems
    assert "no slider move changed the picture" in problems[0] and "dead" in problems[0]
    assert "traceback after moving a slider" in problems[1] and "raising" in problems[1]
    assert run.screenshot.stat().st_size > 0


def test_checker_sees_an_error_that_stops_run_all(lab, browser):
    """On broken.ipynb the driver reports the error and that the cell after it never ran."""
    run = bs.run_notebook(browser, lab, "selftest/broken.ipynb", bs.ARTIFACTS / "selftest")
    assert (run.executed, run.code_cells, run.expected_errors) == (2, 3, 0)
    assert run.errors == ["code cell 1: RuntimeError: broken on purpose"]
    assert run.problems() == ["cell error: code cell 1: RuntimeError: broken on purpose"]
    assert run.dashboards == []


# --- the notebooks -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", NOTEBOOK_NAMES)
def test_notebook_runs_and_its_dashboards_redraw(lab, browser, name):
    """Run All gives no error; every dashboard fits, is crisp, and answers every control move."""
    run = bs.run_notebook(browser, lab, f"notebooks/{name}", bs.ARTIFACTS)
    assert run.problems() == [], f"{bs.report(run)}screenshot: {run.screenshot}"


# --- the helpers, without a browser ------------------------------------------------------------


def test_missing_chromium_is_a_skip_reason_naming_the_package(monkeypatch):
    """Without chromium the suite's skip reason says how to install it."""
    monkeypatch.setattr(bs, "find_chromium", lambda: None)
    assert bs.missing_tools() == "chromium not installed: apt-get install chromium"


def test_server_state_stays_in_the_temporary_home(tmp_path, monkeypatch):
    """HOME and every Jupyter, IPython and matplotlib folder point into the temporary home."""
    monkeypatch.setenv("JUPYTER_PATH", "/somewhere/of/the/user")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    env = bs.isolated_env(tmp_path)
    names = [
        "HOME",
        "JUPYTER_CONFIG_DIR",
        "JUPYTER_DATA_DIR",
        "JUPYTER_RUNTIME_DIR",
        "JUPYTERLAB_SETTINGS_DIR",
        "JUPYTERLAB_WORKSPACES_DIR",
        "IPYTHONDIR",
        "MPLCONFIGDIR",
        "XDG_CACHE_HOME",
        "XDG_CONFIG_HOME",
        "XDG_DATA_HOME",
    ]
    state = {name: env[name] for name in names}
    assert all(v.startswith(str(tmp_path)) for v in state.values()), state
    assert "JUPYTER_PATH" not in env and "MPLBACKEND" not in env
    assert env["PYTHONPATH"].split(":")[0] == str(bs.REPO)


def test_error_outputs_tell_expected_from_unexpected():
    """Errors in cells tagged raises-exception are counted apart; others are listed by code cell."""
    nb = _notebook(
        [
            new_markdown_cell("# t"),
            new_code_cell("1/0", metadata={"tags": ["raises-exception"]}),
            new_code_cell("x"),
        ]
    )
    error = {
        "output_type": "error",
        "ename": "NameError",
        "evalue": "name 'x' is not defined",
        "traceback": [],
    }
    nb.cells[1].outputs = [dict(error, ename="ZeroDivisionError", evalue="division by zero")]
    nb.cells[2].outputs = [{"output_type": "stream", "name": "stderr", "text": "a warning"}, error]
    assert bs.error_outputs(nb) == (["code cell 1: NameError: name 'x' is not defined"], 1)
