"""Leaderboard tab: crowd ratings from the arena's votes beside judge and published scores.

The data comes from `ragarena.leaderboard` (pure functions); this module only lays it out and
refreshes it from the vote store (``ctx.store``) and ``data/scores/`` when the tab is
selected or «Actualizar» is pressed, so new votes show without a restart. The refresh is
also the API endpoint ``/leaderboard_refresh`` (its first output is the table);
``/leaderboard_reasons`` gives the reasons accordion (explanation, table). Before rating, the
voters are screened (`ragarena.hygiene`: implausible voters' votes are flagged in the store,
kept, and not counted). The table holds people's ratings of Chat answers too (``ctx.ratings``,
columns «Usuarios»); the accordion «Acuerdo entre el jurado y las personas» follows each refresh
(API ``/leaderboard_agreement``).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from pathlib import Path

import gradio as gr

from ragarena import answer_ratings as ar
from ragarena import leaderboard as lb
from ragarena import scores as score_store
from ragarena.errors import UserError
from ragarena.ui.context import AppContext

CSV_NAME = "clasificacion-rag-arena.csv"
_MEMO_LOCK = threading.Lock()


def _labels(ctx: AppContext) -> dict[str, str]:
    return {spec.id: spec.label for spec in ctx.engine.specs}


def _battles(ctx: AppContext) -> tuple[list[dict], str | None]:
    try:
        battles = list(ctx.store.export_battles())
    except UserError as error:
        return [], f"⚠️ No se pueden leer los votos: {error}"
    except Exception as error:  # a store that is not there yet must not take the whole tab down
        return [], f"⚠️ No se pueden leer los votos ({type(error).__name__})."
    return _screened(ctx, battles)


def _screened(ctx: AppContext, battles: list[dict]) -> tuple[list[dict], str | None]:
    """The battles after the sequential test of the voters (`ragarena.hygiene`): new flags are saved
    in the store (kept, excluded from the ratings) and applied here."""
    from ragarena import hygiene

    # Votes only change by being added or flagged: the same count, last vote and flags need no new test.
    key = (len(battles), battles[-1].get("battle_id") if battles else None,
           sum(1 for b in battles if b.get("excluded_reason")))
    if ctx.extras.get("screening_key") == key:
        return battles, None
    try:
        result = hygiene.screen(battles)
        if result.exclusions:
            ctx.store.exclude(result.exclusions)
            battles = hygiene.apply(battles, result.exclusions)
    except Exception as error:  # the ratings still show, without this screening
        return battles, f"⚠️ No se ha podido revisar a los votantes ({type(error).__name__})."
    ctx.extras["screening_key"] = (len(battles), key[1], sum(1 for b in battles if b.get("excluded_reason")))
    return battles, None


def _scores(ctx: AppContext) -> tuple[list[dict], str | None]:
    try:
        return score_store.load_scores(ctx.extras.get("scores_path")), None
    except UserError as error:
        return [], f"⚠️ Las puntuaciones guardadas no son válidas: {error}"


def _crowd(ctx: AppContext) -> tuple[list[dict], str | None]:
    """People's ratings of Chat answers (model and scores only)."""
    try:
        return ctx.ratings.scores(), None
    except UserError as error:
        return [], f"⚠️ No se pueden leer las valoraciones de usuarios: {error}"
    except Exception as error:
        return [], f"⚠️ No se pueden leer las valoraciones de usuarios ({type(error).__name__})."


def _min_ratings(ctx: AppContext) -> int:
    value = ctx.extras.get("min_ratings")
    return int(value) if value is not None else ar.min_ratings_from_env()


def _signature(battles: list[dict], records: list[dict], labels: dict) -> str:
    """What the figures depend on, so a refresh with nothing new reuses the last computation."""
    digest = hashlib.sha256()
    for battle in battles:
        digest.update(repr((battle.get("model_a"), battle.get("model_b"), battle.get("winner"),
                            battle.get("excluded"), battle.get("tstamp"), battle.get("excluded_reason"),
                            battle.get("reasons"))).encode())
    digest.update(repr([sorted(r.items()) for r in records]).encode())
    digest.update(repr(sorted(labels.items())).encode())
    return digest.hexdigest()


def compute(ctx: AppContext) -> tuple[lb.Leaderboard, list[str]]:
    """The current leaderboard and the warnings met on the way (unreadable votes or scores)."""
    labels = _labels(ctx)
    battles, battle_problem = _battles(ctx)
    records, score_problem = _scores(ctx)
    crowd, crowd_problem = _crowd(ctx)
    warnings = [p for p in (battle_problem, score_problem, crowd_problem) if p]
    bootstrap = int(ctx.extras.get("leaderboard_bootstrap", os.environ.get("RAGARENA_BOOTSTRAP", 1000)))
    min_ratings = _min_ratings(ctx)
    crowd_key = hashlib.sha256(repr([tuple(r.values()) for r in crowd]).encode()).hexdigest()
    key = _signature(battles, records, labels) + f"/{bootstrap}/{crowd_key}/{min_ratings}"
    with _MEMO_LOCK:
        memo = ctx.extras.get("leaderboard_memo")
        if memo and memo[0] == key:
            return memo[1], warnings
    try:
        board = lb.build_leaderboard(battles, records, labels, bootstrap=bootstrap, crowd_ratings=crowd,
                                     min_ratings=min_ratings)
    except UserError as error:
        warnings.append(f"⚠️ Los votos no se pueden puntuar: {error}")
        board = lb.build_leaderboard([], records, labels, bootstrap=bootstrap, crowd_ratings=crowd,
                                     min_ratings=min_ratings)
    with _MEMO_LOCK:
        ctx.extras["leaderboard_memo"] = (key, board)
    return board, warnings


def _judge_cache_dir(ctx: AppContext) -> Path:
    """The judge cache `python -m ragarena eval --judge` fills by default (RAGARENA_DATA_DIR/judge-cache)."""
    from ragarena import config

    return Path(ctx.extras.get("judge_cache_dir") or os.environ.get("RAGARENA_JUDGE_CACHE")
                or config.data_dir() / "judge-cache")


def agreement_text(ctx: AppContext) -> str:
    """Markdown: judge vs people on the same answers (`ragarena.answer_ratings.agreement`), memoised."""
    from ragarena.judge import CACHE_FILE

    try:
        folder = _judge_cache_dir(ctx)
        try:
            stat = (folder / CACHE_FILE).stat()
            cache_state = (stat.st_size, stat.st_mtime_ns)
        except OSError:
            cache_state = None
        key = (ctx.ratings.signature(), str(folder), cache_state)
        with _MEMO_LOCK:
            memo = ctx.extras.get("agreement_memo")
            if memo and memo[0] == key:
                return memo[1]
        ratings = ctx.ratings.export_ratings()
        entries, judges = ar.load_judge_cache(folder)
        text = ar.agreement_markdown(ar.match_judgements(ratings, entries, judges, ctx.engine.passages_by_id),
                                     len(ratings))
    except UserError as error:
        return f"⚠️ No se puede calcular el acuerdo: {error}"
    except Exception as error:  # the rest of the tab must keep working
        return f"⚠️ No se puede calcular el acuerdo ({type(error).__name__})."
    with _MEMO_LOCK:
        ctx.extras["agreement_memo"] = (key, text)
    return text


def _csv_file(board: lb.Leaderboard) -> str:
    text = lb.to_csv(board)
    folder = Path(tempfile.gettempdir()) / "ragarena-leaderboard" / hashlib.sha256(text.encode()).hexdigest()[:16]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / CSV_NAME
    if not path.exists():
        tmp = folder / (CSV_NAME + f".{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    return str(path)


def refresh(ctx: AppContext):
    """Outputs of the tab, table first: table, summary, correlation, ratings plot, heatmap, CSV, scores."""
    board, warnings = compute(ctx)
    summary = "\n\n".join([*warnings, lb.summary_markdown(board)])
    return (
        lb.display_table(board),
        summary,
        lb.correlation_markdown(board),
        lb.ratings_figure(board),
        lb.win_rate_figure(board),
        _csv_file(board),
        lb.scores_frame(board),
    )


def reasons_view(ctx: AppContext):
    """The reasons accordion (explanation, table) from the current (memoised) leaderboard."""
    board, _ = compute(ctx)
    return lb.reasons_markdown(board), lb.reasons_frame(board)


def build_leaderboard_tab(ctx: AppContext) -> None:
    from gradio.context import Context

    tab = Context.block if isinstance(Context.block, gr.Tab) else None  # the tab this is built in
    initial = refresh(ctx)
    gr.Markdown(
        "Tres familias de cifras: la **puntuación de la arena**, a partir de los votos a ciegas de la pestaña "
        "Arena; las **puntuaciones del juez** (1 a 5 en relevancia de la respuesta, relevancia del contexto "
        "y fundamentación), medidas aquí por el jurado LLM con `python -m ragarena eval --judge` o citadas de un "
        "estudio publicado (filas «(publicado)»: estudio del IIC), y las **valoraciones de usuarios** (columnas "
        "«Usuarios»), de 1 a 5 en esos mismos criterios, que se dan bajo cada respuesta de la pestaña Chat."
    )
    with gr.Row():
        summary = gr.Markdown(initial[1], elem_id="leaderboard-summary")
        with gr.Column(scale=0, min_width=180):
            update = gr.Button("Actualizar", variant="secondary", elem_id="leaderboard-refresh")
            download = gr.DownloadButton("Descargar CSV", value=initial[5], elem_id="leaderboard-csv")
    table = gr.Dataframe(
        value=initial[0], datatype=lb.display_datatypes(), interactive=False, show_search="search",
        label="Clasificación (pulsa una cabecera para ordenar)", wrap=False, max_height=520,
        buttons=["copy", "fullscreen"], pinned_columns=2, elem_id="leaderboard-table",
    )
    correlation = gr.Markdown(initial[2], elem_id="leaderboard-correlation")
    with gr.Accordion("Acuerdo entre el jurado y las personas", open=False):
        agreement = gr.Markdown(agreement_text(ctx), elem_id="leaderboard-agreement")
    with gr.Row(equal_height=False):
        ratings_plot = gr.Plot(initial[3], label="Puntuación de la arena", elem_id="leaderboard-ratings")
        heatmap = gr.Plot(initial[4], label="Porcentaje de victorias", elem_id="leaderboard-winrate")
    with gr.Accordion("Por qué votaron así: motivos de los votos de la arena", open=False,
                      elem_id="leaderboard-reasons-box"):
        reasons_text, reasons_initial = reasons_view(ctx)
        reasons_md = gr.Markdown(reasons_text, elem_id="leaderboard-reasons-text")
        reasons_table = gr.Dataframe(value=reasons_initial, interactive=False, show_search="search", wrap=True,
                                     label="Motivos por modelo", elem_id="leaderboard-reasons")
    with gr.Accordion("Todas las puntuaciones guardadas (data/scores)", open=False):
        scores_table = gr.Dataframe(value=initial[6], interactive=False, show_search="search", wrap=True,
                                    label="Puntuaciones del juez y publicadas", elem_id="leaderboard-scores")

    outputs = [table, summary, correlation, ratings_plot, heatmap, download, scores_table]
    refreshed = update.click(lambda: refresh(ctx), None, outputs, api_name="leaderboard_refresh")
    refreshed.then(lambda: agreement_text(ctx), None, [agreement], api_name="leaderboard_agreement")
    refreshed.then(lambda: reasons_view(ctx), None, [reasons_md, reasons_table], api_name="leaderboard_reasons")
    if tab is not None:
        selected = tab.select(lambda: refresh(ctx), None, outputs, api_name=False, show_progress="hidden")
        selected.then(lambda: agreement_text(ctx), None, [agreement], api_name=False, show_progress="hidden")
        selected.then(lambda: reasons_view(ctx), None, [reasons_md, reasons_table], api_name=False,
                      show_progress="hidden")
