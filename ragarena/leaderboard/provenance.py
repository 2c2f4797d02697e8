"""Where every figure of the leaderboard comes from, in the page's language: one sentence per stored
score record (`record_provenance`) and, per row of the ranked table, the provenance of all its
figures (`provenance_markdown`: the judge's and the automatic records the row took, the quoted
source of a published row, and how many arena votes and people's ratings it has).
"""

from __future__ import annotations

import re

from ragarena.answering.safe_markdown import literal, safe
from ragarena.core.i18n import DEFAULT_LANGUAGE, _, localize
from ragarena.leaderboard.build import Leaderboard
from ragarena.leaderboard.table import _count, _day
from ragarena.scoring import scores as score_store

_COMMAND = re.compile(r"`([^`]+)`")


def record_provenance(record: dict, language: str = DEFAULT_LANGUAGE) -> str:
    """One sentence in `language` saying where a stored record's figures come from. Published
    records give their own text (``source_en`` for English when they have it)."""
    kind = record.get("kind")
    if kind == "published":
        source = record.get(f"source_{language}") or record.get("source") or ""
        return localize(_("Cifra publicada, citada tal cual: {source}", source=source), language)
    found = _COMMAND.search(record.get("source") or "")
    command = record.get("command") or (found.group(1) if found else None)
    where = {
        "n": record.get("n_items"),
        "dataset": record.get("dataset") or "?",
        "split": record.get("split") or "?",
        "date": _day(record.get("date")),
    }
    if kind == "automatic":
        text = _(
            "Eval automática de {n} turnos de {dataset} (split {split}, recuperación {retrieval}), {date}.",
            retrieval=record.get("retrieval") or "?",
            **where,
        )
    else:
        text = _(
            "Juez LLM «{judge}» sobre {n} respuestas de {dataset} (split {split}), {date}.",
            judge=record.get("judge") or "?",
            **where,
        )
    return localize(text, language) + (f" `{command}`" if command else "")


def provenance_markdown(board: Leaderboard, language: str = DEFAULT_LANGUAGE) -> str:
    """Per row of the ranked table, the full provenance of its figures (a Markdown list)."""
    # The records the table took: the same choice `build_leaderboard` makes.
    latest = {
        (model, kind): record
        for kind in ("measured", "automatic")
        for model, record in score_store.latest_measured(board.records, kind).items()
    }
    # Published rows are sorted by their figures, not in file order: each takes the first record left
    # with its model, source and date.
    published = [r for r in board.records if r["kind"] == "published"]
    lines = []
    for row in board.table.to_dict("records"):
        parts = []
        if row.get("score_kind") == "published":
            record = next(
                (
                    r
                    for r in published
                    if (r["model"], r["source"], r.get("date"))
                    == (row["model"], row.get("source"), row.get("score_date"))
                ),
                None,
            )
            if record is not None:
                published.remove(record)
                parts.append(record_provenance(record, language))
        else:
            for kind in ("measured", "automatic"):
                if (row["model"], kind) in latest:
                    parts.append(record_provenance(latest[(row["model"], kind)], language))
        votes, ratings = _count(row.get("votes")), _count(row.get("crowd_n"))
        if votes or ratings:
            parts.append(
                localize(
                    _(
                        "Público: {votes} votos de la arena y {ratings} valoraciones del Chat.",
                        votes=votes,
                        ratings=ratings,
                    ),
                    language,
                )
            )
        # Stored names and sources are data: through the one rendering path (`record_provenance` is plain
        # text, as the stored scores table shows it).
        lines.append(f"- **{literal(row['label'])}**: " + safe(" ".join(parts or ["—"]), hosts=()))
    return "\n".join(lines)
