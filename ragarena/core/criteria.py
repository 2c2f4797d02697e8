"""The study's three criteria, scored 1 to 5: by the LLM judge (stored scores), by people rating a
Chat answer, and named by the Arena's vote reasons."""

CRITERIA = ("answer_relevance", "context_relevance", "groundedness")
