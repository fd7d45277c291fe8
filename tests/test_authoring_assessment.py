"""The assessment plan applied to a course: `course schedule` (the manifest's term, or a remix's own start),
nbgrader's configuration loading the late-penalty plugin and the feedback's outcomes (tested in
test_grading_analysis.py, on the synthetic class)."""
import shutil
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import yaml
from fixtures import synthetic_class as klass
from nbgrader.api import Gradebook
from traitlets.config.loader import PyFileConfigLoader

from course.authoring.assessment import schedule
from course.authoring.manifest import load
from course.cli import main
from course.grading.gradebook import gradebook_url

pytestmark = pytest.mark.unit
MANIFEST = load()


def _utc(local: str, zone: str) -> datetime:
    """A local wall-clock time in `zone` as naive UTC, computed here independently of the module."""
    aware = datetime.strptime(local, "%Y-%m-%d %H:%M").replace(tzinfo=ZoneInfo(zone))
    return datetime.fromtimestamp(aware.timestamp(), ZoneInfo("UTC")).replace(tzinfo=None)


def test_the_manifest_term_gives_weekly_due_dates_in_local_time(tmp_path):
    shutil.copy(klass.ROOT / "nbgrader_config.py", tmp_path)
    dates = {d.assignment: d for d in schedule(tmp_path)}
    assert list(dates) == MANIFEST.ids
    assert MANIFEST.term.timezone == "Europe/Madrid" and MANIFEST.term.start == datetime(2027, 2, 1, 10, 0)
    # 0x00 is released in week 1 and due in week 2: Monday 8 February 2027, 10:00 in Madrid (CET, UTC+1)
    assert dates["0x00-welcome"].release == datetime(2027, 2, 1, 9, 0)
    assert dates["0x00-welcome"].due == datetime(2027, 2, 8, 9, 0)
    assert dates["0x04-mlops"].due == _utc("2027-03-08 10:00", "Europe/Madrid")


def test_course_schedule_writes_a_remix_own_dates_into_the_gradebook(tmp_path, capsys):
    shutil.copy(klass.ROOT / "nbgrader_config.py", tmp_path)
    remix = {"id": "taller", "title": "Taller", "modules": ["0x00-welcome", "0x01-fundamentals", "0x03-deployment"],
             "board": "pico", "language": "es", "timeout": 150, "start": "2027-03-22 18:30",
             "timezone": "Europe/Madrid"}
    (tmp_path / "remix.yml").write_text(yaml.safe_dump(remix))
    assert main(["schedule", "--root", str(tmp_path)]) == 0
    assert "0x02-deployment: released Mon 05 Apr 2027 18:30" in capsys.readouterr().out
    with Gradebook(gradebook_url(tmp_path)) as gradebook:
        due = {a.name: a.duedate for a in gradebook.assignments}
    # one module a week in the remix's order, each due a week after release; summer time starts on 28 March
    assert due == {"0x00-welcome": _utc("2027-03-29 18:30", "Europe/Madrid"),
                   "0x01-fundamentals": _utc("2027-04-05 18:30", "Europe/Madrid"),
                   "0x02-deployment": _utc("2027-04-12 18:30", "Europe/Madrid")}
    assert due["0x00-welcome"] == datetime(2027, 3, 29, 16, 30)  # CEST, UTC+2


def test_nbgrader_config_applies_the_manifest_late_policy_and_the_outcomes_feedback():
    config = PyFileConfigLoader("nbgrader_config.py", path=str(klass.ROOT)).load_config()
    assert config.AssignLatePenalties.plugin_class == "course.grading.schedule.LatePenalty"
    late = MANIFEST.late
    assert (config.LatePenalty.per_day, config.LatePenalty.cap, config.LatePenalty.grace_minutes) == (
        late.per_day, late.cap, late.grace_minutes)
    preprocessors = config.GenerateFeedback.preprocessors
    assert preprocessors.index("course.authoring.assessment.RevisitOutcomes") > preprocessors.index(
        "nbgrader.preprocessors.GetGrades")


def test_a_remix_syllabus_shows_its_own_dates():
    from course.authoring.manifest import syllabus_table
    from course.authoring.remix import RemixConfig, remix_modules, term

    config = RemixConfig("taller", "Taller", ("0x00-welcome", "0x01-fundamentals"), "pico", "es", 150,
                         "2027-09-06 18:00", "America/Bogota")
    table = syllabus_table(remix_modules(config, MANIFEST), term(config, MANIFEST))
    assert "due (America/Bogota)" in table
    assert "| Mon 06 Sep 2027 | Mon 13 Sep 2027 18:00 |" in table.splitlines()[2]  # 0x00: weeks 1 and 2
    assert "| Mon 13 Sep 2027 | Mon 20 Sep 2027 18:00 |" in table.splitlines()[3]
    spanish = syllabus_table(remix_modules(config, MANIFEST), term(config, MANIFEST), config.language)
    assert spanish.startswith("| semana | tema | tipo | tiempo | clase | tarea | publicada | entrega (America/Bogota) |")
    assert "| troncal | " in spanish and "| lun 06 sept 2027 | lun 13 sept 2027 18:00 |" in spanish.splitlines()[2]
