"""Scoring: evaluation and its metrics, the LLM judge (`judge_rubric`, `judge_reply`, `judge`,
`judge_cache`, `judge_setup`), stored scores with provenance, crowd Bradley-Terry ratings from votes
(`arena_ratings`, on `battle_arrays`, `battle_cells`, `bradley_terry` and `style_control`), and the
statistics of people's 1-5 ratings of Chat answers (`rating_stats`) and their agreement with the
judge (`judge_agreement`); those ratings are stored by `ragarena.arena.answer_ratings`.

May import retrieval, answering, arena and store; nothing from selector, leaderboard, datasets, ui
or commands.
"""
