"""Helpers for tests/test_browser.py: a throwaway JupyterLab server and a Playwright driver.

The browser suite runs every notebook the way a learner would: JupyterLab in Debian's
chromium, Run All Cells, then one slider moved in each dashboard. This module keeps the
mechanics out of the test file:

- :func:`find_chromium` / :func:`missing_tools`: what is needed, and why a run must skip.
- :class:`LabServer`: one JupyterLab on a free loopback port, serving a temporary COPY of the
  notebooks (JupyterLab autosaves, and the committed notebooks hold the outputs nbval
  compares), with HOME and every Jupyter/IPython/matplotlib state folder pointed into a
  temporary directory, so nothing of the user's is read or written. A random token guards it.
  ``stop()`` shuts the kernels down and sends SIGTERM to the server it started, and only that.
- :func:`run_notebook`: open one notebook at 1440×900 with the file browser open (a laptop),
  Run All Cells, wait until every queued cell has finished, list error outputs, and in every
  dashboard: check that it fits the visible notebook area and that no picture is scaled up
  (:func:`measure_fit`), then move EVERY control to both ends and between, one move at a
  time, and record whether the picture or the text changed (:func:`exercise_every_control`).
  Plain widget outputs (not vethlab dashboards) get one slider move. Then save a screenshot
  of the whole notebook. It returns a :class:`NotebookRun` describing what happened; the test
  decides what is a failure.

Selectors are JupyterLab 4 and ipywidgets 8 ones (the versions the venv pins); they are
collected at the top so that an upgrade that renames a class breaks one place.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = REPO / "notebooks"
ARTIFACTS = REPO / "test-artifacts" / "browser"

# --- selectors (JupyterLab 4, ipywidgets 8) ----------------------------------------------------
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"  # the visible notebook tab only (pitfall: ?reset)
CODE_CELL = ".jp-CodeCell"
PROMPT = ".jp-InputArea-prompt"
# A cell's own outputs, not the outputs nested inside an Output widget of a dashboard.
CELL_OUTPUT = ".jp-Cell-outputArea > .jp-OutputArea-child > .jp-OutputArea-output"
SLIDER = ".widget-hslider"
DASHBOARD = ".vethlab-dashboard"  # vethlab.widgets.canvas.finish puts the class on the box
TOGGLES = ".widget-toggle-buttons"
CHECKBOX = ".widget-checkbox"
DROPDOWN = ".widget-dropdown"
# The scrolling area of the visible notebook: what a learner sees without scrolling.
NOTEBOOK_AREA = f"{PANEL} .jp-WindowedPanel-outer"
#: A laptop: 1440×900 with JupyterLab's file browser open (its default layout).
LAPTOP = {"width": 1440, "height": 900}
SLIDER_HANDLE = ".noUi-handle"
IDLE = ".jp-Notebook-ExecutionIndicator[data-status='idle']"
TRACEBACK_MARKERS = ("Traceback (most recent call last)", "Error displaying widget")

# --- JupyterLab settings for a quiet, deterministic run -----------------------------------------
USER_SETTINGS = {
    # The copy is ours, but a save in the middle of a run would still be noise.
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    # Windowing leaves far-away cells out of the DOM; the test must see every cell.
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    # No "get Jupyter news?" toast over the outputs and no update check (no network).
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}
PAGE_CONFIG = {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}


def find_chromium() -> str | None:
    """Debian's chromium: /usr/bin/chromium, else `chromium` on PATH; None when missing."""
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    return shutil.which("chromium")


def missing_tools() -> str | None:
    """Why the browser suite cannot run here (a skip reason), or None when it can."""
    if find_chromium() is None:
        return "chromium not installed: apt-get install chromium"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright not installed: pip install playwright (the 'test' extra has it)"
    try:
        import jupyterlab  # noqa: F401
    except ImportError:
        return "jupyterlab not installed: pip install jupyterlab"
    return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def isolated_env(home: Path) -> dict[str, str]:
    """This process's environment with every per-user Jupyter/IPython/matplotlib folder in home.

    PYTHONPATH starts with the repo, so the kernels import this checkout's vethlab even when
    the package is not installed in editable mode.
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("JUPYTER", "IPYTHON")) and k not in ("MPLBACKEND", "MPLCONFIGDIR")
    }
    dirs = {
        "HOME": home,
        "JUPYTER_CONFIG_DIR": home / ".jupyter",
        "JUPYTER_DATA_DIR": home / ".local" / "share" / "jupyter",
        "JUPYTER_RUNTIME_DIR": home / ".local" / "share" / "jupyter" / "runtime",
        "JUPYTERLAB_SETTINGS_DIR": home / ".jupyter" / "lab" / "user-settings",
        "JUPYTERLAB_WORKSPACES_DIR": home / ".jupyter" / "lab" / "workspaces",
        "IPYTHONDIR": home / ".ipython",
        "MPLCONFIGDIR": home / ".config" / "matplotlib",
        "XDG_CACHE_HOME": home / ".cache",
        "XDG_CONFIG_HOME": home / ".config",
        "XDG_DATA_HOME": home / ".local" / "share",
    }
    for path in dirs.values():
        path.mkdir(parents=True, exist_ok=True)
    env.update({name: str(path) for name, path in dirs.items()})
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO)] + [p for p in [os.environ.get("PYTHONPATH")] if p]
    )
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    return env


def write_lab_settings(env: dict[str, str]) -> None:
    """Write USER_SETTINGS and PAGE_CONFIG into the temporary Jupyter folders of env."""
    settings = Path(env["JUPYTERLAB_SETTINGS_DIR"])
    for name, values in USER_SETTINGS.items():
        path = settings / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")
    labconfig = Path(env["JUPYTER_CONFIG_DIR"]) / "labconfig"
    labconfig.mkdir(parents=True, exist_ok=True)
    (labconfig / "page_config.json").write_text(json.dumps(PAGE_CONFIG), encoding="utf-8")


def copy_notebooks(source: Path, target: Path) -> list[str]:
    """Copy source's *.ipynb (and the files beside them, not src/) into target; return the names."""
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(source.iterdir()):
        if path.is_file():
            shutil.copy2(path, target / path.name)
    return sorted(p.name for p in target.glob("*.ipynb"))


class PortTaken(Exception):
    """Another process took the port between free_port() and the server's bind."""


class LabServer:
    """One JupyterLab server on 127.0.0.1, serving root_dir, with all its state under home."""

    def __init__(self, root_dir: Path, home: Path, log_path: Path):
        self.root_dir = Path(root_dir)
        self.home = Path(home)
        self.log_path = Path(log_path)
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.process: subprocess.Popen | None = None
        self._log = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, notebook: str) -> str:
        """The page of one notebook, in a fresh workspace (no tabs restored from earlier)."""
        return f"{self.base_url}/lab/tree/{notebook}?reset&token={self.token}"

    def start(self, timeout: float = 60.0, attempts: int = 3) -> LabServer:
        """Start the server and wait until its API answers; on a port lost to a race, retry."""
        for _ in range(attempts):
            try:
                return self._start(timeout)
            except PortTaken:
                self.stop()
                self.port = free_port()
        raise RuntimeError(
            f"JupyterLab found no free port in {attempts} attempts; see {self.log_path}"
        )

    def _start(self, timeout: float) -> LabServer:
        env = isolated_env(self.home)
        write_lab_settings(env)
        command = [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--ServerApp.root_dir={self.root_dir}",
            f"--IdentityProvider.token={self.token}",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.append("--allow-root")  # containers and CI run as root
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "wb")  # noqa: SIM115 (open while the server runs; stop() closes it)
        self.process = subprocess.Popen(
            command,
            cwd=self.root_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self._log.flush()
                if b"is already in use" in self.log_path.read_bytes():
                    raise PortTaken(self.port)
                raise RuntimeError(
                    f"JupyterLab exited with {self.process.returncode}; see {self.log_path}"
                )
            try:
                self.api("GET", "/api/status")
                return self
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"JupyterLab did not answer within {timeout:.0f} s; see {self.log_path}")

    def api(self, method: str, path: str, timeout: float = 10.0):
        """Call the server's REST API; return the decoded JSON (None for an empty reply)."""
        request = urllib.request.Request(
            self.base_url + path,
            method=method,
            headers={"Authorization": f"token {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            body = reply.read()
        return json.loads(body) if body else None

    def kernels(self) -> list[dict]:
        return self.api("GET", "/api/kernels")

    def shutdown_kernels(self) -> None:
        """Shut down every session and kernel of this server (closing a tab does not)."""
        for session in self.api("GET", "/api/sessions"):
            self.api("DELETE", f"/api/sessions/{session['id']}")
        for kernel in self.kernels():
            self.api("DELETE", f"/api/kernels/{kernel['id']}")

    def stop(self, timeout: float = 30.0) -> None:
        """Shut the kernels down, then SIGTERM the server this object started (SIGKILL if stuck)."""
        if self.process is None:
            return
        if self.process.poll() is None:
            # On an error the server's own SIGTERM handler shuts down what is left.
            with contextlib.suppress(urllib.error.URLError, OSError):
                self.shutdown_kernels()
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        if self._log is not None:
            self._log.close()
        self.process = None


# --- driving one notebook ------------------------------------------------------------------


@dataclass
class Dashboard:
    """One cell output that contains at least one slider, and what moving its controls did."""

    cell: int  # index among the notebook's code cells
    sliders: list[str]  # slider descriptions, in order
    moved: str | None = None  # the slider whose move changed the picture
    changed: bool = False
    figures_before: int = 0
    tracebacks: list[str] = field(default_factory=list)
    note: str = ""
    vethlab: bool = False  # a vethlab dashboard: every control is moved, fit is measured
    fit: dict = field(default_factory=dict)  # measure_fit's answer
    moves: list[tuple[str, str, bool]] = field(default_factory=list)  # (control, move, changed)
    unmoved: list[str] = field(default_factory=list)  # controls still disabled at the end

    def fit_problems(self) -> list[str]:
        """What does not fit, or is scaled up, one line each."""
        fit, found = self.fit, []
        if not fit:
            return found
        if fit["height"] > fit["area_height"]:
            found.append(f"taller ({fit['height']} px) than the visible {fit['area_height']}")
        if fit["right"] > fit["area_right"] or fit["overflow"] > 0:
            found.append(
                f"wider than the notebook area (right edge {fit['right']} > "
                f"{fit['area_right']}, {fit['overflow']} px overflow)"
            )
        for natural, client in fit["images"]:
            if natural < 2 * client:
                found.append(f"a {natural}-pixel image shown at {client} CSS px (not 2x)")
        found += [f"label cut off: {text!r}" for text in fit.get("cut_labels", [])]
        return found


@dataclass
class NotebookRun:
    """What happened when one notebook ran in the browser."""

    name: str
    code_cells: int = 0
    executed: int = 0
    errors: list[str] = field(default_factory=list)  # error outputs of untagged cells
    expected_errors: int = 0  # error outputs of cells tagged raises-exception
    dashboards: list[Dashboard] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    screenshot: Path | None = None
    seconds: float = 0.0

    def problems(self) -> list[str]:
        """Everything a learner would see as broken, one line each (empty when all is well)."""
        found = [f"cell error: {e}" for e in self.errors]
        if self.executed < self.code_cells and not self.errors:
            found.append(f"only {self.executed} of {self.code_cells} code cells ran")
        for board in self.dashboards:
            where = f"dashboard in code cell {board.cell} (sliders {board.sliders})"
            if board.tracebacks:
                found.append(
                    f"{where}: traceback after moving a slider: {board.tracebacks[0][-300:]}"
                )
            elif board.vethlab:
                found += [f"{where}: {p}" for p in board.fit_problems()]
                found += [
                    f"{where}: moving {control!r} ({move}) changed neither picture nor text"
                    for control, move, changed in board.moves
                    if not changed
                ]
                found += [f"{where}: {c!r} stayed disabled" for c in board.unmoved]
            elif not board.changed:
                found.append(f"{where}: no slider move changed the picture ({board.note})")
        return found


def error_outputs(nb: dict) -> tuple[list[str], int]:
    """(errors of untagged cells as 'code cell N: Name: value', count in raises-exception cells)."""
    errors, expected = [], 0
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    for index, cell in enumerate(code):
        tags = cell.get("metadata", {}).get("tags", [])
        for output in cell.get("outputs", []):
            if output.get("output_type") != "error":
                continue
            if "raises-exception" in tags:
                expected += 1
            else:
                errors.append(f"code cell {index}: {output.get('ename')}: {output.get('evalue')}")
    return errors, expected


# What a dashboard shows: its pictures (an <img> src, a canvas's pixels) and, for dashboards
# that show text in place of a picture, the text of the Output and HTML widgets inside it.
_PICTURE_JS = """el => ({
    figures: Array.from(el.querySelectorAll('img, canvas')).map(node =>
        node.tagName === 'IMG' ? 'img:' + node.getAttribute('src') : 'canvas:' + node.toDataURL()),
    text: Array.from(el.querySelectorAll('.widget-output .jp-OutputArea-output, .widget-html-content'))
        .map(node => node.textContent).join('\\n'),
})"""


def _executed(prompt: str) -> bool:
    return prompt[1:-2].strip().isdigit()


def wait_until_done(page, timeout_s: float = 300.0, settle_s: float = 1.0) -> None:
    """Wait until no code cell is queued or running ([*]) and the kernel has been idle a while."""
    panel = page.locator(PANEL)
    deadline = time.monotonic() + timeout_s
    quiet_since = None
    while time.monotonic() < deadline:
        busy = panel.locator(f"{PROMPT}:text-is('[*]:')").count()
        idle = panel.locator(IDLE).count() > 0
        if busy == 0 and idle:
            quiet_since = quiet_since or time.monotonic()
            if time.monotonic() - quiet_since >= settle_s:
                return
        else:
            quiet_since = None
        page.wait_for_timeout(150)
    raise TimeoutError(f"cells still running after {timeout_s:.0f} s")


def wait_for_kernel(server: LabServer, name: str, timeout_s: float = 90.0) -> None:
    """Wait until the notebook's kernel is idle and the page is connected to it.

    The toolbar's idle indicator shows up before the page's kernel connection is ready; a
    Run All clicked in between is silently lost.
    """
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for session in server.api("GET", "/api/sessions"):
            kernel = session.get("kernel") or {}
            if (
                session.get("path") == name
                and kernel.get("execution_state") == "idle"
                and kernel.get("connections", 0) >= 1
            ):
                return
        time.sleep(0.2)
    raise TimeoutError(f"no idle kernel connected to {name} after {timeout_s:.0f} s")


def _prompts(page) -> list[str]:
    return page.locator(f"{PANEL} {CODE_CELL} {PROMPT}").all_text_contents()


def run_all_cells(page, attempts: int = 3) -> None:
    """Run > Run All Cells, as a learner would; click again if no cell started."""
    for _ in range(attempts):
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if any(p.strip() != "[ ]:" for p in _prompts(page)):
                return
            page.wait_for_timeout(200)
    raise TimeoutError(f"Run All Cells started no cell after {attempts} attempts")


def save_and_read(page, server: LabServer, name: str, timeout_s: float = 30.0) -> dict:
    """Save the notebook (our temporary copy) and return it as JSON, outputs included."""
    before = server.api("GET", f"/api/contents/{name}?content=0")["last_modified"]
    page.locator(f"{PANEL} .jp-Toolbar [data-command='docmanager:save']").first.click()
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        page.wait_for_timeout(200)
        if page.locator(".lm-TabBar-tab.jp-mod-current.jp-mod-dirty").count():
            continue  # the tab's dot: still saving
        try:
            model = server.api("GET", f"/api/contents/{name}?content=1")
        except urllib.error.HTTPError:
            continue  # read while the server was still writing it (400: not JSON yet)
        if model["last_modified"] != before:
            return model["content"]
    raise TimeoutError(f"{name} was not saved within {timeout_s:.0f} s")


def _traceback_count(text: str) -> int:
    return sum(text.count(marker) for marker in TRACEBACK_MARKERS)


def _last_traceback(text: str, limit: int = 2000) -> str:
    """The text from the last traceback marker on (IPython ends it with 'Name: message')."""
    start = max(text.rfind(marker) for marker in TRACEBACK_MARKERS)
    return " ".join(text[max(0, start - 80) :][:limit].split())


def exercise_dashboard(page, output, board: Dashboard, timeout_s: float = 30.0) -> None:
    """Move the dashboard's sliders one step, one at a time, until its picture changes.

    A slider at its maximum steps down instead. Records in ``board`` which slider changed the
    picture and any traceback that appeared in the dashboard.
    """
    sliders = output.locator(SLIDER)
    tried = []
    for k in range(sliders.count()):
        slider = sliders.nth(k)
        if not slider.is_visible():
            continue  # e.g. inside a tab that is not selected
        before = output.evaluate(_PICTURE_JS)
        board.figures_before = len(before["figures"])
        tracebacks_before = _traceback_count(output.text_content())
        handle = slider.locator(SLIDER_HANDLE).first
        handle.scroll_into_view_if_needed()
        value = float(handle.get_attribute("aria-valuenow"))
        top = float(handle.get_attribute("aria-valuemax"))
        handle.focus()
        page.keyboard.press("ArrowLeft" if value >= top else "ArrowRight")
        label = board.sliders[k] if k < len(board.sliders) else f"slider {k}"
        tried.append(label)
        page.wait_for_timeout(300)
        wait_until_done(page, timeout_s, settle_s=0.5)
        after = output.evaluate(_PICTURE_JS)
        deadline = time.monotonic() + 5  # a dashboard may redraw a little after idle
        while after == before and time.monotonic() < deadline:
            page.wait_for_timeout(250)
            after = output.evaluate(_PICTURE_JS)
        text = output.text_content()
        if _traceback_count(text) > tracebacks_before:
            board.tracebacks.append(_last_traceback(text))
            return
        changed = after["figures"] != before["figures"] if before["figures"] else after != before
        if changed:
            board.changed, board.moved = True, label
            return
    board.note = f"moved {tried or 'no visible slider'}, picture unchanged"


# The dashboard's size against the visible notebook area, and each picture's pixels.
_FIT_JS = """(el, areaSel) => {
    const area = document.querySelector(areaSel);
    const a = area.getBoundingClientRect();
    const r = el.getBoundingClientRect();
    return {
        height: Math.round(r.height), width: Math.round(r.width), right: Math.round(r.right),
        area_height: area.clientHeight, area_width: area.clientWidth,
        area_right: Math.round(a.left + area.clientWidth),
        overflow: el.scrollWidth - el.clientWidth,
        images: Array.from(el.querySelectorAll('img'))
            .filter(img => img.offsetParent !== null)
            .map(img => [img.naturalWidth, img.clientWidth]),
        cut_labels: Array.from(el.querySelectorAll('.widget-label, .widget-label-basic, button'))
            .filter(l => l.offsetParent !== null && l.textContent.trim() !== '')
            .filter(l => {
                // the text's own width, measured apart from the element's overflow rules
                const range = document.createRange();
                range.selectNodeContents(l);
                const style = getComputedStyle(l);
                const room = l.clientWidth - parseFloat(style.paddingLeft)
                    - parseFloat(style.paddingRight);
                return l.scrollWidth > l.clientWidth + 1
                    || range.getBoundingClientRect().width > room + 1;
            })
            .map(l => l.textContent),
    };
}"""


def measure_fit(page, dashboard) -> dict:
    """The dashboard's height, width and right edge against the visible notebook area,
    (naturalWidth, clientWidth) of each picture it shows (crisp on a 2x screen when
    naturalWidth >= 2 * clientWidth, which also means never scaled up), and the text of every
    label or button whose text is cut off."""
    return dashboard.evaluate(_FIT_JS, NOTEBOOK_AREA)


def _shown(output) -> dict:
    return output.evaluate(_PICTURE_JS)


def _settle(page, output, before, timeout_s: float) -> dict:
    """Wait until the kernel is idle and what the dashboard shows has stopped changing; return
    what it shows (a redraw may land a little after idle)."""
    page.wait_for_timeout(250)
    wait_until_done(page, timeout_s, settle_s=0.4)
    after = _shown(output)
    deadline = time.monotonic() + 4
    while after == before and time.monotonic() < deadline:
        page.wait_for_timeout(200)
        after = _shown(output)
    return after


def _label(control, fallback: str) -> str:
    text = " ".join((control.text_content() or "").split())
    return text[:40] or fallback


def _slider_moves(page, control):
    """Both ends and the middle of a slider: End, a drag to the middle of its track, Home."""
    handle = control.locator(SLIDER_HANDLE).first
    track = control.locator(".noUi-target, .noUi-base").first

    def key(name):
        def move():
            handle.focus()
            page.keyboard.press(name)

        return move

    def middle():
        box, bar = handle.bounding_box(), track.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.down()
        page.mouse.move(bar["x"] + bar["width"] / 2, box["y"] + box["height"] / 2, steps=5)
        page.mouse.up()

    def away_from(end):
        return lambda: handle.get_attribute("aria-valuenow") != handle.get_attribute(end)

    return [
        ("End", key("End"), away_from("aria-valuemax")),
        ("middle", middle, lambda: True),
        ("Home", key("Home"), away_from("aria-valuemin")),
    ]


def _control_moves(page, control, kind: str):
    """(name, action, applies) for every move of one control: a slider's ends and middle, each
    other toggle button then the first again, a checkbox's other value, each other dropdown
    option then the first again."""
    if kind == "slider":
        return _slider_moves(page, control)
    if kind == "toggles":
        buttons = control.locator("button")
        labels = [b.text_content() for b in buttons.all()]
        pressed = [b.evaluate("b => b.classList.contains('mod-active')") for b in buttons.all()]
        start = pressed.index(True) if True in pressed else 0
        order = [i for i in range(len(labels)) if i != start] + [start]
        return [(f"click {labels[i]!r}", buttons.nth(i).click, lambda: True) for i in order]
    if kind == "checkbox":
        box = control.locator("input").first
        return [("click", box.click, lambda: True)]
    select = control.locator("select").first
    values = select.evaluate("s => Array.from(s.options).map(o => o.value)")
    start = select.evaluate("s => s.value")
    order = [v for v in values if v != start] + [start]
    return [(f"choose {v!r}", lambda v=v: select.select_option(v), lambda: True) for v in order]


def _controls(dashboard) -> list[tuple[object, str]]:
    """The dashboard's controls in page order, with their kind."""
    found = []
    for selector, kind in (
        (SLIDER, "slider"),
        (TOGGLES, "toggles"),
        (CHECKBOX, "checkbox"),
        (DROPDOWN, "dropdown"),
    ):
        found += [(c, kind) for c in dashboard.locator(selector).all()]
    return found


def _disabled(control) -> bool:
    return control.evaluate(
        "el => el.matches('.mod-disabled, [disabled]') || "
        "!!el.querySelector('[disabled], .noUi-target[disabled]')"
    )


def exercise_every_control(page, output, board: Dashboard, timeout_s: float = 60.0) -> None:
    """Move every control of a vethlab dashboard to both ends and between, one move at a time,
    and record in ``board.moves`` whether the picture or the text changed after each. A
    disabled control is tried again after the others (moving them may enable it); one still
    disabled is listed in ``board.unmoved``."""
    dashboard = output.locator(DASHBOARD).first
    pending = _controls(dashboard)
    for _ in range(2):
        deferred = []
        for k, (control, kind) in enumerate(pending):
            label = _label(control, f"{kind} {k}")
            if _disabled(control):
                deferred.append((control, kind))
                continue
            for name, action, applies in _control_moves(page, control, kind):
                if not applies():
                    continue
                control.scroll_into_view_if_needed()
                before = _shown(output)
                tracebacks = _traceback_count(output.text_content())
                action()
                after = _settle(page, output, before, timeout_s)
                if _traceback_count(output.text_content()) > tracebacks:
                    board.tracebacks.append(_last_traceback(output.text_content()))
                    return
                board.moves.append((label, name, after != before))
        pending = deferred
        if not pending:
            break
    board.unmoved = [_label(c, kind) for c, kind in pending]


def find_dashboards(page) -> list[tuple[int, object, Dashboard]]:
    """(code cell index, output locator, Dashboard) for every cell output with a visible slider."""
    found = []
    cells = page.locator(f"{PANEL} {CODE_CELL}")
    for index in range(cells.count()):
        outputs = cells.nth(index).locator(CELL_OUTPUT)
        for j in range(outputs.count()):
            output = outputs.nth(j)
            if output.locator(SLIDER).count() == 0:
                continue
            labels = [
                s.locator(".widget-label").first.text_content() or f"slider {n}"
                for n, s in enumerate(output.locator(SLIDER).all())
            ]
            board = Dashboard(
                cell=index, sliders=labels, vethlab=output.locator(DASHBOARD).count() > 0
            )
            found.append((index, output, board))
    return found


def hide_left_sidebar(page) -> None:
    """Collapse the file browser, so the notebook (and its screenshot) gets the width."""
    current = page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current")
    if current.count():
        current.first.click()


def full_screenshot(page, path: Path, max_height: int = 16000) -> Path:
    """Screenshot the page with the viewport grown to show the whole notebook."""
    path.parent.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    height = page.evaluate(
        """sel => { const p = document.querySelector(sel);
                    const s = p && p.querySelector('.jp-WindowedPanel-outer');
                    if (!s) return 0;
                    s.scrollTop = 0;
                    return s.scrollHeight; }""",
        PANEL,
    )
    if height:
        page.set_viewport_size({"width": size["width"], "height": min(max_height, height + 200)})
        page.wait_for_timeout(400)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)
    return path


def run_notebook(browser, server: LabServer, name: str, artifacts: Path) -> NotebookRun:
    """Run one notebook in a fresh page and report what happened (see NotebookRun)."""
    started = time.monotonic()
    run = NotebookRun(name=name)
    page = browser.new_page(viewport=dict(LAPTOP))
    console: list[str] = []
    page.on(
        "console", lambda m: console.append(f"{m.type}: {m.text}") if m.type == "error" else None
    )
    page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
    stem = Path(name).stem
    try:
        page.goto(server.url(name))
        page.wait_for_selector(f"{PANEL} .jp-Cell", timeout=90_000)
        wait_for_kernel(server, name)
        run_all_cells(page)
        wait_until_done(page)
        prompts = _prompts(page)
        run.code_cells = len(prompts)
        run.executed = sum(_executed(p.strip()) for p in prompts)
        run.errors, run.expected_errors = error_outputs(save_and_read(page, server, name))
        for _, output, board in find_dashboards(page):
            if board.vethlab:
                dashboard = output.locator(DASHBOARD).first
                dashboard.scroll_into_view_if_needed()
                board.fit = measure_fit(page, dashboard)
                dashboard.screenshot(path=str(artifacts / f"{stem}-cell{board.cell}.png"))
                exercise_every_control(page, output, board)
                board.changed = any(changed for _, _, changed in board.moves)
            else:
                exercise_dashboard(page, output, board)
            run.dashboards.append(board)
    finally:
        run.console_errors = console
        try:
            run.screenshot = full_screenshot(page, artifacts / f"{stem}.png")
        finally:
            (artifacts / f"{stem}.txt").write_text(report(run), encoding="utf-8")
            page.close()
            try:  # free the kernel now: two cores, and the next notebook needs them
                for session in server.api("GET", "/api/sessions"):
                    if session.get("path") == name:
                        server.api("DELETE", f"/api/sessions/{session['id']}")
            except (urllib.error.URLError, OSError):
                pass  # LabServer.stop() shuts down whatever is left
        run.seconds = time.monotonic() - started
    return run


def report(run: NotebookRun) -> str:
    """A readable account of one run, saved beside its screenshot."""
    lines = [
        f"{run.name}: {run.executed}/{run.code_cells} code cells ran, "
        f"{len(run.errors)} unexpected error(s), {run.expected_errors} expected (raises-exception)"
    ]
    lines += [f"  error: {e}" for e in run.errors]
    for board in run.dashboards:
        if board.tracebacks:
            verdict = "a traceback appeared after a slider move"
        elif board.changed:
            verdict = f"picture changed after moving {board.moved!r}"
        else:
            verdict = board.note
        if board.vethlab:
            unchanged = [f"{c} {m}" for c, m, changed in board.moves if not changed]
            verdict = (
                f"{len(board.moves)} moves, {len(unchanged)} changed nothing {unchanged}; "
                f"fit {board.fit}"
            )
        lines.append(
            f"  dashboard in code cell {board.cell}: sliders {board.sliders}; "
            f"{board.figures_before} figure(s); {verdict}"
        )
        lines += [f"    traceback: {t[:500]}" for t in board.tracebacks]
    lines += [f"  console {c[:300]}" for c in run.console_errors]
    problems = run.problems()
    lines.append("problems: " + ("none" if not problems else ""))
    lines += [f"  {p}" for p in problems]
    return "\n".join(lines) + "\n"
