"""The Chat tab's event handlers, each returning its updates keyed by component (`ChatLayout`).

What a handler leaves out of its dict Gradio counts as ``gr.skip()``: the component keeps its
value, but Gradio 6.31 registers the skip as a new component in the session, never freed
(~29 KiB per `/chat` call; `ragarena.ui.sessions`). So `respond` always gives every visible
component a value (an unchanged value costs nothing on the wire: streams send diffs) and leaves
out only a State it does not change, which costs nothing.
"""

from __future__ import annotations

import sys

import gradio as gr

from ragarena.answering.backends.base import BackendError
from ragarena.answering.chat_turn import answer_stream
from ragarena.answering.conversation import history_from_messages, message_text
from ragarena.answering.evidence import Support, supporting_sentence
from ragarena.answering.filler import find_filler
from ragarena.answering.metering import REFRESH_S
from ragarena.answering.safe_markdown import plain, safe
from ragarena.core.errors import UserError
from ragarena.core.i18n import DEFAULT_LANGUAGE, Text, _, join_text, localize, normalize_language
from ragarena.core.passages import Hit
from ragarena.core.question_check import question_problem
from ragarena.ui.chat_layout import RATE_IDS, ChatLayout
from ragarena.ui.chat_text import NO_ANSWER, NOT_STORED, WRITING, rating_message, status_line
from ragarena.ui.context import AppContext, bind_once
from ragarena.ui.render import passages_html


def panel_json(hits: list[Hit], support) -> dict:
    """The passages panel as plain data, for the browser's copy of the conversation."""
    return {
        "hits": [[h.passage.id, h.score, h.rank, h.similarity] for h in hits],
        "support": [support.passage_id, support.sentence] if support else None,
    }


def panel_from_json(ctx: AppContext, saved) -> tuple[list[Hit], Support | None]:
    """The panel back from `panel_json` (passages no longer in the documentation are left out)."""
    try:
        by_id = ctx.engine.passages_by_id
        hits = [
            Hit(by_id[pid], float(score), int(rank), None if similarity is None else float(similarity))
            for pid, score, rank, similarity in ([*item, None][:4] for item in (saved or {}).get("hits") or [])
            if pid in by_id
        ]
        support = (saved or {}).get("support")
        return hits, Support(str(support[0]), str(support[1]), 1.0) if support else None
    except (TypeError, ValueError, AttributeError):
        return [], None


class ChatHandlers:
    """The handlers of one Chat tab, over its layout `ui` and the app's engine and ratings."""

    def __init__(self, ctx: AppContext, ui: ChatLayout):
        self.ctx, self.ui = ctx, ui
        bind_once(
            self,
            "respond",
            "redraw",
            "rate",
            "cleared",
            "cleared_keeping_question",
            "sync_rating_box",
            "keep",
            "restore",
        )

    def answer_view(self, text, messages, passages_shown: str, line, language) -> dict:
        """The four visible outputs of an answer, and the status `Text` for a switch of language."""
        return {
            self.ui.question: text,
            self.ui.chatbot: messages,
            self.ui.passages: passages_shown,
            self.ui.status: localize(line or "", language),
            self.ui.status_state: line,
        }

    def record(self, request: gr.Request | None, model_id, text, answer, history, hits) -> str | Text | None:
        """Store the completed answer so it can be rated: its id; None without a session; `NOT_STORED`
        (and a note on stderr) when storing fails, so the visitor is told rather than left guessing."""
        session = getattr(request, "session_hash", None) if request else None
        if not session:
            return None
        try:
            return self.ctx.ratings.record_answer(
                session_hash=session,
                model=model_id,
                question=text,
                answer=answer,
                conversation=history,
                passage_ids=[h.passage.id for h in hits],
            )
        except Exception as error:  # the chat must work even if ratings cannot be stored
            print(f"Aviso: no se pudo guardar la respuesta para valorarla ({type(error).__name__}).", file=sys.stderr)
            return NOT_STORED

    def respond(
        self, text, messages, model_id, panel, shown_line, language=DEFAULT_LANGUAGE, request: gr.Request = None
    ):
        # Every visible output gets a value in every frame (`answer_view`), never left out: a left-out one is a
        # gr.skip(), which Gradio keeps in the session for good (see the module's docstring).
        language = normalize_language(language)
        hits, support = panel or ([], None)
        drawn = passages_html(hits, support, language=language)
        if messages and not (text or "").strip():
            # A second or third click on Enviar (the box already emptied by the first): nothing to do.
            yield {**self.answer_view("", list(messages), drawn, shown_line, language), self.ui.panel_state: panel}
            return
        problem = question_problem(text)
        try:
            history = history_from_messages(messages)  # as the component gave it (`UnreadableHistory` too)
        except UserError as error:
            problem = problem or error
        messages = list(messages or [])
        if problem:
            warning = _("⚠️ {error}", error=problem)
            yield {**self.answer_view(text or "", messages, drawn, warning, language), self.ui.panel_state: panel}
            return
        yield from self._answer(text.strip(), messages, model_id, history, (panel, drawn), language, request)

    def _answer(self, text, messages, model_id, history, shown, language, request):
        """The frames of one answer as it streams, then the answer recorded for rating (or failed)."""
        panel, drawn = shown  # the panel as shown before the question, redrawn once the passages come
        messages = messages + [{"role": "user", "content": safe(text)}, {"role": "assistant", "content": ""}]
        hits, answer, meta = [], "", None
        try:
            # The last frame's figures are the whole answer's (used once the stream ends).
            for hits, answer, meta in answer_stream(  # noqa: B007
                self.ctx.engine, model_id, text, history, refresh_s=REFRESH_S
            ):
                messages[-1] = {"role": "assistant", "content": safe(answer)}
                if panel is None or panel[0] is not hits:  # drawn once; later frames repeat it (an empty diff)
                    panel, drawn = (hits, None), passages_html(hits, language=language)
                yield {
                    **self.answer_view("", messages, drawn, WRITING, language),
                    self.ui.answer_state: None,
                    self.ui.panel_state: panel,
                }
        except (BackendError, UserError) as error:  # a failing model, or one unknown (an API call's)
            messages[-1] = {"role": "assistant", "content": localize(NO_ANSWER, language)}
            yield {
                **self.answer_view(
                    "", messages, passages_html(hits, language=language), _("⚠️ {error}", error=error), language
                ),
                self.ui.answer_state: None,
                self.ui.panel_state: (hits, None),
            }
            return
        answer_id = self.record(request, model_id, text, answer, history, hits)
        line = status_line(meta, find_filler(answer))
        if answer_id is NOT_STORED:
            answer_id, line = None, join_text([line, NOT_STORED], "  \n")
        support = supporting_sentence(answer, hits)
        yield {
            **self.answer_view("", messages, passages_html(hits, support, language=language), line, language),
            self.ui.answer_state: answer_id,
            self.ui.panel_state: (hits, support),
        }

    def redraw(self, language, panel, line):
        """The passages panel and the status line again, in the language just chosen."""
        hits, support = panel or ([], None)
        return {
            self.ui.passages: passages_html(hits, support, language=language),
            self.ui.status: localize(line or "", language),
        }

    def rate(
        self,
        answer_score,
        context_score,
        grounded_score,
        text,
        answer_id,
        language=DEFAULT_LANGUAGE,
        request: gr.Request = None,
    ):
        session = getattr(request, "session_hash", None) if request else None
        given = dict(zip(RATE_IDS, (answer_score, context_score, grounded_score)))
        try:
            rating = self.ctx.ratings.rate(answer_id, session, given, text)
        except UserError as error:  # VoteRejected included: the reason, for the user
            message = _("⚠️ {error}", error=error)
        else:
            message = rating_message(rating)
        return {self.ui.rating.status: localize(message, language), self.ui.rate_state: message}

    def cleared(self, language=DEFAULT_LANGUAGE):
        return {
            **self.answer_view("", [], passages_html([], language=language), "", language),
            self.ui.answer_state: None,
            self.ui.panel_state: None,
        }

    def cleared_keeping_question(self, language=DEFAULT_LANGUAGE):
        """A fresh start that leaves the question box as it is (another model picked)."""
        updates = self.cleared(language)
        del updates[self.ui.question]
        return updates

    def sync_rating_box(self, answer_id, shown_id):
        """Show an empty rating box for a new answer, hide it when there is none; else leave it be."""
        if answer_id == shown_id:
            return {self.ui.shown_state: shown_id}
        rating = self.ui.rating
        return {
            rating.box: gr.update(visible=bool(answer_id), open=False),
            **{score: None for score in rating.scores},
            rating.comment: "",
            rating.status: "",
            self.ui.shown_state: answer_id,
            self.ui.rate_state: "",
        }

    def keep(self, messages, panel):
        """What the browser keeps of the conversation: the messages and the passages panel."""
        hits, support = panel or ([], None)
        return {"messages": list(messages or []), "panel": panel_json(hits, support)}

    def restore(self, stored, language=DEFAULT_LANGUAGE):
        """After a reload: the conversation and passages this browser kept (not rateable: a new session)."""
        stored = stored if isinstance(stored, dict) else {}
        try:
            messages = list(stored.get("messages") or [])
            history_from_messages(messages)  # what the page cannot have shown is not restored
        except (UserError, TypeError):
            messages = []
        if not messages:
            return {self.ui.panel_state: None}
        # Drawn again through the one rendering path: local storage is not trusted to hold what was shown.
        messages = [{"role": m["role"], "content": safe(plain(message_text(m)))} for m in messages]
        hits, support = panel_from_json(self.ctx, stored.get("panel"))
        return {
            self.ui.chatbot: messages,
            self.ui.passages: passages_html(hits, support, language=language),
            self.ui.panel_state: (hits, support),
        }
