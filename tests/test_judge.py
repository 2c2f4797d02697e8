"""The judge against a local server speaking the OpenAI chat-completions protocol, and the score store."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from fake_servers import fake_openai, fake_tgi, ok  # noqa: F401  (fixtures)

from ragarena.cli import main
from ragarena.core.errors import UserError
from ragarena.scoring import judge, judge_cache, judge_reply, judge_rubric, judge_setup, scores

REPO = Path(__file__).resolve().parent.parent
VALID = {
    "answer_relevance": {"justification": "Responde directamente a lo preguntado.", "score": 4},
    "context_relevance": {"justification": "Los fragmentos traen lo necesario y algo más.", "score": 3},
    "groundedness": {"justification": "Todo sale del fragmento 1.", "score": 5},
}


class JudgeServer:
    """A judge on 127.0.0.1: `reply(body) -> (status, text)` decides each answer.

    Records every request body; counts requests in flight at once.
    """

    def __init__(self, reply=None, delay: float = 0.0):
        self.reply = reply or (lambda body: (200, json.dumps(VALID, ensure_ascii=False)))
        self.delay = delay
        self.requests: list[dict] = []
        self.in_flight = self.max_in_flight = 0
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with server._lock:
                    server.requests.append(body)
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                try:
                    if server.delay:
                        time.sleep(server.delay)
                    status, text = server.reply(body)
                finally:
                    with server._lock:
                        server.in_flight -= 1
                if status == 200:
                    payload = {
                        "id": "cmpl-1",
                        "object": "chat.completion",
                        "created": 0,
                        "model": body["model"],
                        "choices": [
                            {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}
                        ],
                        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
                    }
                else:
                    payload = {"error": {"message": text, "type": "invalid_request_error", "code": None}}
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def judge_server():
    servers = []

    def start(reply=None, delay: float = 0.0) -> JudgeServer:
        server = JudgeServer(reply, delay)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def make_judge(server: JudgeServer, attempts: int = 3) -> judge.Judge:
    return judge.Judge(judge.JudgeTarget("juez-local", "juez-local", server.url, "sin-clave"), max_attempts=attempts)


ITEM = judge_rubric.JudgeItem(
    question="¿Y en agosto?",
    answer="En agosto permanece cerrada por mantenimiento.",
    passages=("Piscina cubierta — Horario\nEn agosto permanece cerrada por mantenimiento.",),
    history=(("¿A qué hora abre la piscina?", "De 7:00 a 22:00."),),
    id="fx-2, turno 2",
)


# --- parsing ---------------------------------------------------------------------------------


def test_parse_accepts_the_asked_json_and_tolerates_fences_and_chatter():
    assert judge_reply.parse_judgement(json.dumps(VALID))["groundedness"] == {
        "score": 5,
        "justification": "Todo sale del fragmento 1.",
    }
    fenced = "```json\n" + json.dumps(VALID) + "\n```"
    assert judge_reply.parse_judgement(fenced)["answer_relevance"]["score"] == 4
    chatty = "Aquí tienes la evaluación:\n" + json.dumps(VALID) + "\nEspero que sirva."
    assert judge_reply.parse_judgement(chatty)["context_relevance"]["score"] == 3
    as_text = json.loads(json.dumps(VALID))
    as_text["groundedness"]["score"] = "5"
    assert judge_reply.parse_judgement(json.dumps(as_text))["groundedness"]["score"] == 5


@pytest.mark.parametrize(
    "reply, reason",
    [
        ("", "vacía"),
        ("Le doy un 4.", "no contiene un objeto JSON"),
        ('{"answer_relevance": {"justification": "x", "score": 4}', "no es válido"),
        (json.dumps({k: v for k, v in VALID.items() if k != "groundedness"}), "groundedness"),
        (json.dumps({**VALID, "groundedness": {"justification": "x", "score": 7}}), "del 1 al 5"),
        (json.dumps({**VALID, "groundedness": {"justification": "x", "score": 3.5}}), "del 1 al 5"),
        (json.dumps({**VALID, "groundedness": {"score": 3}}), "justification"),
        (json.dumps({**VALID, "groundedness": 3}), "debe ser un objeto"),
        ("[1, 2, 3]", "se esperaba un objeto"),
    ],
)
def test_parse_rejects_what_is_not_the_asked_json(reply, reason):
    with pytest.raises(judge_reply.JudgeOutputError, match=reason):
        judge_reply.parse_judgement(reply)


def test_prompt_holds_rubric_history_passages_and_answer():
    messages = judge_rubric.build_judge_messages(ITEM)
    assert messages[0]["role"] == "system"
    for word in ("answer_relevance", "context_relevance", "groundedness", "fundamentación", "superflua", "JSON"):
        assert word in messages[0]["content"]
    user = messages[1]["content"]
    assert "Usuario: ¿A qué hora abre la piscina?" in user and "Asistente: De 7:00 a 22:00." in user
    assert "[1] Piscina cubierta — Horario" in user
    assert "Pregunta: ¿Y en agosto?" in user
    assert user.endswith("En agosto permanece cerrada por mantenimiento.")


def test_cache_key_changes_with_every_input():
    base = judge_cache.cache_key("juez", ITEM)
    assert base == judge_cache.cache_key("juez", ITEM)
    from dataclasses import replace

    variants = [
        judge_cache.cache_key("otro-juez", ITEM),
        judge_cache.cache_key("juez", replace(ITEM, question="¿Y en julio?")),
        judge_cache.cache_key("juez", replace(ITEM, history=())),
        judge_cache.cache_key("juez", replace(ITEM, passages=("otro",))),
        judge_cache.cache_key("juez", replace(ITEM, answer="Abre en agosto.")),
    ]
    assert len({base, *variants}) == 6
    assert judge_cache.cache_key("juez", replace(ITEM, id="otro id")) == base  # the id is only a label


# --- asking the judge ------------------------------------------------------------------------


def test_malformed_reply_is_re_asked_with_the_reason(judge_server):
    server = judge_server(lambda body: (200, "Le doy un 4." if len(body["messages"]) == 2 else json.dumps(VALID)))
    result = make_judge(server).judge(ITEM)
    assert result["answer_relevance"]["score"] == 4
    assert len(server.requests) == 2
    first, second = server.requests
    assert first["temperature"] == 0 and first["response_format"] == {"type": "json_object"}
    assert first["model"] == "juez-local"
    assert second["messages"][2] == {"role": "assistant", "content": "Le doy un 4."}
    assert "no es válida" in second["messages"][3]["content"]
    assert "no contiene un objeto JSON" in second["messages"][3]["content"]


def test_item_fails_after_the_last_attempt_and_is_reported(judge_server):
    server = judge_server(lambda body: (200, '{"answer_relevance": 9}'))
    run = judge.judge_items([ITEM], make_judge(server, attempts=2), progress=False)
    assert run.judgements == [None]
    assert len(server.requests) == 2
    [(index, item_id, reason)] = run.failures
    assert (index, item_id) == (0, "fx-2, turno 2")
    assert "tras 2 intentos" in reason


@pytest.mark.parametrize(
    "status, message",
    [
        (400, "Unrecognized request argument supplied: response_format"),
        (422, "Failed to deserialize the JSON body into the target type: missing field `value`"),  # TGI-style
    ],
)
def test_server_that_rejects_response_format_is_asked_without_it(judge_server, status, message):
    def reply(body):
        if "response_format" in body:
            return status, message
        return 200, json.dumps(VALID)

    server = judge_server(reply)
    the_judge = make_judge(server)
    assert the_judge.judge(ITEM)["groundedness"]["score"] == 5
    assert the_judge.judge(ITEM)["groundedness"]["score"] == 5
    assert ["response_format" in r for r in server.requests] == [True, False, False]


def test_requests_run_concurrently_and_cache_makes_the_second_run_free(judge_server, tmp_path):
    server = judge_server(delay=0.2)
    items = [judge_rubric.JudgeItem(f"Pregunta {n}", f"Respuesta {n}", ("fragmento",), id=str(n)) for n in range(8)]
    cache = judge_cache.JudgeCache(tmp_path / "cache")
    run = judge.judge_items(items, make_judge(server), cache, concurrency=4, progress=False)
    assert 1 < server.max_in_flight <= 4
    assert run.requests == 8 and run.cached == 0 and not run.failures
    assert all(j["context_relevance"]["score"] == 3 for j in run.judgements)

    again = judge.judge_items(items, make_judge(server), judge_cache.JudgeCache(tmp_path / "cache"), progress=False)
    assert again.requests == 0 and again.cached == 8
    assert len(server.requests) == 8
    assert again.judgements == run.judgements


def test_interrupted_run_resumes_with_only_the_missing_items(judge_server, tmp_path):
    items = [judge_rubric.JudgeItem(f"Pregunta {n}", f"Respuesta {n}", id=str(n)) for n in range(5)]
    flaky = judge_server(
        lambda body: (200, "no sé" if "Pregunta 3" in body["messages"][1]["content"] else json.dumps(VALID))
    )
    first = judge.judge_items(items, make_judge(flaky, attempts=1), judge_cache.JudgeCache(tmp_path), progress=False)
    assert [f[1] for f in first.failures] == ["3"]
    # A run killed while writing leaves half a line: it is skipped, not fatal.
    with (tmp_path / judge_cache.CACHE_FILE).open("a", encoding="utf-8") as handle:
        handle.write('{"key": "abc", "scor')
    good = judge_server()
    second = judge.judge_items(items, make_judge(good), judge_cache.JudgeCache(tmp_path), progress=False)
    assert second.cached == 4 and second.requests == 1 and not second.failures
    assert "Pregunta 3" in good.requests[0]["messages"][1]["content"]


def test_bad_key_stops_the_run_with_a_spanish_message(judge_server, tmp_path):
    server = judge_server(lambda body: (401, "Incorrect API key provided"))
    items = [judge_rubric.JudgeItem(f"Pregunta {n}", "Respuesta", id=str(n)) for n in range(3)]
    with pytest.raises(UserError, match="rechaza la clave"):
        judge.judge_items(items, make_judge(server), judge_cache.JudgeCache(tmp_path), progress=False)


def test_slow_judge_fails_the_item_not_the_run(judge_server, tmp_path):
    server = judge_server(delay=1.0)
    the_judge = judge.Judge(judge.JudgeTarget("juez", "juez", server.url, "x"), timeout=0.2)
    the_judge.client = the_judge.client.with_options(max_retries=0)
    run = judge.judge_items([ITEM], the_judge, judge_cache.JudgeCache(tmp_path), progress=False)
    assert run.judgements == [None] and "no respondió a tiempo" in run.failures[0][2]


def test_unreachable_judge_stops_the_run(tmp_path):
    from conftest import free_port

    target = judge.JudgeTarget("juez", "juez", f"http://127.0.0.1:{free_port()}/v1", "x")
    the_judge = judge.Judge(target, timeout=5)
    the_judge.client = the_judge.client.with_options(max_retries=0)
    with pytest.raises(UserError, match="no se puede conectar"):
        judge.judge_items([ITEM], the_judge, judge_cache.JudgeCache(tmp_path), progress=False)


# --- choosing the judge ----------------------------------------------------------------------


def test_resolve_judge(monkeypatch):
    from ragarena.answering.models import load_specs

    specs = load_specs(REPO / "models.yaml")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("RAGARENA_JUDGE_API_KEY", raising=False)
    monkeypatch.delenv("RAGARENA_JUDGE_BASE_URL", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv("TGI_URL", raising=False)
    with pytest.raises(UserError, match="no puede hacer de juez"):
        judge_setup.resolve_judge("extractive", specs)
    with pytest.raises(UserError, match="define OPENAI_API_KEY"):
        judge_setup.resolve_judge("gpt-3.5-turbo", specs)
    with pytest.raises(UserError, match="define TGI_URL"):
        judge_setup.resolve_judge("stablelm-2-12b-rag", specs)
    monkeypatch.setenv("TGI_URL", "http://127.0.0.1:8080")
    tgi = judge_setup.resolve_judge("stablelm-2-12b-rag", specs)
    assert (tgi.base_url, tgi.model, tgi.name) == (
        "http://127.0.0.1:8080/v1",
        "stablelm-2-12b-rag",
        "stablelm-2-12b-rag",
    )
    with pytest.raises(UserError, match="Falta la clave del juez"):
        judge_setup.resolve_judge("gpt-4o-mini", specs)
    local = judge_setup.resolve_judge("qwen", specs, base_url="http://127.0.0.1:9/v1")
    assert (local.model, local.base_url) == ("qwen", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-prueba")
    remote = judge_setup.resolve_judge("gpt-4o-mini", specs)
    assert (remote.model, remote.base_url, remote.api_key) == ("gpt-4o-mini", None, "sk-prueba")
    with pytest.raises(UserError, match="MI_CLAVE"):
        judge_setup.resolve_judge("gpt-4o-mini", specs, api_key_env="MI_CLAVE")


@pytest.mark.parametrize(
    "model_id, server_fixture, env",
    [
        ("gpt-3.5-turbo", "fake_openai", {"OPENAI_BASE_URL": "{base_url}", "OPENAI_API_KEY": "sk-prueba"}),
        ("stablelm-2-12b-rag", "fake_tgi", {"TGI_URL": "{base_url}", "HF_TOKEN": "hf_prueba"}),
    ],
)
def test_registry_models_judge_through_their_servers(
    model_id, server_fixture, env, request, monkeypatch, fixture_docs, fixture_qa, tmp_path, capsys
):
    server = request.getfixturevalue(server_fixture)
    server.default = ok(json.dumps(VALID, ensure_ascii=False))
    for name, value in env.items():
        monkeypatch.setenv(name, value.format(base_url=server.base_url))
    code = main(
        [
            "eval",
            "--docs",
            str(fixture_docs),
            "--qa",
            str(fixture_qa),
            "--judge",
            model_id,
            "--judge-cache",
            str(tmp_path / "cache"),
            "--scores-out",
            str(tmp_path / "s.jsonl"),
        ]
    )
    assert code == 0, capsys.readouterr().err
    requests = server.chat_requests()
    assert len(requests) == 6
    assert requests[0].path == "/v1/chat/completions"
    assert requests[0].body["model"] == model_id and requests[0].body["temperature"] == 0
    assert requests[0].headers["authorization"] == "Bearer " + env.get("OPENAI_API_KEY", env.get("HF_TOKEN"))
    [record] = scores.read_scores_file(tmp_path / "s.jsonl")
    assert record["judge"] == model_id and record["overall"] == 4.0


# --- the eval command ------------------------------------------------------------------------


def eval_args(fixture_docs, fixture_qa, server, tmp_path, *extra):
    return [
        "eval",
        "--docs",
        str(fixture_docs),
        "--qa",
        str(fixture_qa),
        "--split",
        "test",
        "--judge",
        "juez-local",
        "--judge-base-url",
        server.url,
        "--judge-cache",
        str(tmp_path / "cache"),
        "--scores-out",
        str(tmp_path / "scores"),
        *extra,
    ]


def test_eval_with_judge_writes_a_record_with_provenance_and_resumes_from_cache(
    judge_server, fixture_docs, fixture_qa, tmp_path, capsys
):
    server = judge_server(lambda body: (200, "```\nnada\n```" if len(body["messages"]) == 2 else json.dumps(VALID)))
    assert main(eval_args(fixture_docs, fixture_qa, server, tmp_path, "--json", str(tmp_path / "eval.json"))) == 0
    printed = json.loads(capsys.readouterr().out)
    assert set(printed) == {"n_turns", "retrieval", "answer", "judge"}
    assert printed["judge"]["n_items"] == 6 and printed["judge"]["n_failed"] == 0
    assert printed["judge"]["requests"] == 12  # malformed first, valid on the retry
    assert len(server.requests) == 12

    [record] = scores.read_scores_file(tmp_path / "scores" / "measured.jsonl")
    assert record["model"] == "extractive" and record["label"] == "Extractivo" and record["kind"] == "measured"
    assert (record["answer_relevance"], record["context_relevance"], record["groundedness"]) == (4.0, 3.0, 5.0)
    assert record["overall"] == 4.0
    assert record["n_items"] == 6 and record["n_failed"] == 0
    assert record["judge"] == "juez-local" and record["split"] == "test"
    assert record["dataset"].endswith("tests/fixtures/conversations.jsonl")
    assert record["source"].startswith("measured by `python -m ragarena eval ")
    assert "--judge juez-local" in record["source"] and "--backend extractive" in record["source"]
    assert record["source"].endswith("split test")
    assert f"--retrieval {record['retrieval']}" in record["source"] and record["k"] == 5
    scores.parse_date(record["date"])

    # Second run: everything comes from the cache, nothing is asked, a second record is appended.
    assert main(eval_args(fixture_docs, fixture_qa, server, tmp_path)) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["judge"]["requests"] == 0 and again["judge"]["cached"] == 6
    assert len(server.requests) == 12
    assert len(scores.read_scores_file(tmp_path / "scores" / "measured.jsonl")) == 2


def test_eval_fills_the_judge_cache_the_leaderboard_reads_by_default(
    judge_server, fixture_docs, fixture_qa, fixture_engine, tmp_path, monkeypatch, capsys
):
    """Without --judge-cache, `eval --judge` writes where the leaderboard's agreement reads (one place)."""
    from ragarena.leaderboard.board import BoardData
    from ragarena.ui.context import AppContext

    monkeypatch.setenv("RAGARENA_DATA_DIR", str(tmp_path / "datos"))
    monkeypatch.delenv("RAGARENA_JUDGE_CACHE", raising=False)
    server = judge_server(lambda body: (200, json.dumps(VALID)))
    args = eval_args(fixture_docs, fixture_qa, server, tmp_path)
    cut = args.index("--judge-cache")
    assert main(args[:cut] + args[cut + 2 :]) == 0, capsys.readouterr().err
    written = tmp_path / "datos" / "judge-cache" / judge_cache.CACHE_FILE
    assert len(written.read_text(encoding="utf-8").splitlines()) == 6
    board = BoardData(AppContext(engine=fixture_engine, extras={}))
    assert judge_cache.cache_path(board.judge_cache_dir()) == written
    entries, judges = judge_cache.read_cache(board.judge_cache_dir())
    assert len(entries) == 6 and judges == ["juez-local"]


def test_eval_reports_failed_items_and_stores_no_record_when_none_scored(
    judge_server, fixture_docs, fixture_qa, tmp_path, capsys
):
    server = judge_server(lambda body: (200, "sin JSON"))
    code = main(eval_args(fixture_docs, fixture_qa, server, tmp_path, "--judge-attempts", "2"))
    assert code == 2
    err = capsys.readouterr().err
    assert "sin puntuación para fx-2, turno 1" in err
    assert "no puntuó ninguna respuesta" in err
    assert len(server.requests) == 12
    assert not (tmp_path / "scores").exists()


def test_eval_judge_options_are_checked_before_answering(fixture_docs, fixture_qa, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("RAGARENA_JUDGE_API_KEY", raising=False)
    monkeypatch.delenv("RAGARENA_JUDGE_BASE_URL", raising=False)
    base = ["eval", "--docs", str(fixture_docs), "--qa", str(fixture_qa)]
    assert main([*base, "--judge", "gpt-4o-mini"]) == 2
    assert "Falta la clave del juez" in capsys.readouterr().err
    assert main([*base, "--judge", "extractive-lexical"]) == 2
    assert "no puede hacer de juez" in capsys.readouterr().err
    assert main([*base, "--judge", "x", "--judge-base-url", "http://127.0.0.1:9/v1", "--judge-concurrency", "0"]) == 2
    assert "--judge-concurrency" in capsys.readouterr().err
    assert main([*base, "--scores-out", str(tmp_path)]) == 2
    assert "solo tiene sentido con --judge" in capsys.readouterr().err


# --- stored scores ---------------------------------------------------------------------------


def test_published_study_figures_are_stored_exactly_and_without_a_breakdown():
    records = scores.load_scores(REPO / "data" / "scores")
    published = {r["model"]: r for r in records if r["kind"] == "published"}
    assert published["gpt-3.5"]["overall"] == 3.59
    assert published["stablelm-2-12b-finetuned"]["overall"] == 4.52
    for record in published.values():
        assert all(record[c] is None for c in scores.CRITERIA)
        assert record["n_items"] is None
        assert "IIC" in record["source"] and "Instituto de Ingeniería del Conocimiento" in record["source"]


def test_score_files_are_validated_with_clear_messages(tmp_path):
    good = scores.make_record(
        "m",
        {"answer_relevance": 4, "context_relevance": 3, "groundedness": 5},
        n_items=2,
        judge="j",
        dataset="d.jsonl",
        split="test",
        source="measured by x",
    )
    assert good["overall"] == 4.0
    path = scores.append_record(good, tmp_path)
    assert path == tmp_path / "measured.jsonl"
    assert scores.load_scores(tmp_path) == [good]
    assert scores.load_scores(tmp_path / "no-existe") == []

    cases = [
        ("no es json", "línea 2: JSON no válido"),
        (json.dumps({**good, "groundedness": 6}), "«groundedness» debe ser un número entre 1 y 5"),
        (json.dumps({**good, "kind": "inventado"}), "«kind»"),
        (json.dumps({**good, "source": ""}), "falta «source»"),
        (json.dumps({**good, "date": "ayer"}), "fecha ISO"),
        (json.dumps({**good, "n_items": -1}), "«n_items»"),
        (json.dumps({**good, "overall": None}), "necesita overall"),
        (json.dumps({"model": "x", "kind": "published", "overall": None, "source": "s"}), "ninguna cifra"),
        ("[1]", "objeto JSON"),
    ]
    for line, message in cases:
        bad = tmp_path / "bad" / "scores.jsonl"
        bad.parent.mkdir(exist_ok=True)
        bad.write_text(json.dumps(good) + "\n" + line + "\n", encoding="utf-8")
        with pytest.raises(UserError, match=message):
            scores.load_scores(bad.parent)
    with pytest.raises(UserError, match="groundedness"):
        scores.append_record({**good, "groundedness": 0}, tmp_path)


def test_latest_measured_record_per_model():
    old = {"model": "m", "kind": "measured", "overall": 3.0, "date": "2024-01-01T00:00:00Z"}
    new = {"model": "m", "kind": "measured", "overall": 4.0, "date": "2024-06-01"}
    published = {"model": "m", "kind": "published", "overall": 5.0, "date": None}
    assert scores.latest_measured([new, old, published])["m"] is new
