"""Reference metrics: retrieval hits, SQuAD-style token F1, answer recall, abstention, answer length."""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Sequence
from difflib import SequenceMatcher

from ragarena.core.text import analyze, fold

_ARTICLES = re.compile(r"\b(el|la|los|las|un|una|unos|unas|lo|al|del)\b")
_PUNCTUATION = set(string.punctuation) | set("¿¡«»“”‘’—–…")


def normalize_answer(text: str) -> str:
    """SQuAD normalisation adapted to Spanish: fold case and accents, drop punctuation and articles."""
    text = "".join(" " if char in _PUNCTUATION else char for char in fold(text))
    return " ".join(_ARTICLES.sub(" ", text).split())


def token_f1(prediction: str, reference: str) -> float:
    predicted, gold = normalize_answer(prediction).split(), normalize_answer(reference).split()
    if not predicted or not gold:
        return float(predicted == gold)
    common = sum((Counter(predicted) & Counter(gold)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(predicted), common / len(gold)
    return 2 * precision * recall / (precision + recall)


def _squash(text: str) -> str:
    return " ".join(text.split())


def context_in_passage(context: str, passage_text: str) -> bool:
    """Gold context found in a passage: whitespace-normalised containment, or, for a context
    that a passage boundary cut in two, most of its words matched in order inside the passage."""
    context, passage = _squash(context), _squash(passage_text)
    if not context:
        return False
    if context in passage:
        return True
    words, passage_words = context.split(), passage.split()
    matcher = SequenceMatcher(None, words, passage_words, autojunk=False)
    matched = sum(block.size for block in matcher.get_matching_blocks())
    return matched > len(words) / 2


def first_hit_rank(context: str, passage_texts: Sequence[str]) -> int | None:
    """1-based rank of the first passage holding the gold context, None if none does."""
    for rank, text in enumerate(passage_texts, start=1):
        if context_in_passage(context, text):
            return rank
    return None


_ABSTENTION = re.compile(
    r"(no incluye informacion|no (se )?(encuentra|aparece|figura|menciona|recoge|especifica|consta)|"
    r"no (tengo|dispongo de|hay) (esa |esta )?informacion|no puedo responder|no esta (documentado|en la documentacion))"
)


def is_abstention(answer: str) -> bool:
    """The answer says the documentation does not cover the question."""
    return bool(_ABSTENTION.search(fold(answer)))


def word_count(text: str) -> int:
    """Words of an answer, split on whitespace (`eval`'s mean words and style control's length)."""
    return len(text.split())


def content_terms(text: str) -> set[str]:
    """The terms retrieval compares (folded, stemmed, no stop words): what answer recall counts."""
    return set(analyze([text])[0])


def answer_recall(answer: str, gold_answer: str) -> float:
    """Share of the gold answer's content terms found in the answer (0 when the gold has none)."""
    gold = content_terms(gold_answer)
    return len(gold & content_terms(answer)) / len(gold) if gold else 0.0


# An answer holding at least this share of the gold answer's content terms counts as right.
CORRECT_RECALL = 0.5


def holds_answer(text: str, gold_answer: str, gold_context: str) -> bool:
    """A quoted span that answers: it holds the gold answer's content (as `correct_rate` counts it)
    and most of its own terms come from the gold context (it is the passage that says so)."""
    own = content_terms(text)
    if not own or answer_recall(text, gold_answer) < CORRECT_RECALL:
        return False
    return len(own & content_terms(gold_context)) / len(own) >= 0.5
