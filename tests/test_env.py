import pytest
import torch

import course_utils as cu
from course_utils import env


@pytest.fixture
def clean_env(monkeypatch):
    for name in ("COURSE_FAST", "NBGRADER_EXECUTION", "COURSE_DEVICE", "COURSE_PRECISION"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_fast_mode_on_under_nbgrader_even_if_asked_off(clean_env):
    clean_env.setenv("NBGRADER_EXECUTION", "autograde")
    clean_env.setenv("COURSE_FAST", "0")
    assert cu.fast_mode()


@pytest.mark.parametrize("value, expected", [("1", True), ("true", True), ("0", False), ("off", False)])
def test_fast_mode_follows_course_fast(clean_env, value, expected):
    clean_env.setenv("COURSE_FAST", value)
    assert cu.fast_mode() is expected


def test_fast_mode_defaults_on_without_gpu(clean_env):
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    assert cu.fast_mode()


def test_bad_flag_is_named(clean_env):
    clean_env.setenv("COURSE_FAST", "maybe")
    with pytest.raises(ValueError, match="COURSE_FAST"):
        cu.fast_mode()


def test_precision_on_cpu_is_fp32(clean_env):
    assert cu.pick_precision("cpu") == "fp32"
    assert env.accelerate_precision("fp32") == "no"


def test_forced_settings_are_checked(clean_env):
    clean_env.setenv("COURSE_PRECISION", "fp8")
    with pytest.raises(ValueError, match="COURSE_PRECISION"):
        cu.pick_precision("cpu")
    clean_env.setenv("COURSE_DEVICE", "tpu")
    with pytest.raises(ValueError, match="COURSE_DEVICE"):
        cu.get_device()


def test_describe_setup_says_what_and_why(clean_env, capsys):
    clean_env.setenv("COURSE_DEVICE", "cpu")
    setup = cu.describe_setup()
    out = capsys.readouterr().out
    assert setup.device.type == "cpu" and setup.precision == "fp32"
    assert "device" in out and "precision" in out and "fast mode" in out and "(" in out


def test_seed_makes_runs_repeatable():
    cu.set_seed(3)
    a = torch.rand(3)
    cu.set_seed(3)
    assert torch.equal(a, torch.rand(3))
