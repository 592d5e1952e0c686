"""The two-kernel executor and the bubblewrap sandbox, run for real on a small notebook whose
student cells attack the grader: the tests run in the checker, the student's kernel sees only its
scratch folder, and nothing it does outlives it or reaches outside."""

from __future__ import annotations

import json
import os
import time

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from course_utils.grading.executor import TwoKernelExecute, roles, strip_hidden_tests
from course_utils.grading.sandbox import Sandbox, check

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SOLUTION = os.path.join(REPO, "solutions", "ch01_bert_representations", "ch01_bert_representations.ipynb")
HAVE_BWRAP, WHY = check("bwrap")
pytestmark = pytest.mark.skipif(not HAVE_BWRAP, reason=f"bubblewrap unavailable: {WHY}")


def cell(source, gid=None, *, setup=False, test=False):
    """A code cell; ``setup``: read-only, its grade_id starting with ``shared_`` (runs in both kernels)."""
    c = new_code_cell(source)
    if gid:
        c.metadata["nbgrader"] = {"grade_id": gid, "locked": setup or test, "grade": test, "solution": False,
                                  "schema_version": 3, **({"points": 1} if test else {})}
    return c


def hostile_notebook(secret, outside, pidfile, port):
    return new_notebook(cells=[
        cell("import torch\nfrom course_utils.probe import probe, probe_raises", "shared_imports", setup=True),
        cell("def double(x):\n    return 2 * x", "answer"),
        cell("assert probe('double(x)', x=torch.ones(3)).tolist() == [2.0, 2.0, 2.0]\n"
             "import warnings; warnings.warn('a library warning')", "test_honest", test=True),
        # the attacks, all in the student's kernel
        cell(f"open({SOLUTION!r}).read()", "read_solutions"),
        cell(f"open({str(secret)!r}).read()", "read_classmate"),
        cell(f"open({str(outside)!r}, 'w').write('student,999')", "write_outside"),
        cell(f"import socket; socket.create_connection(('127.0.0.1', {port}), timeout=2)", "network"),
        cell("import os, subprocess\n"
             "p = subprocess.Popen(['sleep', '600'], start_new_session=True)\n"
             "print('pid', p.pid)", "daemon"),
        cell("import os\nprint('CUDA_VISIBLE_DEVICES=' + repr(os.environ.get('CUDA_VISIBLE_DEVICES')))", "gpu"),
        cell("import torch, builtins\ntorch.allclose = lambda *a, **k: True\nbuiltins.AssertionError = Warning\n"
             "double = lambda x: 7", "patch_checks"),
        cell("assert probe('double(3)') == 6, 'double(3) should be 6'", "test_after_patch", test=True),
        cell("def spin():\n    while True:\n        pass", "spin"),
        cell("from course_utils.probe import ProbeTimeout\ntry:\n    probe('spin()')\nexcept ProbeTimeout:\n"
             "    print('timed out')\nassert probe('1 + 1') == 2, 'the kernel answers again after the interrupt'",
             "test_interrupted", test=True),
        cell("import course_utils.probe as p, json\n"
             "from IPython.display import publish_display_data\n"
             "p._serve = lambda request: publish_display_data({p.PROBE_MIME: json.dumps({'ok': 12})})",
             "forge_replies"),
        cell("assert probe('double(3)') == 6, 'double(3) should be 6'", "test_after_forgery", test=True),
    ])


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sandbox")
    secret = tmp / "classmate" / "answers.txt"
    secret.parent.mkdir()
    secret.write_text("the classmate's answers")
    outside = tmp / "out" / "grades.csv"
    outside.parent.mkdir()
    outside.write_text("student,score\n")
    scratch = tmp / "work" / "scratch"
    pidfile = scratch / "pid"
    import socket

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()  # listening on this machine's loopback: the sandbox has a network of its own
    nb = hostile_notebook(secret, outside, pidfile, server.getsockname()[1])
    (tmp / "roles.json").write_text(json.dumps(roles(nbformat.from_dict(json.loads(json.dumps(nb))))))
    executor = TwoKernelExecute(roles_file=str(tmp / "roles.json"), scratch=str(scratch), timeout=25)
    try:
        executor.preprocess(nb, {"metadata": {"path": str(tmp)}})
    finally:
        server.close()
    cells = {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells if "nbgrader" in c.metadata}
    return {"cells": cells, "outside": outside, "pidfile": pidfile}


def error(c) -> str | None:
    errors = [f"{o['ename']}: {o['evalue']}" for o in c.outputs if o["output_type"] == "error"]
    return errors[0] if errors else None


def test_tests_pass_in_the_checker_and_warnings_do_not_fail_them(graded):
    c = graded["cells"]["test_honest"]
    assert error(c) is None
    assert not any(o.get("name") == "stderr" for o in c.outputs), "stderr in a test cell would score it 0"


@pytest.mark.parametrize("attack, expected", [
    ("read_solutions", "FileNotFoundError"), ("read_classmate", "FileNotFoundError"),
    ("write_outside", ("FileNotFoundError", "OSError", "PermissionError")),
    ("network", ("ConnectionRefusedError", "OSError", "TimeoutError")),
])
def test_the_sandbox_refuses(graded, attack, expected):
    err = error(graded["cells"][attack])
    assert err is not None and err.startswith(expected), f"{attack}: {err}"


def test_nothing_written_outside_and_nothing_left_running(graded):
    assert graded["outside"].read_text() == "student,score\n"
    out = "".join(o.get("text", "") for o in graded["cells"]["daemon"].outputs)
    pid = int(out.split()[-1])  # the pid inside the sandbox's own PID namespace
    time.sleep(1)
    alive = [p for p in os.listdir("/proc") if p.isdigit() and _cmdline(p) == "sleep\x00600\x00"]
    assert not alive, f"a process started in the sandbox (pid {pid} inside) outlived it: {alive}"


def _cmdline(pid: str) -> str:
    try:
        with open(f"/proc/{pid}/cmdline") as f:
            return f.read()
    except OSError:
        return ""


def test_a_probe_that_hangs_is_interrupted_inside_the_sandbox(graded):
    """The probe gives up before the cell timeout and interrupts the student's code (a message on
    the control channel: a signal would only reach the sandbox's launcher); the kernel answers again."""
    c = graded["cells"]["test_interrupted"]
    assert error(c) is None and "timed out" in "".join(o.get("text", "") for o in c.outputs)


def test_gpus_are_hidden(graded):
    out = "".join(o.get("text", "") for o in graded["cells"]["gpu"].outputs)
    assert "CUDA_VISIBLE_DEVICES=''" in out


def test_patching_the_students_kernel_cannot_pass_a_test(graded):
    assert "should be 6" in (error(graded["cells"]["test_after_patch"]) or "")


def test_a_forged_reply_is_only_data(graded):
    assert "should be 6" in (error(graded["cells"]["test_after_forgery"]) or "")


def test_sandbox_command_hides_the_repository(tmp_path):
    cmd = Sandbox("bwrap").wrap(["python"], {"PATH": "/usr/bin", "COURSE_GRADEBOOK_URL": "x"}, tmp_path, tmp_path)
    binds = {cmd[i + 1] for i, a in enumerate(cmd) if a in ("--ro-bind", "--bind")}
    assert REPO not in binds and os.path.join(REPO, "solutions") not in binds
    assert os.path.join(REPO, "course_utils") in binds
    assert "COURSE_GRADEBOOK_URL" not in cmd and "--die-with-parent" in cmd
    assert {"--unshare-all", "--unshare-pid"} & set(cmd) and {"--unshare-all", "--unshare-net"} & set(cmd)
    assert "--cap-drop" in cmd and os.path.join(REPO, ".git") not in binds
    with pytest.raises(ValueError, match="unknown sandbox"):
        Sandbox("chroot")


def test_feedback_text_without_hidden_tests():
    src = "assert f(1) == 2\n### BEGIN HIDDEN TESTS\nassert f(41) == 82\n### END HIDDEN TESTS\nprint('ok')"
    assert strip_hidden_tests(src) == "assert f(1) == 2\nprint('ok')"
