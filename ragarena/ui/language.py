"""The language switch (Español / English) and the relabelling of every component it drives.

Components are built with Spanish `ragarena.core.i18n.Text` labels; Gradio keeps the arguments a
component was built with, so after the tabs are built `relabel_on_switch` finds every `Text`
among them and, when the user switches language, sends each component its labels again in
that language. Messages computed by the handlers take the switch as an input and are
rendered with `localize` (each tab does that for its own outputs).

``?lang=en`` in the page address opens the page in English (for sharing a link).
"""

from __future__ import annotations

import gradio as gr

from ragarena.core.i18n import DEFAULT_LANGUAGE, LANGUAGES, Text, localize, normalize_language
from ragarena.ui.theme import SET_PAGE_LANGUAGE

# Properties that hold text a person reads. `value` only for components whose value is fixed
# text (a Textbox's value is the user's input and must survive a switch).
TEXT_PROPS = ("label", "info", "placeholder", "choices", "headers", "title")
STATIC_VALUE_TYPES = (gr.Markdown, gr.HTML, gr.Button)


def language_switch() -> gr.Radio:
    return gr.Radio(
        [(name, code) for code, name in LANGUAGES.items()],
        value=DEFAULT_LANGUAGE,
        label="Idioma · Language",
        elem_id="language",
        container=False,
        min_width=200,
        scale=0,
    )


def has_text(value) -> bool:
    if isinstance(value, Text):
        return True
    if isinstance(value, (list, tuple)):
        return any(has_text(item) for item in value)
    return False


def translatable(block) -> dict[str, object]:
    """The constructor arguments of `block` that hold Spanish `Text` to render again."""
    args = getattr(block, "constructor_args", None) or {}
    props = {key: args[key] for key in TEXT_PROPS if has_text(args.get(key))}
    if isinstance(block, STATIC_VALUE_TYPES) and has_text(args.get("value")):
        props["value"] = args["value"]
    return props


def relabel_on_switch(demo: gr.Blocks, switch: gr.Radio) -> list:
    """Wire `switch` to relabel every component built with `Text`; returns those components."""
    targets = [(block, props) for block in demo.blocks.values() if (props := translatable(block))]

    def relabel(language):
        language = normalize_language(language)
        return {block: gr.update(**localize(props, language)) for block, props in targets}

    if targets:
        switch.change(
            relabel, switch, [block for block, _props in targets], api_name=False, show_progress="hidden", queue=False
        )
    # <html lang> follows the switch (screen readers pronounce the page in it; ragarena.ui.theme).
    switch.change(None, switch, None, js=SET_PAGE_LANGUAGE, api_name=False, queue=False)

    def from_address(request: gr.Request):
        # Only an address that asks (?lang=en) sets the switch: answering "es" to every page load
        # would undo a click on English made before the load event came back.
        asked = request.query_params.get("lang") if request else None
        return normalize_language(asked) if asked else gr.skip()

    demo.load(from_address, None, switch, api_name=False, show_progress="hidden", queue=False)
    return [block for block, _props in targets]
