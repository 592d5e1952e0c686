"""The probe protocol: plain data in, plain data out; anything else fails one test with a message
and never executes anything on the checker's side."""

from __future__ import annotations

import base64
import io
import json
import pickle

import nbformat
import numpy as np
import pytest
import torch

from course_utils.probe import ProbeError, answer, encode, evaluate, parse_reply, probe, probe_raises


def roundtrip(value):
    return parse_reply(json.dumps({"ok": encode(value)}))


def test_plain_values_round_trip():
    value = {"n": 3, "x": 1.5, "s": "text", "b": True, "none": None, "list": [1, [2, 3]], "nan": float("nan"),
             "inf": float("-inf")}
    back = roundtrip(value)
    assert back["n"] == 3 and back["s"] == "text" and back["list"] == [1, [2, 3]] and back["none"] is None
    assert back["nan"] != back["nan"] and back["inf"] == float("-inf")
    t = roundtrip(torch.arange(6, dtype=torch.float32).reshape(2, 3))
    assert isinstance(t, torch.Tensor) and t.shape == (2, 3) and t.dtype == torch.float32 and t[1, 2] == 5
    assert roundtrip(torch.ones(2, dtype=torch.bfloat16)).dtype == torch.bfloat16
    scalar = roundtrip(torch.tensor(0.5))
    assert scalar.dim() == 0 and scalar.item() == 0.5, "a 0-d tensor (a loss) stays 0-d"
    assert roundtrip(np.float32(2.5)) == 2.5 and roundtrip(np.array(3)).shape == ()
    assert roundtrip(torch.ones(0, 3)).shape == (0, 3) and roundtrip(torch.ones(4, 3).t()).shape == (3, 4)
    a = roundtrip(np.array([1, 2], dtype=np.int64))
    assert isinstance(a, np.ndarray) and a.tolist() == [1, 2]
    assert roundtrip(torch.Size([4, 5])) == [4, 5] and roundtrip((1, 2)) == [1, 2]


def test_subclasses_arrive_as_plain_types():
    """A value 'equal to everything' loses its tricks: only its plain data crosses."""
    class Always(int):
        def __eq__(self, other):
            return True

        __hash__ = int.__hash__

    class Text(str):
        def __eq__(self, other):
            return True

        __hash__ = str.__hash__

    back = roundtrip([Always(3), Text("no")])
    assert type(back[0]) is int and back[0] != 4
    assert type(back[1]) is str and back[1] != "yes"


def test_objects_are_refused_where_the_code_ran():
    class Anything:
        def __eq__(self, other):
            return True

    reply = answer("Anything()", {"Anything": Anything}, {})
    with pytest.raises(ProbeError, match="plain data"):
        parse_reply(reply)
    with pytest.raises(ProbeError, match="plain data"):
        parse_reply(answer("torch.nn.Linear(2, 2)", {"torch": torch}, {}))
    with pytest.raises(ProbeError, match="keys must be strings"):
        parse_reply(answer("{1: 2}", {}, {}))


def npy(array, **kw) -> str:
    buf = io.BytesIO()
    np.save(buf, array, **kw)
    return base64.b64encode(buf.getvalue()).decode()


@pytest.mark.parametrize("reply, message", [
    ("not json", "malformed"),
    ("[1, 2]", "malformed"),
    ('{"ok": 1, "extra": 2}', "malformed"),
    ('{"ok": {"__object__": "os.system"}}', "not plain data"),
    ('{"ok": {"__array__": 5}}', "not plain data"),
    ('{"ok": {"__array__": "%%%"}}', "not plain data"),
    ('{"error": "boom"}', "malformed error"),
    ('{"error": {"message": 1, "raised": []}}', "malformed error"),
    ("[" * 100000 + "]" * 100000, "malformed"),
])
def test_malformed_replies_fail_with_a_message(reply, message):
    with pytest.raises(ProbeError, match=message):
        parse_reply(reply)


def test_a_pickled_array_is_never_loaded(tmp_path):
    """An .npy holding Python objects would need pickle: refused before anything is unpickled."""
    marker = tmp_path / "ran"

    class Boom:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    data = npy(np.array([Boom()], dtype=object), allow_pickle=True)
    with pytest.raises(ProbeError, match="not plain data"):
        parse_reply(json.dumps({"ok": {"__array__": data}}))
    assert not marker.exists()
    with pytest.raises(ProbeError, match="not plain data"):
        parse_reply(json.dumps({"ok": {"__tensor__": base64.b64encode(pickle.dumps([1])).decode(), "dtype": "x"}}))


def test_oversized_replies_are_refused(monkeypatch):
    import course_utils.probe as p

    monkeypatch.setattr(p, "MAX_REPLY_BYTES", 1000)
    with pytest.raises(ProbeError, match="more than 1000"):
        parse_reply(json.dumps({"ok": "x" * 2000}))
    monkeypatch.setattr(p, "MAX_ARRAY_ITEMS", 10)
    with pytest.raises(ProbeError, match="larger than 10"):
        roundtrip(np.zeros(11))


def test_errors_carry_the_exception_names():
    reply = answer("int('x')", {}, {})
    with pytest.raises(ProbeError) as e:
        parse_reply(reply)
    assert "ValueError" in str(e.value) and "ValueError" in e.value.raised and "Exception" in e.value.raised
    assert isinstance(e.value, AssertionError)  # a test cell fails with the student's error as its message


def test_evaluate_returns_the_last_expression_and_keeps_the_namespace():
    ns = {"base": 10}
    assert evaluate("y = base + x\ny * 2", ns, {"x": 1}) == 22
    assert "y" not in ns and "x" not in ns  # probes leave the student's names as they were
    assert evaluate("z = 1", ns, {}) is None


def test_probe_in_one_kernel_uses_the_same_plain_data(monkeypatch):
    """Outside the grader (no COURSE_PROBE_KERNEL) probe runs here, through the same encoding."""
    monkeypatch.delenv("COURSE_PROBE_KERNEL", raising=False)
    import IPython

    class Shell:
        def __init__(self):
            self.user_ns = {"double": lambda v: 2 * v}

    monkeypatch.setattr(IPython, "get_ipython", lambda: Shell())
    import course_utils.probe as p

    monkeypatch.setattr(p, "get_ipython", lambda: Shell(), raising=False)
    assert probe("double(x)", x=torch.ones(2)).tolist() == [2.0, 2.0]
    assert probe_raises("double(None)", "TypeError")
    assert not probe_raises("double(3)", "TypeError")
    with pytest.raises(ProbeError, match="NameError"):
        probe_raises("missing(1)", "TypeError")


# -- two real kernels: what the student's kernel can see of a probe, and what comes back ----------

STUDENT_CELL = '''
import inspect, os
SEEN = []

def caller_files():
    """The files of the frames that called this function (a probe-aware submission looks here)."""
    return [f.filename for f in inspect.stack()[1:]]

OWN_CALL = caller_files()  # a call from the student's own cell

def shout(x):
    SEEN.append(x)
    raise ValueError(f"the hidden input was {x}")
'''

TEST_CELL = '''
files = probe("caller_files()")
own = probe("OWN_CALL")
assert not any("<probe>" in f or "course_utils" in f for f in files), files
assert os.path.dirname(files[0]) == os.path.dirname(own[0]), (files[0], own[0])
try:
    probe("shout(x)", x=424242)
except AssertionError as e:
    message = str(e)
assert "424242" not in message and "ValueError" in message, message
'''


def test_a_probe_looks_like_a_call_from_a_cell_and_hidden_inputs_stay_out_of_feedback(tmp_path):
    """Hostile: a probe-aware submission finds no '<probe>' frame nor the probe module on its stack
    (the probe's code runs from cell-like frames); a submission that raises or prints the inputs it
    receives shows none of them in its feedback."""
    from grading.harness import KernelSession, nb_cell

    from course_utils.grading.feedback import drop_student_outputs, hide_hidden_tests

    nb = nbformat.v4.new_notebook(cells=[
        nb_cell("code", "import os\nfrom course_utils.probe import probe", "shared_imports", locked=True),
        nb_cell("code", STUDENT_CELL, "answer", solution=True),
        nb_cell("code", TEST_CELL, "test_probe", grade=True, points=1, locked=True),
        nb_cell("code", "print('received', SEEN)", "leak"),
    ])
    session = KernelSession(nb, tmp_path)
    session.start()
    try:
        run = session.run_all()
    finally:
        session.stop()
    assert not run.errors, run.errors
    executed = run.notebook
    assert "424242" in json.dumps(executed.cells[3].outputs), "the leak cell should have printed the input it saw"
    feedback = drop_student_outputs(hide_hidden_tests(executed))
    assert "424242" not in json.dumps(feedback.cells[3:]), "a probe's input reached the feedback"
    assert feedback.cells[0].outputs == [] or "424242" not in json.dumps(feedback.cells[0].outputs)


def test_feedback_keeps_outputs_before_the_first_test():
    from grading.harness import nb_cell

    from course_utils.grading.feedback import drop_student_outputs

    first, test, after = (nb_cell("code", "print(1)", "a"), nb_cell("code", "pass", "t", grade=True, points=1),
                          nb_cell("code", "print(2)", "b"))
    for c in (first, test, after):
        c.outputs = [nbformat.v4.new_output("stream", name="stdout", text="x\n")]
    nb = drop_student_outputs(nbformat.v4.new_notebook(cells=[first, test, after]))
    assert nb.cells[0].outputs[0]["text"] == "x\n" and nb.cells[1].outputs[0]["text"] == "x\n"
    assert "x\n" != nb.cells[2].outputs[0]["text"] and "not shown" in nb.cells[2].outputs[0]["text"]


# ---------------------------------------------------------------------------------------------
# A probe past its time limit is judged on the student tree's CPU time too (issue 20, item 2)
# ---------------------------------------------------------------------------------------------

class _SlowKernel:
    """Stands in for the student kernel's client: answers ``after`` seconds from the first question."""

    def __init__(self, after: float):
        self.after, self.t0 = after, None

    def get_iopub_msg(self, timeout: float):
        import queue
        import time

        self.t0 = self.t0 or time.monotonic()
        left = self.after - (time.monotonic() - self.t0)
        if left > 0:
            time.sleep(min(timeout, left, 0.05))
            raise queue.Empty
        return {"parent_header": {"msg_id": "m"}, "msg_type": "status", "content": {"execution_state": "idle"}}


def _slow_probe(monkeypatch, after: float, cpu_seconds):
    from course_utils import probe as probe_module

    remote = probe_module._Remote.__new__(probe_module._Remote)
    remote.client, remote.dead = _SlowKernel(after), False
    remote._interrupt = lambda msg_id, wait_s=0: True
    monkeypatch.setenv("COURSE_PROBE_TIMEOUT", "0.5")
    monkeypatch.setattr(probe_module, "student_cpu_meter", lambda: cpu_seconds)
    return remote


def test_a_starved_probe_waits_on_and_a_busy_one_is_stopped(monkeypatch):
    from course_utils.probe import ProbeTimeout, starved

    assert starved(wall=0.6, used=0.1, timeout=0.5) and not starved(wall=0.6, used=0.3, timeout=0.5)
    assert not starved(wall=1.6, used=0.0, timeout=0.5)  # code that sleeps is stopped at 3 timeouts
    assert not starved(wall=0.6, used=0.0, timeout=0.5, metered=False)  # no cgroup: the wall clock alone
    # the student's tree had no CPU (busy neighbours): its answer after 2 timeouts is taken
    assert _slow_probe(monkeypatch, after=1.0, cpu_seconds=lambda: 0.0)._wait("m") is None
    # it had the CPU and still ran past the limit: stopped at the limit
    burning = iter(range(1000))
    with pytest.raises(ProbeTimeout):
        _slow_probe(monkeypatch, after=1.0, cpu_seconds=lambda: float(next(burning)))._wait("m")
    with pytest.raises(ProbeTimeout):  # no meter (no cgroup): the wall clock alone
        _slow_probe(monkeypatch, after=1.0, cpu_seconds=None)._wait("m")
    with pytest.raises(ProbeTimeout):  # starved, but past three timeouts: stopped
        _slow_probe(monkeypatch, after=2.0, cpu_seconds=lambda: 0.0)._wait("m")


def test_the_student_cpu_meter_comes_from_the_grader(monkeypatch, tmp_path):
    from course_utils.probe import student_cpu_meter

    monkeypatch.delenv("COURSE_STUDENT_CGROUP", raising=False)
    assert student_cpu_meter() is None
    group = tmp_path / "student"
    group.mkdir()
    (group / "cgroup.procs").write_text("")
    (group / "cpuacct.usage").write_text("2500000000\n")  # cgroup v1: nanoseconds
    monkeypatch.setenv("COURSE_STUDENT_CGROUP", str(group / "cgroup.procs"))
    meter = student_cpu_meter()
    assert meter is not None and meter() == pytest.approx(2.5)
