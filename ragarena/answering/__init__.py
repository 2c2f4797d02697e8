"""Answering: the question → answer path after retrieval: the question check, the model registry,
prompts, the answer backends (`backends/`), the engine that ties retrieval to a backend (used by Chat,
Arena, `eval` and `train/`), stream metering, filler flags and safe Markdown.

May import retrieval, and selector (the offline extractive backends quote the sentence it picks) and
`scoring.metrics` (plain text overlap, for the evidence highlight); nothing from arena, store, the rest
of scoring, leaderboard, datasets, ui or commands.
"""
