import os
import re
import subprocess
import sys

import pytest


def run_course(*args, timeout=900):
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-m", "course_utils.cli", *args], capture_output=True, text=True,
                          env=env, timeout=timeout, check=False)


def test_doctor_reports_the_machine():
    result = run_course("doctor")
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    for needle in ("Python", "torch", "transformers", "datasets", "offline model found", "rotten_tomatoes",
                   "fast mode", "sandbox", "dask "):
        assert needle in out, f"{needle!r} missing from course doctor's report"
    sources = dict(re.findall(r"^  (\w+) +(?:data from )?(.+)$", out, re.MULTILINE))
    assert sources["rotten_tomatoes"].startswith("packaged copy"), out
    assert sources["cuad_clauses"].startswith("packaged copy"), out
    assert sources["ledgar"].startswith("BUILT-IN SAMPLE"), out  # hub off in tests, no packaged copy


def test_demo_fine_tunes_on_the_real_data(tmp_path):
    result = run_course("demo", "--out", str(tmp_path))
    out = result.stdout
    assert result.returncode == 0, out + result.stderr[-3000:]
    assert "from packaged copy" in out, "the demo must use the real data that ships with the package"
    before = float(re.search(r"accuracy before tuning.*: ([\d.]+)", out).group(1))
    after = float(re.search(r"accuracy after tuning: ([\d.]+)", out).group(1))
    print(f"course demo: test accuracy {before:.3f} -> {after:.3f}")
    # fast mode: 400 training examples, two short epochs (~0.68-0.72 on the test subset; chance is 0.5)
    assert after >= before + 0.1 and after >= 0.62, out
    assert (tmp_path / "model" / "model.safetensors").exists() and (tmp_path / "curve.png").exists()


def test_grade_gives_each_parallel_kernel_its_share_of_the_cores(tmp_path, monkeypatch):
    from course_utils import grading

    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    env = grading._kernel_env(tmp_path / "work" / "alice" / "ch01", threads=1)
    assert env["OMP_NUM_THREADS"] == env["MKL_NUM_THREADS"] == "1"
    assert "OMP_NUM_THREADS" not in grading._kernel_env(tmp_path / "w2" / "bob" / "ch01", threads=None)
    monkeypatch.setenv("OMP_NUM_THREADS", "3")  # the instructor's own setting wins
    assert grading._kernel_env(tmp_path / "w3" / "carol" / "ch01", threads=1)["OMP_NUM_THREADS"] == "3"


@pytest.mark.parametrize("flag", [["--jobs", "0"], ["--threads", "0"]])
def test_grade_refuses_nonsense_parallelism(tmp_path, flag):
    (tmp_path / "class").mkdir()
    result = run_course("grade", str(tmp_path / "class"), "--out", str(tmp_path / "out"), *flag, timeout=120)
    assert result.returncode == 2 and "at least 1" in result.stderr, result.stdout + result.stderr


def test_chapters_can_be_named_by_their_start():
    from course_utils.grading import resolve_chapters

    known = ["ch01_bert_representations", "ch02_prediction_network", "ch10_extra"]
    assert resolve_chapters(["ch02", "ch01_bert_representations", "ch02"], known) == (
        ["ch02_prediction_network", "ch01_bert_representations"], [])
    assert resolve_chapters(["ch1", "ch0", "ch99"], known) == (["ch10_extra"], ["ch0", "ch99"])  # ch0: two chapters
    assert resolve_chapters(None, known) == ([], [])
