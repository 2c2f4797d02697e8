"""Chat tab: pick a model, ask, see the streamed answer and the passages it came from."""

from __future__ import annotations

import gradio as gr

from ragarena.backends.base import AnswerRequest, BackendError, Usage
from ragarena.evidence import supporting_sentence
from ragarena.filler import find_filler
from ragarena.retrieval import Hit
from ragarena.ui.context import AppContext
from ragarena.ui.render import passages_html
from ragarena.validation import question_problem


def model_choices(ctx: AppContext) -> list[tuple[str, str]]:
    unavailable = ctx.engine.unavailable()
    return [
        (spec.label + (" (no disponible)" if spec.id in unavailable else ""), spec.id) for spec in ctx.engine.specs
    ]


def unavailable_note(ctx: AppContext) -> str:
    lines = [f"- **{s.label}**: {ctx.engine.unavailable()[s.id]}" for s in ctx.engine.specs if s.id in ctx.engine.unavailable()]
    return ("Modelos no disponibles:\n" + "\n".join(lines)) if lines else ""


def answer_stream(ctx: AppContext, model_id: str, question: str, history: list[tuple[str, str]]):
    """Yield (hits, partial answer) as the model streams; raises BackendError with a Spanish message."""
    hits = ctx.engine.retrieve(question, [q for q, _ in history])
    if model_id in ctx.engine.unavailable():
        raise BackendError(f"Ese modelo no está disponible: {ctx.engine.unavailable()[model_id]}")
    backend = ctx.engine.backend(model_id)
    answer = ""
    yield hits, answer
    for chunk in backend.stream(AnswerRequest(question, tuple(hits), tuple(history))):
        if isinstance(chunk, Usage):
            continue
        answer += chunk
        yield hits, answer


def build_chat_tab(ctx: AppContext) -> None:
    default = next((s.id for s in ctx.engine.available_specs()), None)
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=300):
            model = gr.Dropdown(model_choices(ctx), value=default, label="Modelo", interactive=True)
            note = gr.Markdown(unavailable_note(ctx), elem_classes=["ra-note"])
            chatbot = gr.Chatbot(label="Conversación", height=420, buttons=["copy"])
            status = gr.Markdown("", elem_id="chat-status")
            question = gr.Textbox(
                label="Pregunta", placeholder="Escribe tu pregunta sobre la documentación…", max_lines=6,
                elem_id="chat-question",
            )
            with gr.Row():
                send = gr.Button("Enviar", variant="primary", elem_id="chat-send")
                clear = gr.Button("Nueva conversación", elem_id="chat-clear")
        with gr.Column(scale=2, min_width=280):
            passages = gr.HTML(passages_html([]), elem_id="chat-passages")
    pairs = gr.State([])

    def respond(text, messages, history, model_id):
        messages, history = list(messages or []), list(history or [])
        problem = question_problem(text)
        if problem:
            yield gr.update(), messages, history, gr.update(), f"⚠️ {problem}"
            return
        text = text.strip()
        messages = messages + [{"role": "user", "content": text}, {"role": "assistant", "content": ""}]
        hits: list[Hit] = []
        answer = ""
        try:
            for hits, answer in answer_stream(ctx, model_id, text, history):
                messages[-1] = {"role": "assistant", "content": answer}
                yield "", messages, history, passages_html(hits), ""
        except BackendError as error:
            messages[-1] = {"role": "assistant", "content": f"⚠️ {error}"}
            yield "", messages, history, passages_html(hits), f"⚠️ {error}"
            return
        history.append((text, answer))
        flags = find_filler(answer)
        warning = f"⚠️ Respuesta con relleno: {', '.join(flags)}." if flags else ""
        yield "", messages, history, passages_html(hits, supporting_sentence(answer, hits)), warning

    inputs = [question, chatbot, pairs, model]
    outputs = [question, chatbot, pairs, passages, status]
    send.click(respond, inputs, outputs, api_name="chat")
    question.submit(respond, inputs, outputs, api_name=False)
    clear.click(lambda: ("", [], [], passages_html([]), ""), None, outputs, api_name="new_conversation")
    model.change(lambda: ([], [], passages_html([]), ""), None, [chatbot, pairs, passages, status], api_name=False)
