"""The Arena: a round's typed state and its turns (both models answering, metered), the vote store
and its rows, voters and their screening (hygiene, on the Bradley-Terry fit of `scoring`), vote
reasons and sharing votes with the Hub. First steps of the vote → leaderboard path (the battle
record and whether a vote counts are shared vocabulary, in `core`).

Layer 10 of the import order (tests/test_layout.py): may import core, settings, store, reader,
retrieval, selector, answering, datasets and scoring.
"""
