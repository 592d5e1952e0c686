"""environment.yml (conda-forge) names what pyproject.toml needs at run time, with the same bounds."""

import re
from pathlib import Path

import yaml

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the dev extra installs tomli
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
CONDA_NAMES = {"torch": "pytorch"}  # pip name -> conda-forge name, where they differ
SPEC = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(.*?)\s*$")


def _split(spec: str) -> tuple[str, str]:
    """``"torch>=2.3"`` -> ``("torch", ">=2.3")`` (markers and extras are not used in these files)."""
    match = SPEC.match(spec)
    assert match, f"cannot read the requirement {spec!r}"
    return match[1].lower().replace("_", "-"), match[2].replace(" ", "")


def _environment() -> dict:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert isinstance(env, dict) and env.get("dependencies"), "environment.yml has no dependencies"
    return env


def test_environment_names_every_runtime_dependency_with_its_bound():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    conda = dict(_split(d) for d in _environment()["dependencies"] if isinstance(d, str))
    missing, different = [], []
    for requirement in project["dependencies"]:
        name, bound = _split(requirement)
        conda_name = CONDA_NAMES.get(name, name)
        if conda_name not in conda:
            missing.append(f"{name} (conda: {conda_name})")
        elif conda[conda_name] != bound:
            different.append(f"{conda_name}: {conda[conda_name] or 'no bound'} vs {bound} in pyproject.toml")
    assert not missing, f"environment.yml lacks runtime dependencies: {missing}"
    assert not different, f"environment.yml and pyproject.toml disagree: {different}"
    assert conda.get("python") == project["requires-python"]


def test_environment_is_conda_forge_and_installs_the_package_with_pip():
    env = _environment()
    assert env["channels"] == ["conda-forge"] and env.get("name")
    names = {_split(d)[0] for d in env["dependencies"] if isinstance(d, str)}
    assert {"pip", "nbgrader", "jupyterlab", "ipywidgets"} <= names
    pip = [d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d]
    assert len(pip) == 1 and any(re.fullmatch(r"(-e\s+)?\.\[[a-z,]*dev[a-z,]*\]", line) for line in pip[0]), \
        f"the pip section must install this clone with its dev extra: {pip}"
