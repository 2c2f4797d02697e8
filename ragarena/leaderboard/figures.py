"""The leaderboard's plots (plotly): arena ratings with their intervals and the win-rate heatmap.

Texts in the reader's language (`ragarena.core.i18n`); titles sit below plotly's mode bar and model names
wrap, so nothing overlaps on a phone.
"""

from __future__ import annotations

import math

import numpy as np

from ragarena.answering.safe_markdown import html_text
from ragarena.core.i18n import DEFAULT_LANGUAGE, _, localize
from ragarena.leaderboard.build import Leaderboard


def _title(text: str, subtitle: str | None = None) -> dict:
    """A plot title that stays inside the plot on a phone: left-aligned, small, wrapped by hand."""
    # Below the mode bar (always shown on a touch screen), so the two never overlap.
    title = {
        "text": text,
        "x": 0.01,
        "xanchor": "left",
        "xref": "container",
        "y": 1,
        "yref": "container",
        "yanchor": "top",
        "pad": {"t": 34},
        "font": {"size": 15},
    }
    if subtitle:
        title["subtitle"] = {"text": subtitle, "font": {"size": 12}}
    return title


def ratings_figure(board: Leaderboard, language: str = DEFAULT_LANGUAGE):
    """Arena ratings with their 95 % intervals (plotly), texts in `language`: only models with at least
    `board.min_votes` votes (fewer would draw an interval that means nothing)."""
    import plotly.graph_objects as go

    rated = board.arena_ranking()
    figure = go.Figure()
    if rated.empty:
        message = (
            _("Todavía no hay votos")
            if board.n_votes == 0
            else _("Ningún modelo tiene aún {n} votos", n=board.min_votes)
        )
        _empty(figure, localize(message, language))
    else:
        figure.add_trace(
            go.Scatter(
                x=[html_text(label) for label in rated["label"]],
                y=rated["rating"].tolist(),
                mode="markers",
                marker={"size": 10},
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": (rated["ci_high"] - rated["rating"]).tolist(),
                    "arrayminus": (rated["rating"] - rated["ci_low"]).tolist(),
                },
                customdata=np.column_stack([rated["ci_low"], rated["ci_high"], rated["votes"].astype(float)]),
                hovertemplate=localize(
                    _(
                        "%{x}<br>Puntuación %{y:.0f}<br>IC 95 %: %{customdata[0]:.0f} – "
                        "%{customdata[1]:.0f}<br>%{customdata[2]:.0f} votos<extra></extra>"
                    ),
                    language,
                ),
            )
        )
        figure.update_yaxes(title_text=localize(_("Elo (media 1000)"), language), automargin=True)
        figure.update_xaxes(automargin=True, tickangle=0)
    figure.update_layout(
        title=_title(
            localize(_("Puntuación de la arena"), language), localize(_("con su intervalo del 95 %"), language)
        ),
        height=380,
        margin={"l": 10, "r": 10, "t": 96, "b": 10},
        autosize=True,
    )
    return figure


def win_rate_figure(board: Leaderboard, language: str = DEFAULT_LANGUAGE):
    """Share of the battles the row model won against the column model (plotly heatmap), texts in `language`."""
    import plotly.graph_objects as go

    figure = go.Figure()
    if board.win_rate is None or board.win_rate.empty:
        _empty(figure, localize(_("Todavía no hay combates"), language))
    else:
        order = board.table.loc[board.table["rating"].notna(), "model"].tolist()
        order = [m for m in order if m in board.win_rate.index]
        rate = board.win_rate.loc[order, order]
        counts = board.battle_counts.loc[order, order]
        names = [html_text(board.label(m)) for m in order]  # plotly reads tags (<a href>, <br>) in its texts
        columns = [_wrapped(name) for name in names]  # one word a line under narrow columns
        text = [["" if math.isnan(v) else f"{v:.0%}" for v in row] for row in rate.to_numpy()]
        figure.add_trace(
            go.Heatmap(
                z=rate.to_numpy(),
                x=columns,
                y=names,
                zmin=0,
                zmax=1,
                colorscale="RdBu",
                text=text,
                texttemplate="%{text}",
                customdata=counts.to_numpy(),
                hovertemplate=localize(
                    _("%{y} gana a %{x} en el %{z:.0%} de %{customdata} combates<extra></extra>"), language
                ),
                colorbar={"title": {"text": localize(_("victorias"), language)}, "tickformat": ".0%", "thickness": 12},
            )
        )
        # Names at the bottom, horizontal and wrapped by plotly's automargin: nothing overlaps the title.
        figure.update_xaxes(title_text=localize(_("rival"), language), side="bottom", automargin=True, tickangle=0)
        figure.update_yaxes(title_text=localize(_("modelo"), language), autorange="reversed", automargin=True)
    figure.update_layout(
        title=_title(
            localize(_("Porcentaje de victorias"), language),
            localize(_("fila contra columna; empate, medio punto"), language),
        ),
        height=400,
        margin={"l": 10, "r": 10, "t": 96, "b": 10},
        autosize=True,
    )
    return figure


def _wrapped(name: str, width: int = 12) -> str:
    """A model name broken into lines of about `width` characters (plotly's <br>)."""
    lines, line = [], ""
    for word in name.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "<br>".join([*lines, line])


def _empty(figure, message: str) -> None:
    figure.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper", font={"size": 16})
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
