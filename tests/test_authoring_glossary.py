"""Tests of course.authoring.glossary: one source, a generated page, and every term defined before it is used."""
from pathlib import Path

import nbformat
import pytest

from course.authoring import glossary

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[1]
LECTURES = sorted((ROOT / "notebooks").glob("0x*.ipynb"))
NOTEBOOKS = LECTURES + sorted((ROOT / "source").glob("0x*/*.ipynb"))
TERMS = glossary.load()


def test_the_page_is_generated_from_the_source():
    assert (ROOT / glossary.PAGE).read_text(encoding="utf-8") == glossary.render(TERMS), \
        "docs/glossary.md is out of date: run `course glossary`"


def test_every_lecture_links_to_the_glossary():
    for lecture in LECTURES:
        first = nbformat.read(lecture, as_version=4).cells[0].source
        assert f"]({glossary.LINK})" in first, f"{lecture.name}: link the glossary in the opening cell"


def test_every_term_names_a_week_of_the_course():
    weeks = {glossary.week_of(path) for path in LECTURES}
    assert TERMS and all(term.week in weeks for term in TERMS), sorted({t.week for t in TERMS} - weeks)


@pytest.mark.parametrize("term", TERMS, ids=lambda t: t.term)
def test_term_is_defined_in_or_before_the_first_week_that_uses_it(term):
    lecture = ROOT / "notebooks" / f"{term.week}.ipynb"
    defined = glossary.definition_cell(term, lecture)
    assert defined is not None, f"{term.week}'s lecture never puts {term.term!r} in bold (its definition)"
    uses = glossary.first_uses(term, NOTEBOOKS)
    earlier = {week: f"{path.relative_to(ROOT)}, cell {index}" for week, (path, index) in uses.items() if week < term.week}
    assert not earlier, f"{term.term!r} is used before {term.week} defines it: {earlier}"
    if term.week in uses and uses[term.week][0] == lecture:
        assert uses[term.week][1] >= defined, \
            f"{term.term!r} is used in cell {uses[term.week][1]} of {lecture.name}, before its definition (cell {defined})"


def test_uses_skip_previews_headings_and_code(tmp_path):
    term = glossary.Term("drift", "0x04-mlops", "…", (r"\bdrift\b",))
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# 0x03 · Intro\n\nYou will meet drift."),          # the opening promise
        nbformat.v4.new_markdown_cell("## 2 · Drift"),                                      # a heading
        nbformat.v4.new_code_cell("drift = 1  # drift\ndisplay(Markdown('no such word'))"),  # code, not prose
        nbformat.v4.new_markdown_cell("## Summary\n\nNext week: drift."),                   # a recap
        nbformat.v4.new_code_cell("display(Markdown(f'the drift is {drift}'))"),            # prose: a use
    ])
    folder = tmp_path / "notebooks"
    folder.mkdir()
    nbformat.write(notebook, folder / "0x03-deployment.ipynb")
    assert glossary.first_uses(term, [folder / "0x03-deployment.ipynb"]) == {"0x03-deployment": (folder / "0x03-deployment.ipynb", 4)}


def test_course_glossary_writes_the_page(tmp_path):
    from course.cli import main

    (tmp_path / "docs").mkdir()
    assert main(["glossary", "--root", str(tmp_path)]) == 0
    assert (tmp_path / glossary.PAGE).read_text(encoding="utf-8") == glossary.render(TERMS)
