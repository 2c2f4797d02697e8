"""The leaderboard's words: the summary (who is ahead, and how sure), «Cómo se calcula» and the
judge-vs-arena correlation, in the reader's language (`ragarena.core.i18n`)."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from ragarena.answering.safe_markdown import literal
from ragarena.core.i18n import DEFAULT_LANGUAGE, _, localize
from ragarena.leaderboard.build import MIN_STYLE_EFFECT_VOTES, Leaderboard, _isnan


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def summary_markdown(board: Leaderboard, now: datetime | None = None, language: str = DEFAULT_LANGUAGE) -> str:
    """Votes, last vote, what does not count and when, in `language` (Spanish by default); how the
    figures are computed is `method_markdown`."""
    lines = []
    if board.n_votes == 0:
        lines.append(
            _(
                "**Todavía no hay votos** en la arena (vota en la pestaña *Arena*); mientras tanto la tabla "
                "muestra las cifras publicadas del estudio y las medidas aquí."
            )
        )
    else:
        models = int(board.table["rating"].notna().sum())
        votes = _("1 voto") if board.n_votes == 1 else _("{n} votos", n=board.n_votes)
        if board.last_vote:
            lines.append(
                _(
                    "**{votes}** entre {models} modelos · último voto: {when}.",
                    votes=votes,
                    models=models,
                    when=_when(board.last_vote),
                )
            )
        else:
            lines.append(_("**{votes}** entre {models} modelos.", votes=votes, models=models))
    lines.extend(_leaders(board))
    lines.extend(board.notes)
    if board.excluded and not any("excluidos" in note for note in board.notes):
        lines.append(_("{n} combates excluidos no cuentan.", n=board.excluded))
    lines.append(_("Actualizado: {when}.", when=_when(now or datetime.now(UTC))))
    return "\n\n".join(localize(line, language) for line in lines)


def votes_for_an_interval(board: Leaderboard) -> int:
    """At least how many more votes the arena needs before two models have `min_votes` each (the first
    ratings with an interval): a vote counts for both models of its battle."""
    measured = board.table[board.table["score_kind"] != "published"]
    counts = sorted((int(v) for v in measured["votes"].fillna(0)), reverse=True) + [0, 0]
    return max(0, board.min_votes - counts[1])


def headline_markdown(board: Leaderboard, language: str = DEFAULT_LANGUAGE) -> str:
    """One plain sentence above the table: which model measured here is right more often on the test
    split (from the figures of the table, best first), and how far the arena is from an interval."""
    table = board.table
    right = table[(table["score_kind"] != "published") & table["correct_rate"].notna()]
    parts = []
    if len(right):
        first = right.iloc[0]
        values = {
            "model": literal(first["label"]),
            "rate": f"{100 * first['correct_rate']:.0f}",
            "n": "?" if _isnan(first["n_answerable"]) else int(first["n_answerable"]),
        }
        if len(right) == 1:
            parts.append(
                _("en el split de test, **{model}** acierta el {rate} % de {n} preguntas con respuesta", **values)
            )
        elif round(right.iloc[1]["correct_rate"], 4) == round(first["correct_rate"], 4):
            parts.append(
                _(
                    "en el split de test, **{model}** y **{second}** aciertan lo mismo ({rate} % de {n} "
                    "preguntas con respuesta)",
                    second=literal(right.iloc[1]["label"]),
                    **values,
                )
            )
        else:
            second = right.iloc[1]
            parts.append(
                _(
                    "en el split de test, **{model}** acierta más a menudo ({rate} % de {n} preguntas con "
                    "respuesta) que **{second}** ({second_rate} %)",
                    second=literal(second["label"]),
                    second_rate=f"{100 * second['correct_rate']:.0f}",
                    **values,
                )
            )
    needed = votes_for_an_interval(board)
    if needed:
        parts.append(_("la arena necesita al menos {n} votos más para dar puntuaciones con intervalo", n=needed))
    else:
        rated = board.arena_ranking()
        if len(rated):
            leader = rated.iloc[0]
            parts.append(
                _(
                    "en la arena va por delante **{model}** ({rating})",
                    model=literal(leader["label"]),
                    rating=f"{leader['rating']:.0f}",
                )
            )
    if not parts:
        return ""
    sentence = "; ".join(localize(part, language) for part in parts)
    return localize(_("**Hoy:** {sentence}.", sentence=sentence), language)


def _leaders(board: Leaderboard) -> list:
    """Who is ahead, and how sure that is: the judge's best overall, and the arena's leader against the
    runner-up (among models with enough votes): clearly ahead only when the intervals do not overlap."""
    lines = []
    table = board.table
    judged = table[(table["score_kind"] == "measured") & table["overall"].notna()]
    if len(judged):
        best = judged.sort_values("overall", ascending=False).iloc[0]
        lines.append(
            _(
                "Criterios del estudio: la mejor media del juez es la de **{model}** ({overall} de 5).",
                model=literal(best["label"]),
                overall=f"{best['overall']:.2f}",
            )
        )
    rated = board.arena_ranking()
    if len(rated) >= 2:
        top, second = rated.iloc[0], rated.iloc[1]
        values = {"model": literal(top["label"]), "rating": f"{top['rating']:.0f}", "second": literal(second["label"])}
        if not _isnan(top["ci_low"]) and top["ci_low"] > second["ci_high"]:
            lines.append(
                _(
                    "Arena: **{model}** va por delante ({rating}), con su intervalo por encima del de {second}.",
                    **values,
                )
            )
        else:
            lines.append(
                _(
                    "Arena: **{model}** va por delante ({rating}), pero su intervalo se solapa con el de "
                    "{second}: todavía no es una ventaja segura.",
                    **values,
                )
            )
    return lines


#: An interval wider than this is shown as «IC muy amplio», not as a range: 400 Elo points are the
#: scale's unit (odds of 10 to 1), 2 points half the 1-5 scale of the criteria.
WIDE_ELO, WIDE_SCORE = 400.0, 2.0


def method_markdown(board: Leaderboard, language: str = DEFAULT_LANGUAGE) -> str:
    """«Cómo se calcula»: plain words first, then the technical detail, in `language`."""
    lines = [
        _(
            "**En pocas palabras.** La tabla ordena los modelos por **Aciertos**: la parte de las preguntas con "
            "respuesta del split de test que el modelo contesta bien (contiene al menos la mitad de las palabras "
            "con contenido de la respuesta de referencia; `python -m ragarena eval`, sin intervención humana), con cuántas preguntas son (n). Las filas "
            "sin esa cifra van después, por **Global**, la media de los tres criterios del "
            "estudio, de 1 a 5: la respuesta contesta lo preguntado (*relevancia de la respuesta*), los fragmentos "
            "recuperados son los que hacían falta (*relevancia del contexto*) y la respuesta se apoya en ellos sin "
            "inventar (*fundamentación*); los pone un juez LLM o los cita el estudio publicado. Después cuenta la "
            "**Arena**: cuánto prefieren las personas sus respuestas en duelos a ciegas (1000 es la media; entre "
            "paréntesis, el margen en el que está con un 95 % de confianza). **Personas** es la nota media de 1 a 5 "
            "que se da bajo las respuestas del Chat, con cuántas notas hay. **Palabras**, **Relleno** y **Falsas "
            "abstenciones** las mide `python -m ragarena eval` sin intervención humana: longitud media de las "
            "respuestas, parte de ellas con frases de relleno y parte que dice «no hay información» cuando sí la "
            "había."
        ),
        _(
            "**Muestras pequeñas.** Una puntuación de la arena se muestra desde {votes} votos del modelo y una media "
            "de las personas desde {ratings} valoraciones (`RAGARENA_MIN_VOTES`, `RAGARENA_MIN_RATINGS`); antes la "
            "celda dice cuántos hay. Un intervalo más ancho que {elo} puntos Elo o que {score} puntos de la escala "
            "1-5 se muestra como «IC muy amplio»: todavía no distingue nada.",
            votes=board.min_votes,
            ratings=board.min_ratings,
            elo=int(WIDE_ELO),
            score=int(WIDE_SCORE),
        ),
        _(
            "**Fuentes.** *publicado*: cifra citada del estudio del IIC, medida sobre otro corpus (sirve de "
            "referencia, no es comparable al decimal); *juez LLM*: `eval --judge` sobre el split de test, con el "
            "modelo juez y la fecha; *eval automática*: `eval --record`; *público*: votos de la arena y valoraciones "
            "del Chat. La procedencia completa de cada fila está en «Detalle y procedencia de cada fila»."
        ),
    ]
    if board.bootstrap:
        lines.append(
            _(
                "**Detalle técnico.** *Arena*: modelo de Bradley-Terry en escala Elo (media 1000) a partir de "
                "los votos, con intervalo de confianza del 95 % por bootstrap ({bootstrap} remuestreos); el "
                "rango es 1 más el número de modelos claramente por delante.",
                bootstrap=board.bootstrap,
            )
        )
    else:
        lines.append(
            _(
                "**Detalle técnico.** *Arena*: modelo de Bradley-Terry en escala Elo (media 1000) a partir de "
                "los votos; el rango es 1 más el número de modelos claramente por delante."
            )
        )
    lines += [style_note(board, language), answer_ratings_note(board, language)]
    return "\n\n".join(localize(line, language) for line in lines)


def style_note(board: Leaderboard, language: str = DEFAULT_LANGUAGE) -> str:
    """How to read the «control de estilo» columns, with what length and filler are worth, in `language`."""
    parts = [
        _(
            "*Control de estilo* (en el detalle): el mismo modelo con la diferencia de longitud de las dos respuestas y la "
            "de relleno (`ragarena.answering.filler`) como covariables, así que estima cada modelo a igual longitud y sin "
            "relleno; su rango sale igual de los intervalos. Solo cuentan los combates con las dos respuestas."
        )
    ]
    names = {"length": _("longitud"), "filler": _("relleno")}
    effects = []
    for coef in board.style_coefficients:
        name = localize(names.get(coef.get("feature"), coef.get("feature")), language)
        if _isnan(coef.get("elo")):
            continue
        interval = "" if _isnan(coef.get("elo_ci_low")) else f" [{coef['elo_ci_low']:+.0f}, {coef['elo_ci_high']:+.0f}]"
        effects.append(f"{name} {coef['elo']:+.0f}{interval}")
    if effects and board.n_votes < MIN_STYLE_EFFECT_VOTES:
        parts.append(
            _("Con menos de {n} votos, el efecto de la longitud y del relleno no es fiable.", n=MIN_STYLE_EFFECT_VOTES)
        )
    elif effects:
        parts.append(
            _(
                "Efecto en puntos Elo (longitud: una respuesta que ocupa todo el texto frente a una vacía; "
                "relleno: tenerlo frente a no tenerlo): {effects}.",
                effects="; ".join(effects),
            )
        )
    return " ".join(localize(part, language) for part in parts)


def answer_ratings_note(board: Leaderboard, language: str = DEFAULT_LANGUAGE) -> str:
    """How to read the «Personas» columns (people's 1-5 ratings of Chat answers), in `language`."""
    return localize(
        _(
            "*Personas*: valoraciones de 1 a 5 de las respuestas de la pestaña *Chat* ({n} en total) en los mismos "
            "tres criterios que el jurado; media de cada criterio y de los tres, con intervalo de confianza del 95 % "
            "de la t de Student. Un modelo necesita {min} valoraciones para que se muestren sus medias (antes, solo "
            "el número).",
            n=board.n_ratings,
            min=board.min_ratings,
        ),
        language,
    )


def correlation_markdown(board: Leaderboard, language: str = DEFAULT_LANGUAGE) -> str:
    """The judge-vs-arena rank correlations (`ragarena.leaderboard.judge_vs_arena`), or why there are none, in `language`."""
    if not board.correlations:
        return localize(
            _(
                "Correlación entre el juez y los votos: hace falta que al menos dos modelos tengan a la vez "
                "puntuación del juez y {min_votes} votos o más.",
                min_votes=board.min_votes,
            ),
            language,
        )
    lines = [_("**Correlación de rangos entre el juez y los votos**")]
    for item in board.correlations:
        names = ", ".join(literal(board.label(m)) for m in item["models"])
        stats = {
            "n": item["n"],
            "names": names,
            "judge": literal(item["judge"]),
            "spearman": _stat(item["spearman"], item["spearman_p"]),
            "kendall": _stat(item["kendall"], item["kendall_p"]),
        }
        if item.get("dataset"):
            lines.append(
                _(
                    "- Juez «{judge}» ({dataset}, split {split}), {n} modelos ({names}): Spearman ρ = "
                    "{spearman}, Kendall τ = {kendall}.",
                    dataset=literal(item["dataset"]),
                    split=literal(item["split"]),
                    **stats,
                )
            )
        else:
            lines.append(
                _("- Juez «{judge}», {n} modelos ({names}): Spearman ρ = {spearman}, Kendall τ = {kendall}.", **stats)
            )
    if min(item["n"] for item in board.correlations) < 4:
        lines.append(_("Con tan pocos modelos la correlación es solo orientativa."))
    return "\n".join(localize(line, language) for line in lines)


def _stat(value: float, p: float):
    if math.isnan(value):
        return _("no definida (empate en todas las cifras)")
    return f"{value:.2f}" + (f" (p = {p:.2f})" if not math.isnan(p) else "")
