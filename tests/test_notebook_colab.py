import subprocess
import sys

import pytest

from course import __version__
from course.notebook.colab import REPOSITORY, SETUP_CELL, badge_markdown, colab_url

pytestmark = pytest.mark.unit


def test_colab_url_opens_the_file_at_the_pinned_revision():
    url = colab_url("notebooks/0x00-welcome.ipynb")
    assert url == f"https://colab.research.google.com/github/{REPOSITORY}/blob/v{__version__}/notebooks/0x00-welcome.ipynb"
    assert f"]({url})" in badge_markdown("notebooks/0x00-welcome.ipynb")


def test_setup_cell_pins_the_revision_and_does_nothing_outside_colab(tmp_path):
    assert f"@v{__version__}" in SETUP_CELL
    # Run the cell in a real IPython outside Colab: it must not try to install anything.
    script = tmp_path / "cell.ipy"
    script.write_text(SETUP_CELL + "\nprint('installed' if '_source' in dir() else 'skipped')\n")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "IPython", "--quick", str(script)],
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("skipped")
