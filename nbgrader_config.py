"""nbgrader configuration of the TinyML course (the repository root is the course directory)."""
import os

from course.notebook.quiet import with_tf_environment

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file

# Quiet, deterministic TensorFlow in every kernel nbgrader starts (kernels inherit this environment).
os.environ.update(with_tf_environment(dict(os.environ)))

c.CourseDirectory.course_id = "tinyml-0x"
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))

# Training cells take seconds, not minutes; 120 s per cell leaves room on a slow 2-core laptop while an
# endless loop still ends (and scores zero) within two minutes.
c.Execute.timeout = 120
c.Execute.interrupt_on_timeout = True
c.Execute.startup_timeout = 120

# Each assignment's checks (source/<assignment>/checks.py: how its test cells are judged, see
# course/grading/verdicts.py) stay with the instructor: never released, never copied beside a submission.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "checks.py"]

# Student versions: what replaces a solution.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Sanitizing a submission: nbgrader's steps, with a DeduplicateIds that does not stop the whole run when a
# learner copied a graded cell (course/grading/sandbox.py).
c.Autograde.sanitize_preprocessors = [
    "nbgrader.preprocessors.ClearOutput",
    "course.grading.sandbox.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "nbgrader.preprocessors.OverwriteCells",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# Autograde runs every submission in the grading sandbox (course/grading/sandbox.py: bubblewrap, no network, no view
# of the course directory, an unprivileged user, limits on memory, CPU time, processes, file size and time), on
# cases drawn by the grader; ApplyVerdicts then scores every test cell from the answers it handed in, outside the
# kernel (course/grading/verdicts.py). Only autograde: learners' `nbgrader validate` keeps nbgrader's plain
# Execute and needs no bubblewrap. Without bubblewrap autograde fails, saying so; COURSE_SANDBOX=off grades
# unsandboxed (and says so for every submission).
c.Autograde.autograde_preprocessors = [
    "course.grading.sandbox.SandboxedExecute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "course.grading.verdicts.ApplyVerdicts",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
# Per-process limits inside the sandbox (generous: weeks 0x02-0x04 train TensorFlow models, run TFLite Micro
# in child processes and compile C with gcc).
c.SandboxedKernelManager.memory_mb = 4096
c.SandboxedKernelManager.cpu_seconds = 1800
c.SandboxedKernelManager.processes = 256
c.SandboxedKernelManager.file_mb = 1024
c.SandboxedKernelManager.tmp_mb = 512
c.SandboxedKernelManager.workdir_mb = 512
c.SandboxedExecute.submission_timeout = 1800

# Autograde re-inserts the instructor's grade cells and locked cells (OverwriteCells, on by default),
# so deleting or editing a test cannot change a grade. Keep that explicit here.
c.Autograde.exclude_overwriting = {}

# Feedback returned to students never shows hidden tests: not their code (ClearHiddenTests), and not their
# outputs either: ApplyVerdicts (above) replaced every test cell's outputs with its verdict's public message.
# Each learner's feedback ends with the learning outcomes to revisit and the lecture section teaching each
# (course/authoring/assessment.py, from the manifest's assessment plan).
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbgrader.preprocessors.ClearHiddenTests",
    "course.authoring.assessment.RevisitOutcomes",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]

# Late work: the policy of the manifest's term (`term.late`), applied by autograde's AssignLatePenalties through
# course/grading/schedule.py's plugin; the due dates come from `course schedule` (written into the gradebook).
from course.authoring.manifest import load as _load_manifest  # noqa: E402

_late = _load_manifest().late
c.AssignLatePenalties.plugin_class = "course.grading.schedule.LatePenalty"
c.LatePenalty.per_day = _late.per_day
c.LatePenalty.cap = _late.cap
c.LatePenalty.grace_minutes = _late.grace_minutes
