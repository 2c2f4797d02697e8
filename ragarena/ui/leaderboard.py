"""Leaderboard tab: lays out what `ragarena.leaderboard.board.BoardData` computes, nothing more.

The ranked table comes first (under one sentence on what the figures show today and a caption with
the rows' order, `ragarena.leaderboard.build.ORDER_CAPTION`), then the summary with the buttons,
the folded «Cómo se calcula» and «Detalle y procedencia», the plots, and the folded agreement,
reasons and stored scores. Everything is refreshed when the tab is selected, when «Actualizar» is
pressed (API ``/leaderboard_refresh``, first output the ranked table; ``/leaderboard_agreement``
and ``/leaderboard_reasons`` follow it) and when the language changes.

Language: every endpoint takes the header's language switch as its last (optional) input, "es"
when omitted, and renders its tables, notes, figures and model names in it (`ragarena.core.i18n`).
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from ragarena.core.i18n import DEFAULT_LANGUAGE, _
from ragarena.leaderboard import score_records
from ragarena.leaderboard import table as bt
from ragarena.leaderboard.board import BoardData
from ragarena.leaderboard.build import ORDER_CAPTION
from ragarena.ui.context import AppContext

#: Layout of the tab (widths, wrapping); passed to `launch(css=...)` with the app's CSS.
CSS = """
.ra-board table, .ra-board table *, .ra-board .virtual-row, .ra-board .virtual-row * {
  font-family: var(--font) !important; }
.ra-board th span.wrap, .ra-board .body-cell .cell-wrap, .ra-board .body-cell .cell-wrap * {
  word-break: normal !important; overflow-wrap: normal !important; hyphens: manual; }
.ra-board th, .ra-board th * { font-size: 11px !important; font-weight: 600 !important; line-height: 1.25 !important; }
.ra-board .cell-wrap { padding: 6px 4px !important; }
#leaderboard-summary p { margin: 0 0 .3rem 0; }
/* The model column stays in view when a table scrolls sideways: Gradio 6.31's virtual table takes
   `pinned_columns` but does not pin, so its first column is made sticky here. */
.ra-board .body-cell.first-column, .ra-board .header-cell.first-column {
  position: sticky !important; left: 0; z-index: 3; background: var(--background-fill-primary);
  box-shadow: 1px 0 0 var(--border-color-primary); }
@media (max-width: 640px) {
  /* edge to edge on a phone: model, overall and the three criteria side by side */
  #leaderboard-table { margin-left: -28px !important; margin-right: -28px !important; width: auto !important; }
  #leaderboard-table .virtual-row, #leaderboard-table .virtual-row * { font-size: 13px !important; }
}
"""


REASONS_WIDTHS = ["170px", "150px", "170px", "80px", "120px", "80px", "120px", "80px"]


def board_data(ctx: AppContext) -> BoardData:
    """The app's `BoardData` (one per context, so its caches are shared by every session)."""
    data = ctx.extras.get("board_data")
    if data is None:
        data = ctx.extras["board_data"] = BoardData(ctx)
    return data


def _table(value, columns: dict, elem_id: str, label, max_height: int = 520) -> gr.Dataframe:
    return gr.Dataframe(
        value=value,
        datatype=bt.datatypes(columns),
        column_widths=bt.widths(columns),
        wrap=True,
        pinned_columns=1,
        max_height=max_height,
        interactive=False,
        label=label,
        show_label=False,
        buttons=["copy", "fullscreen"],
        elem_id=elem_id,
        elem_classes=["ra-board"],
    )


@dataclass
class BoardLayout:
    headline: gr.Markdown  # the sentence above the table
    table: gr.Dataframe  # the ranked table
    summary: gr.Markdown
    update: gr.Button
    download: gr.DownloadButton  # the CSV
    method: gr.Markdown
    correlation: gr.Markdown
    detail: gr.Dataframe
    provenance: gr.Markdown
    ratings_plot: gr.Plot
    heatmap: gr.Plot
    agreement: gr.Markdown
    reasons_md: gr.Markdown
    reasons_table: gr.Dataframe
    scores_table: gr.Dataframe  # the stored scores

    def view_outputs(self) -> list:
        """What a `BoardView` fills, the ranked table first (the first output of /leaderboard_refresh)."""
        return [
            self.table,
            self.summary,
            self.method,
            self.detail,
            self.provenance,
            self.correlation,
            self.ratings_plot,
            self.heatmap,
            self.download,
            self.scores_table,
            self.headline,
        ]

    def view_updates(self, view) -> dict:
        """A `BoardView` (`BoardData.view`) as the updates of `view_outputs`."""
        return {
            self.table: view.ranked,
            self.summary: view.summary,
            self.method: view.method,
            self.detail: view.detail,
            self.provenance: view.provenance,
            self.correlation: view.correlation,
            self.ratings_plot: view.ratings_plot,
            self.heatmap: view.heatmap,
            self.download: view.csv_path,
            self.scores_table: view.scores,
            self.headline: view.headline,
        }


def build_leaderboard_tab(ctx: AppContext, language: gr.Radio | None = None) -> None:
    from gradio.context import Context

    tab = Context.block if isinstance(Context.block, gr.Tab) else None  # the tab this is built in
    data = board_data(ctx)
    ui = _build_layout(data)
    # The language switch is the last (optional) input of every listener: API callers that leave it
    # out get Spanish, as before.
    inputs = [language] if language is not None else []

    def refreshed_view(lang: str = DEFAULT_LANGUAGE):
        return ui.view_updates(data.view(lang))

    def agreement_view(lang: str = DEFAULT_LANGUAGE):
        return data.agreement(lang)

    def reasons_outputs(lang: str = DEFAULT_LANGUAGE):
        text, table = data.reasons(lang)
        return {ui.reasons_md: text, ui.reasons_table: table}

    def wire(trigger, api_names=(False, False, False), **options):
        """The view, then the agreement and the reasons, on `trigger`."""
        shown = trigger(refreshed_view, inputs, ui.view_outputs(), api_name=api_names[0], **options)
        shown.then(agreement_view, inputs, [ui.agreement], api_name=api_names[1], **options)
        shown.then(reasons_outputs, inputs, [ui.reasons_md, ui.reasons_table], api_name=api_names[2], **options)

    wire(ui.update.click, ("leaderboard_refresh", "leaderboard_agreement", "leaderboard_reasons"))
    if tab is not None:
        wire(tab.select, show_progress="hidden")
    if language is not None:
        wire(language.change, show_progress="hidden")  # the computed texts, tables and figures in the new language


def _build_layout(data: BoardData) -> BoardLayout:
    """The tab's components in page order. Built in Spanish; a page in English re-renders them at
    once (the switch changes on load)."""
    initial = data.view(DEFAULT_LANGUAGE)
    headline = gr.Markdown(initial.headline, elem_id="leaderboard-headline")
    gr.Markdown(ORDER_CAPTION, elem_id="leaderboard-intro")
    table = _table(initial.ranked, bt.RANKED, "leaderboard-table", _("Clasificación"))
    with gr.Row(equal_height=False):
        with gr.Column(scale=4, min_width=300):
            summary = gr.Markdown(initial.summary, elem_id="leaderboard-summary")
        with gr.Column(scale=1, min_width=200):
            update = gr.Button(_("Actualizar"), variant="secondary", size="sm", elem_id="leaderboard-refresh")
            download = gr.DownloadButton(
                _("Descargar CSV"), value=initial.csv_path, size="sm", elem_id="leaderboard-csv"
            )
    with gr.Accordion(_("Cómo se calcula"), open=False, elem_id="leaderboard-method-box"):
        method = gr.Markdown(initial.method, elem_id="leaderboard-method")
        correlation = gr.Markdown(initial.correlation, elem_id="leaderboard-correlation")
    with gr.Accordion(_("Detalle y procedencia de cada fila"), open=False, elem_id="leaderboard-detail-box"):
        detail = _table(initial.detail, bt.DETAIL, "leaderboard-detail", _("Detalle"), max_height=420)
        provenance = gr.Markdown(initial.provenance, elem_id="leaderboard-provenance")
    with gr.Row(equal_height=False):
        with gr.Column(min_width=320):
            ratings_plot = gr.Plot(initial.ratings_plot, show_label=False, elem_id="leaderboard-ratings")
        with gr.Column(min_width=320):
            heatmap = gr.Plot(initial.heatmap, show_label=False, elem_id="leaderboard-winrate")
    agreement, reasons_md, reasons_table, scores_table = _folded(data, initial)
    return BoardLayout(
        headline=headline,
        table=table,
        summary=summary,
        update=update,
        download=download,
        method=method,
        correlation=correlation,
        detail=detail,
        provenance=provenance,
        ratings_plot=ratings_plot,
        heatmap=heatmap,
        agreement=agreement,
        reasons_md=reasons_md,
        reasons_table=reasons_table,
        scores_table=scores_table,
    )


def _folded(data: BoardData, initial) -> tuple[gr.Markdown, gr.Markdown, gr.Dataframe, gr.Dataframe]:
    """The folded agreement, reasons and stored scores, under the plots."""
    with gr.Accordion(_("Acuerdo entre el jurado y las personas"), open=False):
        agreement = gr.Markdown(data.agreement(), elem_id="leaderboard-agreement")
    with gr.Accordion(
        _("Por qué votaron así: motivos de los votos de la arena"), open=False, elem_id="leaderboard-reasons-box"
    ):
        reasons_text, reasons_initial = data.reasons()
        reasons_md = gr.Markdown(reasons_text, elem_id="leaderboard-reasons-text")
        reasons_table = gr.Dataframe(
            value=reasons_initial,
            interactive=False,
            wrap=True,
            pinned_columns=1,
            column_widths=REASONS_WIDTHS,
            label=_("Motivos por modelo"),
            elem_id="leaderboard-reasons",
            elem_classes=["ra-board"],
        )
    with gr.Accordion(_("Todas las puntuaciones guardadas (data/scores)"), open=False):
        scores_table = _table(
            initial.scores, score_records.STORED, "leaderboard-scores", _("Puntuaciones guardadas"), max_height=420
        )
    return agreement, reasons_md, reasons_table, scores_table
