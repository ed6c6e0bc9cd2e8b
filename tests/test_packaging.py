"""pyproject.toml and environment.yml pin the same versions, and the Makefile installs torch first."""

import re

import tomllib

from clflib.course import PROJECT_ROOT


def pins(lines):
    return dict(
        re.match(r"\s*-?\s*\"?([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?==([^\",\s]+)", line).groups()
        for line in lines
        if "==" in line and not line.lstrip().startswith("#")
    )


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    declared = pins(project["dependencies"] + [pin for group in extras.values() for pin in group])
    conda = pins((PROJECT_ROOT / "environment.yml").read_text().splitlines())
    assert declared, "pyproject.toml pins nothing"
    for name, version in declared.items():
        assert conda.get(name) == version, f"{name}: pyproject {version}, environment.yml {conda.get(name)}"


def test_makefile_installs_cpu_torch_before_the_project():
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    assert makefile.index('"$(TORCH_SPEC)"') < makefile.index('-e ".[dev]"')
    assert "TORCH_SPEC ?= torch==2.13.0" in makefile


def test_dev_installs_every_optional_group():
    extras = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    others = sorted(set(extras) - {"dev"})
    assert f"clflib[{','.join(others)}]" in extras["dev"], "make test must install every extra"
