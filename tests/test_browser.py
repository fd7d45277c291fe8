"""The course in a real JupyterLab, in headless Chromium: what learners and instructors see.

One JupyterLab server serves a temporary copy of the course with nbgrader's student versions; one
Chromium opens the notebooks. Screenshots of what the tests saw go to docs/screenshots/ (the README
shows them).
"""
import shutil

import nbformat
import pytest
from browser_helpers import (
    STDERR,
    STDOUT,
    TOKEN,
    VIEWPORT,
    Lab,
    cell,
    launch_chromium,
    nbgrader_meta,
    open_notebook,
    pass_line,
    shutdown_kernel,
    solved_student_version,
    start_lab,
    start_run_all,
    stop_lab,
    validate,
    wait_for_run,
)
from conftest import ASSIGNMENTS, ROOT, notebook_name
from playwright.sync_api import sync_playwright

pytestmark = pytest.mark.browser

SCREENSHOTS = ROOT / "docs" / "screenshots"
LECTURE = "notebooks/0x00-welcome.ipynb"     # the fastest lecture; it has figures and two explorers
KEYBOARD = "keyboard-explorer.ipynb"          # one explorer with one control of each kind the course uses
KEYBOARD_CODE = """\
import ipywidgets as widgets
from course.notebook.explorer import explorer
from course.notebook.figures import new_figure

def draw(count, share, rate, window, letter, board):
    summary = (f"count={count} share={share:g} rate={rate:g} window={window[0]:g}-{window[1]:g} "
               f"letter={letter} board={board}")
    fig = new_figure((2, 1.5))
    fig.subplots().bar(range(4), [count, share, window[0], window[1]])
    fig.alt = f"Bars for {summary}."
    return fig, summary

explorer({
    "count": widgets.IntSlider(value=3, min=0, max=10, description="count", continuous_update=False),
    "share": widgets.FloatSlider(value=0.5, min=0, max=1, step=0.1, description="share"),
    "rate": widgets.FloatLogSlider(value=10, base=10, min=0, max=3, step=1, description="rate", continuous_update=False),
    "window": widgets.FloatRangeSlider(value=(2, 5), min=0, max=10, step=1, description="window", continuous_update=False),
    "letter": widgets.SelectionSlider(options=["a", "b", "c"], value="a", description="letter", continuous_update=False),
    "board": widgets.ToggleButtons(options=["nano", "pico", "esp32"], value="nano", description="board"),
}, draw)
"""
# The keyboard walk through that explorer: (control number, element that takes the focus, keys, summary after).
# Toggle buttons: Tab reaches each button, Space presses it. (Not a Dropdown: closed, its arrow and letter keys go
# to JupyterLab's command-mode shortcuts, ArrowDown selecting the next cell and "x" cutting it, ipywidgets#3912;
# course.notebook.explorer refuses it.)
KEYBOARD_STEPS = [
    (0, ".noUi-handle", ["ArrowRight"], "count=4 share=0.5 rate=10 window=2-5 letter=a board=nano"),
    (1, ".noUi-handle", ["ArrowRight"], "count=4 share=0.6 rate=10 window=2-5 letter=a board=nano"),
    (2, ".noUi-handle", ["ArrowRight"], "count=4 share=0.6 rate=100 window=2-5 letter=a board=nano"),
    (3, ".noUi-handle-lower", ["ArrowRight"], "count=4 share=0.6 rate=100 window=3-5 letter=a board=nano"),
    (3, ".noUi-handle-upper", ["ArrowRight"], "count=4 share=0.6 rate=100 window=3-6 letter=a board=nano"),
    (4, ".noUi-handle", ["ArrowRight"], "count=4 share=0.6 rate=100 window=3-6 letter=b board=nano"),
    (5, "button", ["Tab", "Space"], "count=4 share=0.6 rate=100 window=3-6 letter=b board=pico"),
]


def _learner_path(assignment: str) -> str:
    return f"learner/{assignment}/{notebook_name(assignment)}"


def _untouched_path(assignment: str) -> str:
    return f"untouched/{assignment}/{notebook_name(assignment)}"


@pytest.fixture(scope="module")
def lab(released_course, tmp_path_factory):
    """JupyterLab serving the released course, plus each student version solved and untouched."""
    root = released_course
    for assignment in ASSIGNMENTS:
        name = notebook_name(assignment)
        student = nbformat.read(root / "release" / assignment / name, as_version=4)
        source = nbformat.read(ROOT / "source" / assignment / name, as_version=4)
        for folder, notebook in (("learner", solved_student_version(student, source)), ("untouched", student)):
            (root / folder / assignment).mkdir(parents=True, exist_ok=True)
            nbformat.write(notebook, root / folder / assignment / name)
    (root / "notebooks").mkdir(exist_ok=True)
    shutil.copy2(ROOT / LECTURE, root / LECTURE)
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(KEYBOARD_CODE)], metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}), root / KEYBOARD)
    server = start_lab(root, tmp_path_factory.mktemp("lab"))
    yield server
    stop_lab(server)


@pytest.fixture(scope="module")
def browser():
    """A Chromium browser context (1280×800), logged in through the token on first page load."""
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        context = chromium.new_context(viewport=VIEWPORT)
        yield context
        context.close()
        chromium.close()


class OpenNotebooks:
    """The notebooks open in the browser, one page each; closing one also stops its kernel."""

    def __init__(self, lab: Lab, context):
        self.lab, self.context = lab, context
        self.pages, self.running = {}, set()

    def open(self, path: str):
        """The page showing the notebook at `path` (opened now if it is not open yet)."""
        if path not in self.pages:
            self.pages[path] = open_notebook(self.context, self.lab, path)
        return self.pages[path]

    def run_all(self, path: str):
        """The notebook's page, with Run All started (once)."""
        page = self.open(path)
        if path not in self.running:
            start_run_all(page)
            self.running.add(path)
        return page

    def close(self, path: str) -> None:
        self.pages.pop(path).close()
        self.running.discard(path)
        shutdown_kernel(self.lab, path)


@pytest.fixture(scope="module")
def notebooks(lab, browser):
    opened = OpenNotebooks(lab, browser)
    yield opened
    for path in list(opened.pages):
        opened.close(path)


def _screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / name)


def _rendered_problems(page) -> list[str]:
    """Error or stderr outputs, widgets whose view failed, code cells that did not run, and output
    images that did not load (the Colab badge is an image from the internet: not checked)."""
    problems = [f"stderr/error output: {text[:300]}" for text in page.locator(f".jp-Notebook {STDERR}").all_inner_texts()]
    # a widget whose view failed shows an error box; a click on it shows the message and the stack below a header line
    problems += [" ".join(text.splitlines()[1:3]) for text in page.locator(".jp-Notebook .jupyter-widgets-error-widget").evaluate_all(
        "errors => errors.map(e => { e.parentElement.click(); return e.innerText; })")]
    prompts = page.locator(".jp-Notebook .jp-CodeCell .jp-InputPrompt").all_inner_texts()
    problems += [f"code cell {i} did not run (prompt {p!r})" for i, p in enumerate(prompts) if not p.strip()[1:-2].isdigit()]
    sizes = page.locator(".jp-Notebook .jp-OutputArea-output img").evaluate_all(
        "imgs => imgs.map(i => [i.naturalWidth, i.naturalHeight])")
    problems += [f"output image {i} has size {w}×{h}" for i, (w, h) in enumerate(sizes) if not (w and h)]
    return problems


def _graded_cells(assignment: str) -> list[tuple[int, nbformat.NotebookNode]]:
    notebook = nbformat.read(ROOT / "release" / assignment / notebook_name(assignment), as_version=4)
    return [(i, c) for i, c in enumerate(notebook.cells) if nbgrader_meta(c).get("grade")]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_assignment_in_jupyterlab(assignment, notebooks):
    """A learner's week: Validate fails on the untouched student version (every graded cell), the
    solved version runs with every visible test printing its pass line, and Validate says success.

    To save time, kernels run while nbgrader validates (Validate blocks the server, not the kernels):
    the solved notebook runs during the untouched version's Validate, and the next notebook during
    this week's Validate.
    """
    solved_path = _learner_path(assignment)
    solved = notebooks.run_all(solved_path)       # started ahead by the previous week's test, or now

    # 1. The untouched student version: Validate reports every graded cell as failed, none as changed.
    untouched = notebooks.open(_untouched_path(assignment))
    text = validate(untouched).inner_text()
    if assignment == ASSIGNMENTS[0]:
        _screenshot(untouched, "validate-failure.png")
    notebooks.close(_untouched_path(assignment))
    assert "has changed" not in text, text[:2000]
    # graded cells: test cells, and written answers ("YOUR ANSWER HERE" is no response yet)
    graded = [c for _, c in _graded_cells(assignment) if c.cell_type == "code" or nbgrader_meta(c).get("solution")]
    assert text.count("The following cell failed:") == len(graded), \
        f"expected all {len(graded)} graded cells of the untouched version to fail:\n{text[:3000]}"

    # 2. The solved version, run in the browser: nothing failed, every visible test printed its pass line.
    wait_for_run(solved)
    assert not _rendered_problems(solved), _rendered_problems(solved)
    missing = {}
    for index, test in _graded_cells(assignment):
        if test.cell_type == "code":
            printed = "\n".join(cell(solved, index).locator(STDOUT).all_inner_texts())
            expected = pass_line(test.source)
            if not expected or expected not in printed:
                missing[nbgrader_meta(test)["grade_id"]] = (expected, printed)

    last_test = max(index for index, c in _graded_cells(assignment) if c.cell_type == "code")
    cell(solved, last_test).evaluate("node => node.scrollIntoView({block: 'center'})")   # for the screenshot

    # 3. Validate the solved version, while the next notebook runs (next week's, or the lecture).
    following = [_learner_path(a) for a in ASSIGNMENTS[ASSIGNMENTS.index(assignment) + 1:]] + [LECTURE]
    notebooks.run_all(following[0])
    text = validate(solved).inner_text()
    if assignment == ASSIGNMENTS[0]:
        _screenshot(solved, "validate-success.png")
    notebooks.close(solved_path)
    assert "Success! Your notebook passes all the tests." in text, text[:3000]
    assert not missing, f"visible test cells without their pass line (expected, printed): {missing}"


def test_lecture_figures_render_and_an_explorer_responds_to_its_slider(notebooks):
    page = notebooks.run_all(LECTURE)
    wait_for_run(page)
    assert not _rendered_problems(page), _rendered_problems(page)
    assert page.locator(".jp-Notebook [data-mime-type='image/png'] img").count() >= 2, "the lecture's figures are missing"
    figure = page.locator(".jp-Notebook [data-mime-type='image/png'] img").first
    figure.evaluate("img => img.closest('.jp-Cell').scrollIntoView({block: 'center'})")
    _screenshot(page, "lecture-figure.png")

    # The gradient-descent explorer: its "steps" slider redraws the picture and the summary.
    explorer = page.locator(".jp-Notebook .widget-vbox", has=page.locator(".widget-image")).filter(
        has=page.locator(".widget-slider", has_text="steps")).last
    explorer.scroll_into_view_if_needed()
    picture, summary = explorer.locator(".widget-image"), explorer.locator(".widget-html")
    before = (picture.get_attribute("src"), summary.inner_text())
    handle = explorer.locator(".widget-slider", has_text="steps").locator(".noUi-handle")
    handle.focus()
    for _ in range(5):
        handle.press("ArrowRight")
    page.wait_for_function("([img, old]) => img.src !== old", arg=[picture.element_handle(), before[0]], timeout=60_000)
    after = (picture.get_attribute("src"), summary.inner_text())
    assert after[1] != before[1], f"the summary did not change: {after[1]!r}"
    assert picture.evaluate("img => img.naturalWidth * img.naturalHeight") > 0
    # JupyterLab (4.6) gives an output's <img> no alt attribute: neither the output's `alt` metadata
    # nor its text/plain reach it. An explorer's picture shows its text alternative as its title.
    assert picture.get_attribute("title"), "the explorer's picture has no text alternative (title)"
    page.locator(".jp-StatusBar-Widget", has_text="| Idle").first.wait_for()
    _screenshot(page, "widget-explorer.png")

    # Markdown printed by code is typeset by MathJax: two "$" in one output make a formula of the text between.
    typeset = page.locator(".jp-Notebook .jp-OutputArea-output mjx-container").count()
    assert not typeset, f"{typeset} formula(s) typeset in Markdown outputs: escape dollar signs as \\$"


def _tab_to(page, control, target: str) -> None:
    """Press Tab (twice at most: a slider's readout comes after its handle) until `target` in `control` has the focus."""
    for _ in range(2):
        page.keyboard.press("Tab")
        if control.evaluate("(w, target) => w.contains(document.activeElement) && document.activeElement.matches(target)", target):
            return
    focused = page.evaluate("() => document.activeElement.outerHTML.slice(0, 300)")
    raise AssertionError(f"Tab did not reach {target} in {control.inner_text()!r}; the focus is on {focused}")


def test_every_explorer_control_is_operable_from_the_keyboard(notebooks):
    """An explorer with one control of each kind the course uses: from the first control, Tab reaches
    every next one and the keyboard alone changes it (both handles of a range slider); each change
    redraws the summary and the picture, whose title is the figure's text alternative."""
    page = notebooks.run_all(KEYBOARD)
    wait_for_run(page)
    problems = _rendered_problems(page)
    assert not problems, problems
    explorer = page.locator(".jp-Notebook .widget-vbox", has=page.locator(".widget-image")).first
    controls = explorer.locator(".widget-hbox").first.locator(":scope > *")  # one element per control
    summary, picture = explorer.locator(".widget-html"), explorer.locator(".widget-image")
    assert controls.count() == len({index for index, *_ in KEYBOARD_STEPS}), controls.all_inner_texts()

    for step, (index, target, keys, expected) in enumerate(KEYBOARD_STEPS):
        control = controls.nth(index)
        if step:
            _tab_to(page, control, target)
        else:
            control.locator(target).first.focus()
        before = picture.get_attribute("src")
        for key in keys:
            page.keyboard.press(key)
        page.wait_for_function("([html, img, text, old]) => html.innerText.trim() === text && img.src !== old",
                               arg=[summary.element_handle(), picture.element_handle(), expected, before], timeout=60_000)
        assert picture.get_attribute("title") == f"Bars for {expected}.", picture.get_attribute("title")
    assert picture.evaluate("img => img.naturalWidth * img.naturalHeight") > 0
    notebooks.close(KEYBOARD)


def test_formgrader_lists_every_assignment(lab, browser):
    page = browser.new_page()
    page.goto(f"{lab.url}/formgrader?token={TOKEN}")
    page.get_by_text("Manage Assignments").first.wait_for(timeout=60_000)
    table = page.locator("table").first
    for assignment in ASSIGNMENTS:
        table.get_by_text(assignment, exact=True).first.wait_for(timeout=60_000)
    _screenshot(page, "formgrader.png")
    page.close()
