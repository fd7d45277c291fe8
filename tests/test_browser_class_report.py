"""The class report (`course report`) as an instructor sees it: the HTML file opened in headless Chromium, offline,
every figure decoded and drawn, every table present."""
import pytest
from browser_helpers import VIEWPORT, launch_chromium
from fixtures import synthetic_class as klass
from playwright.sync_api import sync_playwright

from course.authoring.assessment import report
from course.grading.nbgrader import copy_course

pytestmark = pytest.mark.browser
FIGURES = ["Score distribution", "Graded cells", "Learning outcomes"]


def test_class_report_shows_its_figures_and_tables_in_chromium(tmp_path):
    course = copy_course(klass.ROOT, tmp_path / "course", include_release=False)
    klass.build(course)
    path = report(course)
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        page = chromium.new_context(viewport=VIEWPORT, offline=True).new_page()
        failed = []
        page.on("requestfailed", lambda request: failed.append(request.url))
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        images = page.eval_on_selector_all(
            "figure img", "imgs => imgs.map(i => [i.alt, i.complete && i.naturalWidth > 0, i.naturalHeight])")
        headings = page.eval_on_selector_all("h2", "hs => hs.map(h => h.textContent)")
        at_risk = page.locator("h2:text('Learners at risk') + table tbody tr").count()
        page.screenshot(path=str(tmp_path / "class-report.png"), full_page=True)
        chromium.close()
    assert [alt for alt, _, _ in images] == FIGURES
    assert all(drawn and height > 100 for _, drawn, height in images), images
    assert headings == ["Learners at risk", "Graded cells", "Learning outcomes", "Learners"]
    assert at_risk == 4 and not failed  # s25-s28 (tests/fixtures/synthetic_class.py); nothing fetched
