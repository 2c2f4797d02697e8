"""The Chat's conversation box: a `gr.Chatbot` whose input check never fails inside Gradio.

Gradio checks a Chatbot's input against its message model (each ``content`` a list of parts) before
the app sees it, so an API caller sending Gradio's older format (``content`` a plain string) or
anything else got a pydantic traceback in the log and a generic error. Here the older format is
accepted (a plain string, or a list holding strings, becomes text parts: the page shows the same
conversation), and a value that is still no list of messages reaches the app as an empty
`UnreadableHistory`, which `history_from_messages` refuses with the app's own message.
"""

from __future__ import annotations

from typing import Any

import gradio as gr
from gradio.components.chatbot import ChatbotDataMessages
from pydantic import ConfigDict, ValidationError, model_validator

from ragarena.answering.conversation import UnreadableHistory


class LenientMessages(ChatbotDataMessages):
    """Gradio's Chatbot data, also in the older string format; `UNREADABLE` for anything else."""

    model_config = ConfigDict(title="ChatbotDataMessages")  # the API shows the same type as before

    @model_validator(mode="wrap")
    @classmethod
    def _text_parts_or_unreadable(cls, data: Any, handler):
        if isinstance(data, cls):
            return data
        try:
            return handler(_with_text_parts(data))
        except ValidationError:
            return UNREADABLE


UNREADABLE = LenientMessages.model_construct(root=[])


def _with_text_parts(data: Any) -> Any:
    """`data` with each message's plain-string content (or strings in its content list) as text parts."""
    if not isinstance(data, list):
        return data
    return [
        {**message, "content": _parts(message["content"])}
        if isinstance(message, dict) and "content" in message
        else message
        for message in data
    ]


def _parts(content: Any) -> Any:
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    if isinstance(content, list):
        return [{"type": "text", "text": part} if isinstance(part, str) else part for part in content]
    return content


class ChatHistory(gr.Chatbot):
    """`gr.Chatbot` (drawn by the page as one) that reads the older format and never fails its input check."""

    is_template = True  # Gradio then names it after its base class: the page's own Chatbot
    data_model = LenientMessages

    def preprocess(self, payload: Any) -> Any:
        if payload is UNREADABLE:
            return UnreadableHistory()
        return super().preprocess(payload)
