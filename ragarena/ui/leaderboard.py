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

Language: every endpoint takes the header's language switch as its last (optional) input, "es"
when omitted, and renders its tables, notes, figures and model names in it; switching language
re-renders them (`ragarena.i18n`). The figures are computed once, whatever the language.
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
from ragarena import settings
from ragarena.errors import UserError
from ragarena.i18n import DEFAULT_LANGUAGE, _, localize, normalize_language
from ragarena.ui.context import AppContext

CSV_NAME = "clasificacion-rag-arena.csv"
CSV_NAMES = {"es": CSV_NAME, "en": "rag-arena-leaderboard.csv"}
_MEMO_LOCK = threading.Lock()


def _labels(ctx: AppContext, language: str = DEFAULT_LANGUAGE) -> dict[str, str]:
    return {spec.id: spec.label_in(language) for spec in ctx.engine.specs}


def _battles(ctx: AppContext) -> tuple[list[dict], str | None]:
    try:
        battles = list(ctx.store.export_battles())
    except UserError as error:
        return [], _("⚠️ No se pueden leer los votos: {error}", error=error)
    except Exception as error:  # a store that is not there yet must not take the whole tab down
        return [], _("⚠️ No se pueden leer los votos ({error}).", error=type(error).__name__)
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
        return battles, _("⚠️ No se ha podido revisar a los votantes ({error}).", error=type(error).__name__)
    ctx.extras["screening_key"] = (len(battles), key[1], sum(1 for b in battles if b.get("excluded_reason")))
    return battles, None


def _scores(ctx: AppContext) -> tuple[list[dict], str | None]:
    try:
        return score_store.load_scores(ctx.extras.get("scores_path")), None
    except UserError as error:
        return [], _("⚠️ Las puntuaciones guardadas no son válidas: {error}", error=error)


def _crowd(ctx: AppContext) -> tuple[list[dict], str | None]:
    """People's ratings of Chat answers (model and scores only)."""
    try:
        return ctx.ratings.scores(), None
    except UserError as error:
        return [], _("⚠️ No se pueden leer las valoraciones de usuarios: {error}", error=error)
    except Exception as error:
        return [], _("⚠️ No se pueden leer las valoraciones de usuarios ({error}).", error=type(error).__name__)


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
    """The current leaderboard (Spanish model names; see `board_in`) and the warnings met on the
    way (unreadable votes or scores, as `Text` to render in the reader's language)."""
    labels = _labels(ctx)
    battles, battle_problem = _battles(ctx)
    records, score_problem = _scores(ctx)
    crowd, crowd_problem = _crowd(ctx)
    warnings = [p for p in (battle_problem, score_problem, crowd_problem) if p]
    bootstrap = int(ctx.extras.get("leaderboard_bootstrap", settings.bootstrap_rounds()))
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
        warnings.append(_("⚠️ Los votos no se pueden puntuar: {error}", error=error))
        board = lb.build_leaderboard([], records, labels, bootstrap=bootstrap, crowd_ratings=crowd,
                                     min_ratings=min_ratings)
    with _MEMO_LOCK:
        ctx.extras["leaderboard_memo"] = (key, board)
    return board, warnings


def board_in(ctx: AppContext, language: str = DEFAULT_LANGUAGE) -> tuple[lb.Leaderboard, list[str]]:
    """`compute` with the model names of `language` (`ModelSpec.label_in`); the figures are shared."""
    board, warnings = compute(ctx)
    return lb.in_language(board, _labels(ctx, language), language), warnings


def _judge_cache_dir(ctx: AppContext) -> Path:
    """The judge cache `python -m ragarena eval --judge` fills by default (RAGARENA_DATA_DIR/judge-cache)."""
    return Path(ctx.extras.get("judge_cache_dir") or settings.judge_cache_dir())


def agreement_text(ctx: AppContext, language: str = DEFAULT_LANGUAGE) -> str:
    """Markdown in `language`: judge vs people on the same answers (`ragarena.answer_ratings.agreement`),
    memoised (the matching once, the text once per language) until a rating or the judge cache changes."""
    from ragarena.judge import CACHE_FILE

    language = normalize_language(language)
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
                if language not in memo[2]:
                    memo[2][language] = ar.agreement_markdown(*memo[1], language=language)
                return memo[2][language]
        ratings = ctx.ratings.export_ratings()
        entries, judges = ar.load_judge_cache(folder)
        matched = (ar.match_judgements(ratings, entries, judges, ctx.engine.passages_by_id), len(ratings))
        text = ar.agreement_markdown(*matched, language=language)
    except UserError as error:
        return localize(_("⚠️ No se puede calcular el acuerdo: {error}", error=error), language)
    except Exception as error:  # the rest of the tab must keep working
        return localize(_("⚠️ No se puede calcular el acuerdo ({error}).", error=type(error).__name__), language)
    with _MEMO_LOCK:
        ctx.extras["agreement_memo"] = (key, matched, {language: text})
    return text


def _csv_file(board: lb.Leaderboard, language: str = DEFAULT_LANGUAGE) -> str:
    """The table as a CSV file (English column names; model names as `board` has them)."""
    name = CSV_NAMES.get(normalize_language(language), CSV_NAME)
    text = lb.to_csv(board)
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    folder = Path(tempfile.gettempdir()) / "ragarena-leaderboard" / digest
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if not path.exists():
        tmp = folder / (name + f".{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    return str(path)


def refresh(ctx: AppContext, language: str = DEFAULT_LANGUAGE):
    """Outputs of the tab in `language`, table first: table, summary, correlation, ratings plot,
    heatmap, CSV, scores."""
    language = normalize_language(language)
    board, warnings = board_in(ctx, language)
    summary = "\n\n".join([*localize(warnings, language), lb.summary_markdown(board, language=language)])
    return (
        lb.display_table(board, language),
        summary,
        lb.correlation_markdown(board, language),
        lb.ratings_figure(board, language),
        lb.win_rate_figure(board, language),
        _csv_file(board, language),
        lb.scores_frame(board, language),
    )


def reasons_view(ctx: AppContext, language: str = DEFAULT_LANGUAGE):
    """The reasons accordion (explanation, table) in `language`, from the current (memoised) leaderboard."""
    language = normalize_language(language)
    board, _warnings = board_in(ctx, language)
    return lb.reasons_markdown(board, language), lb.reasons_frame(board, language)


def build_leaderboard_tab(ctx: AppContext, language: gr.Radio | None = None) -> None:
    from gradio.context import Context

    tab = Context.block if isinstance(Context.block, gr.Tab) else None  # the tab this is built in
    # Built in Spanish; a page in English re-renders them at once (the switch changes on load).
    initial = refresh(ctx)
    gr.Markdown(_(
        "Tres familias de cifras: la **puntuación de la arena**, a partir de los votos a ciegas de la pestaña "
        "Arena; las **puntuaciones del juez** (1 a 5 en relevancia de la respuesta, relevancia del contexto "
        "y fundamentación), medidas aquí por el jurado LLM con `python -m ragarena eval --judge` o citadas de un "
        "estudio publicado (filas «(publicado)»: estudio del IIC), y las **valoraciones de usuarios** (columnas "
        "«Usuarios»), de 1 a 5 en esos mismos criterios, que se dan bajo cada respuesta de la pestaña Chat."
    ))
    with gr.Row():
        summary = gr.Markdown(initial[1], elem_id="leaderboard-summary")
        with gr.Column(scale=0, min_width=180):
            update = gr.Button(_("Actualizar"), variant="secondary", elem_id="leaderboard-refresh")
            download = gr.DownloadButton(_("Descargar CSV"), value=initial[5], elem_id="leaderboard-csv")
    table = gr.Dataframe(
        value=initial[0], datatype=lb.display_datatypes(), interactive=False, show_search="search",
        label=_("Clasificación (pulsa una cabecera para ordenar)"), wrap=False, max_height=520,
        buttons=["copy", "fullscreen"], pinned_columns=2, elem_id="leaderboard-table",
    )
    correlation = gr.Markdown(initial[2], elem_id="leaderboard-correlation")
    with gr.Accordion(_("Acuerdo entre el jurado y las personas"), open=False):
        agreement = gr.Markdown(agreement_text(ctx), elem_id="leaderboard-agreement")
    with gr.Row(equal_height=False):
        ratings_plot = gr.Plot(initial[3], label=_("Puntuación de la arena"), elem_id="leaderboard-ratings")
        heatmap = gr.Plot(initial[4], label=_("Porcentaje de victorias"), elem_id="leaderboard-winrate")
    with gr.Accordion(_("Por qué votaron así: motivos de los votos de la arena"), open=False,
                      elem_id="leaderboard-reasons-box"):
        reasons_text, reasons_initial = reasons_view(ctx)
        reasons_md = gr.Markdown(reasons_text, elem_id="leaderboard-reasons-text")
        reasons_table = gr.Dataframe(value=reasons_initial, interactive=False, show_search="search", wrap=True,
                                     label=_("Motivos por modelo"), elem_id="leaderboard-reasons")
    with gr.Accordion(_("Todas las puntuaciones guardadas (data/scores)"), open=False):
        scores_table = gr.Dataframe(value=initial[6], interactive=False, show_search="search", wrap=True,
                                    label=_("Puntuaciones del juez y publicadas"), elem_id="leaderboard-scores")

    # The language switch is the last (optional) input of every listener: API callers that leave it
    # out get Spanish, as before.
    inputs = [language] if language is not None else []

    def refreshed_view(lang: str = DEFAULT_LANGUAGE):
        return refresh(ctx, lang)

    def agreement_view(lang: str = DEFAULT_LANGUAGE):
        return agreement_text(ctx, lang)

    def reasons_outputs(lang: str = DEFAULT_LANGUAGE):
        return reasons_view(ctx, lang)

    outputs = [table, summary, correlation, ratings_plot, heatmap, download, scores_table]
    refreshed = update.click(refreshed_view, inputs, outputs, api_name="leaderboard_refresh")
    refreshed.then(agreement_view, inputs, [agreement], api_name="leaderboard_agreement")
    refreshed.then(reasons_outputs, inputs, [reasons_md, reasons_table], api_name="leaderboard_reasons")
    triggers = []
    if tab is not None:
        triggers.append(tab.select)
    if language is not None:
        triggers.append(language.change)  # the computed texts, tables and figures in the new language
    for trigger in triggers:
        shown = trigger(refreshed_view, inputs, outputs, api_name=False, show_progress="hidden")
        shown.then(agreement_view, inputs, [agreement], api_name=False, show_progress="hidden")
        shown.then(reasons_outputs, inputs, [reasons_md, reasons_table], api_name=False, show_progress="hidden")
