"""The offline answer selector: candidate sentences, their features and vectors, the fitted linear
model, and its fitting (`python -m ragarena train-selector`). Used by `answering.backends.selector`.

May import retrieval and `scoring.metrics`; only `selector.training` also imports `answering.backends`
(the scorer it fits). Nothing from arena, store, leaderboard, datasets, ui or commands.
"""
