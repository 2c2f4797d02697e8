"""The data files: checking data/docs and data/qa (`check`) and importing RagQuAS (`ragquas`).

Layer 8 of the import order (tests/test_layout.py): may import core, settings, store, reader,
retrieval, selector and answering.
"""
