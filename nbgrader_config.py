"""nbgrader configuration of the TinyML course (the repository root is the course directory)."""
import os

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file

# Quiet, deterministic TensorFlow in every kernel nbgrader starts (kernels inherit this environment).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

c.CourseDirectory.course_id = "tinyml-0x"
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))

# Training cells take seconds, not minutes; 120 s per cell leaves room on a slow 2-core laptop while an
# endless loop still ends (and scores zero) within two minutes.
c.Execute.timeout = 120
c.Execute.interrupt_on_timeout = True
c.Execute.startup_timeout = 120

# Student versions: what replaces a solution.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Autograde re-inserts the instructor's grade cells and locked cells (OverwriteCells, on by default),
# so deleting or editing a test cannot change a grade. Keep that explicit here.
c.Autograde.exclude_overwriting = {}

# Feedback returned to students never shows hidden tests: neither their code (ClearHiddenTests)
# nor the traceback lines quoting it when they failed (course.feedback.HideHiddenTestTracebacks).
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "course.feedback.HideHiddenTestTracebacks",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
