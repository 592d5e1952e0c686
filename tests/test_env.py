import pytest
import torch

import course_utils as cu
from course_utils import env

# Every test here asks torch about GPUs, real or faked: .ci/run also runs them against the CUDA build of
# torch (the build a plain `pip install torch` gives on Linux), where a faked GPU meets real CUDA code.
pytestmark = pytest.mark.gpu

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


GPUS = {"Tesla T4": (7, 5), "Tesla V100-SXM2-16GB": (7, 0), "NVIDIA A100-SXM4-40GB": (8, 0),
        "NVIDIA H100 80GB HBM3": (9, 0), "NVIDIA L4": (8, 9)}


@pytest.fixture
def fake_gpu(clean_env):
    """Pretend this machine has one CUDA GPU: ``fake_gpu("Tesla T4")``. ``is_bf16_supported`` answers
    as torch does on that card (True even on a T4, through emulation), so only the capability decides."""
    def install(name):
        clean_env.setattr(torch.cuda, "is_available", lambda: True)
        clean_env.setattr(torch.cuda, "get_device_capability", lambda device=None: GPUS[name])
        clean_env.setattr(torch.cuda, "get_device_name", lambda device=None: name)
        clean_env.setattr(torch.cuda, "is_bf16_supported", lambda including_emulation=True: True)
        clean_env.setattr(torch.version, "hip", None)
    return install


@pytest.mark.parametrize("name, expected", [("Tesla T4", "fp16"), ("Tesla V100-SXM2-16GB", "fp16"),
                                            ("NVIDIA A100-SXM4-40GB", "bf16"), ("NVIDIA H100 80GB HBM3", "bf16"),
                                            ("NVIDIA L4", "bf16")])
def test_bf16_only_where_the_gpu_has_it_natively(fake_gpu, name, expected):
    fake_gpu(name)
    assert cu.get_device().type == "cuda"
    assert cu.pick_precision() == expected
    assert env.accelerate_precision(expected) == expected  # fp16 → accelerate's GradScaler


def test_no_gpu_means_fp32(clean_env):
    clean_env.setattr(torch.cuda, "is_available", lambda: False)
    clean_env.setattr(torch.backends.mps, "is_available", lambda: False)
    assert cu.get_device().type == "cpu" and cu.pick_precision() == "fp32"


def test_describe_setup_gives_the_capability_as_the_reason(fake_gpu, capsys):
    fake_gpu("Tesla T4")
    setup = cu.describe_setup(verbose=False)
    assert setup.precision == "fp16"
    assert setup.reasons["precision"] == ("Tesla T4 (compute capability 7.5): no native bfloat16 "
                                          "→ fp16 with a gradient scaler")
    fake_gpu("NVIDIA A100-SXM4-40GB")
    setup = cu.describe_setup(verbose=False)
    assert setup.precision == "bf16"
    assert setup.reasons["precision"] == "NVIDIA A100-SXM4-40GB (compute capability 8.0): native bfloat16"


def test_forced_bf16_on_a_t4_is_kept_but_warned_about(fake_gpu, clean_env):
    fake_gpu("Tesla T4")
    clean_env.setenv("COURSE_PRECISION", "bf16")
    with pytest.warns(UserWarning, match=r"Tesla T4 \(compute capability 7.5\) has no native bfloat16"):
        assert cu.pick_precision() == "bf16"
    with pytest.warns(UserWarning):
        setup = cu.describe_setup(verbose=False)
    assert "only emulates bfloat16" in setup.reasons["precision"]


def test_forced_precision_on_a_native_gpu_is_silent(fake_gpu, clean_env, recwarn):
    fake_gpu("NVIDIA A100-SXM4-40GB")
    clean_env.setenv("COURSE_PRECISION", "fp16")
    assert cu.pick_precision() == "fp16"
    assert not [w for w in recwarn if issubclass(w.category, UserWarning)]


def test_forcing_a_missing_device_is_an_error(clean_env):
    clean_env.setattr(torch.cuda, "is_available", lambda: False)
    clean_env.setenv("COURSE_DEVICE", "cuda")
    with pytest.raises(ValueError, match="COURSE_DEVICE=cuda but torch sees no CUDA GPU"):
        cu.get_device()
