"""People's 1-5 ratings of Chat answers, on the study's three criteria: what a rating may hold
(`rules`), their store beside the votes' (`store`, same database), their statistics (`stats`) and
their agreement with the LLM judge (`judge_agreement`). Read by the leaderboard.

Layer 11 of the import order (tests/test_layout.py): may import core up to arena (the vote store it
shares, the vote reasons' criteria); nothing from leaderboard, publish, ui or commands.
"""
