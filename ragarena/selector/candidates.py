"""What an offline answer may quote: the sentences and clauses of the retrieved passages.

Every candidate is text of the documentation with its Markdown markup removed. A list item
whose list is introduced by a negation ("Qué no aceptamos", "No se admiten:") is quoted with
that introduction ("Qué no aceptamos: Libros de texto escolares o universitarios."): the bare
item would say the opposite of the documentation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ragarena.core.passages import Hit, Passage
from ragarena.core.text import fold

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[¿¡\"«(A-ZÁÉÍÓÚÑ0-9])")
_MARKUP = re.compile(r"(\*\*|__|`)")
_LIST_ITEM = re.compile(r"^\s*([-*+]|\d+[.)])\s+")
# Sentences longer than this also offer their ";" and ":" clauses: the shortest span that answers wins.
LONG_SENTENCE_WORDS = 22
# Negations that govern what follows them (folded text).
NEGATION = re.compile(r"\b(no|nunca|tampoco|ni|sin|ningun[oa]?|nada|prohibid[oa]s?|excepto|salvo)\b")


@dataclass(frozen=True)
class Candidate:
    text: str  # what the answer quotes
    passage: Passage
    rank: int  # retrieval rank of the passage (1-based)
    score: float  # retrieval score of the passage
    position: int  # index of the sentence in its passage
    clause: bool = False  # a ";"/":" clause of a longer sentence
    list_item: bool = False
    negated_intro: bool = False  # a list item quoted with its negative introduction
    intro: str = ""  # the sentence that introduces a list item's list
    previous: str = ""  # the sentence before it in its passage (a FAQ's question, a topic sentence)

    @property
    def header(self) -> str:
        """Where the candidate lives: page title, section and the introduction of its list."""
        return f"{self.passage.title} {self.passage.section} {self.intro}"

    @property
    def embedded_text(self) -> str:
        """What the embedder reads: where the candidate lives plus what it says."""
        return f"{self.passage.title}. {self.passage.section}. {self.text}"


def sentences(passage_text: str) -> list[str]:
    """Sentences and list items of a passage, markup removed."""
    return [text for text, _, _ in _units(passage_text)]


def display_text(passage_text: str) -> str:
    """A passage as a reader should see it in the passages panel: Markdown emphasis removed (the
    same markup candidates drop, so a quoted sentence is found in it for highlighting), list items
    as "• item", line breaks kept."""
    lines = []
    for line in passage_text.splitlines():
        item = _LIST_ITEM.match(line)
        plain = _MARKUP.sub("", _LIST_ITEM.sub("", line)).strip()
        lines.append(f"• {plain}" if item and plain else plain)
    return "\n".join(lines).strip()


def _units(passage_text: str, heading: str = "") -> list[tuple[str, bool, str]]:
    """(sentence, is list item, the text that introduces its list) for each sentence of a passage;
    a list that opens the passage is introduced by its section `heading`."""
    units: list[tuple[str, bool, str]] = []
    intro = heading
    for line in passage_text.splitlines():
        is_item = bool(_LIST_ITEM.match(line))
        line = _MARKUP.sub("", _LIST_ITEM.sub("", line)).strip()
        if not line:
            continue
        pieces = [part.strip() for part in _SENTENCE_END.split(line) if part.strip()]
        for piece in pieces:
            units.append((piece, is_item, intro if is_item else ""))
        if not is_item:
            # the last sentence of a paragraph introduces the list that may follow it
            intro = pieces[-1] if pieces and pieces[-1].endswith(":") else ""
    return units


def passage_candidates(hit: Hit) -> list[Candidate]:
    """The candidates of one passage. Questions ("¿Puedo renovar...?", FAQ headings) and sentences
    that only introduce a list ("En el bibliobús puedes:") answer nothing and are left out."""
    passage = hit.passage
    found: list[Candidate] = []
    units = _units(passage.text, passage.section)
    for position, (sentence, is_item, intro) in enumerate(units):
        if sentence.endswith(("?", ":")):
            continue
        base = dict(
            passage=passage,
            rank=hit.rank,
            score=hit.score,
            position=position,
            list_item=is_item,
            intro=intro,
            previous=units[position - 1][0] if position else "",
        )
        if is_item and NEGATION.search(fold(intro)):
            found.append(Candidate(f"{intro.rstrip(':').strip()}: {sentence}", negated_intro=True, **base))
            continue
        found.append(Candidate(sentence, **base))
        if len(sentence.split()) > LONG_SENTENCE_WORDS:
            clauses = [c.strip() for c in re.split(r"(?<=[;:])\s+", sentence) if c.strip()]
            if len(clauses) > 1:
                found.extend(
                    Candidate(c.rstrip(";").strip(), clause=True, **base)
                    for c in clauses
                    if len(c.split()) >= 3 and not c.endswith(":")
                )
    return found


def candidates(hits: Sequence[Hit]) -> list[Candidate]:
    return [candidate for hit in hits for candidate in passage_candidates(hit)]


def corpus_candidate_texts(passages: Sequence[Passage]) -> list[str]:
    """What the embedder reads for every candidate any passage can offer (for shipping their vectors):
    the candidate with where it lives, and the candidate alone (which tells apart the sentences of
    one section, whose titled vectors are close)."""
    texts: dict[str, None] = {}
    for passage in passages:
        for candidate in passage_candidates(Hit(passage, 0.0, 1)):
            texts[candidate.embedded_text] = None
            texts[candidate.text] = None
    return list(texts)
