"""LLM-as-judge: score each answer 1-5 on answer relevance, context relevance and groundedness.

The judge is any model that speaks the OpenAI chat-completions protocol (OpenAI, a TGI
server, vLLM, ...). Each item (question, conversation history, retrieved passages, answer)
is sent once with a Spanish rubric; the judge must reply with a JSON object holding a score
and a short justification per criterion. Malformed replies are re-asked (telling the judge
what was wrong) up to `max_attempts` times, then the item is marked failed and reported.

Every valid judgement is appended to a JSON Lines cache as soon as it arrives, keyed by a
hash of the judge model, the rubric, the question, the history, the passages and the
answer, so an interrupted run resumes without asking again. Requests run in a thread pool.

`python -m ragarena eval --judge MODEL` uses `judge_results` to score a run and store a
record in ``data/scores/`` (see `ragarena.scoring.scores`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import threading
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from statistics import mean
from typing import Any, Sequence

from ragarena import config, settings

from ragarena.scoring import scores
from ragarena.errors import UserError
from ragarena.jsonl import loads

CRITERIA = scores.CRITERIA
CRITERION_NAMES = {
    "answer_relevance": "relevancia de la respuesta",
    "context_relevance": "relevancia del contexto",
    "groundedness": "fundamentación",
}
DEFAULT_ATTEMPTS = 3
DEFAULT_CONCURRENCY = 4
CACHE_FILE = "judge-cache.jsonl"
JUDGE_KINDS = ("openai", "tgi")

JUDGE_SYSTEM_PROMPT = """\
Eres un evaluador estricto e imparcial de un asistente que responde preguntas sobre una \
documentación en español (un sistema RAG: para cada pregunta se recuperan fragmentos de la \
documentación y el asistente debe responder solo con lo que dicen).

Recibirás la conversación previa (si la hay), los fragmentos recuperados para la pregunta \
actual, la pregunta y la respuesta del asistente. Puntúa tres criterios con un entero del 1 \
al 5. Juzga cada criterio por separado: una respuesta puede estar bien fundamentada y no \
responder a lo preguntado, o al revés. Usa la conversación previa para entender las \
preguntas de seguimiento («¿Y por teléfono?»).

1. answer_relevance (relevancia de la respuesta): ¿responde a la pregunta que se hizo, de \
forma directa y concisa?
   5 = responde exactamente a lo preguntado, directa y brevemente, sin rodeos ni relleno.
   4 = responde a lo preguntado, pero con algún detalle de más o alguna fórmula innecesaria \
(«Según la información proporcionada…»).
   3 = responde solo en parte, o la respuesta queda enterrada en texto que sobra.
   2 = trata el tema, pero no responde a la pregunta concreta.
   1 = no responde a la pregunta o habla de otra cosa.
   Si los fragmentos no contienen la respuesta, decir claramente que la documentación no \
incluye esa información es responder bien (5). Decirlo cuando los fragmentos sí contienen \
la respuesta es no responder (1 o 2).

2. context_relevance (relevancia del contexto): ¿los fragmentos recuperados son los que \
hacen falta para responder a la pregunta? Este criterio juzga la recuperación, no la \
respuesta.
   5 = contienen toda la información necesaria y casi ningún fragmento es ajeno a la pregunta.
   4 = contienen toda la información necesaria, pero varios fragmentos no vienen al caso.
   3 = contienen solo parte de la información necesaria.
   2 = tratan el tema de la pregunta, pero no contienen la información que se pide.
   1 = no tienen relación con la pregunta.
   Si ningún fragmento contiene la respuesta (también cuando la documentación no cubre la \
pregunta), la puntuación no pasa de 2.

3. groundedness (fundamentación): ¿todo lo que afirma la respuesta está respaldado por los \
fragmentos? No juzgues si es cierto en el mundo, sino si se apoya en el texto recuperado.
   5 = cada afirmación se apoya en los fragmentos; no inventa nada ni añade información \
superflua que no esté en ellos.
   4 = lo esencial se apoya en los fragmentos; algún detalle menor es una paráfrasis libre \
o una inferencia evidente.
   3 = mezcla información respaldada con alguna afirmación que los fragmentos no respaldan.
   2 = la parte principal de la respuesta no se apoya en los fragmentos.
   1 = la respuesta es inventada o contradice los fragmentos.
   Decir que la documentación no incluye la información está fundamentado (5) si los \
fragmentos no la contienen; si la contienen, es una afirmación falsa sobre el contexto (1 o 2).

Responde solo con un objeto JSON, sin texto antes ni después y sin bloques de código, con \
exactamente esta forma (la justificación, una o dos frases en español, va antes de la \
puntuación):
{"answer_relevance": {"justification": "...", "score": 1-5}, \
"context_relevance": {"justification": "...", "score": 1-5}, \
"groundedness": {"justification": "...", "score": 1-5}}"""

RETRY_PROMPT = (
    "Tu respuesta anterior no es válida: {reason}. Responde de nuevo solo con el objeto JSON pedido, "
    'con las claves "answer_relevance", "context_relevance" y "groundedness", cada una con '
    '"justification" (texto) y "score" (un entero del 1 al 5).'
)

RUBRIC_HASH = hashlib.sha256(JUDGE_SYSTEM_PROMPT.encode("utf-8")).hexdigest()[:16]


# ---------------------------------------------------------------------------------------
# Items and prompts


@dataclass(frozen=True)
class JudgeItem:
    """One answer to judge. `passages` are the retrieved passages as the judge sees them."""

    question: str
    answer: str
    passages: tuple[str, ...] = ()
    history: tuple[tuple[str, str], ...] = ()
    id: str = ""  # for reports: e.g. "conv-3, turno 2"


def item_from_turn(result) -> JudgeItem:
    """A `JudgeItem` from an `evaluation.TurnResult`."""
    passages = tuple(
        f"{hit.passage.title} — {hit.passage.section}\n{hit.passage.text}" if hit.passage.section
        else f"{hit.passage.title}\n{hit.passage.text}"
        for hit in result.hits
    )
    return JudgeItem(result.question, result.answer, passages, tuple(result.history),
                     f"{result.conversation_id}, turno {result.turn + 1}")


def build_judge_messages(item: JudgeItem) -> list[dict[str, str]]:
    if item.history:
        history = "\n".join(f"Usuario: {q}\nAsistente: {a}" for q, a in item.history)
    else:
        history = "(ninguna: es la primera pregunta)"
    if item.passages:
        passages = "\n\n".join(f"[{n}] {text}" for n, text in enumerate(item.passages, start=1))
    else:
        passages = "(no se recuperó ningún fragmento)"
    user = (
        f"Conversación previa:\n{history}\n\n"
        f"Fragmentos recuperados:\n{passages}\n\n"
        f"Pregunta: {item.question}\n\n"
        f"Respuesta del asistente:\n{item.answer}"
    )
    return [{"role": "system", "content": JUDGE_SYSTEM_PROMPT}, {"role": "user", "content": user}]


def cache_key(judge_model: str, item: JudgeItem) -> str:
    payload = json.dumps(
        {"judge": judge_model, "rubric": RUBRIC_HASH, "question": item.question,
         "history": [list(pair) for pair in item.history], "passages": list(item.passages), "answer": item.answer},
        ensure_ascii=False, sort_keys=True,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------------------------
# Parsing the judge's reply


class JudgeOutputError(ValueError):
    """The judge's reply is not the JSON asked for; the message (Spanish) says why."""


_SCORE_KEYS = ("score", "puntuacion", "puntuación", "nota")
_JUSTIFICATION_KEYS = ("justification", "justificacion", "justificación", "razon", "razón")
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$", re.IGNORECASE)


def _first(mapping: dict, keys: Sequence[str]) -> Any:
    for key in keys:
        if key in mapping:
            return mapping[key]
    return None


def parse_judgement(text: str | None) -> dict[str, dict]:
    """``{criterion: {"score": int 1-5, "justification": str}}`` from the judge's reply.

    Tolerates code fences and text around one JSON object (servers that ignore
    ``response_format``); raises `JudgeOutputError` otherwise.
    """
    if not text or not text.strip():
        raise JudgeOutputError("la respuesta está vacía")
    body = _FENCE.sub("", text.strip())
    try:
        data = loads(body)
    except json.JSONDecodeError:
        start, end = body.find("{"), body.rfind("}")
        if start < 0 or end <= start:
            raise JudgeOutputError("no contiene un objeto JSON") from None
        try:
            data = loads(body[start:end + 1])
        except json.JSONDecodeError as error:
            raise JudgeOutputError(f"el JSON no es válido ({error.msg})") from None
    if not isinstance(data, dict):
        raise JudgeOutputError("se esperaba un objeto JSON")
    result = {}
    for criterion in CRITERIA:
        entry = data.get(criterion)
        if entry is None:
            raise JudgeOutputError(f'falta el criterio "{criterion}"')
        if not isinstance(entry, dict):
            raise JudgeOutputError(f'"{criterion}" debe ser un objeto con "justification" y "score"')
        score = _first(entry, _SCORE_KEYS)
        if isinstance(score, str) and score.strip().isdigit():
            score = int(score.strip())
        if isinstance(score, float) and score.is_integer():
            score = int(score)
        if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
            raise JudgeOutputError(f'"{criterion}.score" debe ser un entero del 1 al 5, no {score!r}')
        justification = _first(entry, _JUSTIFICATION_KEYS)
        if not isinstance(justification, str) or not justification.strip():
            raise JudgeOutputError(f'falta "{criterion}.justification" (una frase que explique la nota)')
        result[criterion] = {"score": score, "justification": justification.strip()}
    return result


# ---------------------------------------------------------------------------------------
# The cache


class JudgeCache:
    """Valid judgements as JSON Lines, appended (and flushed) one by one; thread-safe.

    A half-written last line (a run killed mid-write) is ignored when reading.
    """

    def __init__(self, directory: str | os.PathLike):
        self.path = Path(directory) / CACHE_FILE
        self._lock = threading.Lock()
        self._entries: dict[str, dict] = {}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if self.path.exists():
                for line in self.path.read_text(encoding="utf-8", errors="replace").splitlines():
                    try:
                        entry = loads(line)
                        self._entries[entry["key"]] = entry["scores"]
                    except (json.JSONDecodeError, KeyError, TypeError):
                        continue
        except OSError as error:
            raise UserError(f"No se puede usar la caché del juez en {self.path}: {error.strerror or error}") from None

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> dict | None:
        return self._entries.get(key)

    def put(self, key: str, judgement: dict, **meta) -> None:
        line = json.dumps({"key": key, **meta, "scores": judgement}, ensure_ascii=False)
        with self._lock:
            self._entries[key] = judgement
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(line + "\n")
                handle.flush()


# ---------------------------------------------------------------------------------------
# The judge


class JudgeFatalError(Exception):
    """An error no retry will fix (bad key, unknown model, unreachable server)."""


class JudgeItemFailed(Exception):
    """The judge never gave a valid reply for one item."""


@dataclass(frozen=True)
class JudgeTarget:
    """Where the judge lives: `name` is what records and the cache call it."""

    name: str
    model: str
    base_url: str | None = None
    api_key: str | None = None
    spec: Any = None  # the registry entry it came from (its shutdown date, its "define …" variable)


class Judge:
    """Asks one judge model; safe to call from several threads."""

    def __init__(self, target: JudgeTarget, max_attempts: int = DEFAULT_ATTEMPTS, timeout: float = 120.0,
                 client=None):
        if max_attempts < 1:
            raise UserError("El juez necesita al menos un intento por respuesta.")
        self.target = target
        self.max_attempts = max_attempts
        self.json_mode = True  # turned off if the server rejects response_format
        self.requests = 0
        self._lock = threading.Lock()
        if client is None:
            import openai

            client = openai.OpenAI(api_key=target.api_key or "sin-clave", base_url=target.base_url,
                                   timeout=timeout, max_retries=2)
        self.client = client

    def _complete(self, messages: list[dict]) -> str:
        import openai

        while True:
            kwargs: dict[str, Any] = {"model": self.target.model, "messages": messages, "temperature": 0}
            json_mode = self.json_mode
            if json_mode:
                kwargs["response_format"] = {"type": "json_object"}
            with self._lock:
                self.requests += 1
            try:
                response = self.client.chat.completions.create(**kwargs)
            except (openai.BadRequestError, openai.UnprocessableEntityError) as error:
                if json_mode:
                    # Some servers refuse response_format (400/422): ask without it from now on;
                    # the reply is parsed just as well (fences and chatter are tolerated).
                    self.json_mode = False
                    continue
                raise JudgeItemFailed(f"el servidor rechazó la petición ({_short(error)})") from None
            except openai.AuthenticationError:
                raise JudgeFatalError(f"el servidor del juez rechaza la clave ({self._where()})") from None
            except openai.PermissionDeniedError:
                raise JudgeFatalError(f"la clave no tiene acceso al modelo «{self.target.model}»") from None
            except openai.NotFoundError:
                raise JudgeFatalError(
                    f"el servidor del juez ({self._where()}) no conoce el modelo «{self.target.model}»"
                ) from None
            except openai.APITimeoutError:
                raise JudgeItemFailed("el juez no respondió a tiempo") from None
            except openai.APIConnectionError:
                raise JudgeFatalError(f"no se puede conectar con el juez en {self._where()}") from None
            except openai.APIError as error:
                raise JudgeItemFailed(f"error del servidor del juez ({_short(error)})") from None
            choices = getattr(response, "choices", None) or []
            if not choices:
                return ""
            return choices[0].message.content or ""

    def _where(self) -> str:
        from ragarena.answering.backends.openai_backend import safe_url

        return safe_url(self.target.base_url) if self.target.base_url else "la API de OpenAI"

    def judge(self, item: JudgeItem) -> dict[str, dict]:
        """The judgement of one item; raises `JudgeItemFailed` or `JudgeFatalError`."""
        messages = build_judge_messages(item)
        reason = ""
        for _ in range(self.max_attempts):
            reply = self._complete(messages)
            try:
                return parse_judgement(reply)
            except JudgeOutputError as error:
                reason = str(error)
                messages = messages + [
                    {"role": "assistant", "content": reply or ""},
                    {"role": "user", "content": RETRY_PROMPT.format(reason=reason)},
                ]
        raise JudgeItemFailed(f"respuesta no válida tras {self.max_attempts} intentos ({reason})")


def _short(error: Exception, limit: int = 200) -> str:
    text = " ".join(str(error).split())
    return text if len(text) <= limit else text[:limit] + "…"


@dataclass
class JudgeRun:
    """What `judge_items` returns: judgements aligned with the items (None where failed)."""

    judgements: list[dict | None]
    failures: list[tuple[int, str, str]] = field(default_factory=list)  # (index, item id, reason)
    cached: int = 0
    requests: int = 0


def judge_items(items: Sequence[JudgeItem], judge: Judge, cache: JudgeCache | None = None,
                concurrency: int = DEFAULT_CONCURRENCY, progress: bool = True) -> JudgeRun:
    """Judge every item (cached ones are not asked again), `concurrency` requests at a time.

    Raises `UserError` on a fatal error (bad key, unknown model, no connection): the
    judgements received until then are already in the cache.
    """
    if concurrency < 1:
        raise UserError("--judge-concurrency debe ser al menos 1.")
    run = JudgeRun([None] * len(items))
    keys = [cache_key(judge.target.name, item) for item in items]
    pending = []
    for index, key in enumerate(keys):
        hit = cache.get(key) if cache is not None else None
        if hit is not None:
            run.judgements[index] = hit
            run.cached += 1
        else:
            pending.append(index)
    bar = _progress_bar(len(items), run.cached, enabled=progress)
    requests_before = judge.requests

    def task(index: int) -> dict:
        judgement = judge.judge(items[index])
        if cache is not None:
            cache.put(keys[index], judgement, judge=judge.target.name, question=items[index].question)
        return judgement

    pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="juez")
    finished = False
    try:
        futures = {pool.submit(task, index): index for index in pending}
        remaining = set(futures)
        fatal: JudgeFatalError | None = None
        while remaining and fatal is None:
            done, remaining = wait(remaining, return_when=FIRST_COMPLETED)
            for future in done:
                index = futures[future]
                try:
                    run.judgements[index] = future.result()
                except JudgeItemFailed as error:
                    run.failures.append((index, items[index].id or f"ítem {index + 1}", str(error)))
                except JudgeFatalError as error:
                    fatal = error
                bar.update(1)
        if fatal is not None:
            raise UserError(f"El juez no puede seguir: {fatal}. Lo ya evaluado queda en la caché; "
                            "vuelve a lanzar la orden para continuar.")
        finished = True
    finally:
        # On an error or Ctrl-C, drop what has not started; requests in flight end (and are cached).
        pool.shutdown(wait=finished, cancel_futures=not finished)
        bar.close()
        run.requests = judge.requests - requests_before
    run.failures.sort()
    return run


class _Counter:
    """Minimal progress on stderr when tqdm is not installed."""

    def __init__(self, total: int, initial: int):
        self.total, self.done = total, initial
        self._lock = threading.Lock()
        self._show()

    def _show(self) -> None:
        if sys.stderr.isatty() or self.done == self.total:
            print(f"\rJuez: {self.done}/{self.total} respuestas", end="", file=sys.stderr, flush=True)

    def update(self, n: int = 1) -> None:
        with self._lock:
            self.done += n
            self._show()

    def close(self) -> None:
        print(file=sys.stderr)


class _Silent:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def _progress_bar(total: int, initial: int, enabled: bool):
    if not enabled:
        return _Silent()
    try:
        from tqdm import tqdm
    except ImportError:
        return _Counter(total, initial)
    return tqdm(total=total, initial=initial, desc="Juez", unit="respuesta", file=sys.stderr, dynamic_ncols=True)


def summarize_judgements(run: JudgeRun) -> dict:
    """Criterion means (1-5), their mean (`overall`), items scored and failed."""
    valid = [j for j in run.judgements if j is not None]
    means = {c: round(float(mean(j[c]["score"] for j in valid)), 3) if valid else None for c in CRITERIA}
    present = [v for v in means.values() if v is not None]
    return {
        **means,
        "overall": round(float(mean(present)), 3) if present else None,
        "n_items": len(valid),
        "n_failed": len(run.failures),
    }


# ---------------------------------------------------------------------------------------
# Which judge: the registry or any OpenAI-compatible server


def resolve_judge(name: str, specs=(), base_url: str | None = None, api_key_env: str | None = None) -> JudgeTarget:
    """The judge named by ``--judge``.

    A registry id of kind ``openai`` or ``tgi`` uses that entry's server, model and key.
    Any other name is a model of an OpenAI-compatible server: ``--judge-base-url`` or
    ``RAGARENA_JUDGE_BASE_URL`` (else OpenAI's API), key from the variable named by
    ``--judge-api-key-env`` (else ``RAGARENA_JUDGE_API_KEY``, then ``OPENAI_API_KEY``).
    """
    name = (name or "").strip()
    if not name:
        raise UserError("--judge necesita el nombre de un modelo.")
    spec = next((s for s in specs if s.id == name), None) or next((s for s in specs if s.alias == name), None)
    if spec is not None and not base_url:
        return _target_from_spec(spec, api_key_env)
    base_url = base_url or settings.text("RAGARENA_JUDGE_BASE_URL") or None
    env_names = [api_key_env] if api_key_env else ["RAGARENA_JUDGE_API_KEY", "OPENAI_API_KEY"]
    key = next((os.environ[n] for n in env_names if os.environ.get(n)), None)
    if api_key_env and not key:
        raise UserError(f"La variable {api_key_env} (clave del juez) no está definida.")
    if not base_url and not key:
        raise UserError(
            "Falta la clave del juez: define OPENAI_API_KEY (o RAGARENA_JUDGE_API_KEY), o indica un servidor "
            "compatible con OpenAI con --judge-base-url."
        )
    return JudgeTarget(name=name, model=name, base_url=base_url, api_key=key)


def _target_from_spec(spec, api_key_env: str | None) -> JudgeTarget:
    """Server, model and key of a registry entry, read as its backend reads them."""
    if spec.kind not in JUDGE_KINDS:
        raise UserError(
            f"El modelo «{spec.id}» es de tipo «{spec.kind}» y no puede hacer de juez: usa un modelo de tipo "
            "openai o tgi, o cualquier modelo de un servidor compatible con OpenAI con --judge-base-url."
        )
    from ragarena.answering.backends.openai_backend import DEFAULT_BASE_URL, RemoteSettings, url_problem

    if spec.kind == "openai":
        settings = RemoteSettings.from_spec(spec, base_url_env="OPENAI_BASE_URL", api_key_env="OPENAI_API_KEY")
    else:
        settings = RemoteSettings.from_spec(spec, base_url_env="TGI_URL", api_key_env="HF_TOKEN")
    key_env = api_key_env or settings.api_key_env
    key = (os.environ.get(key_env) or "").strip() or None
    if api_key_env and not key:
        raise UserError(f"La variable {api_key_env} (clave del juez) no está definida.")
    problem = url_problem(settings.base_url, settings.base_url_env)
    if problem:
        raise UserError(f"El juez «{spec.id}» no está disponible: {problem}")
    base_url = settings.base_url
    if spec.kind == "openai":
        if not key and not settings.key_optional:
            raise UserError(f"Falta la clave del juez «{spec.id}»: define {key_env}.")
        base_url = base_url or DEFAULT_BASE_URL
    else:
        if not base_url:
            raise UserError(f"El juez «{spec.id}» no está disponible: define {settings.base_url_env} con la "
                            "dirección del servidor TGI.")
        if not base_url.rstrip("/").endswith("/v1"):
            base_url = base_url.rstrip("/") + "/v1"  # TGI's OpenAI-compatible Messages API
    return JudgeTarget(name=spec.id, model=settings.model, base_url=base_url, api_key=key,
                       spec=spec if spec.kind == "openai" else None)


# ---------------------------------------------------------------------------------------
# The eval command's side


def add_arguments(parser) -> None:
    """The judge options of `python -m ragarena eval`."""
    group = parser.add_argument_group("juez (puntuaciones 1-5 de relevancia y fundamentación)")
    group.add_argument("--judge", default=None, metavar="MODELO",
                       help="puntúa cada respuesta con este modelo: un id de models.yaml de tipo openai o tgi, "
                            "o un modelo de un servidor compatible con OpenAI (--judge-base-url)")
    group.add_argument("--judge-base-url", default=None, metavar="URL",
                       help="servidor compatible con OpenAI del juez (o RAGARENA_JUDGE_BASE_URL)")
    group.add_argument("--judge-api-key-env", default=None, metavar="VARIABLE",
                       help="variable de entorno con la clave del juez "
                            "(por defecto RAGARENA_JUDGE_API_KEY y después OPENAI_API_KEY)")
    group.add_argument("--judge-concurrency", type=int, default=DEFAULT_CONCURRENCY, metavar="N",
                       help=f"peticiones simultáneas al juez (por defecto {DEFAULT_CONCURRENCY})")
    group.add_argument("--judge-attempts", type=int, default=DEFAULT_ATTEMPTS, metavar="N",
                       help=f"intentos por respuesta si el juez no devuelve JSON válido (por defecto {DEFAULT_ATTEMPTS})")
    group.add_argument("--judge-cache", default=None, metavar="CARPETA",
                       help="caché de juicios, para reanudar sin repetir peticiones "
                            "(por defecto RAGARENA_DATA_DIR/judge-cache)")
    group.add_argument("--scores-out", default=None, metavar="RUTA",
                       help="carpeta (añade a measured.jsonl) o archivo .jsonl donde guardar la puntuación "
                            "(y, con --record, las cifras automáticas; por defecto data/scores/)")


def prepare(args, specs) -> Judge | None:
    """The judge the options ask for (None without ``--judge``); checked before answering."""
    if not getattr(args, "judge", None):
        for option in ("judge_base_url", "judge_api_key_env", "judge_cache", "scores_out"):
            if option == "scores_out" and getattr(args, "record", False):
                continue  # --record writes there too
            if getattr(args, option, None):
                raise UserError(f"--{option.replace('_', '-')} solo tiene sentido con --judge.")
        return None
    if args.judge_concurrency < 1:
        raise UserError("--judge-concurrency debe ser al menos 1.")
    if args.judge_attempts < 1:
        raise UserError("--judge-attempts debe ser al menos 1.")
    target = resolve_judge(args.judge, specs, args.judge_base_url, args.judge_api_key_env)
    check_served(target)
    return Judge(target, max_attempts=args.judge_attempts)


def check_served(target: JudgeTarget) -> None:
    """Before the first request: the judge's server still serves its model (`GET /v1/models`, as the
    app checks its models): a retired or unlisted model stops here with the reason; a shutdown date
    ahead is printed as a warning. A server without /v1/models is not blocked."""
    from ragarena.answering import model_check
    from ragarena.answering.backends.openai_backend import DEFAULT_BASE_URL
    from ragarena.answering.models import ModelSpec

    spec = target.spec or ModelSpec(target.name, target.name, "openai", settings={
        "model": target.model, "base_url": target.base_url or DEFAULT_BASE_URL, "model_env": "--judge",
        "base_url_env": "--judge-base-url", "api_key_env": "--judge-api-key-env", "api_key_optional": True})
    found = model_check.verify(spec, key=target.api_key or "")
    if found.reason:
        raise UserError(f"El juez «{target.name}» no está disponible: {found.reason}")
    if found.warning:
        print(f"Aviso (juez): {found.warning}", file=sys.stderr)


def _display_path(path: str | os.PathLike) -> str:
    path = Path(path)
    try:
        return path.resolve().relative_to(config.REPO_ROOT).as_posix()
    except ValueError:
        return str(path)


def eval_command_line(args, retrieval: str | None = None) -> str:
    parts = ["python -m ragarena eval"]
    if args.docs:
        parts.append(f"--docs {_display_path(args.docs)}")
    if args.qa:
        parts.append(f"--qa {_display_path(args.qa)}")
    parts += [f"--split {args.split}", f"--backend {args.backend}", f"--k {args.k}"]
    retrieval = retrieval or getattr(args, "retrieval", None)
    if retrieval:
        parts.append(f"--retrieval {retrieval}")
    parts.append(f"--judge {args.judge}")
    return " ".join(parts)


def judge_results(judge: Judge, results: Sequence, args, label: str | None = None,
                  retrieval: str | None = None, model: str | None = None, served_model: str | None = None) -> dict:
    """Judge an eval run's answers, store a score record, report failures on stderr.

    `retrieval` (the retrieval mode used) goes into the record's provenance.

    Returns the figures for the eval command's output (means, counts, where the record went).
    """
    items = [item_from_turn(result) for result in results]
    cache = JudgeCache(args.judge_cache or settings.judge_cache_dir())
    run = judge_items(items, judge, cache, concurrency=args.judge_concurrency)
    summary = summarize_judgements(run)
    for _, item_id, reason in run.failures:
        print(f"Juez: sin puntuación para {item_id}: {reason}", file=sys.stderr)
    if not summary["n_items"]:
        raise UserError(f"El juez no puntuó ninguna respuesta ({len(run.failures)} fallidas); no se guarda nada.")
    if run.failures:
        print(f"Juez: {len(run.failures)} de {len(items)} respuestas sin puntuación; vuelve a lanzar la orden "
              "para reintentarlas (las demás salen de la caché).", file=sys.stderr)
    dataset = _display_path(args.qa or config.qa_file())
    extra = {"served_model": str(served_model)} if served_model else {}
    record = scores.make_record(
        model or args.backend, summary, n_items=summary["n_items"], n_failed=summary["n_failed"],
        judge=judge.target.name, dataset=dataset, split=args.split, label=label,
        source=f"measured by `{eval_command_line(args, retrieval)}` on {dataset} split {args.split}",
        k=args.k, **({"retrieval": retrieval} if retrieval else {}), **extra,
    )
    written = scores.append_record(record, args.scores_out)
    return {**summary, "judge": judge.target.name, "requests": run.requests, "cached": run.cached,
            "scores_file": str(written)}
