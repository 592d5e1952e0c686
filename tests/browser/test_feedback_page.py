"""A hostile submission's feedback page opened in real headless Chromium: none of its scripts runs.

The page is nbgrader's own rendering (its exporter and feedback template) of a notebook whose
Markdown, raw cells and outputs carry scripts, event handlers, ``javascript:`` links, frames and
SVG (``grading.test_hardening.hostile_notebook``); each script would count itself in
``window.__ran``. As nbgrader wrote it, they run (the control); as ``course grade`` writes it
(``write_feedback``: sanitised, under a Content-Security-Policy), none does, even when the reader
hovers, clicks and opens everything. Needs ``bash .ci/install_browser`` (no ``lab`` server)."""

from __future__ import annotations

import pytest
from grading.test_hardening import hostile_feedback_page

from course_utils.grading.gradebook import Result, write_feedback

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def _open(browser, path) -> tuple[int, list[str]]:
    """Open ``path``, hover, click and toggle everything on it: ``(scripts that ran, dialogs shown)``."""
    context = browser.new_context()
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        page.goto(path.as_uri(), wait_until="load")
        for element in page.query_selector_all("body *")[:400]:
            try:
                if element.is_visible():
                    element.hover(timeout=500)
            except Exception:  # noqa: BLE001, S112 - an element that moved or is covered: the others still count
                continue
        for link in page.query_selector_all("a, details summary, details")[:50]:
            try:
                link.click(timeout=500, no_wait_after=True)
            except Exception:  # noqa: BLE001, S112
                continue
        page.wait_for_timeout(500)
        if page.url != path.as_uri() and not page.url.startswith(path.as_uri() + "#"):
            return 1, dialogs  # a link navigated away (a javascript: or data: URL ran)
        return page.evaluate("window.__ran || 0"), dialogs
    finally:
        context.close()


def test_feedback_scripts_never_run_in_chromium(browser, tmp_path):
    raw = tmp_path / "as_nbgrader_wrote_it.html"
    raw.write_text(hostile_feedback_page(), encoding="utf-8")
    ran, _ = _open(browser, raw)
    assert ran > 0, "the control failed: nbgrader's own page ran none of the fixture's scripts"

    write_feedback(tmp_path, Result("alice", "ch01", "alice/ch01.ipynb", 1.0, 2.0), hostile_feedback_page())
    ran, dialogs = _open(browser, tmp_path / "feedback" / "alice" / "ch01.html")
    assert (ran, dialogs) == (0, []), f"{ran} script(s) ran in the feedback page as course grade writes it"
