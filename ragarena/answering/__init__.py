"""Answering: the question → answer path after retrieval: the model registry, prompts, the answer
backends (`backends/`), the engine that ties retrieval to a backend (used by Chat, Arena, `eval` and
`train/`), stream metering, filler flags, the evidence highlight, safe Markdown, and the fitting of
the offline selector backend (`selector_training`, through the scorer that backend runs).

Layer 7 of the import order (tests/test_layout.py): may import core, settings, store, reader,
retrieval and selector (the offline extractive backends quote the sentence it picks).
"""
