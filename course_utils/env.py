"""Where the course runs: device, precision, fast mode, seeding, and a report of what was picked.

Every choice made here can be overridden by an environment variable, so the same notebook runs
on a Colab GPU (full mode) and on a laptop, in CI or under nbgrader (fast mode):

* ``COURSE_FAST=1|0``       force fast mode on or off (default: on under nbgrader, on without a GPU)
* ``COURSE_DEVICE``         ``cuda`` | ``mps`` | ``cpu``
* ``COURSE_PRECISION``      ``bf16`` | ``fp16`` | ``fp32``
* ``COURSE_MODEL``          a hub name or a local folder for the encoder
* ``COURSE_DATA_DIR``       a folder of local datasets (see ``course_utils.data``)
"""

from __future__ import annotations

import os
import random
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _flag(name: str) -> bool | None:
    """Read a yes/no environment variable; ``None`` when unset; error on anything else."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return None
    v = value.strip().lower()
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    raise ValueError(f"{name}={value!r} is not understood: use 1/0, true/false, yes/no or on/off")


def in_colab() -> bool:
    """True inside a Google Colab runtime."""
    return "google.colab" in sys.modules or "COLAB_RELEASE_TAG" in os.environ


def under_nbgrader() -> bool:
    """True while nbgrader executes the notebook (``autograde``/``validate`` set ``NBGRADER_EXECUTION``)."""
    return bool(os.environ.get("NBGRADER_EXECUTION"))


def get_device() -> torch.device:
    """The best available device: ``cuda`` > ``mps`` > ``cpu`` (or ``COURSE_DEVICE``)."""
    forced = os.environ.get("COURSE_DEVICE")
    if forced:
        if forced not in {"cuda", "mps", "cpu"}:
            raise ValueError(f"COURSE_DEVICE={forced!r}: expected one of cuda, mps, cpu")
        if forced == "cuda" and not torch.cuda.is_available():
            raise ValueError("COURSE_DEVICE=cuda but torch sees no CUDA GPU: unset it or use COURSE_DEVICE=cpu")
        if forced == "mps" and not _mps_available():
            raise ValueError("COURSE_DEVICE=mps but torch sees no Apple GPU (MPS): unset it or use COURSE_DEVICE=cpu")
        return torch.device(forced)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if _mps_available():
        return torch.device("mps")
    return torch.device("cpu")


def _mps_available() -> bool:
    return getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()


def native_bf16(device: torch.device | str = "cuda") -> bool:
    """True if this CUDA GPU computes in bfloat16 natively: compute capability 8.0 or higher (A100,
    L4, H100, ...). ``torch.cuda.is_bf16_supported()`` alone would also say yes on a T4 (7.5) or a
    V100 (7.0), where bf16 is only emulated: slower than fp16, and slower than fp32."""
    if torch.version.hip:  # AMD GPUs report no CUDA compute capability; ask torch without emulation
        return torch.cuda.is_bf16_supported(including_emulation=False)
    return torch.cuda.get_device_capability(device) >= (8, 0)


def pick_precision(device: torch.device | str | None = None) -> str:
    """``bf16`` on GPUs with native bfloat16 (compute capability ≥ 8: A100, L4, H100), ``fp16`` with
    a gradient scaler on older CUDA GPUs (Colab's T4, V100), ``fp32`` elsewhere (CPU, MPS).
    ``COURSE_PRECISION`` overrides the choice."""
    device = torch.device(device) if device is not None else get_device()
    forced = os.environ.get("COURSE_PRECISION")
    if forced:
        if forced not in {"bf16", "fp16", "fp32"}:
            raise ValueError(f"COURSE_PRECISION={forced!r}: expected one of bf16, fp16, fp32")
        check_precision(forced, device)
        return forced
    if device.type == "cuda":
        return "bf16" if native_bf16(device) else "fp16"
    return "fp32"


def check_precision(precision: str, device: torch.device | str) -> None:
    """Warn when bf16 is asked for on a CUDA GPU that can only emulate it."""
    device = torch.device(device)
    if precision == "bf16" and device.type == "cuda" and not native_bf16(device):
        warnings.warn(f"bf16 was asked for, but the {_gpu(device)} has no native bfloat16: torch emulates it, "
                      "which is much slower than fp16. Use fp16 (with a gradient scaler) on this GPU: unset "
                      "COURSE_PRECISION or set COURSE_PRECISION=fp16.", UserWarning, stacklevel=3)


def _gpu(device: torch.device) -> str:
    """"Tesla T4 (compute capability 7.5)"."""
    major, minor = torch.cuda.get_device_capability(device)
    return f"{torch.cuda.get_device_name(device)} (compute capability {major}.{minor})"


def _precision_reason(device: torch.device, precision: str) -> str:
    if os.environ.get("COURSE_PRECISION"):
        if precision == "bf16" and device.type == "cuda" and not native_bf16(device):
            return f"COURSE_PRECISION; warning: the {_gpu(device)} only emulates bfloat16, slowly"
        return "COURSE_PRECISION"
    if device.type != "cuda":
        return "mixed precision only pays off on CUDA GPUs"
    if precision == "bf16":
        return f"{_gpu(device)}: native bfloat16"
    return f"{_gpu(device)}: no native bfloat16 → fp16 with a gradient scaler"


def accelerate_precision(precision: str) -> str:
    """Map our precision name to ``accelerate``'s ``mixed_precision`` argument."""
    return {"fp32": "no", "bf16": "bf16", "fp16": "fp16"}[precision]


def fast_mode() -> bool:
    """Fast mode: a small encoder, a few hundred examples, one short epoch.

    On when ``COURSE_FAST=1``, or automatically under nbgrader (its default per-cell timeout is
    30 s, so graded runs must never train at full size) and on machines without a CUDA GPU.
    ``COURSE_FAST=0`` turns it off, except under nbgrader, where fast mode is always on.
    """
    return _fast_mode_reason()[0]


def _fast_mode_reason() -> tuple[bool, str]:
    if under_nbgrader():
        return True, f"NBGRADER_EXECUTION={os.environ['NBGRADER_EXECUTION']} (grading never trains at full size)"
    flag = _flag("COURSE_FAST")
    if flag is not None:
        return flag, f"COURSE_FAST={os.environ['COURSE_FAST']}"
    if get_device().type != "cuda":
        return True, "no CUDA GPU found (set COURSE_FAST=0 to train at full size anyway)"
    return False, "a CUDA GPU is available"


def set_seed(seed: int = 0) -> None:
    """Seed Python, NumPy and PyTorch (all devices) for repeatable runs."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


# Lines that modules built on this one add to the set-up report, e.g. ``course_utils.data`` says where
# the datasets come from: ``{key: () -> (what, why)}``. They register themselves (``report_in_setup``)
# so that this module, which they import, imports none of them (tests/test_imports.py).
_REPORTED: dict[str, Callable[[], tuple[str, str]]] = {}


def report_in_setup(key: str, describe: Callable[[], tuple[str, str]]) -> None:
    """Have :func:`describe_setup` report ``key`` as ``describe()`` says: ``(what, why)``."""
    _REPORTED[key] = describe


@dataclass
class Setup:
    """What the course picked for this session, and why."""

    device: torch.device
    precision: str
    fast: bool
    colab: bool
    reasons: dict = field(default_factory=dict)
    data: str = ""        # where the course's datasets come from (course_utils.data.planned_source)

    def __str__(self) -> str:
        lines = ["Course set-up"]
        for key in ("device", "precision", "fast mode", "colab", "data"):
            value = {"device": self.device, "precision": self.precision,
                     "fast mode": self.fast, "colab": self.colab, "data": self.data}[key]
            why = self.reasons.get(key)
            lines.append(f"  {key:<10} {value}" + (f"   ({why})" if why else ""))
        return "\n".join(lines)


def describe_setup(verbose: bool = True) -> Setup:
    """Pick device, precision and mode, print what was picked and why, and return it."""
    device = get_device()
    precision = pick_precision(device)
    fast, fast_why = _fast_mode_reason()
    if os.environ.get("COURSE_DEVICE"):
        dev_why = "COURSE_DEVICE"
    elif device.type == "cuda":
        dev_why = f"GPU: {torch.cuda.get_device_name(0)}"
    else:
        dev_why = "no CUDA GPU" if device.type == "cpu" else "Apple GPU (MPS)"
    prec_why = _precision_reason(device, precision)
    data, data_why = _REPORTED["data"]() if "data" in _REPORTED else ("", "course_utils.data is not loaded")
    setup = Setup(device, precision, fast, in_colab(),
                  {"device": dev_why, "precision": prec_why, "fast mode": fast_why, "data": data_why},
                  data=data)
    if verbose:
        print(setup)
    return setup
