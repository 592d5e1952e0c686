"""Hostile submissions against the grader's own process (issue 20, items 4-6): each test holds a
fixture that the grader before these fixes trusted (a lying .npy header, a formula for a student id,
a forged timeout, a script in the feedback, damaged nbgrader metadata, a huge notebook)."""

from __future__ import annotations

import base64
import io
import json

import numpy as np
import pytest

from course_utils.probe import ProbeError, parse_reply


# -- item 6: a reply whose .npy header lies ----------------------------------------------------

def lying_npy(shape: tuple, dtype: str = "<f8", payload: bytes = b"\0" * 16) -> str:
    """An .npy of ~130 bytes whose header claims ``shape`` of ``dtype``."""
    from numpy.lib import format as npy

    buf = io.BytesIO()
    npy.write_array_header_1_0(buf, {"descr": dtype, "fortran_order": False, "shape": shape})
    return base64.b64encode(buf.getvalue() + payload).decode()


@pytest.mark.parametrize("shape, dtype, message", [
    ((2**33,), "<f8", "larger than"),          # claims 64 GiB
    ((2**30,), "<f4", "larger than"),          # claims 4 GiB
    ((1000, 1000), "<f8", "header claims"),    # 8 MB claimed, 16 bytes sent
    ((1,), "|O", "not accepted"),              # objects: pickle
])
def test_a_lying_npy_header_fails_the_test_before_anything_is_allocated(shape, dtype, message):
    reply = json.dumps({"ok": {"__array__": lying_npy(shape, dtype)}})
    with pytest.raises(ProbeError, match=message) as e:
        parse_reply(reply)
    assert isinstance(e.value, AssertionError)  # one failed test with a message, not MemoryError


def test_an_honest_npy_still_arrives():
    buf = io.BytesIO()
    np.save(buf, np.arange(6, dtype=np.float32).reshape(2, 3))
    out = parse_reply(json.dumps({"ok": {"__array__": base64.b64encode(buf.getvalue()).decode()}}))
    assert out.shape == (2, 3) and out.dtype == np.float32 and out[1, 2] == 5
