"""The course as students use it: JupyterLab in a real (headless) browser.

For every chapter the solution notebook is opened in JupyterLab, the venv's Python kernel is
picked in the "Select Kernel" dialog, the Run menu's "Run All Cells" is clicked, and once every
cell has run and the kernel is idle the page must show no traceback; the notebook is saved with
Ctrl+S and the saved file must hold an execution count for every code cell and no ``error`` output.
In chapter 4 a review is typed into the inference widget and Classify is pressed: the widget's
JavaScript side must show a label and one probability per class (the ipywidgets lab extension
works). nbgrader's Validate button (its lab extension, run by its server extension) must report
failures on the untouched student notebook and success once the solutions are filled in.

Fixtures (server, browser, failure screenshots) are in ``conftest.py``; run with
``bash .ci/install_browser && python -m pytest -m browser``. Each step prints how long it took.
"""

from __future__ import annotations

import re
import sys
import time
import uuid
from pathlib import Path

import nbformat
import pytest
from grading.harness import fill_release, read_notebook

pytestmark = [pytest.mark.slow, pytest.mark.browser]

KERNEL_TIMEOUT = 120     # s: open a notebook and get an idle kernel
RUN_ALL_TIMEOUT = 900    # s: one chapter's Run All in fast mode (15-90 s on a 2-core CPU when alone)
VALIDATE_TIMEOUT = 600   # s: nbgrader runs the whole notebook in the server
KERNEL = "Python 3 (ipykernel)"
VALIDATED_CHAPTER = "ch01_bert_representations"
REVIEW = "A dull, lifeless film: the plot goes nowhere and I was bored from start to finish."
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|^\w*(Error|Exception)\b", re.MULTILINE)

# The code cells' prompts ("[ ]:", "[*]:", "[3]:"; null for a cell whose input is hidden, which
# shows no prompt) and the notebook's execution indicator ("idle" / "busy").
_RUN_STATE_JS = """() => {
  const panel = document.querySelector('.jp-NotebookPanel');
  const prompts = [...panel.querySelectorAll('.jp-CodeCell')].map(
    cell => cell.querySelector('.jp-InputArea-prompt')?.textContent.trim() ?? null);
  const status = panel.querySelector('.jp-Notebook-ExecutionIndicator')?.dataset.status;
  return {prompts, status};
}"""
# Text of every output the page renders as stderr (stream text and errors alike).
_STDERR_JS = """() => [...document.querySelectorAll(
  '.jp-NotebookPanel .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')].map(o => o.innerText)"""
# The inference widget's result panel: one row per class, [label, probability text].
_RESULT_ROWS_JS = """el => [...el.querySelectorAll("div[style*='display:flex']")].map(
  row => [...row.querySelectorAll('span')].map(s => s.textContent.trim())).map(s => [s[0], s[s.length - 1]])"""


def open_notebook(page, lab, path: str) -> None:
    """Open ``path`` in a fresh workspace and wait for the notebook's kernel to be idle."""
    page.goto(lab.tree_url(path, workspace=f"w{uuid.uuid4().hex[:12]}"))
    page.locator(".jp-NotebookPanel .jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for(
        timeout=KERNEL_TIMEOUT * 1000)


def pick_kernel(page, lab, path: str) -> None:
    """Choose the venv's kernel in the "Select Kernel" dialog (the toolbar's kernel button), as a
    student would, and check through the server's API that the session runs that kernelspec."""
    page.locator(".jp-NotebookPanel .jp-Toolbar-kernelName").click()
    dialog = page.locator(".jp-Dialog", has_text="Select Kernel")
    dialog.locator("select").select_option(label=KERNEL)
    dialog.locator(".jp-Dialog-button.jp-mod-accept").click()
    page.locator("#jp-main-statusbar", has_text=f"{KERNEL} | Idle").wait_for(timeout=KERNEL_TIMEOUT * 1000)
    sessions = {s["path"]: s for s in lab.api("sessions")}
    assert path in sessions, f"no kernel session for {path}: {sorted(sessions)}"
    name = sessions[path]["kernel"]["name"]
    spec = lab.api("kernelspecs")["kernelspecs"][name]["spec"]
    assert spec["argv"][0] == sys.executable, f"the kernel {name!r} runs {spec['argv'][0]}, not {sys.executable}"


def run_all(page) -> None:
    """Run > Run All Cells, from the menu bar."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-item[data-command='runmenu:run-all']").click()


def wait_until_run(page, timeout: float) -> list[str]:
    """Wait until no cell is queued or running ("[*]") and the notebook is idle (three polls in a
    row, a second apart, as cells start one after another); return the code cells' prompts (None
    where the input is hidden: the saved file shows whether those ran)."""
    deadline, calm = time.monotonic() + timeout, 0
    while time.monotonic() < deadline:
        state = page.evaluate(_RUN_STATE_JS)
        prompts = [p for p in state["prompts"] if p is not None]
        started = any(re.fullmatch(r"\[\d+\]:", p) for p in prompts)
        settled = started and state["status"] == "idle" and not any("*" in p for p in prompts)
        calm = calm + 1 if settled else 0
        if calm >= 3:
            return state["prompts"]
        time.sleep(1)
    raise TimeoutError(f"Run All did not finish within {timeout:.0f} s; prompts: {state['prompts']}")


def save(page, lab, path: str) -> nbformat.NotebookNode:
    """Ctrl+S on the notebook; wait until the tab is no longer marked unsaved; read the file."""
    page.locator(".jp-NotebookPanel .jp-InputPrompt").first.click()  # command mode on the notebook
    page.keyboard.press("Control+s")
    page.locator(".lm-TabBar-tab.jp-mod-current:not(.jp-mod-dirty)").wait_for(timeout=30_000)
    return read_notebook(lab.root / path)


def saved_errors(nb: nbformat.NotebookNode) -> list[str]:
    """Every ``error`` output and every code cell without an execution count, in a saved notebook."""
    problems = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if cell.get("execution_count") is None:
            problems.append(f"cell {i}: not executed")
        problems += [f"cell {i}: {o.get('ename')}: {o.get('evalue')}" for o in cell.get("outputs", [])
                     if o.get("output_type") == "error"]
    return problems


def classify_in_widget(page, review: str, screenshot: Path) -> tuple[str, list[tuple[str, float]]]:
    """Type ``review`` into chapter 4's inference widget, press Classify, wait for a new result;
    return the label it names and the rows it shows (label, probability), most probable first."""
    demo = page.locator(".widget-vbox", has=page.get_by_role("button", name="Classify")).last
    result = demo.locator(".widget-html-content")
    before = result.inner_text()
    demo.locator("input[type='text']").fill(review)
    demo.get_by_role("button", name="Classify").click()
    page.wait_for_function("([el, before]) => el.innerText !== before && /p = /.test(el.innerText)",
                           arg=[result.element_handle(), before], timeout=60_000)
    demo.screenshot(path=screenshot)
    rows = [(label, float(p)) for label, p in result.element_handle().evaluate(_RESULT_ROWS_JS)]
    return result.locator("b").first.inner_text(), rows


def test_run_all_in_jupyterlab(page, lab, chapter: str, screenshots: Path) -> None:
    path = f"solutions/{chapter}/{chapter}.ipynb"
    timings, start = {}, time.perf_counter()
    open_notebook(page, lab, path)
    pick_kernel(page, lab, path)
    timings["open + pick kernel"] = time.perf_counter() - start

    start = time.perf_counter()
    run_all(page)
    prompts = wait_until_run(page, RUN_ALL_TIMEOUT)
    timings["Run All"] = time.perf_counter() - start
    timings["its kernel CPU"] = lab.kernel_cpu_seconds()
    tracebacks = [text[:800] for text in page.evaluate(_STDERR_JS) if TRACEBACK.search(text)]
    assert not tracebacks, f"{chapter}: tracebacks on the page after Run All:\n" + "\n---\n".join(tracebacks)
    not_run = [i for i, p in enumerate(prompts) if p is not None and not re.fullmatch(r"\[\d+\]:", p)]
    assert not not_run, f"{chapter}: code cells {not_run} did not run (prompts {[prompts[i] for i in not_run]})"

    if chapter.startswith("ch04"):
        start = time.perf_counter()
        header, rows = classify_in_widget(page, REVIEW, screenshots / "ch04_widget.png")
        timings["widget: Classify"] = time.perf_counter() - start
        labels = [label for label, _ in rows]
        probs = [p for _, p in rows]
        assert len(rows) >= 2, f"the widget shows {rows}, not one probability per class"
        assert abs(sum(probs) - 1) < 0.01 and probs == sorted(probs, reverse=True), f"not probabilities: {rows}"
        assert header == labels[0], f"the widget names {header!r} but ranks {labels[0]!r} first"
        print(f"\nwidget: {REVIEW!r} -> {rows}")

    start = time.perf_counter()
    problems = saved_errors(save(page, lab, path))
    timings["save + check file"] = time.perf_counter() - start
    print(f"\n{chapter} in JupyterLab: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
    assert not problems, f"{chapter}: the saved notebook has errors or unexecuted cells:\n  " + "\n  ".join(problems)


def validate(page, lab, path: str) -> tuple[str, str, float]:
    """Open ``path``, press nbgrader's Validate button, wait for "Validation Results"; return the
    verdict (the message's class, e.g. ``validation-success``), the message text and the seconds."""
    open_notebook(page, lab, path)
    start = time.perf_counter()
    page.locator(".jp-NotebookPanel .validate-button").click()
    dialog = page.locator(".jp-Dialog", has_text="Validation Results")
    dialog.wait_for(timeout=VALIDATE_TIMEOUT * 1000)
    seconds = time.perf_counter() - start
    message = dialog.locator("#validation-message")
    verdict = " ".join(c for c in message.get_attribute("class").split() if c.startswith("validation-"))
    text = message.inner_text()
    dialog.locator(".jp-Dialog-button.jp-mod-accept").click()
    return verdict, text, seconds


def test_validate_button(page, lab) -> None:
    ch = VALIDATED_CHAPTER
    release = lab.root / "notebooks" / ch / f"{ch}.ipynb"
    filled = release.with_name(f"{ch}_filled.ipynb")
    nbformat.write(fill_release(read_notebook(release), read_notebook(lab.root / "solutions" / ch / f"{ch}.ipynb")),
                   filled)

    verdict, text, stub_s = validate(page, lab, f"notebooks/{ch}/{release.name}")
    assert verdict == "validation-failed", f"Validate on the untouched {ch} says {verdict!r}:\n{text[:2000]}"
    failed = text.count("The following cell failed:")
    assert "NotImplementedError" in text, f"the stub fails for another reason than its stubs:\n{text[:2000]}"

    verdict, text, filled_s = validate(page, lab, f"notebooks/{ch}/{filled.name}")
    assert verdict == "validation-success", f"Validate on the filled-in {ch} says {verdict!r}:\n{text[:2000]}"
    assert "Success! Your notebook passes all the tests." in text
    print(f"\nValidate {ch}: stub {stub_s:.1f} s ({failed} cells failed), filled {filled_s:.1f} s (success)")
