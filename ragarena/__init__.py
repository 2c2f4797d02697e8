"""RAG Arena: chat with Spanish documentation, compare answer models, vote, rank."""

__version__ = "0.1.0"
