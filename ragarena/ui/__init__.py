"""Gradio tabs: each only wires components to the modules that do the work."""

from ragarena.ui.app import build_app

__all__ = ["build_app"]
