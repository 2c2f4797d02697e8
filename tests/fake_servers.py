"""Local stand-ins for the OpenAI API and a TGI server, speaking their real wire protocols.

Each server runs `http.server` in a thread on 127.0.0.1 (a free port), answers what a test
scripts, and records every request it receives (path, headers, JSON body, timings), so tests
can check the prompt sent and where the key went.

    from fake_servers import FakeOpenAI, ok, error, stall, cut

    with FakeOpenAI() as server:                    # or FakeTGI()
        server.script(error(429, retry_after=0.01), ok("Hola, mundo."))
        ...  # point a client at server.base_url (OpenAI: ".../v1"; TGI: the root URL)
        server.requests[-1].messages                # what the model was asked
        server.requests[-1].headers["authorization"]

Replies are taken from the script in order; once it is used up, every request gets
`server.default` (a successful answer unless set otherwise). For answers that depend on the
prompt, pass `responder=lambda request: ok(...)` (it is used once the script is empty).

Pytest fixtures `fake_openai` and `fake_tgi` start a server per test; import them into a test
module (`from fake_servers import fake_openai`) or list this module in `pytest_plugins`.

Wire formats:
- OpenAI `GET /v1/models`: `{"object": "list", "data": [model objects]}` (see `listed`).
- OpenAI `POST /v1/chat/completions`: with `"stream": true`, Server-Sent Events of
  `chat.completion.chunk` objects (`data: {...}`), the last content chunk holding
  `finish_reason`, then (when `stream_options.include_usage`) a chunk with empty `choices` and
  `usage`, then `data: [DONE]`; without it, one `chat.completion` JSON. Errors are
  `{"error": {"message", "type", "code"}}` with the HTTP status.
- TGI: the Messages API at `POST /v1/chat/completions` (same SSE format, TGI's field set),
  `POST /generate_stream` (`data: {"token": {...}, "generated_text": ..., "details": null}`),
  `POST /generate`, `GET /info` and `GET /health`. Errors are `{"error", "error_type"}`.
Streams use chunked transfer encoding over HTTP/1.1; `cut` closes the socket mid-body.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

try:  # the fixtures need pytest; the servers themselves (bench/streaming.py) do not
    import pytest
except ImportError:  # pragma: no cover
    pytest = None

__all__ = [
    "FakeOpenAI",
    "FakeTGI",
    "RecordedRequest",
    "Reply",
    "cut",
    "error",
    "fake_openai",
    "fake_tgi",
    "listed",
    "ok",
    "split_tokens",
    "stall",
]


def split_tokens(text: str) -> list[str]:
    """Word-sized pieces with their leading spaces, as model tokens look: joined, they give `text` back."""
    pieces = re.findall(r"\s*\S+|\s+$", text)
    return pieces or ([text] if text else [])


@dataclass
class Reply:
    """One scripted response. Build it with `ok`, `error`, `stall` or `cut`."""

    answer: str = ""
    status: int = 200
    chunks: list[str] | None = None  # the streamed pieces; default: split_tokens(answer)
    first_token_delay: float = 0.0  # seconds from the request to the first content chunk
    token_delay: float = 0.0  # seconds between content chunks
    stall: float = 0.0  # wait this long before answering at all (headers included)
    cut_after: int | None = None  # close the connection abruptly after this many content chunks
    usage: tuple[int, int] | str | None = "auto"  # (prompt, completion) tokens; "auto": counted; None: not sent
    retry_after: float | None = None  # seconds, sent as `retry-after` on an error
    message: str = ""  # error message in the body
    finish_reason: str = "stop"

    def pieces(self) -> list[str]:
        return list(self.chunks) if self.chunks is not None else split_tokens(self.answer)


def ok(
    answer: str,
    *,
    first_token_delay: float = 0.0,
    token_delay: float = 0.0,
    chunks: list[str] | None = None,
    usage: tuple[int, int] | str | None = "auto",
    finish_reason: str = "stop",
) -> Reply:
    """A successful answer, streamed piece by piece at the given pace (or sent whole when not streaming)."""
    return Reply(
        answer=answer,
        chunks=chunks,
        first_token_delay=first_token_delay,
        token_delay=token_delay,
        usage=usage,
        finish_reason=finish_reason,
    )


def error(status: int, message: str = "", *, retry_after: float | None = None) -> Reply:
    """An HTTP error (401, 429, 500...) with the server's JSON error body."""
    return Reply(status=status, message=message or _DEFAULT_MESSAGES.get(status, "error"), retry_after=retry_after)


def stall(seconds: float = 30.0) -> Reply:
    """Accept the request and say nothing for `seconds` (a client timeout must fire first)."""
    return Reply(stall=seconds)


def cut(answer: str, after: int = 2, *, token_delay: float = 0.0) -> Reply:
    """Start streaming `answer`, then drop the connection after `after` content chunks."""
    return Reply(answer=answer, cut_after=after, token_delay=token_delay)


_DEFAULT_MESSAGES = {
    400: "Bad request.",
    401: "Incorrect API key provided.",
    403: "You are not allowed to sample from this model.",
    404: "The model does not exist or you do not have access to it.",
    422: "Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4096.",
    429: "Rate limit reached. Please try again later.",
    500: "The server had an error while processing your request.",
    503: "Model is overloaded.",
}


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    raw_body: bytes
    received_at: float  # time.perf_counter() when the request line and headers were read
    first_chunk_at: float | None = None  # when the first content chunk was flushed
    done_at: float | None = None
    reply: Reply | None = None

    @property
    def body(self) -> Any:
        try:
            return json.loads(self.raw_body or b"null")
        except ValueError:
            return None

    @property
    def messages(self) -> list[dict]:
        body = self.body
        return body.get("messages", []) if isinstance(body, dict) else []

    @property
    def model_ttft(self) -> float | None:
        """The model's own time to first token: from request to first content chunk written."""
        return None if self.first_chunk_at is None else self.first_chunk_at - self.received_at


class _Cut(Exception):
    pass


class _FakeServer:
    """Shared machinery: thread, port, script, request log. Subclasses speak a protocol."""

    model_name = "fake-model"

    def __init__(
        self,
        answer: str = "Respuesta de prueba.",
        *,
        default: Reply | None = None,
        responder: Callable[[RecordedRequest], Reply] | None = None,
        first_token_delay: float = 0.0,
        token_delay: float = 0.0,
    ):
        self.default = default or ok(answer, first_token_delay=first_token_delay, token_delay=token_delay)
        self.responder = responder
        self.requests: list[RecordedRequest] = []
        self._script: list[Reply] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> _FakeServer:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._httpd = _QuietServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"{type(self).__name__}-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes stalled handlers
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._httpd, "server not started"
        return self._httpd.server_address[1]

    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- scripting ------------------------------------------------------------------------
    def script(self, *replies: Reply) -> _FakeServer:
        """Queue replies for the next requests, in order (after them: `responder`, then `default`)."""
        with self._lock:
            self._script.extend(replies)
        return self

    def reset(self) -> None:
        with self._lock:
            self._script.clear()
            self.requests.clear()

    def _next_reply(self, request: RecordedRequest) -> Reply:
        with self._lock:
            if self._script:
                return self._script.pop(0)
        return self.responder(request) if self.responder else self.default

    @property
    def last(self) -> RecordedRequest:
        return self.requests[-1]

    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.rstrip("/").endswith("/chat/completions")]

    # -- protocol (subclasses) ------------------------------------------------------------
    def handle(self, handler: _Handler, request: RecordedRequest) -> None:
        raise NotImplementedError

    # helpers the protocols share
    def _start_reply(self, handler: _Handler, request: RecordedRequest) -> Reply | None:
        """The reply scripted for `request`, after its stall; None when it was answered already
        (an error status) or the server is stopping."""
        reply = self._next_reply(request)
        request.reply = reply
        if reply.stall and self._stopping.wait(reply.stall):
            return None
        if reply.status != 200:
            handler.send_json(reply.status, self.error_body(reply), self.error_headers(reply))
            return None
        return reply

    def _chat(self, handler: _Handler, request: RecordedRequest, tgi: bool) -> None:
        reply = self._start_reply(handler, request)
        if reply is None:
            return
        body = request.body if isinstance(request.body, dict) else {}
        pieces = reply.pieces()
        usage = _usage(reply, request, pieces)
        created, chunk_id = int(time.time()), ("" if tgi else "chatcmpl-" + uuid.uuid4().hex[:12])
        model = body.get("model") or self.model_name
        if not body.get("stream"):
            self._pace(reply.first_token_delay + reply.token_delay * max(0, len(pieces) - 1))
            request.first_chunk_at = time.perf_counter()
            handler.send_json(
                200,
                {
                    "id": chunk_id,
                    "object": "chat.completion",
                    "created": created,
                    "model": model,
                    **({"system_fingerprint": "3.0.0-native"} if tgi else {}),
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": "".join(pieces)},
                            "logprobs": None,
                            "finish_reason": reply.finish_reason,
                        }
                    ],
                    "usage": _usage_json(usage or (0, len(pieces))),
                },
            )
            return

        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))

        def chunk(delta: dict, finish: str | None, with_usage: tuple[int, int] | None = None, choices=True) -> dict:
            data = {
                "id": chunk_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "system_fingerprint": "3.0.0-native" if tgi else "fp_fake",
                "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}] if choices else [],
            }
            if tgi or include_usage:  # both send "usage": null until the usage chunk
                data["usage"] = _usage_json(with_usage) if with_usage else None
            return data

        with handler.sse() as send:
            if not tgi:  # OpenAI opens with an empty role delta; TGI starts with content
                send(chunk({"role": "assistant", "content": ""}, None))
            for _index, piece, last in self._paced(reply, pieces):
                delta = {"role": "assistant", "content": piece} if tgi else {"content": piece}
                send(chunk(delta, reply.finish_reason if (last and tgi) else None))
                if request.first_chunk_at is None:
                    request.first_chunk_at = time.perf_counter()
            if reply.cut_after is not None:
                raise _Cut()
            if not tgi:
                send(chunk({}, reply.finish_reason))
            elif not pieces:
                send(chunk({"role": "assistant", "content": ""}, reply.finish_reason))
            if include_usage and usage:
                send(chunk({}, None, usage, choices=False))
            send("[DONE]")

    def _paced(self, reply: Reply, pieces: list[str]):
        """(index, piece, is_last) at the reply's pace; raises _Cut where the reply is cut short."""
        self._pace(reply.first_token_delay)
        for index, piece in enumerate(pieces):
            if reply.cut_after is not None and index >= reply.cut_after:
                raise _Cut()
            if index:
                self._pace(reply.token_delay)
            yield index, piece, index == len(pieces) - 1

    def _pace(self, seconds: float) -> None:
        if seconds > 0:
            self._stopping.wait(seconds)

    def error_body(self, reply: Reply) -> dict:
        raise NotImplementedError

    def error_headers(self, reply: Reply) -> dict[str, str]:
        return {"retry-after": f"{reply.retry_after:g}"} if reply.retry_after is not None else {}


def _usage(reply: Reply, request: RecordedRequest, pieces: list[str]) -> tuple[int, int] | None:
    if reply.usage == "auto":
        prompt = sum(len(str(m.get("content", "")).split()) + 4 for m in request.messages) or 1
        return prompt, len(pieces)
    return reply.usage  # type: ignore[return-value]


def _usage_json(usage: tuple[int, int]) -> dict:
    return {"prompt_tokens": usage[0], "completion_tokens": usage[1], "total_tokens": usage[0] + usage[1]}


def listed(
    model_id: str, *, shutdown_date: str | None = None, owned_by: str = "system", parent: str | None = None
) -> dict:
    """One model of a `GET /v1/models` list as OpenAI writes it (`shutdown_date`: "YYYY-MM-DD" or null);
    `parent` as vLLM writes a LoRA adapter's entry (the base model's id)."""
    item = {"id": model_id, "object": "model", "created": 0, "owned_by": owned_by, "shutdown_date": shutdown_date}
    if parent is not None:
        item.update(parent=parent, root=f"/adapters/{model_id}")
    return item


class FakeOpenAI(_FakeServer):
    """The OpenAI chat completions API. Point the client at `base_url` (ends in /v1).

    `GET /v1/models` lists `models` (`listed(...)` items; change it at any time); None answers 404,
    as a compatible server without that endpoint does.
    """

    model_name = "gpt-3.5-turbo"

    def __init__(self, *args, models: list[dict] | str | None = "default", **kwargs):
        super().__init__(*args, **kwargs)
        self.models = [listed(self.model_name)] if models == "default" else models

    @property
    def base_url(self) -> str:
        return self.root_url + "/v1"

    def handle(self, handler: _Handler, request: RecordedRequest) -> None:
        path = request.path.split("?")[0].rstrip("/")
        if request.method == "POST" and path == "/v1/chat/completions":
            self._chat(handler, request, tgi=False)
        elif request.method == "GET" and path == "/v1/models":
            if self.models is None:  # a compatible server without the endpoint
                handler.send_json(
                    404, {"error": {"message": "Not Found", "type": "invalid_request_error", "code": "unknown_url"}}
                )
            else:
                handler.send_json(200, {"object": "list", "data": list(self.models)})
        else:
            handler.send_json(
                404,
                {
                    "error": {
                        "message": f"Unknown request URL: {request.method} {path}",
                        "type": "invalid_request_error",
                        "code": "unknown_url",
                    }
                },
            )

    def error_body(self, reply: Reply) -> dict:
        kinds = {
            401: ("invalid_request_error", "invalid_api_key"),
            429: ("requests", "rate_limit_exceeded"),
            404: ("invalid_request_error", "model_not_found"),
        }
        kind, code = kinds.get(reply.status, ("server_error" if reply.status >= 500 else "invalid_request_error", None))
        return {"error": {"message": reply.message, "type": kind, "param": None, "code": code}}


class FakeTGI(_FakeServer):
    """Text Generation Inference: Messages API plus `/generate_stream`, `/generate`, `/info`, `/health`.
    Point the client at `base_url` (the root URL, as TGI_URL holds it)."""

    model_name = "tgi"
    model_id = "stabilityai/stablelm-2-12b-chat"

    @property
    def base_url(self) -> str:
        return self.root_url

    def handle(self, handler: _Handler, request: RecordedRequest) -> None:
        path = request.path.split("?")[0].rstrip("/")
        if request.method == "POST" and path in ("/v1/chat/completions", "/chat/completions"):
            self._chat(handler, request, tgi=True)
        elif request.method == "POST" and path in ("/generate_stream", "/generate"):
            self._generate(handler, request, stream=path == "/generate_stream")
        elif request.method == "GET" and path == "/info":
            handler.send_json(
                200,
                {
                    "model_id": self.model_id,
                    "model_sha": None,
                    "model_pipeline_tag": "text-generation",
                    "max_concurrent_requests": 128,
                    "max_best_of": 2,
                    "max_stop_sequences": 4,
                    "max_input_tokens": 4095,
                    "max_total_tokens": 4096,
                    "validation_workers": 2,
                    "max_client_batch_size": 4,
                    "router": "text-generation-router",
                    "version": "3.0.0",
                    "sha": None,
                    "docker_label": None,
                },
            )
        elif request.method == "GET" and path == "/health":
            handler.send_json(200, {})
        else:
            handler.send_json(404, {"error": "Not Found", "error_type": "not_found"})

    def _generate(self, handler: _Handler, request: RecordedRequest, stream: bool) -> None:
        reply = self._start_reply(handler, request)
        if reply is None:
            return
        pieces = reply.pieces()
        if not stream:
            self._pace(reply.first_token_delay + reply.token_delay * max(0, len(pieces) - 1))
            request.first_chunk_at = time.perf_counter()
            handler.send_json(200, {"generated_text": "".join(pieces)})
            return
        with handler.sse() as send:
            for index, piece, last in self._paced(reply, pieces):
                send(
                    {
                        "index": index + 1,
                        "token": {"id": index + 1, "text": piece, "logprob": -0.1, "special": False},
                        "generated_text": "".join(pieces) if last else None,
                        "details": {"finish_reason": "eos_token", "generated_tokens": len(pieces), "seed": None}
                        if last
                        else None,
                    }
                )
                if request.first_chunk_at is None:
                    request.first_chunk_at = time.perf_counter()

    def error_body(self, reply: Reply) -> dict:
        kind = {422: "validation", 429: "overloaded", 503: "overloaded", 424: "generation"}.get(reply.status, "error")
        return {"error": reply.message, "error_type": kind}


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError, OSError)):
            super().handle_error(request, client_address)  # a bug in the fake: show it


class _Handler(BaseHTTPRequestHandler):
    fake: _FakeServer
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Small SSE writes must leave at once (no Nagle delay), as a real streaming server's do.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args) -> None:  # keep test output quiet
        pass

    def _serve(self) -> None:
        received_at = time.perf_counter()
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        request = RecordedRequest(
            self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, raw, received_at
        )
        self.fake.requests.append(request)
        try:
            self.fake.handle(self, request)
        except _Cut:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        finally:
            request.done_at = time.perf_counter()

    do_GET = do_POST = _serve

    def send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    class _SSE:
        def __init__(self, handler: _Handler):
            self.handler = handler

        def __enter__(self) -> Callable[[Any], None]:
            h = self.handler
            h.send_response(200)
            h.send_header("content-type", "text/event-stream")
            h.send_header("cache-control", "no-cache")
            h.send_header("transfer-encoding", "chunked")
            h.end_headers()
            return self.send

        def send(self, data: Any) -> None:
            text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
            event = f"data: {text}\n\n".encode()
            self.handler.wfile.write(b"%x\r\n%s\r\n" % (len(event), event))

        def __exit__(self, exc_type, *rest) -> None:
            if exc_type is None:
                self.handler.wfile.write(b"0\r\n\r\n")

    def sse(self) -> _Handler._SSE:
        return _Handler._SSE(self)


if pytest is not None:

    @pytest.fixture
    def fake_openai() -> Iterator[FakeOpenAI]:
        """A FakeOpenAI for one test (script it with `fake_openai.script(...)`)."""
        with FakeOpenAI() as server:
            yield server

    @pytest.fixture
    def fake_tgi() -> Iterator[FakeTGI]:
        """A FakeTGI for one test."""
        with FakeTGI() as server:
            yield server
