"""People's 1-5 ratings of Chat answers on the study's three criteria, and how they compare with the judge.

Storage: the tables ``chat_answers``, ``answer_ratings`` and ``rating_events`` of the arena's
vote database (`ragarena.store.schema`; an older database gains them when it is opened).
`AnswerRatings` uses the `VoteStore`'s `ragarena.store.db.Database` (SQLite or PostgreSQL), so it
follows the same rules: a rating acknowledged to the user is committed durably, and the checks
below run inside the rating's transaction, serialised by the database across replicas.

* Every answer the Chat tab completes is recorded (`AnswerRatings.record_answer`) with the
  model, the question, the conversation so far, the ids of the passages the model saw, the
  answer, the anonymised session (`ragarena.arena.votes.anonymize_session`) and the time. Its id is
  unguessable and lives in the session's server-side ``gr.State``.
* A rating (`AnswerRatings.rate`) gives each criterion an integer from 1 to 5 (all three are
  required) and an optional comment. One rating per answer: sending again updates it (the
  ``revisions`` count grows) until the user moves on.

Rules (refusals raise `VoteRejected`, whose Spanish message is shown to the user):

* the answer must have been produced by the server for the same session, and be that
  session's latest answer (asking the next question ends the chance to rate the previous one);
* each criterion an integer from 1 to 5; the comment at most `MAX_COMMENT` characters (control
  characters other than line breaks and tabs are removed). Comments are plain text: the app
  never renders them as HTML or Markdown;
* a session may send at most ``RAGARENA_RATINGS_PER_MINUTE`` ratings (new or updated) a minute
  (default 20), counted in the database (``rating_events``), so across replicas.

Statistics: `t_interval` (mean with a Student-t 95 % interval) is what the leaderboard shows
per model (`ragarena.leaderboard.answer_rating_means`); `match_judgements` and `agreement` compare
the ratings with the LLM judge's scores for the very same item (the judge cache key: judge,
rubric, question, conversation, passages and answer).
"""

from __future__ import annotations

import json
import math
import os
import re
import secrets
import unicodedata
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Sequence

import sqlalchemy as sa

from ragarena.errors import UserError
from ragarena.i18n import _
from ragarena.scoring.scores import CRITERIA
from ragarena.store.db import voter_keys
from ragarena.store.schema import answer_ratings, chat_answers, rating_events
from ragarena import settings
from ragarena.arena.votes import VoteRejected, anonymize_session, check_question

if TYPE_CHECKING:
    from ragarena.retrieval.corpus import Passage
    from ragarena.arena.votes import VoteStore

DEFAULT_RATINGS_PER_MINUTE = 20
DEFAULT_MIN_RATINGS = 20
MAX_COMMENT = 1000
CONFIDENCE = 0.95
#: The questions the Chat tab asks, one per criterion.
CRITERION_QUESTIONS = {
    "answer_relevance": _("¿Responde a la pregunta?"),
    "context_relevance": _("¿El contexto recuperado es el adecuado?"),
    "groundedness": _("¿La respuesta se apoya solo en el contexto?"),
}
CRITERION_NAMES = {
    "answer_relevance": _("Relevancia de la respuesta"),
    "context_relevance": _("Relevancia del contexto"),
    "groundedness": _("Fundamentación"),
    "overall": _("Media de los tres"),
}

_ANSWER_COLUMNS = ("id", "served_at", "session_hash", "model", "question", "conversation", "passage_ids", "answer")
_RATING_COLUMNS = ("answer_relevance", "context_relevance", "groundedness", "comment", "first_rated_at", "rated_at",
                   "revisions")


def ratings_per_minute_from_env() -> int:
    return settings.positive_int("RAGARENA_RATINGS_PER_MINUTE", DEFAULT_RATINGS_PER_MINUTE)


def min_ratings_from_env() -> int:
    """Ratings a model needs before the leaderboard shows its means (``RAGARENA_MIN_RATINGS``, default 20)."""
    return settings.positive_int("RAGARENA_MIN_RATINGS", DEFAULT_MIN_RATINGS)


# ---------------------------------------------------------------------------------------
# Rules on what a rating holds


def check_scores(scores: Mapping[str, Any] | None) -> dict[str, int]:
    """The three criteria as integers 1-5, or `VoteRejected` saying what is wrong."""
    scores = scores or {}
    if any(scores.get(c) is None or scores.get(c) == "" for c in CRITERIA):
        raise VoteRejected(_("Valora los tres criterios (del 1 al 5) antes de enviar la valoración."))
    clean = {}
    for criterion in CRITERIA:
        value = scores[criterion]
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        elif isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
            raise VoteRejected(_("Puntuación no válida: cada criterio se valora con un número entero del 1 al 5."))
        clean[criterion] = value
    return clean


def clean_comment(comment: Any) -> str | None:
    """The comment stripped of control characters (line breaks and tabs stay); None when empty.

    Raises `VoteRejected` when it is not text or is longer than `MAX_COMMENT` characters.
    """
    if comment is None:
        return None
    if not isinstance(comment, str):
        raise VoteRejected(_("El comentario debe ser texto."))
    text = "".join(ch for ch in comment if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs"))
    text = text.replace("\r", "").strip()
    if len(text) > MAX_COMMENT:
        raise VoteRejected(_("El comentario es demasiado largo ({length} caracteres; máximo {max_chars}).",
                             length=len(text), max_chars=MAX_COMMENT))
    return text or None


def _conversation(history: Iterable | None) -> list[dict]:
    """Earlier turns as ``[{"question", "answer"}]`` from (question, answer) pairs or such dicts."""
    turns = []
    for turn in history or []:
        if isinstance(turn, Mapping):
            turns.append({"question": str(turn.get("question", "")), "answer": str(turn.get("answer", ""))})
        else:
            question, answer = turn
            turns.append({"question": str(question), "answer": str(answer)})
    return turns


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


# ---------------------------------------------------------------------------------------
# The store


class AnswerRatings:
    """Chat answers and their ratings, in the tables of a `VoteStore`'s database (`VoteStore.db`)."""

    def __init__(self, store: "VoteStore", *, ratings_per_minute: int | None = None,
                 clock: Callable[[], float] | None = None):
        self.store = store
        self.ratings_per_minute = (ratings_per_minute if ratings_per_minute is not None
                                   else ratings_per_minute_from_env())
        self.clock = clock or store.clock
        self.db = store.db

    def record_answer(self, *, session_hash: str, model: str, question: str, answer: str,
                      conversation: Iterable | None = None, passage_ids: Sequence[str] | None = None,
                      served_at: float | None = None) -> str:
        """Store an answer the Chat tab produced; returns its new (unguessable) id."""
        if not session_hash:
            raise VoteRejected(_("No se reconoce la sesión; recarga la página."))
        if not model:
            raise ValueError("an answer needs the model that produced it")
        question = check_question(question)
        answer_id = secrets.token_hex(16)
        with self.db.write() as conn:
            conn.execute(chat_answers.insert().values(
                id=answer_id, served_at=served_at if served_at is not None else self.clock(),
                session_hash=anonymize_session(session_hash), model=model, question=question,
                conversation=_dumps(_conversation(conversation)),
                passage_ids=_dumps([str(p) for p in passage_ids or []]), answer=str(answer or "")))
        return answer_id

    def rate(self, answer_id: str | None, session_hash: str | None, scores: Mapping[str, Any] | None,
             comment: str | None = None) -> dict:
        """Store (or update) the rating of `session_hash` for `answer_id`; returns it (export format).

        The returned record has ``updated`` True when it replaced an earlier rating. Once this
        returns, the rating is committed durably. Raises `VoteRejected` as the module docstring says.
        """
        clean = check_scores(scores)
        text = clean_comment(comment)
        if not answer_id or not session_hash:
            raise VoteRejected(_("No hay ninguna respuesta que valorar en esta sesión; haz una pregunta primero."))
        session = anonymize_session(session_hash)
        with self.db.write() as conn:
            row = conn.execute(sa.select(chat_answers.c.session_hash, chat_answers.c.served_at, chat_answers.c.seq)
                               .where(chat_answers.c.id == answer_id)).first()
            if row is None or row.session_hash != session:
                raise VoteRejected(_("Esa respuesta no existe o no se produjo en esta sesión; "
                                     "no se ha guardado la valoración."))
            # The session's counts below are serialised across replicas (SQLite: BEGIN IMMEDIATE already).
            self.db.lock_keys(conn, *voter_keys(("session", session)))
            later = conn.execute(sa.select(chat_answers.c.id).where(
                chat_answers.c.session_hash == session,
                sa.or_(chat_answers.c.served_at > row.served_at,
                       sa.and_(chat_answers.c.served_at == row.served_at, chat_answers.c.seq > row.seq))
            ).limit(1)).first()
            if later is not None:
                raise VoteRejected(_("Ya has hecho otra pregunta: solo se puede valorar la última respuesta."))
            now = self.clock()
            recent = conn.execute(sa.select(sa.func.count()).select_from(rating_events).where(
                rating_events.c.session_hash == session, rating_events.c.rated_at > now - 60.0)).scalar()
            if recent >= self.ratings_per_minute:
                raise VoteRejected(_(
                    "Has enviado {count} valoraciones en el último minuto (máximo {limit}); "
                    "espera un poco antes de volver a valorar.", count=recent, limit=self.ratings_per_minute))
            updated = conn.execute(sa.select(answer_ratings.c.answer_id)
                                   .where(answer_ratings.c.answer_id == answer_id)).first() is not None
            insert = self.db.insert(answer_ratings).values(
                answer_id=answer_id, session_hash=session, **clean, comment=text, first_rated_at=now, rated_at=now)
            conn.execute(insert.on_conflict_do_update(index_elements=["answer_id"], set_={
                **{c: insert.excluded[c] for c in (*CRITERIA, "comment", "rated_at")},
                "revisions": answer_ratings.c.revisions + 1}))
            conn.execute(rating_events.insert().values(session_hash=session, rated_at=now))
            # The log only needs the last minute: older entries of this session go now.
            conn.execute(rating_events.delete().where(rating_events.c.session_hash == session,
                                                      rating_events.c.rated_at <= now - 60.0))
            record = self._export_row(conn.execute(_SELECT.where(chat_answers.c.id == answer_id)).first())
        return {**record, "updated": updated}

    def import_ratings(self, records: Iterable[Mapping[str, Any]]) -> int:
        """Add rated answers in the export format (`export_ratings`); returns how many ratings were new.

        Idempotent: an answer id already stored is skipped, so a store copied to another backend
        (``export-ratings`` then ``import-ratings``) holds the same ratings, and a second import adds nothing.
        """
        answers, ratings = [], []
        for index, record in enumerate(records):
            where = f"valoración {index + 1}"
            if not isinstance(record, Mapping) or not record.get("answer_id") or not record.get("model"):
                raise UserError(f"{where}: falta 'answer_id' o 'model'.")
            try:
                clean = check_scores(record)
                text = clean_comment(record.get("comment"))
            except VoteRejected as error:
                raise UserError(f"{where}: {error}") from None
            times = [record.get(k) for k in ("served_tstamp", "first_tstamp", "tstamp")]
            if any(isinstance(t, bool) or not isinstance(t, (int, float)) for t in times):
                raise UserError(f"{where}: 'served_tstamp', 'first_tstamp' y 'tstamp' deben ser números "
                                "(segundos desde 1970).")
            revisions = record.get("revisions", 1)
            if isinstance(revisions, bool) or not isinstance(revisions, int) or revisions < 1:
                raise UserError(f"{where}: 'revisions' debe ser un entero positivo.")
            answer_id, session = str(record["answer_id"]), str(record.get("session_hash") or "")
            answers.append(dict(id=answer_id, served_at=float(times[0]), session_hash=session,
                                model=str(record["model"]), question=str(record.get("question") or ""),
                                conversation=_dumps(_conversation(record.get("conversation"))),
                                passage_ids=_dumps([str(p) for p in record.get("passage_ids") or []]),
                                answer=str(record.get("answer") or "")))
            ratings.append(dict(answer_id=answer_id, session_hash=session, **clean, comment=text,
                                first_rated_at=float(times[1]), rated_at=float(times[2]), revisions=revisions))
        added = 0
        with self.db.write() as conn:
            for answer_row, rating_row in zip(answers, ratings):
                conn.execute(self.db.insert(chat_answers).values(**answer_row)
                             .on_conflict_do_nothing(index_elements=["id"]))
                added += len(conn.execute(self.db.insert(answer_ratings).values(**rating_row).on_conflict_do_nothing(
                    index_elements=["answer_id"]).returning(answer_ratings.c.answer_id)).all())
        return added

    # --- reading -----------------------------------------------------------------------------

    def _order(self):
        return answer_ratings.c.first_rated_at, self.db.text_order(answer_ratings.c.answer_id)

    def export_ratings(self) -> list[dict]:
        """Every rating with its answer, oldest first (export format; the session is anonymised).

        Keys: answer_id, model, question, conversation ([{question, answer}]), passage_ids, answer,
        answer_relevance, context_relevance, groundedness (integers 1-5), overall (their mean),
        comment (plain text or None), session_hash, served_tstamp, first_tstamp, tstamp (last change),
        revisions.
        """
        with self.db.read() as conn:
            rows = conn.execute(_SELECT.order_by(*self._order())).all()
        return [self._export_row(row) for row in rows]

    def scores(self) -> list[dict]:
        """Just the model and the three scores of every rating (what the leaderboard needs)."""
        query = (sa.select(chat_answers.c.model, *[answer_ratings.c[c] for c in CRITERIA])
                 .select_from(_JOINED).order_by(*self._order()))
        with self.db.read() as conn:
            rows = conn.execute(query).all()
        return [{"model": row[0], **dict(zip(CRITERIA, row[1:]))} for row in rows]

    def signature(self) -> tuple:
        """Changes whenever a rating is added or updated (for caches)."""
        with self.db.read() as conn:
            return tuple(conn.execute(sa.select(
                sa.func.count(), sa.func.max(answer_ratings.c.rated_at),
                sa.func.coalesce(sa.func.sum(answer_ratings.c.revisions), 0))).first())

    def count_ratings(self) -> int:
        with self.db.read() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(answer_ratings)).scalar()

    def count_answers(self) -> int:
        with self.db.read() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(chat_answers)).scalar()

    @staticmethod
    def _export_row(row) -> dict:
        data = dict(zip(_SELECT_COLUMNS, row))
        values = [data[c] for c in CRITERIA]
        return {
            "answer_id": data["id"], "model": data["model"], "question": data["question"],
            "conversation": json.loads(data["conversation"]), "passage_ids": json.loads(data["passage_ids"]),
            "answer": data["answer"], **{c: data[c] for c in CRITERIA},
            "overall": round(sum(values) / len(values), 3), "comment": data["comment"],
            "session_hash": data["session_hash"], "served_tstamp": data["served_at"],
            "first_tstamp": data["first_rated_at"], "tstamp": data["rated_at"], "revisions": data["revisions"],
        }


_SELECT_COLUMNS = (*_ANSWER_COLUMNS, *_RATING_COLUMNS)
_JOINED = answer_ratings.join(chat_answers, chat_answers.c.id == answer_ratings.c.answer_id)
_SELECT = sa.select(*[chat_answers.c[c] for c in _ANSWER_COLUMNS],
                    *[answer_ratings.c[c] for c in _RATING_COLUMNS]).select_from(_JOINED)


def read_ratings(path: str | os.PathLike) -> list[dict]:
    """Ratings from a JSON Lines file written by `write_ratings` (checked when imported); `UserError` if unreadable."""
    from ragarena.jsonl import parse_json_lines

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise UserError(f"No se puede leer el archivo de valoraciones {path}: "
                        f"{getattr(error, 'strerror', None) or error}") from None

    def check(record, where):
        if not isinstance(record, dict):
            raise UserError(f"{where}: se esperaba un objeto JSON.")
        return record

    return parse_json_lines(text, path, check)


def write_ratings(path: str | os.PathLike, records: Iterable[dict]) -> int:
    """Ratings as JSON Lines (UTF-8), written to a sibling and renamed; returns how many."""
    path = Path(path)
    records = list(records)
    tmp = path.with_name(path.name + ".tmp")
    try:
        with tmp.open("w", encoding="utf-8") as handle:
            for record in records:
                handle.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
        os.replace(tmp, path)
    except OSError as error:
        raise UserError(f"No se puede escribir {path}: {error.strerror or error}") from None
    return len(records)


# ---------------------------------------------------------------------------------------
# Statistics


def t_interval(values: Sequence[float], confidence: float = CONFIDENCE,
               bounds: tuple[float, float] = (1.0, 5.0)) -> tuple[float, float, float]:
    """(mean, low, high): the mean with a Student-t interval, ``mean ± t(n-1) · s / √n``.

    ``s`` is the sample standard deviation (n - 1). The interval is clipped to `bounds` (the
    1-5 scale). With fewer than two values the interval is (nan, nan); with none, everything is.
    """
    from scipy import stats

    n = len(values)
    if n == 0:
        return math.nan, math.nan, math.nan
    mean = math.fsum(values) / n
    if n < 2:
        return mean, math.nan, math.nan
    sd = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1))
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n)
    low, high = bounds
    return mean, max(low, mean - half), min(high, mean + half)


def rating_overall(rating: Mapping[str, Any]) -> float:
    """One rating's mean over the three criteria."""
    return sum(float(rating[c]) for c in CRITERIA) / len(CRITERIA)


# ---------------------------------------------------------------------------------------
# Agreement between the judge and people


def judge_passage_text(passage: "Passage") -> str:
    """A passage as the judge sees it (the same text as `ragarena.scoring.judge.item_from_turn`)."""
    if passage.section:
        return f"{passage.title} — {passage.section}\n{passage.text}"
    return f"{passage.title}\n{passage.text}"


def judge_item(rating: Mapping[str, Any], passages_by_id: Mapping[str, "Passage"]):
    """The `ragarena.scoring.judge.JudgeItem` the judge would have scored for this rated answer.

    None when one of its passages is no longer in the corpus (its text, part of the key, is unknown).
    """
    from ragarena.scoring.judge import JudgeItem

    texts = []
    for passage_id in rating.get("passage_ids") or []:
        passage = passages_by_id.get(passage_id)
        if passage is None:
            return None
        texts.append(judge_passage_text(passage))
    history = tuple((t["question"], t["answer"]) for t in _conversation(rating.get("conversation")))
    return JudgeItem(rating["question"], rating["answer"], tuple(texts), history)


def load_judge_cache(directory: str | os.PathLike) -> tuple[dict[str, dict], list[str]]:
    """(cache key -> judgement, judge names) from a judge cache folder (`ragarena.scoring.judge.JudgeCache`'s file).

    A missing folder or file is an empty cache; unreadable lines are skipped, as the judge does.
    """
    from ragarena.scoring.judge import CACHE_FILE

    path = Path(directory) / CACHE_FILE
    entries: dict[str, dict] = {}
    judges: set[str] = set()
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return {}, []
    except OSError as error:
        raise UserError(_("No se puede leer la caché del juez {path}: {reason}", path=str(path),
                          reason=error.strerror or str(error))) from None
    for line in text.splitlines():
        try:
            entry = json.loads(line)
            key, scores = entry["key"], entry["scores"]
        except (json.JSONDecodeError, KeyError, TypeError):
            continue
        if isinstance(key, str) and isinstance(scores, dict):
            entries[key] = scores
            if isinstance(entry.get("judge"), str):
                judges.add(entry["judge"])
    return entries, sorted(judges)


def match_judgements(ratings: Iterable[Mapping[str, Any]], entries: Mapping[str, dict], judges: Sequence[str],
                     passages_by_id: Mapping[str, "Passage"]) -> dict[str, list[tuple[dict, dict]]]:
    """judge name -> [(rating, the judge's judgement of the same item)], for the ratings the judge also scored.

    The same item means the same judge cache key: question, conversation, passages (their text
    now) and answer, under the current rubric.
    """
    from ragarena.scoring.judge import cache_key

    pairs: dict[str, list[tuple[dict, dict]]] = {}
    for rating in ratings:
        item = judge_item(rating, passages_by_id)
        if item is None:
            continue
        for judge in judges:
            judgement = entries.get(cache_key(judge, item))
            if judgement is not None:
                pairs.setdefault(judge, []).append((dict(rating), judgement))
    return pairs


def _judge_score(judgement: Mapping[str, Any], criterion: str) -> float | None:
    entry = judgement.get(criterion)
    score = entry.get("score") if isinstance(entry, Mapping) else entry
    if isinstance(score, bool) or not isinstance(score, (int, float)) or not math.isfinite(score):
        return None
    return float(score)


def agreement(pairs: Sequence[tuple[Mapping[str, Any], Mapping[str, Any]]]) -> list[dict]:
    """Per criterion (and their mean, ``overall``): how close the judge is to people on the same answers.

    Each dict: criterion, n (pairs), mad (mean absolute difference, points on the 1-5 scale),
    bias (mean of judge − people), spearman (rank correlation; nan with fewer than 3 pairs or
    when one side gives every answer the same score).
    """
    from scipy import stats

    results = []
    for criterion in (*CRITERIA, "overall"):
        judge_values, people = [], []
        for rating, judgement in pairs:
            if criterion == "overall":
                scores = [_judge_score(judgement, c) for c in CRITERIA]
                judged = None if None in scores else sum(scores) / len(scores)
                person = rating_overall(rating)
            else:
                judged, person = _judge_score(judgement, criterion), float(rating[criterion])
            if judged is not None:
                judge_values.append(judged)
                people.append(person)
        n = len(people)
        diffs = [j - p for j, p in zip(judge_values, people)]
        spearman = math.nan
        if n >= 3 and len(set(judge_values)) > 1 and len(set(people)) > 1:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                spearman = float(stats.spearmanr(judge_values, people).statistic)
        results.append({
            "criterion": criterion, "n": n,
            "mad": math.fsum(abs(d) for d in diffs) / n if n else math.nan,
            "bias": math.fsum(diffs) / n if n else math.nan,
            "spearman": spearman,
        })
    return results


def _number(value: float, digits: int = 2, signed: bool = False) -> str:
    if value is None or math.isnan(value):
        return "—"
    return format(value, f"{'+' if signed else ''}.{digits}f")


def agreement_markdown(pairs_by_judge: Mapping[str, Sequence], n_ratings: int, language: str = "es") -> str:
    """The agreement tables (one per judge) in `language` (Spanish by default), or why there are none."""
    from ragarena.i18n import localize

    intro = _(
        "Se comparan las valoraciones de la pestaña *Chat* con las puntuaciones del jurado LLM "
        "(`python -m ragarena eval --judge …`) **para la misma respuesta**: misma pregunta, conversación, "
        "fragmentos recuperados y respuesta (la clave de la caché del jurado). *Diferencia absoluta media*: "
        "puntos de la escala 1-5 entre el jurado y la persona; *sesgo*: media de jurado − persona; "
        "*Spearman ρ*: correlación de rangos entre las dos puntuaciones."
    )
    blocks = [intro]
    if not pairs_by_judge:
        if not n_ratings:
            blocks.append(_("Todavía no hay valoraciones de usuarios."))
        else:
            blocks.append(_("El jurado no ha puntuado ninguna de las respuestas valoradas ({n}), así que todavía no "
                            "hay nada que comparar.", n=n_ratings))
        return "\n\n".join(localize(block, language) for block in blocks)
    for judge, pairs in sorted(pairs_by_judge.items()):
        lines = [_("**Jurado {judge}**: {n} valoraciones coinciden con una puntuación suya.", judge=_inert(judge),
                   n=len(pairs)), "",
                 _("| Criterio | n | Diferencia absoluta media | Sesgo (jurado − personas) | Spearman ρ |"),
                 "|---|---:|---:|---:|---:|"]
        for item in agreement(pairs):
            name = localize(CRITERION_NAMES[item["criterion"]], language)
            lines.append(f"| {name} | {item['n']} | {_number(item['mad'])} | "
                         f"{_number(item['bias'], signed=True)} | {_number(item['spearman'])} |")
        blocks.append("\n".join(localize(line, language) for line in lines))
    if min(len(p) for p in pairs_by_judge.values()) < 10:
        blocks.append(_("Con tan pocas coincidencias las cifras son solo orientativas "
                        "(ρ no se calcula con menos de 3, ni si un lado puntúa todo igual)."))
    return "\n\n".join(localize(block, language) for block in blocks)


def _inert(text: str) -> str:
    """A name safe inside Markdown: only letters, digits and ``.:/@+_-`` and spaces, as code."""
    return "`" + (re.sub(r"[^\w.:/@+ -]", "", str(text)) or "?") + "`"
