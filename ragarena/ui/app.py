"""The whole Gradio app: Chat, Arena and Leaderboard tabs around one shared context."""

from __future__ import annotations

import gradio as gr

from ragarena import model_check
from ragarena.engine import Engine
from ragarena.i18n import _
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
                gr.Markdown(_("# RAG Arena\nPregunta a la documentación, compara modelos a ciegas y vota la "
                              "mejor respuesta."))
            language = language_switch()
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"):
                build_chat_tab(ctx, language)
            with gr.Tab("Arena", id="arena"):
                build_arena_tab(ctx, language)
            with gr.Tab(_("Clasificación"), id="leaderboard"):
                build_leaderboard_tab(ctx, language)
        relabel_on_switch(demo, language)
    demo.ragarena_context = ctx
    return demo
