"""The leaderboard, computed outside the UI: `build` assembles rows from battles and stored scores,
`board` ties it to the app (screening, caching), `table`, `text` and `figures` render it.
Last step of the vote → leaderboard path.

May import arena, store and scoring (and retrieval/answering through them); nothing from selector,
datasets, ui or commands.
"""
