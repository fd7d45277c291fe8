"""The learner-facing strings of code cells: found by where they go, rewritten without changing the code."""
import ast

import nbformat
import pytest
from conftest import ROOT

from course.authoring.code_strings import UnparsableCell, code_strings, fields, literal, parse_cell, rewrite, split
from course.authoring.translation import notebooks

pytestmark = pytest.mark.unit

CELL = '''import warnings
name = "results.csv"                      # a file name: not shown
print(f"Accuracy: {acc:.1%} on {len(x):,} clips")
ax.set_title("Loss against epoch")
ax.plot(t, y, label="train", color="k")   # a label is shown; a colour is not
config["mode"] = "fast"
assert acc > 0.9, f"only {acc:.0%}: train for more epochs"
if acc < 0:
    raise ValueError("accuracy cannot be negative")
display(Markdown("**" + verdict + "** — " + ("well done" if ok else "try again")))
print(describe(model, "summary of layers"))   # another call's argument: not shown text
print(f"{acc:.2f}")                       # no word: nothing to translate
'''


def _templates(source):
    return [s.template for s in code_strings(source)]


def test_finds_shown_strings_only_in_source_order():
    assert _templates(CELL) == ["Accuracy: {acc:.1%} on {len(x):,} clips", "Loss against epoch", "train",
                                "only {acc:.0%}: train for more epochs", "accuracy cannot be negative",
                                "well done", "try again"]
    assert [s.fstring for s in code_strings(CELL)][:2] == [True, False]


def test_ipython_magics_are_set_aside_and_other_invalid_code_is_refused():
    assert _templates('%matplotlib inline\n!ls\nprint("Hello there")') == ["Hello there"]
    with pytest.raises(UnparsableCell, match="line 1"):
        code_strings("print('a' +)")


def test_rewrite_puts_translations_in_place_and_leaves_the_rest_alone():
    spanish = rewrite(CELL, {0: "Exactitud: {acc:.1%} en {len(x):,} clips", 3: "solo {acc:.0%}: entrena más épocas"})
    assert 'print(f"Exactitud: {acc:.1%} en {len(x):,} clips")' in spanish
    assert 'assert acc > 0.9, f"solo {acc:.0%}: entrena más épocas"' in spanish
    assert spanish.replace("Exactitud: {acc:.1%} en {len(x):,} clips", "Accuracy: {acc:.1%} on {len(x):,} clips") \
        .replace("solo {acc:.0%}: entrena más épocas", "only {acc:.0%}: train for more epochs") == CELL


def test_long_translations_wrap_into_pieces_that_python_joins_again():
    source = 'display(Markdown(f"Some {n} numbers"))'
    long = "Una frase larga con {n} números, " * 8 + 'y comillas "dobles" y una barra \\ al final.'
    rewritten = rewrite(source, {0: long})
    assert max(len(line) for line in rewritten.splitlines()) <= 100 and len(rewritten.splitlines()) > 2
    assert _templates(rewritten) == [long]


def test_a_long_translation_far_to_the_right_starts_on_a_line_of_its_own():
    source = 'if True:\n    assert isinstance(value, np.ndarray) and value.shape == (49, 40), "wrong shape"'
    spanish = "la forma no es la esperada: revisa el número de tramas y de bandas mel " * 2
    rewritten = rewrite(source, {0: spanish})
    lines = rewritten.splitlines()
    assert lines[1].endswith(", (") and all(line.startswith("        ") for line in lines[2:]), rewritten
    assert max(len(line) for line in lines) <= 100 and _templates(rewritten) == [spanish]


@pytest.mark.parametrize("template, fstring", [("plain {braces} stay literal", False),
                                               ("{d['key']!r:>8} and {{escaped}} {x:{width}}", True),
                                               ('He said "hi"\nthen\tleft', False)])
def test_literal_round_trips(template, fstring):
    (found,) = code_strings(f"print({literal(template, fstring, indent=6)})")
    assert (found.template, found.fstring) == (template, fstring)


def test_fields_of_an_f_string_are_compared_whole():
    assert split("a {x:.1f} b {{c}} {d['k']}") == [("a ", "{x:.1f}"), (" b {c} ", "{d['k']}"), ("", None)]
    assert fields("{x:.1f} y {z}", True) == fields("{z} i {x:.1f}", True) != fields("{x} y {z}", True)
    with pytest.raises(ValueError):
        split("a {b")


@pytest.mark.parametrize("path", notebooks(ROOT))
def test_rewriting_every_string_with_itself_keeps_every_cell_the_same_program(path):
    for cell in nbformat.read(ROOT / path, as_version=4).cells:
        if cell.cell_type == "code":
            found = code_strings(cell.source)
            same = rewrite(cell.source, {k: s.template for k, s in enumerate(found)})
            assert ast.dump(parse_cell(cell.source)) == ast.dump(parse_cell(same)), cell.id
