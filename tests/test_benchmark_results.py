"""benchmarks/RESULTS.md says which commit its numbers were measured on, and covers the course as it is.

The recorded values are not compared with a fresh run: training on CPU is not bit-repeatable across
machines and thread counts, and a test session executes only the instructor solutions where a test can
read their outputs (nbval keeps the lectures' to itself). RESULTS.md instead names its commit, so that
anyone can check out that commit and reproduce it with `make benchmark`.
"""
import re
import subprocess

import pytest
from conftest import ASSIGNMENTS, LECTURES, ROOT, notebook_name

pytestmark = pytest.mark.unit

TEXT = (ROOT / "benchmarks" / "RESULTS.md").read_text()
MEASURED = re.compile(r"^Written by `make benchmark` \(`benchmarks/run\.py`\) on (\d{4}-\d{2}-\d{2}) "
                      r"at commit ([0-9a-f]{40})( with uncommitted changes to \d+ files)? — ", re.M)


def test_results_name_the_commit_they_were_measured_on_which_this_branch_contains():
    stated = MEASURED.search(TEXT)
    assert stated, "benchmarks/RESULTS.md must say when and on which commit it was measured: run `make benchmark`"
    commit = stated[2]
    ancestor = subprocess.run(["git", "merge-base", "--is-ancestor", commit, "HEAD"], cwd=ROOT, capture_output=True)
    assert ancestor.returncode == 0, f"commit {commit} of benchmarks/RESULTS.md is not in this branch's history"


def test_results_time_every_notebook_of_the_course():
    timed = re.findall(r"^\| `((?:notebooks|source)/[^`]+\.ipynb)` \| [\d.]+ \|", TEXT, re.M)
    labs = sorted((ROOT / "notebooks" / "labs").glob("0x*.ipynb"))
    expected = ([f"notebooks/{path.name}" for path in LECTURES] + [f"notebooks/labs/{path.name}" for path in labs]
                + [f"source/{a}/{notebook_name(a)}" for a in ASSIGNMENTS])
    assert timed == expected, "benchmarks/RESULTS.md is older than the course's notebooks: run `make benchmark`"


def test_results_measure_grading_at_scale_with_a_projection():
    rows = re.findall(r"^\| (plain serial `nbgrader autograde`|`course grade` on a running local cluster of [12] "
                      r"workers?)[^|]*\| (?:—|[\d.]+) \| [\d.]+ \| [\d.]+ \| [\d.]+ \|", TEXT, re.M)
    assert rows == ["plain serial `nbgrader autograde`", "`course grade` on a running local cluster of 1 worker",
                    "`course grade` on a running local cluster of 2 workers"], \
        "benchmarks/RESULTS.md lacks the grading-at-scale rows: run `python benchmarks/run.py --grading`"
    assert re.search(r"\*\*Projection on paper\*\*: 1,000 learners × 5 weeks .* 128 workers ≈ (\d+ h \d\d )?\d+ min", TEXT)
