"""English for the Leaderboard tab: its tables, notes, figures and warnings, the agreement with the
judge (`ragarena.answer_ratings.agreement_markdown`), and the score-record and battle errors
(`ragarena.scores`, `ragarena.ratings`) that the tab can show. The stored records (provenance,
labels) and the reasons stored with the votes stay as written: they are data."""

EN = {
    # ragarena/ui/leaderboard.py: static texts
    "Tres familias de cifras: la **puntuación de la arena**, a partir de los votos a ciegas de la pestaña "
    "Arena; las **puntuaciones del juez** (1 a 5 en relevancia de la respuesta, relevancia del contexto "
    "y fundamentación), medidas aquí por el jurado LLM con `python -m ragarena eval --judge` o citadas de un "
    "estudio publicado (filas «(publicado)»: estudio del IIC), y las **valoraciones de usuarios** (columnas "
    "«Usuarios»), de 1 a 5 en esos mismos criterios, que se dan bajo cada respuesta de la pestaña Chat.":
        "Three kinds of figures: the **arena rating**, from the blind votes of the Arena tab; the **judge "
        "scores** (1 to 5 on answer relevance, context relevance and groundedness), measured here by the LLM "
        "judge with `python -m ragarena eval --judge` or quoted from a published study (rows «(published)»: "
        "the IIC study); and the **user ratings** (columns «Users»), 1 to 5 on those same criteria, given "
        "under each answer of the Chat tab.",
    "Actualizar": "Refresh",
    "Descargar CSV": "Download CSV",
    "Clasificación (pulsa una cabecera para ordenar)": "Leaderboard (click a header to sort)",
    "Acuerdo entre el jurado y las personas": "Agreement between the judge and people",
    "Puntuación de la arena": "Arena rating",
    "Porcentaje de victorias": "Win rate",
    "Por qué votaron así: motivos de los votos de la arena": "Why they voted that way: reasons given with arena votes",
    "Motivos por modelo": "Reasons per model",
    "Todas las puntuaciones guardadas (data/scores)": "All stored scores (data/scores)",
    "Puntuaciones del juez y publicadas": "Judge and published scores",
    # ragarena/ui/leaderboard.py: warnings
    "⚠️ No se pueden leer los votos: {error}": "⚠️ The votes cannot be read: {error}",
    "⚠️ No se pueden leer los votos ({error}).": "⚠️ The votes cannot be read ({error}).",
    "⚠️ No se ha podido revisar a los votantes ({error}).": "⚠️ The voters could not be screened ({error}).",
    "⚠️ Las puntuaciones guardadas no son válidas: {error}": "⚠️ The stored scores are not valid: {error}",
    "⚠️ No se pueden leer las valoraciones de usuarios: {error}": "⚠️ The user ratings cannot be read: {error}",
    "⚠️ No se pueden leer las valoraciones de usuarios ({error}).": "⚠️ The user ratings cannot be read ({error}).",
    "⚠️ Los votos no se pueden puntuar: {error}": "⚠️ The votes cannot be rated: {error}",
    "⚠️ No se puede calcular el acuerdo: {error}": "⚠️ The agreement cannot be computed: {error}",
    "⚠️ No se puede calcular el acuerdo ({error}).": "⚠️ The agreement cannot be computed ({error}).",

    # ragarena/leaderboard.py: table headers
    "Rango": "Rank",
    "Puntuación arena": "Arena rating",
    "IC 95 %": "95% CI",
    "Votos": "Votes",
    "Elo (control de estilo)": "Elo (style control)",
    "IC 95 % (control de estilo)": "95% CI (style control)",
    "Rango (control de estilo)": "Rank (style control)",
    "Juez: media (1-5)": "Judge: mean (1-5)",
    "Ítems evaluados": "Items evaluated",
    "Usuarios: media (IC 95 %)": "Users: mean (95% CI)",
    "Usuarios: relevancia de la respuesta": "Users: answer relevance",
    "Usuarios: relevancia del contexto": "Users: context relevance",
    "Usuarios: fundamentación": "Users: groundedness",
    "Usuarios: valoraciones": "Users: ratings",
    "Juez": "Judge",
    "Fuente de las puntuaciones": "Source of the scores",
    "solo votos de la arena": "arena votes only",
    "solo valoraciones de usuarios": "user ratings only",
    "{name} (publicado)": "{name} (published)",
    # stored scores table
    "Tipo": "Kind",
    "Media": "Mean",
    "Ítems": "Items",
    "Fallidos": "Failed",
    "Datos": "Data",
    "Split": "Split",
    "Fecha": "Date",
    "Fuente": "Source",
    "medida": "measured",
    "publicada": "published",
    # reasons table
    "Criterio": "Criterion",
    "Motivo": "Reason",
    "Al ganar": "When winning",
    "% de sus victorias con motivos": "% of its wins with reasons",
    "Al perder": "When losing",
    "% de sus derrotas con motivos": "% of its losses with reasons",
    "En empate": "In a tie",
    "Todavía nadie ha indicado por qué votó. Tras votar en la *Arena* se pueden marcar los motivos "
    "(respuesta correcta, concisa, basada en el contexto, contexto adecuado; o qué fallaba en las dos).":
        "Nobody has said why they voted yet. After voting in the *Arena* you can tick the reasons (correct "
        "answer, concise, grounded in the context, right context; or what was wrong with both).",
    "Motivos marcados por quienes votaron, por modelo: *Al ganar*, cuántas veces se dio ese motivo cuando "
    "el modelo ganó; *Al perder*, cuando perdió frente a una respuesta mejor en eso, o cuando las dos eran "
    "malas (entonces el motivo dice qué fallaba); en porcentaje de sus victorias o derrotas con motivos. "
    "Es la opinión de la comunidad sobre los mismos criterios que puntúa el juez.":
        "Reasons ticked by the voters, per model: *When winning*, how often that reason was given when the model "
        "won; *When losing*, when it lost to an answer better on that point, or when both were bad (then the "
        "reason says what was wrong); as a percentage of its wins or losses with reasons. It is the community's "
        "opinion on the same criteria the judge scores.",
    # summary
    "**Todavía no hay votos.** Vota en la pestaña *Arena* para que aparezca la clasificación de la comunidad; "
    "mientras tanto se muestran las cifras publicadas del estudio y las del juez.":
        "**No votes yet.** Vote in the *Arena* tab to see the community leaderboard; meanwhile the study's "
        "published figures and the judge's are shown.",
    "**Todavía no hay votos.** Vota en la pestaña *Arena* para que aparezca la clasificación de la comunidad; "
    "mientras tanto se muestran las cifras publicadas del estudio.":
        "**No votes yet.** Vote in the *Arena* tab to see the community leaderboard; meanwhile the study's "
        "published figures are shown.",
    "1 voto": "1 vote",
    "{n} votos": "{n} votes",
    "**{votes}** entre {models} modelos · último voto: {when}.":
        "**{votes}** among {models} models · last vote: {when}.",
    "**{votes}** entre {models} modelos.": "**{votes}** among {models} models.",
    "{named} votos emitidos con los nombres de los modelos a la vista no cuentan (solo cuentan los votos a ciegas).":
        "{named} votes cast with the model names in view do not count (only blind votes count).",
    "{n} combates excluidos no cuentan.": "{n} excluded battles do not count.",
    "*Puntuación arena*: modelo de Bradley-Terry en escala Elo (media 1000) a partir de los votos, con "
    "intervalo de confianza del 95 % por bootstrap ({bootstrap} remuestreos); el rango es 1 más el número "
    "de modelos claramente por delante. *Juez*: medias de 1 a 5 de relevancia de la respuesta, relevancia "
    "del contexto y fundamentación; las filas «(publicado)» citan cifras publicadas, no medidas aquí.":
        "*Arena rating*: Bradley-Terry model on the Elo scale (mean 1000) from the votes, with a 95% bootstrap "
        "confidence interval ({bootstrap} resamples); the rank is 1 plus the number of models clearly ahead. "
        "*Judge*: 1-5 means of answer relevance, context relevance and groundedness; the «(published)» rows "
        "quote published figures, not measured here.",
    "*Puntuación arena*: modelo de Bradley-Terry en escala Elo (media 1000) a partir de los votos; el rango "
    "es 1 más el número de modelos claramente por delante. *Juez*: medias de 1 a 5 de relevancia de la "
    "respuesta, relevancia del contexto y fundamentación; las filas «(publicado)» citan cifras publicadas, "
    "no medidas aquí.":
        "*Arena rating*: Bradley-Terry model on the Elo scale (mean 1000) from the votes; the rank is 1 plus the "
        "number of models clearly ahead. *Judge*: 1-5 means of answer relevance, context relevance and "
        "groundedness; the «(published)» rows quote published figures, not measured here.",
    "*Elo (control de estilo)*: el mismo modelo con la diferencia de longitud de las dos respuestas y la "
    "de relleno (`ragarena.filler`) como covariables, así que estima cada modelo a igual longitud y sin "
    "relleno; su rango sale igual de los intervalos. Solo cuentan los combates con las dos respuestas.":
        "*Elo (style control)*: the same model with the difference in length of the two answers and in filler "
        "(`ragarena.filler`) as covariates, so it estimates each model at equal length and without filler; its "
        "rank comes from the intervals in the same way. Only battles with both answers count.",
    "longitud": "length",
    "relleno": "filler",
    "Con menos de {n} votos, el efecto de la longitud y del relleno no es fiable.":
        "With fewer than {n} votes, the effect of length and filler is not reliable.",
    "Efecto en puntos Elo (longitud: una respuesta que ocupa todo el texto frente a una vacía; "
    "relleno: tenerlo frente a no tenerlo): {effects}.":
        "Effect in Elo points (length: an answer that fills the whole text against an empty one; filler: having "
        "it against not having it): {effects}.",
    "*Usuarios*: valoraciones de 1 a 5 de las respuestas de la pestaña *Chat* ({n} en total) en los mismos "
    "tres criterios que el jurado; media de cada criterio y de los tres, con intervalo de confianza del 95 % "
    "de la t de Student. Un modelo necesita {min} valoraciones para que se muestren sus medias (antes, solo "
    "el número).":
        "*Users*: 1-5 ratings of the answers of the *Chat* tab ({n} in all) on the same three criteria as the "
        "judge; mean of each criterion and of the three, with a 95% Student's t confidence interval. A model "
        "needs {min} ratings before its means are shown (until then, only the count).",
    "Actualizado: {when}.": "Updated: {when}.",
    # judge vs crowd correlation
    "Correlación entre el juez y los votos: hace falta que al menos dos modelos tengan a la vez "
    "puntuación del juez y {min_votes} votos o más.":
        "Correlation between the judge and the votes: at least two models need both a judge score and "
        "{min_votes} votes or more.",
    "**Correlación de rangos entre el juez y los votos**": "**Rank correlation between the judge and the votes**",
    "- Juez «{judge}» ({dataset}, split {split}), {n} modelos ({names}): Spearman ρ = {spearman}, "
    "Kendall τ = {kendall}.":
        "- Judge «{judge}» ({dataset}, split {split}), {n} models ({names}): Spearman ρ = {spearman}, "
        "Kendall τ = {kendall}.",
    "- Juez «{judge}», {n} modelos ({names}): Spearman ρ = {spearman}, Kendall τ = {kendall}.":
        "- Judge «{judge}», {n} models ({names}): Spearman ρ = {spearman}, Kendall τ = {kendall}.",
    "Con tan pocos modelos la correlación es solo orientativa.":
        "With so few models the correlation is only a rough guide.",
    "no definida (empate en todas las cifras)": "undefined (all figures tied)",
    # figures
    "Todavía no hay votos": "No votes yet",
    "Todavía no hay combates": "No battles yet",
    "%{x}<br>Puntuación %{y:.0f}<br>IC 95 %: %{customdata[0]:.0f} – %{customdata[1]:.0f}"
    "<br>%{customdata[2]:.0f} votos<extra></extra>":
        "%{x}<br>Rating %{y:.0f}<br>95% CI: %{customdata[0]:.0f} – %{customdata[1]:.0f}"
        "<br>%{customdata[2]:.0f} votes<extra></extra>",
    "Puntuación (escala Elo)": "Rating (Elo scale)",
    "Puntuación de la arena con intervalo del 95 %": "Arena rating with 95% interval",
    "%{y} gana a %{x} en el %{z:.0%} de %{customdata} combates<extra></extra>":
        "%{y} beats %{x} in %{z:.0%} of %{customdata} battles<extra></extra>",
    "victorias": "wins",
    "rival": "opponent",
    "modelo": "model",
    "Porcentaje de victorias (fila contra columna; empates, medio punto)":
        "Win rate (row against column; ties count half)",

    # ragarena/answer_ratings.py: agreement between the judge and people
    "Media de los tres": "Mean of the three",
    "Se comparan las valoraciones de la pestaña *Chat* con las puntuaciones del jurado LLM "
    "(`python -m ragarena eval --judge …`) **para la misma respuesta**: misma pregunta, conversación, "
    "fragmentos recuperados y respuesta (la clave de la caché del jurado). *Diferencia absoluta media*: "
    "puntos de la escala 1-5 entre el jurado y la persona; *sesgo*: media de jurado − persona; "
    "*Spearman ρ*: correlación de rangos entre las dos puntuaciones.":
        "The ratings of the *Chat* tab are compared with the LLM judge's scores (`python -m ragarena eval "
        "--judge …`) **for the same answer**: same question, conversation, retrieved passages and answer (the "
        "judge cache key). *Mean absolute difference*: points of the 1-5 scale between the judge and the person; "
        "*bias*: mean of judge − person; *Spearman ρ*: rank correlation between the two scores.",
    "Todavía no hay valoraciones de usuarios.": "No user ratings yet.",
    "El jurado no ha puntuado ninguna de las respuestas valoradas ({n}), así que todavía no hay nada que "
    "comparar.":
        "The judge has not scored any of the rated answers ({n}), so there is nothing to compare yet.",
    "**Jurado {judge}**: {n} valoraciones coinciden con una puntuación suya.":
        "**Judge {judge}**: {n} ratings match one of its scores.",
    "| Criterio | n | Diferencia absoluta media | Sesgo (jurado − personas) | Spearman ρ |":
        "| Criterion | n | Mean absolute difference | Bias (judge − people) | Spearman ρ |",
    "Con tan pocas coincidencias las cifras son solo orientativas "
    "(ρ no se calcula con menos de 3, ni si un lado puntúa todo igual).":
        "With so few matches the figures are only a rough guide "
        "(ρ is not computed with fewer than 3, nor when one side scores everything the same).",
    "No se puede leer la caché del juez {path}: {reason}": "Cannot read the judge cache {path}: {reason}",

    # ragarena/scores.py: stored score records
    "puntuación nueva": "new score",
    "{path}, línea {number}": "{path}, line {number}",
    "{where}: cada puntuación debe ser un objeto JSON, no {type}.":
        "{where}: each score must be a JSON object, not {type}.",
    "{where}: falta «model» (el id del modelo, texto no vacío).":
        "{where}: «model» is missing (the model id, non-empty text).",
    "{where}: «kind» debe ser «measured» o «published», no {kind}.":
        "{where}: «kind» must be «measured» or «published», not {kind}.",
    "{where}: «{key}» debe ser un número entre 1 y 5 o null, no {value}.":
        "{where}: «{key}» must be a number between 1 and 5 or null, not {value}.",
    "{where}: «{key}» debe ser un entero no negativo o null, no {value}.":
        "{where}: «{key}» must be a non-negative integer or null, not {value}.",
    "{where}: «{key}» debe ser texto o null, no {value}.": "{where}: «{key}» must be text or null, not {value}.",
    "{where}: falta «source» (de dónde salen las cifras).":
        "{where}: «source» is missing (where the figures come from).",
    "{where}: «date» no es una fecha ISO 8601 ({date}).": "{where}: «date» is not an ISO 8601 date ({date}).",
    "{where}: una puntuación medida necesita {missing}.": "{where}: a measured score needs {missing}.",
    "{where}: una puntuación medida necesita «n_items» (al menos 1).":
        "{where}: a measured score needs «n_items» (at least 1).",
    "{where}: la puntuación publicada no tiene ninguna cifra.": "{where}: the published score has no figure at all.",
    "No existe el archivo de puntuaciones {path}.": "The scores file {path} does not exist.",
    "{path}: el archivo de puntuaciones no está en UTF-8.": "{path}: the scores file is not UTF-8.",
    "No se puede leer {path}: {reason}": "Cannot read {path}: {reason}",
    "{path}, línea {number}: JSON no válido ({reason}).": "{path}, line {number}: invalid JSON ({reason}).",
    "No se puede escribir la puntuación en {path}: {reason}": "Cannot write the score to {path}: {reason}",

    # ragarena/ratings.py: battles and notes shown in the summary
    "Combate {number}: se esperaba un objeto con model_a, model_b y winner.":
        "Battle {number}: expected an object with model_a, model_b and winner.",
    "Combate {number}: falta el campo {field}.": "Battle {number}: the field {field} is missing.",
    "Combate {number}: valor de 'winner' no válido ({winner}).": "Battle {number}: invalid 'winner' value ({winner}).",
    "Combate {number}: model_a y model_b deben ser nombres de modelo (texto).":
        "Battle {number}: model_a and model_b must be model names (text).",
    "Combate {number}: model_a y model_b son el mismo modelo ({model}).":
        "Battle {number}: model_a and model_b are the same model ({model}).",
    "Control de estilo: {n} combates sin las dos respuestas no cuentan.":
        "Style control: {n} battles without both answers do not count.",
}
