"""The data files: checking data/docs and data/qa (`check`) and importing RagQuAS (`ragquas`).

May import retrieval and answering; nothing from selector, arena, store, scoring, leaderboard, ui
or commands.
"""
