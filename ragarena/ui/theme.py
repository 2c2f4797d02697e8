"""The page's look and what it corrects in Gradio's own markup, so that axe-core finds no WCAG 2 A/AA
violation (tests/test_accessibility_browser.py) in either language:

* `THEME`: Gradio's default theme with an orange whose 500 shade (primary buttons, the selected tab)
  is Tailwind's orange-700, #c2410c: white on it is 5.2:1 (Gradio's #f97316 gives 2.8:1, under AA's 4.5).
* `HEAD`: a script in the page's <head> that keeps ``<html lang>`` in the page's language (the
  switch sets it, ``?lang=en`` at load) and rewrites what Gradio 6.31 writes in English whatever the
  page's language and offers no setting for: the Chatbot's screen-reader labels ("user's message: …",
  "bot's message: …") and its examples' list (``role="list"`` around buttons, which ARIA does not
  allow, each labelled "Select example N: …"; the button's own text names it instead).
* `page_options`: what `demo.launch` gets for the page (theme, CSS, head) and no footer: Gradio's
  footer («Use via API · Built with Gradio · Settings») follows the browser's locale rather than the
  page's switch, and its grey (#bbbbc2 on white, 1.9:1) fails AA. The API page stays at ``/?view=api``.
"""

from __future__ import annotations

import json

import gradio as gr

from ragarena.core.i18n import _, localize

# Tailwind's orange, two shades darker from 400 up: the light shades (backgrounds) stay as they were.
ORANGE_AA = gr.themes.Color(
    name="orange_aa",
    c50="#fff7ed",
    c100="#ffedd5",
    c200="#ffddb3",
    c300="#fdba74",
    c400="#ea580c",
    c500="#c2410c",
    c600="#9a3412",
    c700="#7c2d12",
    c800="#6c2e12",
    c900="#5a2510",
    c950="#431407",
)
THEME = gr.themes.Default(primary_hue=ORANGE_AA)

#: Screen-reader labels of the Chatbot's messages and examples (Gradio's own are English only).
LABELS = {"user": _("Tu mensaje: "), "bot": _("Respuesta: "), "examples": _("Preguntas de ejemplo")}

# Runs before Gradio draws the page, then on every change of the DOM (Gradio redraws a message's
# label as it streams). The labels are kept by language; `lang` follows the switch.
_SCRIPT = """
(() => {
  const LABELS = %s;
  const root = document.documentElement;
  const asked = new URLSearchParams(location.search).get("lang");
  root.lang = asked === "en" ? "en" : "es";
  const ENGLISH = /^(user|bot)'s message: /;
  const fix = () => {
    const words = LABELS[root.lang] || LABELS.es;
    document.querySelectorAll("[aria-label]").forEach((el) => {
      const label = el.getAttribute("aria-label");
      const found = label.match(ENGLISH);
      if (found) {
        el.dataset.raRole = found[1];
        el.dataset.raText = label.slice(found[0].length);
      }
      if (el.dataset.raRole) {
        const wanted = words[el.dataset.raRole] + el.dataset.raText;
        if (label !== wanted) el.setAttribute("aria-label", wanted);
      }
      if (el.classList.contains("example") && label.startsWith("Select example")) el.removeAttribute("aria-label");
    });
    document.querySelectorAll(".examples[role=list]").forEach((el) => el.setAttribute("role", "group"));
    document.querySelectorAll(".examples[role=group]").forEach((el) => {
      if (el.getAttribute("aria-label") !== words.examples) el.setAttribute("aria-label", words.examples);
    });
  };
  new MutationObserver(fix).observe(root, {subtree: true, childList: true, attributes: true,
                                           attributeFilter: ["aria-label", "role", "lang"]});
})();
"""
HEAD = (
    "<script>"
    + _SCRIPT
    % json.dumps(
        {lang: {key: localize(text, lang) for key, text in LABELS.items()} for lang in ("es", "en")}, ensure_ascii=False
    )
    + "</script>"
)

#: Sets ``<html lang>`` when the language switch changes (a browser-side listener, no server call).
SET_PAGE_LANGUAGE = "(language) => { document.documentElement.lang = language === 'en' ? 'en' : 'es'; return []; }"


def page_options(css: str) -> dict:
    """What `demo.launch` gets for the page: the theme, `css`, the head script, and no footer."""
    return {"theme": THEME, "css": css, "head": HEAD, "footer_links": []}
