"""course.notebook.language: the library's messages in the language COURSE_LANGUAGE names."""
import string

import polib
import pytest

from course.notebook import language
from course.notebook.language import LANGUAGE_VARIABLE, _

pytestmark = pytest.mark.unit


@pytest.fixture()
def catalog(tmp_path, monkeypatch):
    """A Spanish catalog of two messages, one translated and one fuzzy, in a temporary locale folder."""
    po = polib.POFile()
    po.append(polib.POEntry(msgid="Loss against epoch", msgstr="Pérdida por época"))
    po.append(polib.POEntry(msgid="Accuracy", msgstr="Exactitud", flags=["fuzzy"]))
    po.save(str(tmp_path / "es.po"))
    monkeypatch.setattr(language, "LOCALE", tmp_path)
    language._translations.cache_clear()
    yield
    language._translations.cache_clear()


def test_english_by_default(catalog, monkeypatch):
    monkeypatch.delenv(LANGUAGE_VARIABLE, raising=False)
    assert language.language() == "en" and _("Loss against epoch") == "Loss against epoch"
    monkeypatch.setenv(LANGUAGE_VARIABLE, " ")
    assert language.language() == "en"


def test_spanish_when_asked_and_english_where_there_is_no_sure_translation(catalog, monkeypatch):
    monkeypatch.setenv(LANGUAGE_VARIABLE, "es")
    assert _("Loss against epoch") == "Pérdida por época"
    assert _("Accuracy") == "Accuracy", "a fuzzy translation is not used"
    assert _("Something new") == "Something new"


def test_a_language_without_a_catalog_warns_once_and_stays_english(catalog, monkeypatch):
    monkeypatch.setenv(LANGUAGE_VARIABLE, "fr")
    with pytest.warns(UserWarning, match="no catalog for this language"):
        assert _("Loss against epoch") == "Loss against epoch"


def test_the_shipped_spanish_catalog_is_complete_and_keeps_every_field():
    language._translations.cache_clear()
    po = polib.pofile(str(language.catalog_file("es")))
    assert len(po) > 0 and not po.untranslated_entries() and not po.fuzzy_entries(), \
        [e.msgid for e in po.untranslated_entries() + po.fuzzy_entries()][:10]
    for entry in po:
        assert sorted(_fields(entry.msgid)) == sorted(_fields(entry.msgstr)), entry.msgid


def _fields(template: str) -> list[str]:
    return [f"{name}:{spec}" for _, name, spec, _ in string.Formatter().parse(template) if name is not None]
