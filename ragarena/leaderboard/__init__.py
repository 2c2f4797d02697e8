"""The leaderboard, computed outside the UI: `build` assembles rows from battles, stored scores and
people's 1-5 ratings (`answer_rating_means`), with the judge-vs-arena correlations (`judge_vs_arena`)
and the vote reasons (`reason_table`); `board` ties it to the app (screening, caching); `table`,
`provenance`, `score_records`, `text` and `figures` render it.
Last step of the vote → leaderboard path.

Layer 12 of the import order (tests/test_layout.py): may import every package below it (core up to
answer_ratings); nothing from publish, ui or commands.
"""
