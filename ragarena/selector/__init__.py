"""The offline answer selector: candidate sentences, their features and vectors and the fitted
linear model. Served by `answering.backends.selector`, fitted by `answering.selector_training`.

Layer 6 of the import order (tests/test_layout.py): may import core, settings, store, reader and
retrieval.
"""
