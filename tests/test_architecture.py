"""The import-layer contract of course/ (pyproject.toml, docs/architecture.md), checked with import-linter."""
import pkgutil
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import course

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _layers() -> list[list[str]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (contract,) = [c for c in config["contracts"] if c["type"] == "layers"]
    return [[name.strip() for name in layer.split("|")] for layer in contract["layers"]]


def _lint(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_every_room_of_the_package_has_a_layer():
    rooms = {f"course.{m.name}" for m in pkgutil.iter_modules(course.__path__)}
    layered = {name for layer in _layers() for name in layer}
    assert rooms == layered, f"rooms without a layer: {sorted(rooms - layered)}; layers naming no room: {sorted(layered - rooms)}"


def test_the_layers_contract_holds():
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize("lower, higher", [("course/notebook/quiet.py", "course.lessons.plots"),
                                           ("course/features.py", "course.deploy"),
                                           ("course/grading/hidden.py", "course.authoring.manifest")])
def test_an_upward_import_breaks_the_contract(tmp_path, lower, higher):
    """The contract bites: a copy of the package where a lower room imports a higher one fails lint-imports."""
    shutil.copytree(ROOT / "course", tmp_path / "course", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    with open(tmp_path / lower, "a") as module:
        module.write(f"\nimport {higher}  # an upward import\n")
    result = _lint(tmp_path)
    assert result.returncode != 0 and "BROKEN" in result.stdout, result.stdout
    assert lower.removesuffix(".py").replace("/", ".") in result.stdout
