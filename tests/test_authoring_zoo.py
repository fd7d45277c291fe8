"""The model zoo: cards and the README table carry the recorded numbers, and the committed ones are up to date."""
import json

import pytest
from conftest import ROOT

from course.authoring import zoo
from course.deploy.boards import BOARDS, estimate_energy_mj, estimate_latency_ms

pytestmark = pytest.mark.unit

SPOTTER = next(m for m in zoo.DEPLOYED if m.model == "keyword spotter (lecture)")
RECORDED = {SPOTTER.flash: 19_648, SPOTTER.arena: 6_880, SPOTTER.float_quality: 0.8628,
            SPOTTER.int8_quality: 0.852, SPOTTER.max_steps: 29, SPOTTER.agreement: 0.9892,
            SPOTTER.parameters: 8_456, SPOTTER.macs: 336_000, SPOTTER.ops: 4}


class Work:
    """What the boards' estimates read from a ModelReport."""

    macs = RECORDED[SPOTTER.macs]
    ops = ("CONV_2D", "MEAN", "FULLY_CONNECTED", "SOFTMAX")


def test_a_card_carries_the_recorded_numbers_the_boards_estimates_and_its_links():
    card = zoo.card(SPOTTER, RECORDED)
    for shown in ("| parameters | 8,456 |", "| int8 flash | 19,648 B |", "| tensor arena (TFLite Micro) | 6,880 B |",
                  "| accuracy, unseen speakers: float | 86.3% |", "| accuracy, unseen speakers: int8 on TFLite Micro | 85.2% |",
                  "| TFLM vs LiteRT: argmax agreement | 98.9% |", "| MACs per inference | 336,000 |", "| operators | 4 |",
                  "[`keywords`](../../course/data/cards/keywords.md)",
                  "[`notebooks/0x03-deployment.ipynb`](../../notebooks/0x03-deployment.ipynb)", SPOTTER.limits):
        assert shown in card
    for board in BOARDS.values():
        row = next(line for line in card.splitlines() if line.startswith(f"| {board.name} |"))
        assert f"{estimate_latency_ms(Work(), board):.3g} ms" in row
        assert zoo.energy_text(estimate_energy_mj(Work(), board)) in row


def test_energy_reads_in_microjoules_below_a_millijoule_and_in_millijoules_above():
    assert (zoo.energy_text(0.1134), zoo.energy_text(2.043), zoo.energy_text(0.00051)) == ("113 µJ", "2.04 mJ", "0.51 µJ")
    for path in ("course/data/cards/keywords.md", "notebooks/0x03-deployment.ipynb", "course/deploy/boards.yml"):
        assert (ROOT / path).exists()


def test_a_value_the_notebook_did_not_record_says_so_instead_of_a_number():
    card = zoo.card(SPOTTER, {SPOTTER.flash: 19_648, SPOTTER.arena: 6_880})
    assert "| parameters | not recorded |" in card
    assert f"not recorded (`{SPOTTER.macs}`, `{SPOTTER.ops}`)" in card
    assert "| MACs per inference | not recorded |" in card


def test_every_deployed_model_has_a_card_and_a_readme_row_linking_to_it():
    table = zoo.readme_table(zoo.DEPLOYED, {SPOTTER.notebook: RECORDED})
    cards = zoo.pages(zoo.DEPLOYED, {})
    assert len(cards) == len({m.model for m in zoo.DEPLOYED}) == len(zoo.DEPLOYED)
    for model in zoo.DEPLOYED:
        assert f"| [{model.model}](docs/models/{zoo.slug(model.model)}.md) |" in table
        assert (ROOT / zoo.DATASET_CARDS / f"{model.dataset}.md").exists(), model.dataset
    assert "| 19,648 B | 6,880 B | accuracy, unseen speakers: 86.3% → 85.2% |" in table
    assert zoo.with_table(f"intro\n{zoo.README_START}\nold\n{zoo.README_END}\nrest", table) == f"intro\n{table}\nrest"


def test_committed_cards_and_readme_table_are_what_the_stored_values_make():
    recorded = json.loads((ROOT / "benchmarks" / "metrics.json").read_text(encoding="utf-8"))
    for path, text in zoo.pages(zoo.DEPLOYED, recorded).items():
        assert (ROOT / path).read_text(encoding="utf-8") == text, f"{path} is stale: python benchmarks/run.py --zoo"
    assert zoo.readme_table(zoo.DEPLOYED, recorded) in (ROOT / "README.md").read_text(encoding="utf-8"), \
        "the README's model zoo table is stale: python benchmarks/run.py --zoo"
    committed = {p.relative_to(ROOT) for p in (ROOT / zoo.CARDS).glob("*.md")}
    assert committed == set(zoo.pages(zoo.DEPLOYED, recorded)), "docs/models/ holds a card of no deployed model"
