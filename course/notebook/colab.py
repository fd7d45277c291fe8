"""The Colab convention every notebook follows: an "Open in Colab" badge and a set-up cell.

Maintainers of a fork change `REPOSITORY` (and tag their releases `v<version>`), then every notebook's
badge and set-up cell to match: tests/test_conventions.py names each notebook that does not.
"""
from course import __version__
from course.notebook.language import LANGUAGE_VARIABLE, SOURCE_LANGUAGE

REPOSITORY = "tinyml-course/tinyml-course"
REVISION = f"v{__version__}"

SETUP_CELL = f'''# Set-up for Google Colab: installs the course library at the revision this notebook belongs to.
# Anywhere else (your laptop, the lab machines) it does nothing: `make lab` installed everything.
import os, sys
if "google.colab" in sys.modules or os.environ.get("COURSE_SETUP_SOURCE"):
    _source = os.environ.get("COURSE_SETUP_SOURCE", "git+https://github.com/{REPOSITORY}@{REVISION}")
    %pip install --quiet "tinyml-course @ {{_source}}"'''


def setup_cell(language: str = SOURCE_LANGUAGE) -> str:
    """The set-up cell of a notebook in `language`: a translated notebook also sets the library's language."""
    if language == SOURCE_LANGUAGE:
        return SETUP_CELL
    return SETUP_CELL + f'\nos.environ["{LANGUAGE_VARIABLE}"] = "{language}"'


def colab_url(path: str) -> str:
    """The Colab address that opens `path` (relative to the repository root) at `REVISION`."""
    return f"https://colab.research.google.com/github/{REPOSITORY}/blob/{REVISION}/{path}"


def badge_markdown(path: str) -> str:
    """Markdown for the "Open in Colab" badge of the notebook at `path`."""
    return f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab_url(path)})"
