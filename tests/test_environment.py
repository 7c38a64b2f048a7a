"""environment.yml (conda users) lists exactly the dependencies of pyproject.toml."""

import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _normalise(spec: str) -> str:
    return spec.replace(" ", "").lower()


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_normalise(d) for d in project["dependencies"]}
    for extra in project["optional-dependencies"].values():
        wanted |= {_normalise(d) for d in extra}
    conda = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    listed = {_normalise(d) for d in conda if isinstance(d, str)} - {"pip", "python>=3.11"}
    assert listed == wanted, {"only in environment.yml": listed - wanted, "only in pyproject": wanted - listed}


def test_environment_yml_python_matches_requires_python():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    conda = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    assert f"python{project['requires-python']}" in conda
