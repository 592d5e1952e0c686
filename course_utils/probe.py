"""How a test reaches a student's code: ``probe(code, **inputs)`` returns plain data only.

A graded test never touches the student's objects. It sends a short piece of code and some plain
inputs to wherever the student's definitions live, that code runs there, and what comes back is
*plain data*: ``None``, ``bool``, ``int``, ``float``, ``str``, lists, dicts with string keys, and
tensors/arrays (sent as ``.npy`` bytes, never pickled). The test then compares that data with
values it computes itself::

    logits = probe("torch.manual_seed(0); PredictionNetwork(d, k)(x)", d=32, k=3, x=torch.randn(4, 32))
    assert logits.shape == (4, 3)

``code`` is Python: statements, then an expression whose value is returned. ``inputs`` are bound as
names while it runs (the student's own names stay as they are). If the student's code raises,
``probe`` raises :class:`ProbeError` (an ``AssertionError``, so the test fails with the student's
error in its message); :func:`probe_raises` asks whether it raises a given exception.

Two places it can run:

* **one kernel** (a student's Jupyter, Colab, ``nbgrader validate``): the code runs in this
  kernel's namespace, and its value is still converted to plain data and back, so a student sees
  exactly the pass or fail that the grader will give.
* **two kernels** (``course grade``): the tests run in a trusted *checker* kernel, which the
  grader starts with ``COURSE_PROBE_KERNEL`` naming the connection file of the student's kernel
  (sandboxed). ``probe`` sends the request there and accepts only a bounded JSON reply, decoded
  without executing anything. Nothing the student's kernel sends is trusted beyond that data.
"""

from __future__ import annotations

import ast
import base64
import io
import json
import math
import os
import queue
import time

PROBE_MIME = "application/x.course-probe+json"
MAX_REPLY_BYTES = 64 * 2**20      # a reply larger than this fails the test
MAX_ARRAY_ITEMS = 16 * 2**20      # elements in one array
MAX_DEPTH = 32                    # nesting of lists and dicts
TIMEOUT_S = float(os.environ.get("COURSE_PROBE_TIMEOUT", "60"))
UNRESPONSIVE = "did not stop when interrupted"  # the grader reads this in a test's error
_ARRAY_KINDS = set("biufc")       # numpy dtype kinds accepted: bool, ints, floats, complex


class ProbeError(AssertionError):
    """The probed code raised, timed out, or sent something that is not plain data."""

    def __init__(self, message: str, raised: list[str] | None = None):
        super().__init__(message)
        self.raised = raised or []   # the exception's class and base class names, most specific first


class ProbeTimeout(ProbeError):
    """The student's code did not answer in time (the grader reports it like a cell timeout)."""


# ---------------------------------------------------------------------------------------------
# Plain data: encoding (where the code ran) and decoding (where the test runs)
# ---------------------------------------------------------------------------------------------

def encode(value, depth: int = 0):
    """``value`` as JSON-ready plain data; ``TypeError`` for anything else (objects, modules, ...)."""
    import numpy as np

    if depth > MAX_DEPTH:
        raise TypeError(f"nested deeper than {MAX_DEPTH} levels")
    if value is None or type(value) in (bool, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return _encode_float(float(value))
    if isinstance(value, str):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [encode(v, depth + 1) for v in value]
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise TypeError("dict keys must be strings")
        return {"__dict__": {str(k): encode(v, depth + 1) for k, v in value.items()}}
    if isinstance(value, np.ndarray):
        return {"__array__": _npy(value)}
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency of the course
        torch = None
    if torch is not None and isinstance(value, torch.Size):
        return [int(v) for v in value]
    if torch is not None and isinstance(value, torch.Tensor):
        t = value.detach().to("cpu")
        dtype = str(t.dtype).removeprefix("torch.")
        if t.dtype == torch.bfloat16:
            t = t.float()
        return {"__tensor__": _npy(t.numpy()), "dtype": dtype}
    if torch is not None and isinstance(value, torch.dtype):
        return str(value)
    raise TypeError(f"a probe returns plain data (numbers, strings, lists, dicts, tensors), not {type(value).__name__}")


def _encode_float(x: float):
    return x if math.isfinite(x) else {"__float__": repr(x)}


def _npy(array) -> str:
    import numpy as np

    array = np.array(array, order="C", copy=True)  # not ascontiguousarray: it makes a 0-d array 1-d
    if array.dtype.kind not in _ARRAY_KINDS:
        raise TypeError(f"arrays of {array.dtype} cannot be sent; use numbers")
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=False)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def decode(data, depth: int = 0):
    """Plain data back from :func:`encode`'s form. Accepts nothing else: never executes, never
    unpickles; ``ValueError`` names what was wrong."""
    if depth > MAX_DEPTH:
        raise ValueError(f"nested deeper than {MAX_DEPTH} levels")
    if data is None or type(data) in (bool, int, float, str):
        return data
    if type(data) is list:
        return [decode(v, depth + 1) for v in data]
    if type(data) is not dict:
        raise ValueError(f"unexpected {type(data).__name__}")
    if set(data) == {"__dict__"} and type(data["__dict__"]) is dict:
        return {str(k): decode(v, depth + 1) for k, v in data["__dict__"].items()}
    if set(data) == {"__float__"} and data["__float__"] in ("nan", "inf", "-inf"):
        return float(data["__float__"])
    if set(data) == {"__array__"}:
        return _from_npy(data["__array__"])
    if set(data) == {"__tensor__", "dtype"} and type(data["dtype"]) is str:
        import torch

        array = _from_npy(data["__tensor__"])
        tensor = torch.from_numpy(array.copy())
        if data["dtype"] == "bfloat16":
            tensor = tensor.to(torch.bfloat16)
        return tensor
    raise ValueError(f"unexpected object with keys {sorted(data)[:5]}")


def _from_npy(text) -> object:
    import numpy as np

    if type(text) is not str:
        raise ValueError("array data must be a base64 string")
    raw = base64.b64decode(text.encode("ascii"), validate=True)
    _check_npy_header(raw)
    return np.load(io.BytesIO(raw), allow_pickle=False)


def _check_npy_header(raw: bytes) -> None:
    """Refuse an .npy whose header lies before numpy allocates what it claims: the dtype must be
    plain numbers, and its shape × itemsize must be the bytes that follow the header."""
    from numpy.lib import format as npy

    stream = io.BytesIO(raw)
    version = npy.read_magic(stream)
    if version not in ((1, 0), (2, 0)):
        raise ValueError(f"an .npy of format version {version} is not accepted (only 1.0 and 2.0)")
    reader = npy.read_array_header_1_0 if version == (1, 0) else npy.read_array_header_2_0
    shape, _, dtype = reader(stream)
    if dtype.kind not in _ARRAY_KINDS or dtype.hasobject:
        raise ValueError(f"arrays of {dtype} are not accepted")
    count = math.prod(shape)
    if count > MAX_ARRAY_ITEMS:
        raise ValueError(f"an array of {count} elements is larger than {MAX_ARRAY_ITEMS}")
    payload = len(raw) - stream.tell()
    if count * dtype.itemsize != payload:
        raise ValueError(f"the array's header claims shape {tuple(shape)} of {dtype} ({count * dtype.itemsize} bytes), "
                         f"but {payload} bytes of data follow it")


def parse_reply(text) -> object:
    """Decode a reply from the student's kernel: a JSON string ``{"ok": data}`` or ``{"error": ...}``.
    Returns the data or raises :class:`ProbeError`; any malformed reply is a ``ProbeError`` too."""
    if type(text) is not str:
        raise ProbeError(f"the student's kernel sent a reply of type {type(text).__name__}, not text")
    if len(text) > MAX_REPLY_BYTES:
        raise ProbeError(f"the reply is {len(text)} bytes, more than {MAX_REPLY_BYTES}: return less data")
    try:
        reply = json.loads(text)
    except (ValueError, RecursionError) as e:
        raise ProbeError(f"the student's kernel sent a malformed reply ({type(e).__name__})") from None
    if type(reply) is not dict or len(reply) != 1:
        raise ProbeError("the student's kernel sent a malformed reply")
    if "error" in reply:
        err = reply["error"]
        if type(err) is not dict or type(err.get("message")) is not str or type(err.get("raised")) is not list \
                or not all(type(n) is str for n in err["raised"]):
            raise ProbeError("the student's kernel sent a malformed error reply")
        raise ProbeError(err["message"][:2000], [n[:100] for n in err["raised"][:20]])
    if "ok" not in reply:
        raise ProbeError("the student's kernel sent a malformed reply")
    try:
        return decode(reply["ok"])
    except (ValueError, TypeError, RecursionError) as e:
        raise ProbeError(f"the student's code returned something that is not plain data: {e}") from None


# ---------------------------------------------------------------------------------------------
# Where the code runs: the student's namespace
# ---------------------------------------------------------------------------------------------

_RESULT = "_probe_result"  # where the last expression's value is kept, in the probe's own scope


def _cell_name(code: str) -> str:
    """The file name IPython gives a cell of this code (and the code into ``linecache``, as for a
    cell), so that the probe's frames look like those of the student's own cells: no ``'<probe>'``."""
    try:
        from IPython import get_ipython

        shell = get_ipython()
        if shell is not None:
            return shell.compile.cache(code, shell.execution_count, raw_code=code)
    except Exception:  # noqa: BLE001, S110 - outside IPython, or an IPython without a caching compiler
        pass
    return "<string>"


def prepare(code: str, namespace: dict, inputs: dict):
    """``(compiled code, scope)``: ``code`` (statements, then an expression) compiled as a cell,
    the last expression's value stored in the scope under ``_RESULT``; the scope is a copy of
    ``namespace`` with ``inputs`` bound (the student's own names stay as they are)."""
    tree = ast.parse(code, mode="exec")
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = tree.body[-1]
        tree.body[-1] = ast.copy_location(ast.Assign(targets=[ast.Name(_RESULT, ast.Store())], value=last.value), last)
        ast.fix_missing_locations(tree)
    scope = dict(namespace)
    scope.update(inputs)
    scope[_RESULT] = None
    return compile(tree, _cell_name(code), "exec"), scope


def evaluate(code: str, namespace: dict, inputs: dict):
    """Run ``code`` (statements, then an expression) with ``inputs`` bound, in a copy of
    ``namespace``; return the last expression's value (``None`` if the code ends with a statement)."""
    compiled, scope = prepare(code, namespace, inputs)
    exec(compiled, scope)  # noqa: S102 - the student's own code, in the student's kernel
    return scope[_RESULT]


def _error_reply(e: BaseException) -> str:
    raised = [c.__name__ for c in type(e).__mro__ if c is not object]
    return json.dumps({"error": {"message": f"{type(e).__name__}: {e}"[:2000], "raised": raised}})


def _value_reply(value) -> str:
    try:
        return json.dumps({"ok": encode(value)})
    except Exception as e:  # noqa: BLE001 - not plain data: the test's message says so
        return _error_reply(e)


def answer(code: str, namespace: dict, inputs: dict) -> str:
    """The JSON reply for one probe, as the student's side computes it."""
    try:
        value = evaluate(code, namespace, inputs)
    except Exception as e:  # noqa: BLE001 - the student's error, whatever it is, is the test's message
        return _error_reply(e)
    return _value_reply(value)


# The request the checker sends to the student's kernel. The probe's code runs from the request's
# own top-level frame (``exec`` there), not from a function of this module: while the student's
# code runs, the stack is the one of a call from a cell, one cell frame deeper.
REQUEST = """try:
    exec(*__import__('course_utils.probe', fromlist=['_serve'])._serve({request!r}))
except Exception:
    __import__('course_utils.probe', fromlist=['_reply'])._reply(True)
else:
    __import__('course_utils.probe', fromlist=['_reply'])._reply(False)"""

_PENDING: dict = {}  # the request being answered: its scope, or the reply already decided


def _serve(request: str):
    """Called in the student's kernel by the checker's request: ``(code, scope)`` for ``exec``."""
    from IPython import get_ipython

    _PENDING.clear()
    req = json.loads(request)
    try:
        inputs = {k: decode(v) for k, v in req["inputs"].items()}
    except ValueError as e:
        _PENDING["reply"] = json.dumps({"error": {"message": f"bad probe inputs: {e}", "raised": ["ValueError"]}})
        return compile("", "<string>", "exec"), {}
    try:
        compiled, scope = prepare(req["code"], get_ipython().user_ns, inputs)
    except SyntaxError as e:
        _PENDING["reply"] = _error_reply(e)
        return compile("", "<string>", "exec"), {}
    _PENDING["scope"] = scope
    return compiled, scope


def _reply(failed: bool) -> None:
    """After the probe's code ran in the student's kernel: its value (or error) as display data."""
    import sys

    from IPython.display import publish_display_data

    if "reply" in _PENDING:
        text = _PENDING["reply"]
    elif failed:
        text = _error_reply(sys.exc_info()[1])
    else:
        text = _value_reply(_PENDING.get("scope", {}).get(_RESULT))
    _PENDING.clear()
    publish_display_data({PROBE_MIME: text})


# ---------------------------------------------------------------------------------------------
# The test's side
# ---------------------------------------------------------------------------------------------

def probe(code: str, **inputs):
    """Run ``code`` where the student's definitions live and return its value as plain data.

    ``inputs``: plain data (numbers, strings, lists, dicts, tensors, arrays), bound as names.
    Raises :class:`ProbeError` (an ``AssertionError``) if the code raises or returns something else.
    """
    wire = {k: encode(v) for k, v in inputs.items()}
    connection = os.environ.get("COURSE_PROBE_KERNEL")
    if connection:
        text = _remote(connection).ask(code, wire)
        try:
            return parse_reply(text)
        except ProbeTimeout:
            raise
        except ProbeError as e:
            if not e.raised:  # the checker's own words about a malformed reply
                raise
            # the student's error message stays out of graded feedback: a submission could put the
            # inputs of a hidden test in it (its class name is kept if it is Python's own)
            raise ProbeError(public_error(e.raised), e.raised) from None
    import contextlib
    import sys

    from IPython import get_ipython

    shell = get_ipython()
    namespace = shell.user_ns if shell is not None else {}
    local_inputs = {k: decode(v) for k, v in wire.items()}
    # one kernel (Jupyter, Run All, `nbgrader validate`): a library's warning while the student's
    # code runs goes to stdout, as in the grader, where the checker's stderr never fails a test
    with contextlib.redirect_stderr(sys.stdout):
        return parse_reply(answer(code, namespace, local_inputs))


def public_error(raised: list[str]) -> str:
    """What graded feedback says of an error the student's code raised in a test."""
    import builtins

    name = next((n for n in raised if isinstance(getattr(builtins, n, None), type)), "an exception")
    return (f"your code raised {name} here (the message is not shown in graded feedback; "
            "run the notebook's own tests to see it)")


def probe_raises(code: str, exception: str, **inputs) -> bool:
    """True if ``code`` raises ``exception`` (a class name such as ``"ValueError"``; subclasses
    count), False if it runs without an error. Any other error fails the test."""
    try:
        probe(code, **inputs)
    except ProbeError as e:
        if exception in e.raised:
            return True
        raise
    return False


def from_package(obj, _depth: int = 0) -> bool:
    """Is ``obj`` (an answer: a function or a class) the course package's own, or built on it? True
    for an object of ``course_utils``, a subclass of one, or a function or class whose code names
    ``course_utils`` or one of its objects through its globals (``cu.mean_pool(...)``, a wrapper).
    Run where the answer lives, by a probe: exercises that ``course_utils`` already solves must not
    be answered by an import (a copy of the package's source is left to the similarity report)."""
    import inspect
    import types

    if _depth > 3 or obj is None:
        return False
    if (getattr(obj, "__module__", None) or "").split(".")[0] == "course_utils":
        return True
    if isinstance(obj, types.ModuleType):
        return obj.__name__.split(".")[0] == "course_utils"
    if isinstance(obj, type):
        if any((getattr(base, "__module__", "") or "").split(".")[0] == "course_utils" for base in obj.__mro__):
            return True
        return any(from_package(f, _depth + 1) for f in vars(obj).values() if inspect.isfunction(f))
    if inspect.isfunction(obj) or inspect.ismethod(obj):
        func = getattr(obj, "__func__", obj)

        def names(code) -> set:
            found = set(code.co_names)
            for const in code.co_consts:
                if isinstance(const, types.CodeType):
                    found |= names(const)
            return found

        for name in names(func.__code__):
            value = func.__globals__.get(name, getattr(__import__("builtins"), name, None))
            if value is not obj and value is not None and not inspect.isbuiltin(value) and (
                    isinstance(value, types.ModuleType) or getattr(value, "__module__", None)) and \
                    from_package(value, _depth + 1):
                return True
        for cell in func.__closure__ or ():
            try:
                if from_package(cell.cell_contents, _depth + 1):
                    return True
            except ValueError:  # an empty cell
                continue
    return False


def connect_once(client, channel: str, identity: bytes | None = None):
    """A kernel client's socket that never reconnects (``ZMQ_RECONNECT_IVL=-1``) and refuses huge
    messages. Used for every connection to a student's kernel: if that kernel replaced its socket
    file by a link to another socket, a reconnect would follow the link."""
    import zmq
    from jupyter_client.connect import channel_socket_types

    sock = client.context.socket(channel_socket_types[channel])
    sock.linger = 0
    sock.setsockopt(zmq.RECONNECT_IVL, -1)
    sock.setsockopt(zmq.MAXMSGSIZE, MAX_REPLY_BYTES + 2**20)
    if identity:
        sock.identity = identity
    sock.connect(client._make_url(channel))
    return sock


CPU_SHARE, STARVED_FACTOR = 0.5, 3.0  # as the grader judges a student cell (grading.executor)


def starved(wall: float, used: float, timeout: float, metered: bool = True) -> bool:
    """Past ``timeout`` of wall clock, may the student's code wait on? Yes while its processes had less than
    ``CPU_SHARE`` of the timeout in CPU time (busy neighbours took the machine), up to ``STARVED_FACTOR``
    timeouts of wall clock (code that sleeps or waits is stopped there). Without a CPU meter: no."""
    return metered and used < CPU_SHARE * timeout and wall < STARVED_FACTOR * timeout


def student_cpu_meter():
    """The student tree's CPU seconds (its cgroup, named by the grader in ``COURSE_STUDENT_CGROUP``), or None."""
    procs = [p for p in os.environ.get("COURSE_STUDENT_CGROUP", "").split(os.pathsep) if p]
    if not procs:
        return None
    try:
        from course_utils.grading.cgroups import cpu_meter

        meter = cpu_meter(procs)
        return meter if meter is not None and _read(meter) >= 0 else None
    except (ImportError, OSError, ValueError):
        return None


def _read(meter) -> float:
    try:
        return float(meter()) if meter is not None else 0.0
    except (OSError, ValueError):  # the group is gone: nothing more was used
        return float("inf")


class _Remote:
    """A client of the student's kernel, connected once, before any student code has run, with
    sockets that never reconnect: a kernel cannot redirect the checker to another socket."""

    def __init__(self, connection_file: str):
        from jupyter_client import BlockingKernelClient

        class Client(BlockingKernelClient):
            _create_connected_socket = connect_once

        self.client = Client()
        self.client.load_connection_file(connection_file)
        self.client.start_channels(hb=False, stdin=False)
        self.client.wait_for_ready(timeout=60)
        self.dead = False

    def ask(self, code: str, wire: dict) -> str:
        if self.dead:
            raise ProbeError("the student's kernel stopped answering earlier: not probed")
        source = REQUEST.format(request=json.dumps({"code": code, "inputs": wire}))
        msg_id = self.client.execute(source, silent=False, store_history=False, allow_stdin=False)
        try:
            text = self._wait(msg_id)
        except KeyboardInterrupt:  # the checker's cell was interrupted: stop the student's code too
            self.dead = not self._interrupt(msg_id, wait_s=2.0)
            raise
        if text is None:
            raise ProbeError("the student's kernel sent no answer (was the probe replaced, or the kernel broken?)")
        return text

    def _wait(self, msg_id: str) -> str | None:
        """The probe's answer (display data of our MIME type) once the student's kernel is idle. Past the
        time limit the probe is judged on the student tree's CPU time too (:func:`starved`): code that
        did not get the CPU (busy neighbours) waits on, so a starved honest answer is not blamed."""
        timeout = float(os.environ.get("COURSE_PROBE_TIMEOUT", TIMEOUT_S))
        meter = student_cpu_meter()
        start, cpu0 = time.monotonic(), _read(meter)
        deadline = start + timeout
        text, done = None, False
        while not done:
            left = deadline - time.monotonic()
            if left <= 0 and starved(time.monotonic() - start, _read(meter) - cpu0, timeout, metered=meter is not None):
                deadline = time.monotonic() + 1.0
                continue
            if left <= 0:
                self.dead = not self._interrupt(msg_id, wait_s=min(10.0, timeout / 2))
                raise ProbeTimeout(f"the student's code did not finish within {timeout:.0f} s"
                                   + (f" and {UNRESPONSIVE}" if self.dead else ""))
            try:
                msg = self.client.get_iopub_msg(timeout=left)
            except queue.Empty:
                continue
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg.get("msg_type"), msg.get("content") or {}
            if kind == "display_data" and text is None:
                text = (content.get("data") or {}).get(PROBE_MIME)
            elif kind == "status" and content.get("execution_state") == "idle":
                done = True
        return text

    def _interrupt(self, msg_id: str, wait_s: float = 10.0) -> bool:
        """Interrupt the running probe; True if the kernel is idle again within ``wait_s``."""
        try:
            self.client.control_channel.send(self.client.session.msg("interrupt_request", {}))
        except (OSError, RuntimeError):
            return False
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            try:
                msg = self.client.get_iopub_msg(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                continue
            if msg.get("parent_header", {}).get("msg_id") == msg_id and msg.get("msg_type") == "status" \
                    and (msg.get("content") or {}).get("execution_state") == "idle":
                return True
        return False


_REMOTES: dict[str, _Remote] = {}


def _remote(connection_file: str) -> _Remote:
    if connection_file not in _REMOTES:
        _REMOTES[connection_file] = _Remote(connection_file)
    return _REMOTES[connection_file]


def connect() -> None:
    """In the checker kernel: connect to the student's kernel now (before student code runs)."""
    connection = os.environ.get("COURSE_PROBE_KERNEL")
    if connection:
        _remote(connection)
