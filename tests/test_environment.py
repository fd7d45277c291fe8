"""One set of pins: requirements.in → requirements.txt → pip (Makefile) and conda (environment.yml)."""
import re
from importlib.metadata import version

import pytest
import yaml
from conftest import ROOT

pytestmark = pytest.mark.unit

PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==(\S+)$")


def _pins(name: str) -> dict[str, str]:
    lines = (ROOT / name).read_text().splitlines()
    return {m[1].lower().replace("_", "-"): m[2] for m in map(PIN.match, lines) if m}


def test_every_top_level_pin_is_locked_at_the_same_version():
    top, locked = _pins("requirements.in"), _pins("requirements.txt")
    assert top, "requirements.in pins nothing"
    assert {name: locked.get(name) for name in top} == top


def test_every_locked_line_is_an_exact_pin():
    lines = [l for l in (ROOT / "requirements.txt").read_text().splitlines() if l and not l.startswith("#")]
    assert lines and all(PIN.match(line) for line in lines), [l for l in lines if not PIN.match(l)]


def test_the_environment_runs_the_locked_versions():
    for name in ("tensorflow-cpu", "keras", "numpy", "nbgrader", "tflite-micro", "ai-edge-litert"):
        assert version(name) == _pins("requirements.txt")[name], name


def test_conda_environment_installs_the_same_requirements_file():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "python=3.11" in env["dependencies"]
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-r requirements.txt" in pip and "-e ." in pip


def test_ci_runs_the_readme_test_command():
    ci = [l for l in (ROOT / ".ci" / "run").read_text().splitlines() if l and not l.startswith(("#", "set ", "cd "))]
    assert ci == ["make test"]
    assert "make test" in (ROOT / "README.md").read_text()
