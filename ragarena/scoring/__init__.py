"""Scoring: evaluation and its metrics, the LLM judge, stored scores with provenance, crowd
Bradley-Terry ratings from votes (`arena_ratings`, on `battle_arrays`, `battle_cells`, `bradley_terry`
and `style_control`) and people's 1-5 ratings of Chat answers (`answer_ratings`).

May import retrieval, answering, arena and store; nothing from selector, leaderboard, datasets, ui
or commands.
"""
