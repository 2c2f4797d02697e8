"""The judge side of `python -m ragarena eval --judge MODEL`: which judge, its options, and the record.

`resolve_judge` turns ``--judge`` into a `JudgeTarget`: a registry entry of kind ``openai`` or
``tgi`` (read with its own backend's settings), or any model of an OpenAI-compatible server.
`prepare` checks the options and that the judge's server still serves the model before the
first answer is asked; `judge_results` judges a run's answers (`ragarena.scoring.judge`), caches
them (`ragarena.scoring.judge_cache`) and appends a score record with its provenance to
``data/scores/`` (`ragarena.scoring.scores`).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from ragarena import settings
from ragarena.answering import model_check
from ragarena.answering.backends import openai_backend, tgi_backend
from ragarena.answering.backends.openai_backend import DEFAULT_BASE_URL
from ragarena.answering.backends.remote import url_problem
from ragarena.answering.models import ModelSpec
from ragarena.core.errors import UserError
from ragarena.scoring import scores
from ragarena.scoring.eval_record import display_path, eval_command_line
from ragarena.scoring.judge import (
    DEFAULT_ATTEMPTS,
    DEFAULT_CONCURRENCY,
    Judge,
    JudgeTarget,
    judge_items,
    summarize_judgements,
)
from ragarena.scoring.judge_cache import JudgeCache
from ragarena.scoring.judge_rubric import item_from_turn

JUDGE_KINDS = ("openai", "tgi")


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
    key = next((settings.raw(n) for n in env_names if settings.raw(n)), None)
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

    remote = (openai_backend if spec.kind == "openai" else tgi_backend).settings_of(spec)
    key_env = api_key_env or remote.api_key_env
    key = settings.raw(key_env) or None
    if api_key_env and not key:
        raise UserError(f"La variable {api_key_env} (clave del juez) no está definida.")
    problem = url_problem(remote.base_url, remote.base_url_env)
    if problem:
        raise UserError(f"El juez «{spec.id}» no está disponible: {problem}")
    base_url = remote.base_url
    if spec.kind == "openai":
        if not key and not remote.key_optional:
            raise UserError(f"Falta la clave del juez «{spec.id}»: define {key_env}.")
        base_url = base_url or openai_backend.DEFAULT_BASE_URL
    else:
        if not base_url:
            raise UserError(
                f"El juez «{spec.id}» no está disponible: define {remote.base_url_env} con la "
                "dirección del servidor TGI."
            )
        if not base_url.rstrip("/").endswith("/v1"):
            base_url = base_url.rstrip("/") + "/v1"  # TGI's OpenAI-compatible Messages API
    return JudgeTarget(
        name=spec.id, model=remote.model, base_url=base_url, api_key=key, spec=spec if spec.kind == "openai" else None
    )


def add_arguments(parser) -> None:
    """The judge options of `python -m ragarena eval`."""
    group = parser.add_argument_group("juez (puntuaciones 1-5 de relevancia y fundamentación)")
    group.add_argument(
        "--judge",
        default=None,
        metavar="MODELO",
        help="puntúa cada respuesta con este modelo: un id de models.yaml de tipo openai o tgi, "
        "o un modelo de un servidor compatible con OpenAI (--judge-base-url)",
    )
    group.add_argument(
        "--judge-base-url",
        default=None,
        metavar="URL",
        help="servidor compatible con OpenAI del juez (o RAGARENA_JUDGE_BASE_URL)",
    )
    group.add_argument(
        "--judge-api-key-env",
        default=None,
        metavar="VARIABLE",
        help="variable de entorno con la clave del juez (por defecto RAGARENA_JUDGE_API_KEY y después OPENAI_API_KEY)",
    )
    group.add_argument(
        "--judge-concurrency",
        type=int,
        default=DEFAULT_CONCURRENCY,
        metavar="N",
        help=f"peticiones simultáneas al juez (por defecto {DEFAULT_CONCURRENCY})",
    )
    group.add_argument(
        "--judge-attempts",
        type=int,
        default=DEFAULT_ATTEMPTS,
        metavar="N",
        help=f"intentos por respuesta si el juez no devuelve JSON válido (por defecto {DEFAULT_ATTEMPTS})",
    )
    group.add_argument(
        "--judge-cache",
        default=None,
        metavar="CARPETA",
        help="caché de juicios, para reanudar sin repetir peticiones "
        "(por defecto RAGARENA_JUDGE_CACHE o RAGARENA_DATA_DIR/judge-cache)",
    )
    group.add_argument(
        "--scores-out",
        default=None,
        metavar="RUTA",
        help="carpeta (añade a measured.jsonl) o archivo .jsonl donde guardar la puntuación "
        "(y, con --record, las cifras automáticas; por defecto data/scores/)",
    )


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
    spec = target.spec or ModelSpec(
        target.name,
        target.name,
        "openai",
        settings={
            "model": target.model,
            "base_url": target.base_url or DEFAULT_BASE_URL,
            "model_env": "--judge",
            "base_url_env": "--judge-base-url",
            "api_key_env": "--judge-api-key-env",
            "api_key_optional": True,
        },
    )
    found = model_check.verify(spec, key=target.api_key or "")
    if found.reason:
        raise UserError(f"El juez «{target.name}» no está disponible: {found.reason}")
    if found.warning:
        print(f"Aviso (juez): {found.warning}", file=sys.stderr)


def judge_results(
    judge: Judge,
    results: Sequence,
    args,
    label: str | None = None,
    retrieval: str | None = None,
    model: str | None = None,
    served_model: str | None = None,
) -> dict:
    """Judge an eval run's answers, store a score record, report failures on stderr.

    `retrieval` (the retrieval mode used) goes into the record's provenance.

    Returns the figures for the eval command's output (means, counts, where the record went).
    """
    items = [item_from_turn(result) for result in results]
    cache = JudgeCache(args.judge_cache)  # None: the configured folder (RAGARENA_JUDGE_CACHE)
    run = judge_items(items, judge, cache, concurrency=args.judge_concurrency)
    summary = summarize_judgements(run)
    for _, item_id, reason in run.failures:
        print(f"Juez: sin puntuación para {item_id}: {reason}", file=sys.stderr)
    if not summary["n_items"]:
        raise UserError(f"El juez no puntuó ninguna respuesta ({len(run.failures)} fallidas); no se guarda nada.")
    if run.failures:
        print(
            f"Juez: {len(run.failures)} de {len(items)} respuestas sin puntuación; vuelve a lanzar la orden "
            "para reintentarlas (las demás salen de la caché).",
            file=sys.stderr,
        )
    command = eval_command_line(args, retrieval, f"--judge {args.judge}")
    dataset = display_path(args.qa or settings.qa_file())
    extra = {"served_model": str(served_model)} if served_model else {}
    record = scores.make_record(
        model or args.backend,
        summary,
        n_items=summary["n_items"],
        n_failed=summary["n_failed"],
        judge=judge.target.name,
        dataset=dataset,
        split=args.split,
        label=label,
        source=f"measured by `{command}` on {dataset} split {args.split}",
        k=args.k,
        **({"retrieval": retrieval} if retrieval else {}),
        **extra,
    )
    written = scores.append_record(record, args.scores_out)
    return {
        **summary,
        "judge": judge.target.name,
        "requests": run.requests,
        "cached": run.cached,
        "scores_file": str(written),
    }
