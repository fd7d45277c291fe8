"""Every test says what kind it is, so that `python -m pytest -m <kind>` runs a known part of the suite."""
import pytest
from conftest import COLLECTED_KINDS, KINDS

pytestmark = pytest.mark.unit


def test_every_collected_test_has_exactly_one_kind(request):
    collected = request.config.stash[COLLECTED_KINDS]
    assert request.node.nodeid in collected, "the collection hook in tests/conftest.py did not run"
    wrong = {test: found for test, found in collected.items() if len(found) != 1}
    assert not wrong, (f"give every test exactly one kind of {list(KINDS)} "
                       f"(`pytestmark = pytest.mark.<kind>` in its file): {wrong}")
