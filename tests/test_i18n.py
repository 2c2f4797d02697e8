"""The English option covers every marked string, and the machinery renders it faithfully."""

from __future__ import annotations

import ast
import pickle
from pathlib import Path

import pytest

from ragarena.core.errors import UserError
from ragarena.core.i18n import Text, _, localize, normalize_language, placeholders
from ragarena.core.locales import catalog

PACKAGE = Path(__file__).resolve().parent.parent / "ragarena"


def marked_templates() -> dict[str, str]:
    """Every literal passed to `_()` in the package -> where it is (file:line)."""
    found: dict[str, str] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if "locales" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_" and node.args:
                where = f"{path.relative_to(PACKAGE.parent)}:{node.lineno}"
                first = node.args[0]
                assert isinstance(first, ast.Constant) and isinstance(first.value, str), (
                    f"{where}: _() needs a string literal, so the catalog can be checked"
                )
                found.setdefault(first.value, where)
    return found


def test_every_marked_string_has_an_english_translation_with_the_same_placeholders():
    english = catalog("en")
    templates = marked_templates()
    assert len(templates) > 20  # the UI is marked at all
    missing = [f"{where}: {template!r}" for template, where in templates.items() if template not in english]
    assert not missing, "no English for:\n" + "\n".join(missing)
    mismatched = [
        f"{where}: {template!r} -> {english[template]!r}"
        for template, where in templates.items()
        if placeholders(template) != placeholders(english[template])
    ]
    assert not mismatched, "placeholders differ:\n" + "\n".join(mismatched)


def test_the_catalog_holds_no_translation_that_nothing_uses():
    unused = sorted(set(catalog("en")) - set(marked_templates()))
    assert not unused, "unused English entries (remove them):\n" + "\n".join(map(repr, unused))


def test_a_text_reads_as_spanish_and_renders_in_english_with_its_parameters_translated_too():
    inner = _("Contexto recuperado")
    text = _("Hasta {count} caracteres", count="75")
    assert text == "Hasta 75 caracteres" and isinstance(text, str)
    assert localize(text, "en") == "Up to 75 characters"
    assert localize([text, (inner, 3)], "en") == ["Up to 75 characters", ("Retrieved context", 3)]
    assert localize({"label": inner}, "en-GB") == {"label": "Retrieved context"}
    assert localize(text, "es") == "Hasta 75 caracteres"
    nested = Text("{a}", a=inner)
    assert localize(nested, "en") == "Retrieved context"


def test_errors_raised_with_a_marked_message_render_in_the_reader_language():
    error = UserError(_("No se ha recuperado ningún fragmento."))
    assert str(error) == "No se ha recuperado ningún fragmento."
    assert localize(error, "en") == "No passage retrieved."
    assert localize(ValueError("plain"), "en") == "plain"  # unmarked text passes through unchanged


def test_unknown_languages_fall_back_to_spanish_and_texts_survive_copying():
    assert normalize_language("English") == "en" and normalize_language("fr") == "es"
    assert normalize_language(None) == "es"
    copy = pickle.loads(pickle.dumps(_("Hasta {count} caracteres", count="100")))
    assert isinstance(copy, Text) and localize(copy, "en") == "Up to 100 characters"


@pytest.mark.parametrize("language", ["es", "en"])
def test_plain_strings_are_left_alone(language):
    assert localize("RAG Arena", language) == "RAG Arena"
    assert localize(42, language) == 42


def test_each_translation_lives_in_one_catalog_only():
    """A text two tabs share goes in locales/common.py, so its English cannot drift apart."""
    import importlib
    import pkgutil

    import ragarena.core.locales as locales

    owners: dict[str, list[str]] = {}
    for module in pkgutil.iter_modules(locales.__path__):
        for template in importlib.import_module(f"ragarena.core.locales.{module.name}").EN:
            owners.setdefault(template, []).append(module.name)
    shared = {template: names for template, names in owners.items() if len(names) > 1}
    assert not shared, f"defined in several catalogs (move them to common.py): {shared}"
