"""Text analysis shared by retrieval, the answer selector, metrics and vote screening: accent
folding and the Spanish terms (stems without stop words) that BM25 and the answerer compare."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

import bm25s
import Stemmer


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("spanish")


# Spanish (and common Western) accented letters to their base letter: a table lookup in C,
# about 50x faster than decomposing and filtering character by character in Python.
_ACCENTS = str.maketrans("áàâäãéèêëíìîïóòôöõúùûüñç", "aaaaaeeeeiiiiooooouuuunc")
_OTHER_ACCENTED = re.compile("[\u00c0-\u024f\u0300-\u036f\u1e00-\u1eff]")


def fold(text: str) -> str:
    """Lower-case and strip accents, so "prestamo" and "préstamo" meet (users often skip them)."""
    folded = text.lower().translate(_ACCENTS)
    if not _OTHER_ACCENTED.search(folded):
        return folded
    # Rarer letters and combining marks: the general (slower) route.
    return "".join(c for c in unicodedata.normalize("NFD", folded) if not unicodedata.combining(c))


# Words that only frame a user's question ("¿cuánto cuesta...?", "quería saber si puedo...")
# and would otherwise look like rare, decisive terms.
_QUESTION_WORDS = [
    "cuanto",
    "cuanta",
    "cuantos",
    "cuantas",
    "cual",
    "cuales",
    "puedo",
    "puede",
    "pueden",
    "podria",
    "podemos",
    "quiero",
    "queria",
    "quisiera",
    "saber",
    "hola",
    "gracias",
    "vale",
    "bueno",
    "oye",
    "pues",
    "entonces",
    "alguien",
    "algun",
    "alguna",
    "hacer",
    "hago",
]


@lru_cache(maxsize=1)
def stopwords() -> list[str]:
    """bm25s's Spanish stop words, accent-folded like the text, plus question framing words."""
    from bm25s.stopwords import STOPWORDS_SPANISH

    return sorted({fold(word) for word in STOPWORDS_SPANISH} | set(_QUESTION_WORDS))


def _stem_words(words: list[str]) -> list[str]:
    # Snowball stems "prestamos" to "prest" but "prestamo" to "prestam"; dropping the plural
    # "-s" after a/o first makes singular and plural meet ("dias"/"dia" too).
    return _stemmer().stemWords([w[:-1] if len(w) > 3 and w[-1] == "s" and w[-2] in "ao" else w for w in words])


def analyze(texts: Sequence[str]) -> list[list[str]]:
    """Stems of each text without Spanish stop words: the terms BM25 and the answerer compare."""
    return bm25s.tokenize(
        [fold(text) for text in texts],
        stopwords=stopwords(),
        stemmer=_stem_words,
        return_ids=False,
        show_progress=False,
    )
