"""Scoring: evaluation and its metrics, the LLM judge (`judge_rubric`, `judge_reply`, `judge`,
`judge_cache`, `judge_setup`), stored scores with provenance, and crowd Bradley-Terry ratings from
votes (`arena_ratings`, on `battle_arrays`, `battle_cells`, `bradley_terry` and `style_control`).

Layer 9 of the import order (tests/test_layout.py): may import core, settings, store, reader,
retrieval, selector, answering and datasets; nothing from arena, answer_ratings, leaderboard, ui or
commands (the votes it rates come as battle records, `core.battles`).
"""
