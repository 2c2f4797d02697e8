"""Latency the app adds to a streamed answer: the Chat tab over HTTP, against a model of known pace.

    python bench/streaming.py [--questions 100] [--first-token-ms 200] [--token-ms 20] [--tokens 30]

A fake OpenAI server (tests/fake_servers.py) streams every answer at a fixed pace: the first
token `--first-token-ms` after the request, then one every `--token-ms`. The real app
(`python app.py`, i.e. `ragarena.ui.build_app`) runs in a subprocess with a temporary models.yaml
whose `openai` model points at that server (RAGARENA_MODELS, OPENAI_BASE_URL). `gradio_client`
then asks the questions of data/qa one at a time through the Chat tab's `/chat` endpoint.

For each question: added = (time to the first answer text seen by the client)
                         - (the model's own time to first token, measured at the fake server:
                            request received -> first content chunk written).
It is split into "before" (client submit -> request reaches the model: queue, retrieval,
prompt, OpenAI client) and "after" (first chunk written -> text seen by the client).
Target: p50 of the added time under 50 ms.

`--client gradio` submits with `gradio_client` (the issue's definition). It costs time a browser does not
spend: each submit opens a new HTTP client and connection, and it polls its queue of server
messages every 50 ms when empty, so it sees a streamed update 0-50 ms late (`--client-poll-ms 1`
shortens that poll, patched in this process only). `--client raw` speaks Gradio's queue protocol
(POST /gradio_api/queue/join, then the SSE stream of /gradio_api/queue/data, diffs applied) over
one persistent connection, as a browser tab does; each question comes from a fresh tab (new session,
new conversation) whose page-load events ran before the clock starts. `--client both` (default) runs both.

`--variants` (comma-separated, default `app,floor`) picks what serves `/chat`:
- `app`: the real app as it is (`ragarena.ui.build_app`);
- `wired`: a minimal Blocks with the Chat tab's inputs and outputs, wired as recommended for it:
  the backend starts before the first update (`MeteredStream(..., prefetch=True)`), the passages
  are sent once (`gr.skip()` afterwards) and the answer's metadata line ends in the status;
- `floor`: a Blocks whose `/chat` answers at once with a fixed text (no retrieval, no model):
  what Gradio and the client cost on this machine before any of our code runs. "Beyond the
  floor" (app minus floor, same client) is the part of the added time the app's own code spends.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

import app_process  # noqa: E402
from fake_servers import FakeOpenAI, ok  # noqa: E402

from ragarena.core.jsonl import write_json_lines  # noqa: E402

TARGET_MS = 50.0
MODEL_ID = "bench-openai"
ANSWER_WORDS = [
    "La",
    "biblioteca",
    "abre",
    "de",
    "lunes",
    "a",
    "viernes",
    "de",
    "9:00",
    "a",
    "21:00",
    "y",
    "los",
    "sábados",
    "de",
    "10:00",
    "a",
    "14:00;",
    "en",
    "agosto",
    "cierra",
    "por",
    "la",
    "tarde",
    "y",
    "los",
    "festivos",
    "permanece",
    "cerrada",
    "salvo",
    "aviso",
    "en",
    "la",
    "web",
    "municipal",
    "de",
    "la",
    "red",
    "de",
    "bibliotecas",
    "de",
    "Valdemora.",
]


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def questions(n: int) -> list[str]:
    found: list[str] = []
    qa = REPO / "data" / "qa" / "conversations.jsonl"
    if qa.exists():
        for line in qa.read_text(encoding="utf-8").splitlines():
            if line.strip():
                found.extend(turn["question"] for turn in json.loads(line)["turns"])
    found = found or ["¿A qué hora abre la biblioteca?", "¿Cuánto cuesta el carné?", "¿Puedo renovar por teléfono?"]
    return [found[i % len(found)] for i in range(n)]


def message_text(message: dict) -> str:
    content = message.get("content", "")
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content if isinstance(part, dict))


def serve_wired() -> None:
    """The `wired` variant (run in the subprocess): the Chat tab's flow, recommended wiring."""
    import gradio as gr

    from ragarena.answering.backends.base import AnswerRequest, BackendError
    from ragarena.answering.engine import Engine
    from ragarena.answering.metering import MeteredStream
    from ragarena.answering.models import find_spec
    from ragarena.ui.render import format_meta, passages_html

    engine = Engine()

    trace = os.environ.get("BENCH_TRACE")

    def respond(text, messages, history, model_id):
        marks = [time.perf_counter()]
        messages, history = list(messages or []), list(history or [])
        hits = engine.retrieve(text, [q for q, _ in history])
        marks.append(time.perf_counter())
        if trace:
            write_json_lines(trace, [marks], append=True)
        spec = find_spec(model_id, engine.specs)
        request = AnswerRequest(text, tuple(hits), tuple(history))
        metered = MeteredStream(engine.backend(model_id).stream(request), spec, request, prefetch=True)
        messages += [{"role": "user", "content": text}, {"role": "assistant", "content": ""}]
        yield "", messages, history, passages_html(hits), ""
        answer = ""
        try:
            for chunk in metered:
                answer += chunk
                messages[-1] = {"role": "assistant", "content": answer}
                yield "", messages, history, gr.skip(), gr.skip()
        except BackendError as error:
            messages[-1] = {"role": "assistant", "content": f"⚠️ {error}"}
            yield "", messages, history, gr.skip(), f"⚠️ {error}"
            return
        finally:
            metered.close()
        yield "", messages, history + [(text, answer)], gr.skip(), format_meta(metered.meta)

    def floor(text, messages, history, model_id):
        yield "", [{"role": "user", "content": text}, {"role": "assistant", "content": "x"}], history, "", ""

    with gr.Blocks() as demo:
        model = gr.Dropdown([MODEL_ID], value=MODEL_ID)
        chatbot = gr.Chatbot()
        status = gr.Markdown()
        question = gr.Textbox()
        passages = gr.HTML()
        pairs = gr.State([])
        send = gr.Button()
        send.click(
            floor if os.environ.get("BENCH_FLOOR") else respond,
            [question, chatbot, pairs, model],
            [question, chatbot, pairs, passages, status],
            api_name="chat",
        )
    demo.queue(default_concurrency_limit=16)
    demo.launch(server_name="127.0.0.1", server_port=int(os.environ["GRADIO_SERVER_PORT"]))


def start_app(tmp: Path, server: FakeOpenAI, variant: str = "app") -> tuple[subprocess.Popen, str, Path]:
    models = tmp / "models.yaml"
    models.write_text(
        f"""models:
  - id: extractive
    label: Extractivo
    kind: extractive
  - id: extractive-long
    label: Extractivo ampliado
    kind: extractive
    sentences: 2
  - id: {MODEL_ID}
    label: Modelo de prueba (OpenAI falso)
    kind: openai
    model: gpt-3.5-turbo
    api_key_env: OPENAI_API_KEY
    base_url_env: OPENAI_BASE_URL
    temperature: 0
    max_tokens: 256
    timeout_s: 10
    max_retries: 0
    price_input_per_1m: 0.50
    price_output_per_1m: 1.50
""",
        encoding="utf-8",
    )
    port = app_process.free_port()
    env = {
        **os.environ,
        "RAGARENA_MODELS": str(models),
        "OPENAI_BASE_URL": server.base_url,
        "OPENAI_API_KEY": "sk-bench-not-a-real-key",
        "GRADIO_SERVER_NAME": "127.0.0.1",
        "GRADIO_SERVER_PORT": str(port),
        "RAGARENA_DATA_DIR": str(tmp / "runtime"),
        "GRADIO_ANALYTICS_ENABLED": "False",
        "HF_HUB_OFFLINE": "1",
        # passage vectors (dense/hybrid retrieval) are computed once, then reused from here
        "RAGARENA_CACHE_DIR": os.environ.get("RAGARENA_CACHE_DIR", str(REPO / "runtime" / "cache")),
    }
    log = tmp / f"{variant}.log"
    command = None if variant == "app" else [sys.executable, str(Path(__file__).resolve()), "--serve-wired"]
    if variant == "floor":
        env["BENCH_FLOOR"] = "1"
    # a first start may embed the passages (docs other than the bundled ones)
    process, url = app_process.start_app(env, tmp, log, port, timeout_s=600, command=command)
    return process, url, log


def ask(client, question: str) -> tuple[float, float | None, str]:
    """(submit time, time the first answer text arrived, final answer) for one question."""
    started = time.perf_counter()
    job = client.submit(question, [], MODEL_ID, api_name="/chat")
    first = None
    answer = ""
    for output in job:
        chat = output[1] or []
        if chat and chat[-1].get("role") == "assistant":
            answer = message_text(chat[-1])
            if first is None and answer and not answer.startswith("⚠️"):
                first = time.perf_counter()
    return started, first, answer


class RawClient:
    """Gradio's queue protocol over one persistent connection, as the browser speaks it."""

    def __init__(self, url: str):
        import httpx

        self.http = httpx.Client(base_url=url.rstrip("/"), timeout=60)
        config = self.http.get("/config").json()
        for index, dependency in enumerate(config["dependencies"]):
            if dependency.get("api_name") == "chat":
                self.fn_index = dependency.get("id", index)
                self.inputs = dependency["inputs"]
                break
        else:
            raise SystemExit("the app has no /chat endpoint")
        self.types = {c["id"]: c["type"] for c in config["components"]}
        # What a page load runs (unqueued events on "load"): it also makes Gradio build the
        # session's state (a copy of the app's components and events, ~18 ms for this app),
        # which a browser tab pays when it opens, not when it asks.
        self.on_load = [
            dependency.get("id", index)
            for index, dependency in enumerate(config["dependencies"])
            if any(t[1] == "load" for t in dependency.get("targets", []))
            and not dependency["inputs"]
            and dependency.get("queue") is False
        ]

    def submit_data(self, question: str) -> list:
        values = {"textbox": question, "chatbot": [], "state": None, "dropdown": MODEL_ID}
        return [values.get(self.types[component]) for component in self.inputs]

    def ask(self, question: str) -> tuple[float, float | None, str]:
        import uuid

        from gradio_client.utils import apply_diff

        # A fresh tab per question (a new conversation), opened before the clock starts.
        session = uuid.uuid4().hex[:11]
        for fn_index in self.on_load:
            self.http.post(
                "/gradio_api/run/predict", json={"data": [], "fn_index": fn_index, "session_hash": session}
            ).raise_for_status()
        started = time.perf_counter()
        joined = self.http.post(
            "/gradio_api/queue/join",
            json={
                "data": self.submit_data(question),
                "fn_index": self.fn_index,
                "session_hash": session,
                "event_data": None,
                "trigger_id": None,
            },
        )
        joined.raise_for_status()
        first, answer, outputs = None, "", None
        with self.http.stream("GET", "/gradio_api/queue/data", params={"session_hash": session}) as response:
            for line in response.iter_lines():
                if not line.startswith("data:"):
                    continue
                message = json.loads(line[5:])
                kind = message.get("msg")
                if kind == "process_generating":
                    data = message["output"]["data"]
                    outputs = (
                        list(data) if outputs is None else [apply_diff(old, diff) for old, diff in zip(outputs, data)]
                    )
                elif kind == "process_completed":
                    outputs = message["output"].get("data") or outputs
                else:
                    continue
                chat = (outputs[1] or []) if outputs else []
                if chat and chat[-1].get("role") == "assistant":
                    answer = message_text(chat[-1])
                    if first is None and answer and not answer.startswith("⚠️"):
                        first = time.perf_counter()
                if kind == "process_completed":
                    break
        return started, first, answer


def patch_client_poll(ms: float) -> None:
    """Make gradio_client's 50 ms message poll (and its cancel check) sleep at most `ms`."""
    import types

    import gradio_client.utils as client_utils

    real = time

    class _Time(types.SimpleNamespace):
        def __getattr__(self, name):
            return getattr(real, name)

    client_utils.time = _Time(sleep=lambda seconds: real.sleep(min(seconds, ms / 1000)))


def measure(variant: str, client_kind: str, args, answer: str) -> dict:
    from gradio_client import Client

    with (
        FakeOpenAI(
            default=ok(answer, first_token_delay=args.first_token_ms / 1000, token_delay=args.token_ms / 1000)
        ) as server,
        tempfile.TemporaryDirectory() as tmp,
    ):
        process, url, log = start_app(Path(tmp), server, variant)
        try:
            if client_kind == "raw":
                raw = RawClient(url)
                asker = raw.ask
            else:
                client = Client(url, verbose=False)

                def asker(question):
                    return ask(client, question)

            for question in questions(args.warmup):
                asker(question)
            server.reset()
            rows = []
            for question in questions(args.questions):
                before = len(server.chat_requests())
                started, first, final = asker(question)
                if variant == "floor":
                    rows.append({"client_ttft": first - started, "added": first - started})
                    continue
                requests = server.chat_requests()[before:]
                if len(requests) != 1 or first is None or requests[0].first_chunk_at is None:
                    raise SystemExit(
                        f"question {question!r} got no streamed answer: {final!r}\n"
                        f"{log.read_text(errors='replace')[-3000:]}"
                    )
                if final != answer:
                    raise SystemExit(f"the answer arrived altered: {final!r}")
                request = requests[0]
                rows.append(
                    {
                        "client_ttft": first - started,
                        "model_ttft": request.model_ttft,
                        "added": (first - started) - request.model_ttft,
                        "before": request.received_at - started,
                        "after": first - request.first_chunk_at,
                    }
                )
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()

    def ms(key: str) -> dict:
        values = [row[key] * 1000 for row in rows]
        return {"p50_ms": statistics.median(values), "p95_ms": percentile(values, 0.95)}

    return {key: ms(key) for key in ("added", "before", "after", "client_ttft", "model_ttft") if key in rows[0]}


LABELS = {
    "added": "added to time to first token",
    "before": "  submit -> request at the model",
    "after": "  first chunk -> text at the client",
    "client_ttft": "client time to first token",
    "model_ttft": "model's own time to first token",
}


def main() -> None:
    if "--serve-wired" in sys.argv:
        serve_wired()
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--first-token-ms", type=float, default=200.0)
    parser.add_argument("--token-ms", type=float, default=20.0)
    parser.add_argument("--tokens", type=int, default=30, help="answer length in tokens (words)")
    parser.add_argument(
        "--variants", default="app,floor", help="comma-separated, from app, wired, floor (default: app,floor)"
    )
    parser.add_argument(
        "--retrieval",
        choices=["bm25", "dense", "hybrid"],
        help="RAGARENA_RETRIEVAL for the app (default: the app's own default)",
    )
    parser.add_argument(
        "--client",
        choices=["gradio", "raw", "both"],
        default="both",
        help="gradio_client, the queue protocol over one connection like a browser, or both (default)",
    )
    parser.add_argument(
        "--client-poll-ms",
        type=float,
        default=None,
        help="shorten gradio_client's 50 ms message poll to this (default: as shipped)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    if not variants or set(variants) - {"app", "wired", "floor"}:
        parser.error("--variants takes app, wired and floor, comma-separated")
    if args.client_poll_ms is not None:
        patch_client_poll(args.client_poll_ms)
    if args.retrieval:
        os.environ["RAGARENA_RETRIEVAL"] = args.retrieval

    answer = " ".join(ANSWER_WORDS[i % len(ANSWER_WORDS)] for i in range(args.tokens))
    clients = ["gradio", "raw"] if args.client == "both" else [args.client]
    client_names = {
        "raw": "raw queue protocol over one connection (as a browser tab)",
        "gradio": "gradio_client, message poll "
        + (f"{args.client_poll_ms:g} ms (patched)" if args.client_poll_ms is not None else "50 ms (as shipped)"),
    }
    results = {}
    for client_kind in clients:
        for variant in variants:
            load = os.getloadavg()[0]
            figures = measure(variant, client_kind, args, answer)
            figures["load_average"] = round((load + os.getloadavg()[0]) / 2, 1)
            results[f"{variant}/{client_kind}"] = figures

    print(
        f"Streaming latency through /chat: {args.questions} questions, one at a time; fake model: first token "
        f"after {args.first_token_ms:g} ms, then {args.token_ms:g} ms per token, {args.tokens} tokens; "
        f"retrieval: {os.environ.get('RAGARENA_RETRIEVAL') or 'app default'}; {os.cpu_count()} CPUs."
    )
    for client_kind in clients:
        print(f"\n=== client: {client_names[client_kind]}")
        for variant in variants:
            figures = results[f"{variant}/{client_kind}"]
            verdict = "OK" if figures["added"]["p50_ms"] < TARGET_MS else "OVER TARGET"
            figures["verdict"] = verdict
            print(f"\n[{variant}] (load average {figures['load_average']})")
            print(f"{'':38}{'p50':>10}{'p95':>10}")
            for key, label in LABELS.items():
                if key in figures:
                    print(f"{label:38}{figures[key]['p50_ms']:>8.1f}ms{figures[key]['p95_ms']:>8.1f}ms")
            if variant == "floor":
                print("(floor: time to a fixed first answer, no retrieval and no model: Gradio and the client alone)")
            else:
                print(f"target: p50 added < {TARGET_MS:g} ms -> {verdict}")
        if "floor" in variants:
            floor = results[f"floor/{client_kind}"]["added"]["p50_ms"]
            for variant in (v for v in variants if v != "floor"):
                own = results[f"{variant}/{client_kind}"]["added"]["p50_ms"] - floor
                results[f"{variant}/{client_kind}"]["added_beyond_floor_p50_ms"] = own
                print(
                    f"[{variant}] p50 added beyond this client's floor: {own:.1f} ms "
                    f"({'OK' if own < TARGET_MS else 'OVER TARGET'} against {TARGET_MS:g} ms)"
                )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "questions": args.questions,
                    "target_ms": TARGET_MS,
                    "args": {k: str(v) for k, v in vars(args).items()},
                    "results": results,
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
