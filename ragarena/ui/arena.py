"""Arena tab (being built): two anonymous models answer, the user votes."""

import gradio as gr

from ragarena.ui.context import AppContext


def build_arena_tab(ctx: AppContext) -> None:
    gr.Markdown("La arena estará disponible pronto.")
