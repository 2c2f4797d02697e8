"""Leaderboard tab (being built): judge scores with provenance and crowd ratings."""

import gradio as gr

from ragarena.ui.context import AppContext


def build_leaderboard_tab(ctx: AppContext) -> None:
    gr.Markdown("La clasificación estará disponible pronto.")
