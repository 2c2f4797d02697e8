"""The data files and where they go: checking data/docs and data/qa (`check`), importing RagQuAS
(`ragquas`) and publishing the app as a Hugging Face Space (`publish`).

May import retrieval and answering; nothing from selector, arena, store, scoring, leaderboard, ui
or commands.
"""
