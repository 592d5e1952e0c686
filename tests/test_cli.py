import os
import re
import subprocess
import sys

import pytest

DATA_DIR = os.environ.get("COURSE_DATA_DIR")


def run_course(*args, timeout=900):
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-m", "course_utils.cli", *args], capture_output=True, text=True,
                          env=env, timeout=timeout)


def test_doctor_reports_the_machine():
    result = run_course("doctor")
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    for needle in ("Python", "torch", "transformers", "datasets", "offline model found", "rotten_tomatoes",
                   "fast mode"):
        assert needle in out, f"{needle!r} missing from course doctor's report"


@pytest.mark.skipif(not DATA_DIR, reason="COURSE_DATA_DIR not set")
def test_demo_fine_tunes_on_the_real_data(tmp_path):
    result = run_course("demo", "--out", str(tmp_path))
    out = result.stdout
    assert result.returncode == 0, out + result.stderr[-3000:]
    assert "local copy" in out, "the demo must use the real data from COURSE_DATA_DIR"
    before = float(re.search(r"accuracy before tuning.*: ([\d.]+)", out).group(1))
    after = float(re.search(r"accuracy after tuning: ([\d.]+)", out).group(1))
    print(f"course demo: test accuracy {before:.3f} -> {after:.3f}")
    # fast mode: 400 training examples, two short epochs (~0.68-0.72 on the test subset; chance is 0.5)
    assert after >= before + 0.1 and after >= 0.62, out
    assert (tmp_path / "model" / "model.safetensors").exists() and (tmp_path / "curve.png").exists()
