"""The language of the course library's own messages: one switch, the `COURSE_LANGUAGE` variable.

The library marks every learner-facing message with `_` (figure titles, axis labels, alt texts, widget
labels, the messages of checks). `_` returns the message in the language that `COURSE_LANGUAGE` names
(default English), from the gettext catalog `course/locale/<language>.po`; a message with no translation
stays English. Marked messages with values use named fields: ``_("{n} parameters").format(n=n)``. Text kept
as data is marked where it is defined, ``N_("…")``, and translated where it is shown, ``_(item.text)``.
A notebook translated by `course remix` sets the variable in its set-up cell; anyone can set it by hand.
"""
import functools
import os
import warnings
from pathlib import Path

import polib

LANGUAGE_VARIABLE = "COURSE_LANGUAGE"
SOURCE_LANGUAGE = "en"
LOCALE = Path(__file__).resolve().parent.parent / "locale"


def language() -> str:
    """The language the library speaks now: `COURSE_LANGUAGE`, or English when it is unset or empty."""
    return os.environ.get(LANGUAGE_VARIABLE, "").strip() or SOURCE_LANGUAGE


def catalog_file(language_code: str, locale: Path | None = None) -> Path:
    """The library's catalog for `language_code` (it may not exist), in `locale` (default: this library's)."""
    return (locale or LOCALE) / f"{language_code}.po"


@functools.cache
def _translations(language_code: str) -> dict[str, str]:
    path = catalog_file(language_code)
    if not path.is_file():
        warnings.warn(f"{LANGUAGE_VARIABLE}={language_code!r}: the course library has no catalog for this "
                      f"language ({path} is missing), so its messages stay in English", stacklevel=3)
        return {}
    return {entry.msgid: entry.msgstr for entry in polib.pofile(str(path))
            if entry.msgstr and not entry.fuzzy and not entry.obsolete}


def N_(message: str) -> str:
    """Mark `message` for translation where it is defined as data (a table of the library) and return it as it
    is; where it is shown, ``_(value)`` translates it."""
    return message


def _(message: str) -> str:
    """`message` in the current language, or unchanged when it has no translation."""
    code = language()
    if code == SOURCE_LANGUAGE:
        return message
    return _translations(code).get(message, message)
