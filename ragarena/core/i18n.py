"""Spanish by default, English on request: a small gettext-style layer for every UI label and message.

The code keeps its Spanish text inline, wrapped in ``_()``: ``_("Hasta {n} caracteres", n=500)``.
``_()`` returns a `Text`, a ``str`` that reads as the Spanish sentence everywhere (CLI, logs,
tests, stored records) and remembers its template and parameters, so the UI can render it in
the user's language at the last moment with `localize`. English lives in `ragarena.core.locales`,
keyed by the Spanish template; a test checks that every ``_()`` in the package has an English
entry with the same placeholders.

Why not only ``gr.I18n``: Gradio's i18n translates static labels in the browser, but the
server never learns the chosen locale, so messages computed in Python (errors, vote results,
tables) would stay Spanish. Here one language switch drives both.
"""

from __future__ import annotations

import string
from collections.abc import Iterable
from typing import Any

LANGUAGES = {"es": "Español", "en": "English"}
DEFAULT_LANGUAGE = "es"


class Text(str):
    """A Spanish UI string that can be rendered again in another language."""

    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, **params: Any) -> Text:
        text = super().__new__(cls, template.format(**params) if params else template)
        text.template = template
        text.params = params
        return text

    def to(self, language: str) -> str:
        template = translation(self.template, language)
        if not self.params:
            return template
        return template.format(**{key: localize(value, language) for key, value in self.params.items()})

    def __reduce__(self):  # keeps Text picklable (Gradio deep-copies component arguments)
        return (_rebuild, (self.template, self.params))


def _rebuild(template: str, params: dict[str, Any]) -> Text:
    return Text(template, **params)


def _(template: str, **params: Any) -> Text:
    """Mark Spanish UI text for translation (gettext's conventional name)."""
    return Text(template, **params)


def join_text(parts: Iterable[str], separator: str) -> Text:
    """`separator`.join(parts) as one `Text`, so each part that is a `Text` is still rendered in the
    reader's language (``str.join`` would leave them Spanish). The template is only structure
    ("{p0} · {p1}"), with no words to translate."""
    parts = list(parts)
    template = separator.replace("{", "{{").replace("}", "}}").join(f"{{p{i}}}" for i in range(len(parts)))
    return Text(template, **{f"p{i}": part for i, part in enumerate(parts)})


def normalize_language(language: str | None) -> str:
    """'en', 'en-US', 'English' → 'en'; anything unknown → Spanish."""
    code = (language or "").strip().lower()[:2]
    if code in LANGUAGES:
        return code
    return next(
        (c for c, name in LANGUAGES.items() if name.lower() == (language or "").strip().lower()), DEFAULT_LANGUAGE
    )


def translation(template: str, language: str) -> str:
    """The template in `language`; Spanish when it is Spanish or when no translation exists."""
    if normalize_language(language) == DEFAULT_LANGUAGE:
        return template
    from ragarena.core.locales import catalog

    return catalog(language).get(template, template)


def localize(value: Any, language: str | None) -> Any:
    """Render every `Text` inside `value` (also in lists, tuples, dicts and exceptions) in `language`."""
    language = normalize_language(language)
    if isinstance(value, Text):
        return value.to(language)
    if isinstance(value, BaseException):
        return localize(value.args[0], language) if len(value.args) == 1 else str(value)
    if isinstance(value, list):
        return [localize(item, language) for item in value]
    if isinstance(value, tuple):
        return tuple(localize(item, language) for item in value)
    if isinstance(value, dict):
        return {key: localize(item, language) for key, item in value.items()}
    return value


def message_of(error: BaseException) -> Text | str:
    """An exception's message, keeping its translations when it was raised with a single `Text`."""
    if len(error.args) == 1 and isinstance(error.args[0], str):
        return error.args[0]
    return str(error)


def placeholders(template: str) -> set[str]:
    """The {names} a template formats, to check a translation keeps them all."""
    return {name for _text, name, _spec, _conv in string.Formatter().parse(template) if name is not None}
