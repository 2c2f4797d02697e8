"""The whole Gradio app: Chat, Arena and Leaderboard tabs around one shared context."""

from __future__ import annotations

import sys

import gradio as gr

from ragarena.answering import model_check
from ragarena.answering.engine import Engine
from ragarena.core.i18n import _, localize
from ragarena.ui.arena import build_arena_tab
from ragarena.ui.chat import build_chat_tab
from ragarena.ui.context import AppContext
from ragarena.ui.language import language_switch, relabel_on_switch
from ragarena.ui.leaderboard import CSS as LEADERBOARD_CSS
from ragarena.ui.leaderboard import build_leaderboard_tab

CSS = """
.ra-passages mark { background: #fff3a3; padding: 0 2px; }
.ra-passage { margin-bottom: .5rem; }
.ra-rate .wrap { gap: 2px !important; }
.ra-rate .wrap label { padding: 2px 6px !important; min-width: 0 !important; }
.ra-rate .wrap label input { margin: 0 3px 0 0 !important; }
.ra-rate .wrap label span { margin-left: 0 !important; }
.ra-meta { display: inline; font-size: .9em; opacity: .85; }
.ra-meta summary { display: inline; cursor: pointer; text-decoration: underline dotted; }
.ra-voted { outline: 3px solid var(--color-accent) !important; font-weight: 700 !important; }
.ra-header h1 { margin-bottom: 0 !important; }
#chat-chatbot .placeholder-content { padding-top: 2.2rem; }
#chat-chatbot .placeholder { padding: 0 .75rem; }
#chat-chatbot .examples { gap: .5rem; padding: .5rem .75rem; }
#chat-chatbot .example { padding: .5rem .75rem !important; min-height: 0 !important; }
@media (max-width: 500px) {
  #chat-chatbot { height: 37vh !important; }  /* the question box and «Enviar» stay in a 390x844 first screen */
  #chat-chatbot .examples { grid-template-columns: 1fr !important; }
  #chat-chatbot .example:nth-child(n+4) { display: none; }  /* three fit a phone's first screen */
}
.ra-header p { margin-top: 2px !important; }
"""
CSS += LEADERBOARD_CSS


def build_app(ctx: AppContext | None = None) -> gr.Blocks:
    # Passage vectors missing from the cache are computed in a thread: the page is up at once
    # and answers with BM25 until they are ready.
    ctx = ctx or AppContext(engine=Engine(background_embeddings=True))
    # Ask the API servers which models they still serve (retired, adapter not loaded) before the page
    # lists them; a slow server delays the start by at most the check's short timeout.
    ctx.engine.check_models(wait_s=model_check.CHECK_TIMEOUT_S)
    with gr.Blocks(title="RAG Arena") as demo:
        with gr.Row(equal_height=True):
            with gr.Column(scale=1, min_width=300):  # on a phone the switch wraps under the title
                gr.Markdown(
                    _(
                        "# RAG Arena\nPregunta a la documentación y recibe respuestas breves con sus fuentes; "
                        "en la Arena, compara dos modelos a ciegas y vota la mejor respuesta."
                    ),
                    elem_classes=["ra-header"],
                )
            language = language_switch()
        # Outside the tabs: a component in a tab not shown yet would read as its default on a reload.
        arena_saved = gr.BrowserState({}, storage_key="ragarena-arena")
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"):
                build_chat_tab(ctx, language)
            with gr.Tab("Arena", id="arena"):
                build_arena_tab(ctx, language, arena_saved)
            with gr.Tab(_("Clasificación"), id="leaderboard"):
                build_leaderboard_tab(ctx, language)
        relabel_on_switch(demo, language)
        for restore in ctx.extras.pop("on_load", []):  # what each tab draws again after a reload
            demo.load(**restore)
    log_unavailable(ctx)
    demo.ragarena_context = ctx
    return demo


def log_unavailable(ctx: AppContext) -> None:
    """Once, at start: the models the page does not offer and how to enable them (for whoever runs it)."""
    for spec in ctx.engine.specs:
        reason = ctx.engine.unavailable().get(spec.id)
        if reason:
            print(f"Modelo no disponible: {spec.id} ({spec.label}): {localize(reason, 'es')}", file=sys.stderr)
