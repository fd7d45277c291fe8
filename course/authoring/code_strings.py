"""The learner-facing strings of a notebook's code cells: found by where they go, rewritten by translation.

A string in a code cell is learner-facing when the learner reads it in an output: it is shown
(``print``, ``Markdown``, ``HTML``), labels a figure or a widget (a title, an axis label, a legend label,
a description, a figure's ``alt`` text, an argument of a ``plot_…`` function, a dict key naming what it
draws), or explains a failure (the message of an ``assert``, of a raised
exception, of a warning). The rule needs no marker in the code, and nothing else is touched: names,
keys, file names and format codes stay as they are. Within such an argument the strings are the
literals that reach the output (through ``+``, ``%``, ``.format``, ``.join``, a conditional, a list or a
dict's keys),
not the arguments of other calls. A literal counts when it holds a word (two letters or more).

A string's **template** is what a translator sees: a plain literal's text, or an f-string with its fields
written ``{expression:spec}`` exactly as they must come back. `rewrite` puts translated templates back
into the cell's source as literals, so a translated notebook reads in its language in the code too
(the messages of visible tests, for instance), and runs without any run-time translation.
"""
import ast
import re
from dataclasses import dataclass

# Calls whose arguments a learner reads; exceptions and warnings are added by name (see `_is_sink_call`).
SHOWN_CALLS = frozenset({"print", "Markdown", "HTML", "set_title", "set_xlabel", "set_ylabel", "suptitle",
                         "supxlabel", "supylabel", "title", "xlabel", "ylabel", "text", "annotate", "legend",
                         "warn", "html_table"})
# Keyword arguments and attributes a learner reads: labels of lines, bars, widgets, and text alternatives.
SHOWN_KEYWORDS = frozenset({"label", "title", "xlabel", "ylabel", "description", "tooltip", "placeholder",
                            "alt", "caption", "labels"})
WORD = re.compile(r"[^\W\d_]{2,}")
MAGIC = re.compile(r"^(\s*)([%!])")
LINE_WIDTH = 100
MIN_PIECE = 50  # narrower than this, a long translated literal starts on a line of its own


@dataclass(frozen=True)
class CodeString:
    """One learner-facing literal of a cell: its template, whether it is an f-string, and where it is."""

    template: str
    fstring: bool
    start: tuple[int, int]  # (line, column) in characters, lines from 1
    end: tuple[int, int]


class UnparsableCell(ValueError):
    """A code cell that is not Python (after IPython's `%` and `!` lines are set aside)."""


def _masked(source: str) -> str:
    return "\n".join(MAGIC.sub(r"\1#", line) for line in source.split("\n"))


def parse_cell(source: str) -> ast.Module:
    """A code cell's syntax tree, its IPython `%` and `!` lines read as comments; `UnparsableCell` otherwise."""
    try:
        return ast.parse(_masked(source))
    except SyntaxError as error:
        raise UnparsableCell(f"line {error.lineno}: {error.msg}") from None


def _name(func: ast.expr) -> str:
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _is_sink_call(call: ast.Call) -> bool:
    name = _name(call.func)
    return name in SHOWN_CALLS or name.startswith("plot_") or name.endswith(("Error", "Exception", "Warning"))


def _literals(node: ast.expr):
    """The literals of an expression that reach its value."""
    if isinstance(node, (ast.Constant, ast.JoinedStr)):
        if isinstance(node, ast.JoinedStr) or isinstance(node.value, str):
            yield node
    elif isinstance(node, ast.BinOp):
        yield from _literals(node.left)
        yield from _literals(node.right)
    elif isinstance(node, ast.IfExp):
        yield from _literals(node.body)
        yield from _literals(node.orelse)
    elif isinstance(node, (ast.List, ast.Tuple)):
        for element in node.elts:
            yield from _literals(element)
    elif isinstance(node, ast.Dict):  # the labels of what a plot draws, e.g. {"tensor arena": (0, 18_000)}
        for key in node.keys:
            if key is not None:
                yield from _literals(key)
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        if node.func.attr == "format":
            yield from _literals(node.func.value)
        elif node.func.attr == "join":
            for argument in node.args:
                yield from _literals(argument)


def _shown_expressions(tree: ast.Module):
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert) and node.msg is not None:
            yield node.msg
        elif isinstance(node, ast.Call):
            if _is_sink_call(node):
                yield from node.args
            yield from (keyword.value for keyword in node.keywords if keyword.arg in SHOWN_KEYWORDS)
        elif isinstance(node, ast.Assign):
            if any(isinstance(t, ast.Attribute) and t.attr in SHOWN_KEYWORDS for t in node.targets):
                yield node.value


def _expression(node: ast.expr, source: str) -> str:
    """The expression as written (``1e9``, not ``1000000000.0``) when its recorded position is exact
    (not always so inside f-strings before Python 3.12), else as `ast.unparse` writes it."""
    written = ast.get_source_segment(source, node)
    try:
        exact = written is not None and ast.dump(ast.parse(written.strip(), mode="eval").body) == ast.dump(node)
    except SyntaxError:
        exact = False
    return written.strip() if exact else ast.unparse(node)


def _field(value: ast.FormattedValue, source: str) -> str:
    conversion = "" if value.conversion == -1 else "!" + chr(value.conversion)
    spec = "" if value.format_spec is None else ":" + _template(value.format_spec, source)
    return "{" + _expression(value.value, source) + conversion + spec + "}"


def _template(node: ast.Constant | ast.JoinedStr, source: str) -> str:
    if isinstance(node, ast.Constant):
        return node.value
    return "".join(_field(part, source) if isinstance(part, ast.FormattedValue)
                   else part.value.replace("{", "{{").replace("}", "}}") for part in node.values)


def split(template: str) -> list[tuple[str, str | None]]:
    """An f-string template as (text, field) pairs: text with ``{{``/``}}`` undone, then the raw ``{…}``
    field that follows it (None at the end); `ValueError` for an unbalanced brace."""
    pieces, text, index = [], "", 0
    while index < len(template):
        pair = template[index:index + 2]
        if pair in ("{{", "}}"):
            text, index = text + pair[0], index + 2
        elif template[index] == "{":
            depth, end, quote = 0, index, None
            while end < len(template):
                character = template[end]
                if quote:
                    quote = None if character == quote else quote
                elif character in "'\"":
                    quote = character
                elif character in "{[(":
                    depth += 1
                elif character in "}])":
                    depth -= 1
                    if depth == 0:
                        break
                end += 1
            if end == len(template):
                raise ValueError(f"unclosed field in {template!r}")
            pieces.append((text, template[index:end + 1]))
            text, index = "", end + 1
        elif template[index] == "}":
            raise ValueError(f"single '}}' in {template!r}")
        else:
            text, index = text + template[index], index + 1
    return pieces + [(text, None)]


def _prose(template: str, fstring: bool) -> str:
    return "".join(text for text, _ in split(template)) if fstring else template


def _character_column(lines: list[str], line: int, byte_column: int) -> int:
    return len(lines[line - 1].encode("utf-8")[:byte_column].decode("utf-8"))


def code_strings(source: str) -> list[CodeString]:
    """The learner-facing strings of a code cell, in source order; `UnparsableCell` if it is not Python."""
    lines, masked = source.split("\n"), _masked(source)
    found = {}
    for expression in _shown_expressions(parse_cell(source)):
        for node in _literals(expression):
            fstring = isinstance(node, ast.JoinedStr)
            template = _template(node, masked)
            if WORD.search(_prose(template, fstring)):
                start = (node.lineno, _character_column(lines, node.lineno, node.col_offset))
                end = (node.end_lineno, _character_column(lines, node.end_lineno, node.end_col_offset))
                found[start] = CodeString(template, fstring, start, end)
    return [found[start] for start in sorted(found)]


def fields(template: str, fstring: bool) -> list[str]:
    """The fields of a template (``{…}`` of an f-string or of a ``.format`` string), sorted, for comparison."""
    if not fstring:
        return sorted(re.findall(r"[{}]", template))
    return sorted(field for _, field in split(template) if field is not None)


def _escaped(text: str, quote: str) -> str:
    return (text.replace("\\", "\\\\").replace(quote, "\\" + quote).replace("\n", "\\n")
            .replace("\r", "\\r").replace("\t", "\\t"))


def _fstring_body(template: str, quote: str) -> str:
    return "".join(_escaped(text.replace("{", "{{").replace("}", "}}"), quote) + (field or "")
                   for text, field in split(template))


def _chunks(body: str, width: int) -> list[str]:
    """`body` cut after spaces into pieces of at most `width` characters where words allow, never inside a
    field or an escape."""
    words, current, depth, index = [], "", 0, 0
    while index < len(body):
        character = body[index]
        step = body[index:index + 2] if character == "\\" or body[index:index + 2] in ("{{", "}}") else character
        if step == character:
            depth += {"{": 1, "}": -1}.get(character, 0)
        current += step
        index += len(step)
        if character == " " and depth == 0:
            words.append(current)
            current = ""
    pieces = [""]
    for word in words + [current]:
        if pieces[-1] and len(pieces[-1]) + len(word) > width:
            pieces.append("")
        pieces[-1] += word
    return [piece for piece in pieces if piece] or [""]


def literal(template: str, fstring: bool, indent: int, tail: int = 0, base: int = 0, enclosed: bool = False) -> str:
    """Python source for `template`: a literal, or parenthesised pieces on several lines when it is long.

    Lines stay within `LINE_WIDTH` where words allow: the literal starts at column `indent` of a line indented
    by `base`, with `tail` characters after it. The pieces line up under the first one when that leaves room
    for `MIN_PIECE` characters; otherwise they start on the next line, indented by `base` + 4. Pieces are put in
    parentheses unless the literal is `enclosed` in some already (a call's, or its own)."""
    fields_text = "".join(field or "" for _, field in split(template)) if fstring else ""
    quote = '"' if '"' not in fields_text else "'"
    prefix = "f" if fstring else ""
    body = _fstring_body(template, quote) if fstring else _escaped(template, quote)
    pieces = _chunks(body, LINE_WIDTH - indent - 5 - tail)
    if len(pieces) == 1:
        return prefix + quote + body + quote
    opening, closing = ("", "") if enclosed else ("(", ")")
    if LINE_WIDTH - indent - 5 - tail >= MIN_PIECE:
        separator = "\n" + " " * (indent + len(opening))
        return opening + separator.join(prefix + quote + piece + quote for piece in pieces) + closing
    separator = "\n" + " " * (base + 4)
    pieces = _chunks(body, LINE_WIDTH - base - 7 - tail)
    return opening + separator + separator.join(prefix + quote + piece + quote for piece in pieces) + closing


def rewrite(source: str, translations: dict[int, str]) -> str:
    """`source` with its k-th learner-facing string (from 0, as `code_strings` orders them) replaced by
    ``translations[k]``, a template with the same fields."""
    strings = code_strings(source)
    lines = source.split("\n")
    for index in sorted(translations, reverse=True):
        found = strings[index]
        (first, start), (last, end) = found.start, found.end
        line, after = lines[first - 1], lines[last - 1][end:]
        opened = "\n".join(lines[:first - 1] + [line[:start]]).rstrip().endswith(("(", ","))
        alone = opened and after.lstrip().startswith((")", ","))
        new = literal(translations[index], found.fstring, indent=start, tail=len(after),
                      base=len(line) - len(line.lstrip()), enclosed=alone)
        lines[first - 1:last] = (lines[first - 1][:start] + new + lines[last - 1][end:]).split("\n")
    return "\n".join(lines)
