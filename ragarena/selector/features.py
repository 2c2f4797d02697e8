"""The signals the learned answer selector weighs for each candidate sentence.

All are general (no page, word or corpus ids), so a selector fitted on one documentation set
carries over to another in the same format: how much of the question a candidate covers
(idf-weighted, as retrieval weighs terms), how close it is in meaning (multilingual-e5 cosine,
absolute and relative to the best candidate), where retrieval ranked its passage, whether it
holds the kind of answer the question asks for (amount, time, count, phone), negation and list
context, and length. Request-level signals (question terms the documentation never uses) let
the same model say when nothing answers.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ragarena.core.text import analyze, fold
from ragarena.selector.candidates import NEGATION, Candidate

# What kind of answer a question asks for, and what a sentence holding it looks like: a price
# question wants an amount, a "¿a qué hora?" wants a time. (question pattern, sentence pattern), folded text.
_NUMBER_WORDS = r"(\d|\b(un|una|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|doce|quince|veinte|treinta)\b)"
ANSWER_TYPES = [
    (
        r"cuant\w* (cuesta|vale|cobra|es)|precio|cuesta|coste|cobra|tarifa|pagar|\bgratis|gratuit|\beuros?\b",
        r"\d+(,\d+)?\s?(€|euros?)|gratuit|gratis|sin coste",
    ),
    (r"\bhoras?\b|horario|a que hora|cuando abr|\babre|\bcierra", r"\d{1,2}:\d{2}|\d{1,2}\s?h\b"),
    (r"cuant[oa]s?\b|plazo|cuanto tiempo|maximo|limite", _NUMBER_WORDS),
    (r"telefono|llamar|\bemail|correo", r"\d{3}\s?\d{3}\s?\d{3}|@"),
]
# Finer cues of the same kind: (name, question pattern, sentence pattern), folded text. A "¿puedo...?"
# is answered by a sentence that allows, forbids or requires something.
_UNITS = r"(dias?|semanas?|meses|mes|horas?|minutos|anos)\b"
CUES = [
    (
        "duration",
        r"cuanto (tiempo|dura|tarda)|plazo|cuantos dias|cuantas semanas|en cuanto|durante cuanto|hasta cuando",
        r"\b(\d+|un|una|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|quince|veinte|treinta)\s+" + _UNITS,
    ),
    (
        "when",
        r"\bcuando\b|que dias?\b|que mes|horario|a que hora",
        r"\b(lunes|martes|miercoles|jueves|viernes|sabados?|domingos?|enero|febrero|marzo|abril|mayo|junio|julio|"
        r"agosto|septiembre|octubre|noviembre|diciembre|festivos?)\b|\d{1,2}:\d{2}|\d{1,2}\s?h\b",
    ),
    (
        "where",
        r"\bdonde\b|en que (sede|biblioteca|sitio|lugar)",
        r"\b(en la|en el|sede|central|mostrador|web|app|formulario|planta|sala)\b",
    ),
    ("count", r"\bcuant[oa]s\b", _NUMBER_WORDS),
    (
        "permission",
        r"^\W*(y\s+)?(se puede|puedo|podemos|pued[oe]n?|hay|es posible|teneis|tienen|aceptais|admit|dejan|"
        r"me dejan|necesit|tengo que|hace falta|sirve|es obligatorio|cobr)",
        r"\b(puedes|pueden|se puede|se permite|permitid|no se|solo|debe|deben|necesitas|necesitan|hace falta|"
        r"obligatori|gratuit)",
    ),
]
_YES_NO = re.compile(r"^\W*(se puede|puedo|pued[oe]n?|hay|es posible|teneis|tienen|aceptais|admit|dejan|me dejan)\b")

LEXICAL_FEATURES = (
    "coverage",
    "coverage_with_header",
    "coverage_gap",
    "passage_coverage_gap",
    "previous_coverage",
    "section_coverage",
    "term_share",
    "history_coverage",
    "precision",
    "inverse_rank",
    "relative_score",
    "type_wanted",
    "type_match",
    "type_missing",
    "negation",
    "question_negation",
    "yes_no_negation",
    "list_item",
    "negated_intro",
    "clause",
    "first_sentence",
    "log_words",
    "long",
    "unknown_terms",
    "log_question_terms",
    "coverage_with_context",
    "passage_question_coverage",
    "focus_in_passage",
    "repeats_previous_answer",
    "focus_in_candidate",
    "focus_in_context",
    "has_digit",
    "position",
    *(f"{name}_{kind}" for name, _, _ in CUES for kind in ("match", "missing")),
    # the same for every candidate of a turn: they only inform the decision to abstain
    "passages_coverage",
    "focus_in_passages",
    "rarest_missing",
)
EMBEDDING_FEATURES = (
    "cosine",
    "cosine_gap",
    "passage_cosine_gap",
    "inverse_cosine_rank",
    "history_cosine",
    "cosine_x_coverage",
    "alone_cosine",
    "alone_cosine_gap",
    "alone_passage_cosine_gap",
    "inverse_alone_cosine_rank",
    "alone_history_cosine",
)
FEATURES = LEXICAL_FEATURES + EMBEDDING_FEATURES


@dataclass(frozen=True)
class Query:
    question: str
    history: tuple[str, ...] = ()  # earlier questions, oldest first
    previous_answer: str = ""  # the answer given to the last of them


def feature_matrix(
    query: Query,
    found: Sequence[Candidate],
    idf,
    question_vector: np.ndarray | None = None,
    history_vector: np.ndarray | None = None,
    candidate_vectors: np.ndarray | None = None,
    alone_vectors: np.ndarray | None = None,
    names: Sequence[str] = FEATURES,
) -> np.ndarray:
    """(len(found), len(names)) feature values. `idf(term)` weighs terms (BM25's statistics);
    `candidate_vectors` embed each candidate with its title and section, `alone_vectors` the
    candidate alone; without vectors the embedding features are 0 (a selector fitted without
    them ignores them)."""
    weights = {t: idf(t) for t in dict.fromkeys(analyze([query.question])[0])}
    total = sum(weights.values()) or 1.0
    history: dict[str, float] = {}
    for earlier in query.history[-2:]:
        for term in analyze([earlier])[0]:
            if term not in weights:
                history.setdefault(term, idf(term))
    history_total = sum(history.values()) or 1.0
    rarest = idf("\x00")  # what a term the documentation never uses weighs
    unknown = sum(w for w in weights.values() if w >= rarest - 1e-9) / total if weights else 1.0
    folded_question = fold(query.question)
    wanted = [pattern for asks, pattern in ANSWER_TYPES if re.search(asks, folded_question)]
    question_negation = bool(NEGATION.search(folded_question))
    yes_no = bool(_YES_NO.search(folded_question))
    top_score = max((c.score for c in found), default=0.0) or 1.0
    texts = [c.text for c in found]
    terms = [set(t) for t in analyze(texts)] if texts else []
    headers = [set(t) for t in analyze([c.header for c in found])] if texts else []
    sections = [set(t) for t in analyze([c.passage.section for c in found])] if texts else []
    previous = [set(t) for t in analyze([c.previous for c in found])] if texts else []
    # the question's focus: its rarest term the documentation uses ("DVD", "electrónicos"); an answer
    # names it, or its title, section, list introduction or previous sentence does
    known = {t: w for t, w in weights.items() if w < rarest - 1e-9}
    focus = max(known, key=known.get) if known else None
    known_total = sum(known.values()) or 1.0
    # each retrieved passage's terms (with its title and section): which passage speaks of the question
    passage_texts = {c.passage.id: f"{c.passage.title} {c.passage.section} {c.passage.text}" for c in found}
    passage_terms = dict(zip(passage_texts, (set(t) for t in analyze(list(passage_texts.values()))))) if texts else {}
    retrieved: set[str] = set().union(*passage_terms.values())
    passages_coverage = sum(w for t, w in known.items() if t in retrieved) / known_total if known else 0.0
    # how rare the rarest question term no retrieved passage uses is (1: the documentation never uses it)
    rarest_missing = max((w for t, w in weights.items() if t not in retrieved), default=0.0) / (rarest or 1.0)
    # a follow-up asks for something else than what was just answered
    said = set(analyze([query.previous_answer])[0]) if query.previous_answer else set()
    cues = [(name, re.compile(pattern)) for name, asks, pattern in CUES if re.search(asks, folded_question)]
    asked = {name for name, _ in cues}
    rows = []
    for candidate, own, header, section, before in zip(found, terms, headers, sections, previous):
        folded = fold(candidate.text)
        covered = sum(w for t, w in weights.items() if t in own)
        with_header = sum(w for t, w in weights.items() if t in own or t in header)
        match = any(re.search(pattern, folded) for pattern in wanted)
        negation = bool(NEGATION.search(folded))
        words = len(candidate.text.split())
        rows.append(
            {
                "coverage": covered / total,
                "coverage_with_header": with_header / total,
                "previous_coverage": sum(w for t, w in weights.items() if t in before) / total,
                "section_coverage": sum(w for t, w in weights.items() if t in section) / total,
                "term_share": len(own & weights.keys()) / (len(weights) or 1),
                "history_coverage": sum(w for t, w in history.items() if t in own or t in header) / history_total,
                "precision": len(own & weights.keys()) / (len(own) or 1),
                "inverse_rank": 1.0 / candidate.rank,
                "relative_score": candidate.score / top_score,
                "type_wanted": float(bool(wanted)),
                "type_match": float(match),
                "type_missing": float(bool(wanted) and not match),
                "negation": float(negation),
                "question_negation": float(question_negation),
                "yes_no_negation": float(yes_no and negation),
                "list_item": float(candidate.list_item),
                "negated_intro": float(candidate.negated_intro),
                "clause": float(candidate.clause),
                "first_sentence": float(candidate.position == 0),
                "log_words": math.log1p(words),
                "long": float(words > 30),
                "unknown_terms": unknown,
                "log_question_terms": math.log1p(len(weights)),
                "coverage_with_context": sum(w for t, w in known.items() if t in own or t in header or t in before)
                / known_total,
                "passage_question_coverage": sum(
                    w for t, w in known.items() if t in passage_terms[candidate.passage.id]
                )
                / known_total,
                "focus_in_passage": float(focus in passage_terms[candidate.passage.id]),
                "repeats_previous_answer": len(own & said) / (len(own) or 1),
                "focus_in_candidate": float(focus in own),
                "focus_in_context": float(focus in own or focus in header or focus in before),
                "has_digit": float(any(ch.isdigit() for ch in candidate.text)),
                "position": float(candidate.position),
                "passages_coverage": passages_coverage,
                "focus_in_passages": float(focus in retrieved),
                "rarest_missing": rarest_missing,
            }
        )
        for name, _, _ in CUES:
            holds = any(name == asked_name and pattern.search(folded) for asked_name, pattern in cues)
            rows[-1][f"{name}_match"] = float(holds)
            rows[-1][f"{name}_missing"] = float(name in asked and not holds)
    best_coverage = max((r["coverage_with_header"] for r in rows), default=0.0)
    passage_best: dict[str, float] = {}
    for candidate, row in zip(found, rows):
        key = candidate.passage.id
        passage_best[key] = max(passage_best.get(key, 0.0), row["coverage_with_header"])
    cosines = (
        candidate_vectors @ question_vector
        if question_vector is not None and candidate_vectors is not None and len(found)
        else np.zeros(len(found))
    )
    history_cosines = (
        candidate_vectors @ history_vector
        if history_vector is not None and candidate_vectors is not None and len(found)
        else np.zeros(len(found))
    )
    vectors_given = question_vector is not None and candidate_vectors is not None
    best_cosine = float(cosines.max()) if len(found) else 0.0
    cosine_rank = np.empty(len(found))
    cosine_rank[np.argsort(-cosines, kind="stable")] = np.arange(1, len(found) + 1)
    passage_cosine: dict[str, float] = {}
    for candidate, cosine in zip(found, cosines):
        passage_cosine[candidate.passage.id] = max(passage_cosine.get(candidate.passage.id, -1.0), float(cosine))
    alone = _cosine_features(found, question_vector, history_vector, alone_vectors)
    for row, values in zip(rows, alone):
        row.update(values)
    for candidate, row, cosine, history_cosine, rank in zip(found, rows, cosines, history_cosines, cosine_rank):
        row["coverage_gap"] = row["coverage_with_header"] - best_coverage
        row["passage_coverage_gap"] = row["coverage_with_header"] - passage_best[candidate.passage.id]
        row["passage_cosine_gap"] = float(cosine) - passage_cosine[candidate.passage.id]
        row["inverse_cosine_rank"] = 1.0 / rank if vectors_given else 0.0
        row["cosine"] = float(cosine)
        row["cosine_gap"] = float(cosine) - best_cosine
        row["history_cosine"] = float(history_cosine)
        row["cosine_x_coverage"] = float(cosine) * row["coverage_with_header"]
    return np.array([[row[name] for name in names] for row in rows], dtype=np.float64).reshape(len(rows), len(names))


def _cosine_features(found: Sequence[Candidate], question_vector, history_vector, vectors) -> list[dict]:
    """Cosine of the question with each candidate alone: absolute, relative to the best candidate
    and to the best of its passage, its rank, and with the earlier questions (0 without vectors)."""
    names = (
        "alone_cosine",
        "alone_cosine_gap",
        "alone_passage_cosine_gap",
        "inverse_alone_cosine_rank",
        "alone_history_cosine",
    )
    if question_vector is None or vectors is None or not len(found):
        return [dict.fromkeys(names, 0.0) for _ in found]
    cosines = vectors @ question_vector
    history = vectors @ history_vector if history_vector is not None else np.zeros(len(found))
    rank = np.empty(len(found))
    rank[np.argsort(-cosines, kind="stable")] = np.arange(1, len(found) + 1)
    best: dict[str, float] = {}
    for candidate, cosine in zip(found, cosines):
        best[candidate.passage.id] = max(best.get(candidate.passage.id, -1.0), float(cosine))
    top = float(cosines.max())
    return [
        dict(zip(names, (float(c), float(c) - top, float(c) - best[candidate.passage.id], 1.0 / r, float(h))))
        for candidate, c, r, h in zip(found, cosines, rank, history)
    ]
