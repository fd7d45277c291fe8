"""`course remix` builds complete courses that pass their own tests, and refuses bad choices up front."""
import dataclasses
import subprocess
import sys

import nbformat
import pytest
import yaml
from conftest import ROOT

import course.authoring.remix
from course.authoring.manifest import load
from course.authoring.remix import RemixError, WeekReferences, build, validate
from course.cli import main
from course.deploy import BOARDS
from course.grading.nbgrader import nbgrader_env, run_nbgrader

pytestmark = pytest.mark.remix

# The whole course in Spanish for another board, deployment before sensors: every week, every text translated.
WORKSHOP = {"id": "tinyml-taller", "title": "Taller de TinyML", "board": "pico", "language": "es", "timeout": 150,
            "modules": ["0x00-welcome", "0x01-fundamentals", "0x03-deployment", "0x02-sensors", "0x04-mlops"]}
REORDERED = {"id": "tinyml-deploy-first", "title": "TinyML, deployment first", "board": "esp32s3", "language": "en",
             "timeout": 120, "modules": ["0x00-welcome", "0x01-fundamentals", "0x03-deployment", "0x04-mlops",
                                         "0x02-sensors"]}


def _read(path):
    return nbformat.read(path, as_version=4)


def _parameters(path):
    (cell,) = [c for c in _read(path).cells if c.metadata.get("course", {}).get("parameters")]
    return cell.source


@pytest.fixture(scope="module")
def reordered(tmp_path_factory):
    out = tmp_path_factory.mktemp("remix") / "deploy-first"
    return out, build(REORDERED, out, ROOT)


def test_spanish_course_of_all_five_weeks_for_another_board_passes_its_own_tests(tmp_path, capsys):
    config = tmp_path / "taller.yml"
    config.write_text(yaml.safe_dump(WORKSHOP), encoding="utf-8")
    out = tmp_path / "taller"
    assert main(["remix", str(config), str(out), "--root", str(ROOT)]) == 0
    printed = capsys.readouterr().out
    assert "(0 texts in English," in printed and "in English (no translation)" not in printed, \
        "every week is fully translated, markdown and code strings"
    assert "says 'la semana pasada', but the previous week is another one in this remix" in printed
    weeks = ["0x00-welcome", "0x01-fundamentals", "0x02-deployment", "0x03-sensors", "0x04-mlops"]
    assert sorted(p.name for p in (out / "source").iterdir()) == weeks
    for week in weeks:
        for path in (out / "notebooks" / f"{week}.ipynb", out / "release" / week / f"{week}.ipynb"):
            setup = next(c.source for c in _read(path).cells if c.cell_type == "code")
            assert setup.endswith('os.environ["COURSE_LANGUAGE"] = "es"'), path
    lecture = _read(out / "notebooks" / "0x02-deployment.ipynb")
    assert lecture.cells[0].source.startswith("# 0x02 · ")
    assert "notebooks/0x02-deployment.ipynb" in lecture.cells[1].source
    welcome = "\n".join(c.source for c in _read(out / "notebooks" / "0x00-welcome.ipynb").cells)
    assert "| el microcontrolador | semana 0x02 |" in welcome and ", un laboratorio | semana 0x03 |" in welcome, \
        "the welcome's roadmap names each week by its number in this remix"
    for folder in ("source", "release"):
        parameters = _parameters(out / folder / "0x02-deployment" / "0x02-deployment.ipynb")
        assert 'BOARD = "Raspberry Pi Pico"' in parameters and "FLASH_BUDGET_KB = 20" in parameters
    assert 'course_id = "tinyml-taller"' in (out / "nbgrader_config.py").read_text()
    assert "c.Execute.timeout = 150" in (out / "nbgrader_config.py").read_text()
    readme = (out / "README.md").read_text()
    assert "Taller de TinyML" in readme and (out / "LICENSE").is_file()
    assert "| semana | tema |" in readme and "## Para estudiantes" in readme, "the learners' guide and syllabus in Spanish"
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=out,
                            env=nbgrader_env(), capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    summary = result.stdout.strip().splitlines()[-1]
    assert " passed" in summary and "skipped" not in summary and "failed" not in summary, summary


def test_a_week_left_out_of_a_remix_is_named_as_in_the_original_course():
    manifest = load()
    config = validate({**WORKSHOP, "modules": ["0x00-welcome", "0x01-fundamentals", "0x03-deployment"]}, manifest, ROOT)
    weeks = WeekReferences(manifest, config)
    assert weeks.text("la semana 0x03 usa la placa; semanas 0x01–0x02", "es") == \
        "la semana 0x02 usa la placa; semanas 0x01–0x02 del curso original"
    assert weeks.text("Week 0x02 records data", "en") == "Week 0x02 of the original course records data"
    assert weeks.title("# 0x03 · Deployment") == "# 0x02 · Deployment"


def test_full_course_reordered_renumbers_every_week(reordered):
    out, report = reordered
    ids = ["0x00-welcome", "0x01-fundamentals", "0x02-deployment", "0x03-mlops", "0x04-sensors"]
    assert sorted(p.name for p in (out / "release").iterdir()) == ids
    assert sorted(p.name for p in (out / "notebooks").iterdir()) == [f"{i}.ipynb" for i in ids]
    for week in ids:
        student = "\n".join(c.source for c in _read(out / "release" / week / f"{week}.ipynb").cells)
        assert student.startswith(f"# {week[:4]} · ") and "### BEGIN SOLUTION" not in student
    fundamentals = "\n".join(c.source for c in _read(out / "notebooks" / "0x01-fundamentals.ipynb").cells)
    assert "**Week 0x02 — Optimization and deployment to microcontrollers.**" in fundamentals
    assert "Week 0x02 converts the models" in fundamentals.replace("\n", " ")
    sensors = _read(out / "source" / "0x04-sensors" / "0x04-sensors.ipynb").cells[-1].source
    assert sensors.endswith("Then save the notebook. That was the last assignment of this course.")
    assert 'BOARD = "ESP32-S3 DevKit (8 MB flash module)"' in _parameters(out / "release" / "0x02-deployment" / "0x02-deployment.ipynb")
    assert not report.fallbacks
    assert any("0x02-deployment.ipynb" in note and "'last week'" in note for note in report.notes)


def test_reordered_course_passes_its_conventions_tests(reordered):
    out, _ = reordered
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             "tests/test_conventions.py"], cwd=out, env=nbgrader_env(),
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0 and " passed" in result.stdout, result.stdout[-3000:]


def test_reordered_course_autogrades_its_cheapest_week(reordered, tmp_path):
    out, _ = reordered
    for student, folder in (("solution", "source"), ("untouched", "release")):
        target = out / "submitted" / student / "0x00-welcome"
        target.mkdir(parents=True)
        nbformat.write(_read(out / folder / "0x00-welcome" / "0x00-welcome.ipynb"), target / "0x00-welcome.ipynb")
    run_nbgrader(["generate_assignment", "0x00-welcome", "--force"], cwd=out)  # registers it in a gradebook
    graded = run_nbgrader(["autograde", "0x00-welcome"], cwd=out, check=False)
    assert (out / "autograded" / "solution").is_dir(), graded.stdout[-3000:] + graded.stderr[-3000:]
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{out / 'gradebook.db'}") as gradebook:
        scores = {s: [(g.score, g.max_score) for nb in gradebook.find_submission("0x00-welcome", s).notebooks
                      for g in nb.grades if g.cell_type == "code"] for s in ("solution", "untouched")}
    assert scores["solution"] and all(score == top for score, top in scores["solution"])
    assert all(score == 0 for score, _ in scores["untouched"])


def _refused(tmp_path, config, message):
    out = tmp_path / "remix"
    with pytest.raises(RemixError, match=message):
        build(config, out, ROOT)
    assert not out.exists(), "nothing may be written when the configuration is refused"
    assert list(tmp_path.iterdir()) == [], "no temporary build directory may be left behind"


@pytest.mark.parametrize("change, message", [
    ({"modules": ["0x00-welcome", "0x07-robots"]}, "unknown module '0x07-robots'"),
    ({"modules": ["0x00-welcome", "0x00-welcome"]}, "listed twice"),
    ({"modules": ["0x00-welcome", "0x03-deployment"]}, "0x03-deployment needs 0x01-fundamentals before it"),
    ({"modules": ["0x01-fundamentals", "0x00-welcome"]}, "0x01-fundamentals needs 0x00-welcome before it"),
    ({"board": "arduino_uno"}, "unknown board 'arduino_uno'"),
    ({"language": "xx"}, "unknown language 'xx'"),
    ({"timeout": 0}, "timeout must be a whole number"),
    ({"timeout": "fast"}, "timeout must be a whole number"),
    ({"timeout": True}, "timeout must be a whole number"),
    ({"id": "my course!"}, "course id 'my course!'"),
    ({"colour": "blue"}, r"unknown \['colour'\]"),
    ({"start": "next monday"}, "start must be YYYY-MM-DD HH:MM"),
    ({"start": "2027-09-06 18:00", "timezone": "Mars/Olympus"}, "timezone an IANA name"),
])
def test_invalid_configuration_is_refused_before_anything_is_written(tmp_path, change, message):
    _refused(tmp_path, {**WORKSHOP, **change}, message)


def test_missing_key_is_refused(tmp_path):
    _refused(tmp_path, {k: v for k, v in WORKSHOP.items() if k != "board"}, r"missing \['board'\]")


def test_board_too_small_for_the_deployment_budget_is_refused(tmp_path, monkeypatch):
    tiny = dataclasses.replace(BOARDS["pico"], flash_bytes=256 * 1024, ram_bytes=80 * 1024)
    monkeypatch.setitem(course.authoring.remix.BOARDS, "pico", tiny)
    _refused(tmp_path, WORKSHOP, "board 'pico' is too small for module 0x03-deployment: it needs 30 KB of RAM")


def test_output_directory_that_is_not_empty_is_refused(tmp_path):
    out = tmp_path / "remix"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(RemixError, match="is not empty"):
        build(WORKSHOP, out, ROOT)
    assert [p.name for p in out.iterdir()] == ["notes.txt"] and len(list(tmp_path.iterdir())) == 1


def test_a_failure_while_building_leaves_nothing_behind(tmp_path, monkeypatch):
    def broken_release(course_dir, workdir):
        raise RuntimeError("nbgrader failed")

    monkeypatch.setattr(course.authoring.remix, "generate_release", broken_release)
    with pytest.raises(RuntimeError, match="nbgrader failed"):
        build({**WORKSHOP, "modules": ["0x00-welcome"]}, tmp_path / "remix", ROOT)
    assert list(tmp_path.iterdir()) == []


def test_cli_reports_a_refused_configuration(tmp_path, capsys):
    config = tmp_path / "bad.yml"
    config.write_text(yaml.safe_dump({**WORKSHOP, "board": "arduino_uno"}))
    assert main(["remix", str(config), str(tmp_path / "out"), "--root", str(ROOT)]) == 2
    assert "unknown board 'arduino_uno'" in capsys.readouterr().out and not (tmp_path / "out").exists()
