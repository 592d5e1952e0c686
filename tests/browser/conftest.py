"""A JupyterLab server on loopback and a headless Chromium driving it, for ``test_jupyterlab.py``.

* The browser is Debian's ``chromium`` (``/usr/bin/chromium``) driven by the ``playwright`` Python
  package; playwright never downloads a browser here. ``bash .ci/install_browser`` installs both.
  Without them the tests are skipped with the reason.
* The server (``python -m jupyterlab`` of this interpreter) runs in a throwaway nbgrader course
  folder made by ``grading.harness.Course.create``: ``nbgrader_config.py`` (the repo's settings,
  every path inside the folder), ``solutions/<ch>/`` and ``notebooks/<ch>/`` copied from the
  repository. nbgrader's Validate button reads that config (from the server's working folder).
* Nothing of the user's set-up leaks in: ``JUPYTER_CONFIG_DIR`` and ``JUPYTER_DATA_DIR`` are
  temporary folders. The data folder holds the only ``python3`` kernelspec the server sees first:
  this interpreter's ``ipykernel`` (its ``argv`` names ``sys.executable``). The config folder holds the lab settings the tests need: no
  news/update prompt, and every cell attached to the page (``windowingMode: none``) so the page
  shows every cell's prompt and outputs.
* The server's environment is the tests' (``HF_HUB_OFFLINE=1``, ``COURSE_FAST=1``, the venv's
  ``bin`` first on ``PATH``, set by ``tests/conftest.py``) without ``MPLBACKEND``, so plots show
  inline as for a student. Its log goes to ``build/browser/jupyterlab.log``; screenshots go to
  ``build/browser/`` too.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
from grading.harness import Course

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = REPO / "build" / "browser"
SERVER_START_TIMEOUT = 90  # seconds; the first start imports jupyterlab, nbgrader and their extensions

LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
}


@dataclass
class Lab:
    """A running JupyterLab: its base URL, token and the course folder it serves."""
    url: str
    token: str
    root: Path
    pid: int

    def tree_url(self, path: str, workspace: str) -> str:
        """The URL that opens ``path`` (relative to the root) in a fresh workspace of its own."""
        return f"{self.url}/lab/workspaces/{workspace}/tree/{path}?reset&token={self.token}"

    def api(self, endpoint: str, method: str = "GET") -> object:
        request = urllib.request.Request(f"{self.url}/api/{endpoint}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
        return json.loads(body) if body else None

    def kernel_cpu_seconds(self) -> float:
        """CPU seconds (user + system) used so far by the server's child processes, its kernels: a
        measure of a chapter's work that does not grow, as wall time does, when the machine is busy."""
        total = 0.0
        for child in psutil.Process(self.pid).children(recursive=True):
            with contextlib.suppress(psutil.NoSuchProcess):
                times = child.cpu_times()
                total += times.user + times.system
        return total

    def shut_down_kernels(self) -> None:
        """End every session and its kernel (a finished chapter's kernel holds its models in memory)."""
        for session in self.api("sessions"):
            self.api(f"sessions/{session['id']}", method="DELETE")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _isolated_jupyter_dirs(base: Path) -> dict[str, str]:
    """Temporary Jupyter config and data folders: this venv's kernel, the lab settings above."""
    config, data = base / "config", base / "data"
    kernel = data / "kernels" / "python3"
    kernel.mkdir(parents=True)
    (kernel / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (ipykernel)", "language": "python"}), encoding="utf-8")
    for plugin, values in LAB_SETTINGS.items():
        path = config / "lab" / "user-settings" / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")
    # JUPYTER_PREFER_ENV_PATH=0: these user folders come before the venv's (jupyter_core >= 5 puts a
    # venv's first), so the kernelspec above is the one used, not whatever the venv has installed.
    return {"JUPYTER_CONFIG_DIR": str(config), "JUPYTER_DATA_DIR": str(data),
            "JUPYTER_RUNTIME_DIR": str(data / "runtime"), "JUPYTER_PREFER_ENV_PATH": "0"}


def _wait_until_up(proc: subprocess.Popen, url: str, token: str, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with {proc.returncode} while starting; its log ({log}):\n"
                               + log.read_text(errors="replace")[-4000:])
        try:
            with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"JupyterLab did not answer on {url} within {SERVER_START_TIMEOUT} s; its log: {log}")


def _require_browser():
    """Skip (with the reason) when Debian's chromium or playwright is missing; else playwright's sync API."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: install Debian's chromium (bash .ci/install_browser)")
    return pytest.importorskip("playwright.sync_api", reason="playwright is not installed (bash .ci/install_browser)")


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory, chapters: list[str]):
    """JupyterLab on 127.0.0.1 (a free port, a random token, no browser of its own) serving a
    throwaway course folder with every chapter's ``solutions/`` and ``notebooks/`` copy."""
    _require_browser()  # no server to start when there is no browser to drive it
    base = tmp_path_factory.mktemp("jupyterlab")
    course = Course.create(base / "course", REPO / "solutions", release=None, chapters=chapters)
    for ch in chapters:
        shutil.copytree(REPO / "notebooks" / ch, course.root / "notebooks" / ch)
    env = {k: v for k, v in os.environ.items() if k not in ("MPLBACKEND", "JUPYTER_PATH", "JUPYTER_CONFIG_PATH")}
    env.update(_isolated_jupyter_dirs(base))
    port, token = _free_port(), secrets.token_hex(16)
    url = f"http://127.0.0.1:{port}"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    log = SCREENSHOTS / "jupyterlab.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
             f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
             f"--ServerApp.root_dir={course.root}", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
             *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else [])],  # CI containers
            cwd=course.root, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_until_up(proc, url, token, log)
        yield Lab(url=url, token=token, root=course.root, pid=proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium through playwright (skipped when either is missing)."""
    sync_api = _require_browser()
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """``build/browser/``: failure screenshots (see ``page``) and those a test takes on purpose."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    report = yield
    if report.when == "call":
        item.browser_test_failed = report.failed  # read by the ``page`` fixture's teardown
    return report


@pytest.fixture
def page(browser, lab, request: pytest.FixtureRequest):
    """A fresh browser context and page for one test (JupyterLab's cookie is set by the token URL).
    When the test fails, the page as it was is saved to ``build/browser/<test>-failure.png``.
    Afterwards every kernel the test started is shut down."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    yield page
    if getattr(request.node, "browser_test_failed", False):
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
        page.screenshot(path=SCREENSHOTS / f"{name}-failure.png")
    context.close()
    lab.shut_down_kernels()
