"""English for the Leaderboard tab: its tables, notes, figures and warnings, the agreement with the
judge (`ragarena.answer_ratings.judge_agreement.agreement_markdown`), and the score-record and battle errors
(`ragarena.scoring.scores`, `ragarena.scoring.battle_arrays`) that the tab can show. Provenance is rendered from the records'
fields in the page's language (published records carry ``source_en``); labels and the reasons stored with
the votes stay as written: they are data."""

EN = {
    # ragarena/ui/leaderboard.py: static texts
    "Actualizar": "Refresh",
    "Descargar CSV": "Download CSV",
    "Acuerdo entre el jurado y las personas": "Agreement between the judge and people",
    "Puntuación de la arena": "Arena rating",
    "Porcentaje de victorias": "Win rate",
    "Por qué votaron así: motivos de los votos de la arena": "Why they voted that way: reasons given with arena votes",
    "Motivos por modelo": "Reasons per model",
    "Todas las puntuaciones guardadas (data/scores)": "All stored scores (data/scores)",
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
    # ragarena/leaderboard/build.py, table.py: table headers
    "Rango": "Rank",
    "Votos": "Votes",
    "Rango (control de estilo)": "Rank (style control)",
    "{name} (publicado)": "{name} (published)",
    # stored scores table (leaderboard/score_records.py)
    "Tipo": "Kind",
    "Ítems": "Items",
    "Fecha": "Date",
    "Fuente": "Source",
    "publicada": "published",
    # reasons table (leaderboard/reason_table.py)
    "Criterio": "Criterion",
    "Motivo": "Reason",
    "Al ganar": "When winning",
    "% de sus victorias con motivos": "% of its wins with reasons",
    "Al perder": "When losing",
    "% de sus derrotas con motivos": "% of its losses with reasons",
    "En empate": "In a tie",
    "Todavía nadie ha indicado por qué votó. Tras votar en la *Arena* se pueden marcar los motivos "
    "(respuesta correcta, concisa, basada en el contexto, contexto adecuado; o qué fallaba en las dos).": "Nobody has said why they voted yet. After voting in the *Arena* you can tick the reasons (correct "
    "answer, concise, grounded in the context, right context; or what was wrong with both).",
    "Motivos marcados por quienes votaron, por modelo: *Al ganar*, cuántas veces se dio ese motivo cuando "
    "el modelo ganó; *Al perder*, cuando perdió frente a una respuesta mejor en eso, o cuando las dos eran "
    "malas (entonces el motivo dice qué fallaba); en porcentaje de sus victorias o derrotas con motivos. "
    "Es la opinión de la comunidad sobre los mismos criterios que puntúa el juez.": "Reasons ticked by the voters, per model: *When winning*, how often that reason was given when the model "
    "won; *When losing*, when it lost to an answer better on that point, or when both were bad (then the "
    "reason says what was wrong); as a percentage of its wins or losses with reasons. It is the community's "
    "opinion on the same criteria the judge scores.",
    # summary
    "1 voto": "1 vote",
    "{n} votos": "{n} votes",
    "**{votes}** entre {models} modelos · último voto: {when}.": "**{votes}** among {models} models · last vote: {when}.",
    "**{votes}** entre {models} modelos.": "**{votes}** among {models} models.",
    "{named} votos emitidos con los nombres de los modelos a la vista no cuentan (solo cuentan los votos a ciegas).": "{named} votes cast with the model names in view do not count (only blind votes count).",
    "{n} combates excluidos no cuentan.": "{n} excluded battles do not count.",
    "*Control de estilo* (en el detalle): el mismo modelo con la diferencia de longitud de las dos respuestas y la "
    "de relleno (`ragarena.answering.filler`) como covariables, así que estima cada modelo a igual longitud y sin "
    "relleno; su rango sale igual de los intervalos. Solo cuentan los combates con las dos respuestas.": "*Style control* (in the detail): the same model with the difference in length of the two answers and in filler "
    "(`ragarena.answering.filler`) as covariates, so it estimates each model at equal length and without filler; its "
    "rank comes from the intervals in the same way. Only battles with both answers count.",
    "longitud": "length",
    "relleno": "filler",
    "Con menos de {n} votos, el efecto de la longitud y del relleno no es fiable.": "With fewer than {n} votes, the effect of length and filler is not reliable.",
    "Efecto en puntos Elo (longitud: una respuesta que ocupa todo el texto frente a una vacía; "
    "relleno: tenerlo frente a no tenerlo): {effects}.": "Effect in Elo points (length: an answer that fills the whole text against an empty one; filler: having "
    "it against not having it): {effects}.",
    "*Personas*: valoraciones de 1 a 5 de las respuestas de la pestaña *Chat* ({n} en total) en los mismos "
    "tres criterios que el jurado; media de cada criterio y de los tres, con intervalo de confianza del 95 % "
    "de la t de Student. Un modelo necesita {min} valoraciones para que se muestren sus medias (antes, solo "
    "el número).": "*People*: 1-5 ratings of the answers of the *Chat* tab ({n} in all) on the same three criteria as the "
    "judge; mean of each criterion and of the three, with a 95% Student's t confidence interval. A model "
    "needs {min} ratings before its means are shown (until then, only the count).",
    "Actualizado: {when}.": "Updated: {when}.",
    # judge vs arena correlation
    "Correlación entre el juez y los votos: hace falta que al menos dos modelos tengan a la vez "
    "puntuación del juez y {min_votes} votos o más.": "Correlation between the judge and the votes: at least two models need both a judge score and "
    "{min_votes} votes or more.",
    "**Correlación de rangos entre el juez y los votos**": "**Rank correlation between the judge and the votes**",
    "- Juez «{judge}» ({dataset}, split {split}), {n} modelos ({names}): Spearman ρ = {spearman}, "
    "Kendall τ = {kendall}.": "- Judge «{judge}» ({dataset}, split {split}), {n} models ({names}): Spearman ρ = {spearman}, "
    "Kendall τ = {kendall}.",
    "- Juez «{judge}», {n} modelos ({names}): Spearman ρ = {spearman}, Kendall τ = {kendall}.": "- Judge «{judge}», {n} models ({names}): Spearman ρ = {spearman}, Kendall τ = {kendall}.",
    "Con tan pocos modelos la correlación es solo orientativa.": "With so few models the correlation is only a rough guide.",
    "no definida (empate en todas las cifras)": "undefined (all figures tied)",
    # figures
    "Todavía no hay votos": "No votes yet",
    "Todavía no hay combates": "No battles yet",
    "%{x}<br>Puntuación %{y:.0f}<br>IC 95 %: %{customdata[0]:.0f} – %{customdata[1]:.0f}"
    "<br>%{customdata[2]:.0f} votos<extra></extra>": "%{x}<br>Rating %{y:.0f}<br>95% CI: %{customdata[0]:.0f} – %{customdata[1]:.0f}"
    "<br>%{customdata[2]:.0f} votes<extra></extra>",
    "%{y} gana a %{x} en el %{z:.0%} de %{customdata} combates<extra></extra>": "%{y} beats %{x} in %{z:.0%} of %{customdata} battles<extra></extra>",
    "victorias": "wins",
    "rival": "opponent",
    "modelo": "model",
    # ragarena/answer_ratings/judge_agreement.py: agreement between the judge and people
    "Media de los tres": "Mean of the three",
    "Se comparan las valoraciones de la pestaña *Chat* con las puntuaciones del jurado LLM "
    "(`python -m ragarena eval --judge …`) **para la misma respuesta**: misma pregunta, conversación, "
    "fragmentos recuperados y respuesta (la clave de la caché del jurado). *Diferencia absoluta media*: "
    "puntos de la escala 1-5 entre el jurado y la persona; *sesgo*: media de jurado − persona; "
    "*Spearman ρ*: correlación de rangos entre las dos puntuaciones.": "The ratings of the *Chat* tab are compared with the LLM judge's scores (`python -m ragarena eval "
    "--judge …`) **for the same answer**: same question, conversation, retrieved passages and answer (the "
    "judge cache key). *Mean absolute difference*: points of the 1-5 scale between the judge and the person; "
    "*bias*: mean of judge − person; *Spearman ρ*: rank correlation between the two scores.",
    "Todavía no hay valoraciones de usuarios.": "No user ratings yet.",
    "El jurado no ha puntuado ninguna de las respuestas valoradas ({n}), así que todavía no hay nada que "
    "comparar.": "The judge has not scored any of the rated answers ({n}), so there is nothing to compare yet.",
    "**Jurado {judge}**: {n} valoraciones coinciden con una puntuación suya.": "**Judge {judge}**: {n} ratings match one of its scores.",
    "| Criterio | n | Diferencia absoluta media | Sesgo (jurado − personas) | Spearman ρ |": "| Criterion | n | Mean absolute difference | Bias (judge − people) | Spearman ρ |",
    "Con tan pocas coincidencias las cifras son solo orientativas "
    "(ρ no se calcula con menos de 3, ni si un lado puntúa todo igual).": "With so few matches the figures are only a rough guide "
    "(ρ is not computed with fewer than 3, nor when one side scores everything the same).",
    "No se puede leer la caché del juez {path}: {reason}": "Cannot read the judge cache {path}: {reason}",
    # ragarena/scoring/scores.py: stored score records
    "puntuación nueva": "new score",
    "{path}, línea {number}": "{path}, line {number}",
    "{where}: cada puntuación debe ser un objeto JSON, no {type}.": "{where}: each score must be a JSON object, not {type}.",
    "{where}: falta «model» (el id del modelo, texto no vacío).": "{where}: «model» is missing (the model id, non-empty text).",
    "{where}: «{key}» debe ser un número entre 1 y 5 o null, no {value}.": "{where}: «{key}» must be a number between 1 and 5 or null, not {value}.",
    "{where}: «{key}» debe ser un entero no negativo o null, no {value}.": "{where}: «{key}» must be a non-negative integer or null, not {value}.",
    "{where}: «{key}» debe ser texto o null, no {value}.": "{where}: «{key}» must be text or null, not {value}.",
    "{where}: falta «source» (de dónde salen las cifras).": "{where}: «source» is missing (where the figures come from).",
    "{where}: «date» no es una fecha ISO 8601 ({date}).": "{where}: «date» is not an ISO 8601 date ({date}).",
    "{where}: una puntuación medida necesita {missing}.": "{where}: a measured score needs {missing}.",
    "{where}: una puntuación medida necesita «n_items» (al menos 1).": "{where}: a measured score needs «n_items» (at least 1).",
    "{where}: la puntuación publicada no tiene ninguna cifra.": "{where}: the published score has no figure at all.",
    "No existe el archivo de puntuaciones {path}.": "The scores file {path} does not exist.",
    "{path}: el archivo de puntuaciones no está en UTF-8.": "{path}: the scores file is not UTF-8.",
    "No se puede leer {path}: {reason}": "Cannot read {path}: {reason}",
    "{path}, línea {number}: JSON no válido ({reason}).": "{path}, line {number}: invalid JSON ({reason}).",
    "No se puede escribir la puntuación en {path}: {reason}": "Cannot write the score to {path}: {reason}",
    # ragarena/scoring/battle_arrays.py, arena_ratings.py: battles and notes shown in the summary
    "Combate {number}: se esperaba un objeto con model_a, model_b y winner.": "Battle {number}: expected an object with model_a, model_b and winner.",
    "Combate {number}: falta el campo {field}.": "Battle {number}: the field {field} is missing.",
    "Combate {number}: valor de 'winner' no válido ({winner}).": "Battle {number}: invalid 'winner' value ({winner}).",
    "Combate {number}: model_a y model_b deben ser nombres de modelo (texto).": "Battle {number}: model_a and model_b must be model names (text).",
    "Combate {number}: model_a y model_b son el mismo modelo ({model}).": "Battle {number}: model_a and model_b are the same model ({model}).",
    "Control de estilo: {n} combates sin las dos respuestas no cuentan.": "Style control: {n} battles without both answers do not count.",
    # ragarena/leaderboard/board.py, leaderboard/table.py, provenance.py, scoring/eval_record.py: the ranked table, detail, provenance, method
    "publicado": "published",
    "eval automática": "automatic eval",
    "público": "public",
    "juez LLM": "LLM judge",
    "Global (1-5)": "Overall (1-5)",
    "Relevancia respuesta": "Answer relevance",
    "Relevancia contexto": "Context relevance",
    "Fundamen\xadtación": "Grounded\xadness",
    "Arena (IC 95 %)": "Arena (95% CI)",
    "Personas 1-5 (n)": "People 1-5 (n)",
    "Palabras": "Words",
    "Relleno (%)": "Filler (%)",
    "Falsas absten\u00adciones (%)": "False absten\u00adtions (%)",
    "Aciertos (test)": "Correct (test)",
    "{tag}, {date}": "{tag}, {date}",
    "Arena": "Arena",
    "IC 95 %: desde": "95% CI: from",
    "IC 95 %: hasta": "95% CI: to",
    "Control de estilo": "Style control",
    "Control de estilo: desde": "Style control: from",
    "Control de estilo: hasta": "Style control: to",
    "Victorias": "Wins",
    "Empates": "Ties",
    "Respuestas juzgadas": "Answers judged",
    "F1 de palabras": "Word F1",
    "Procedencia": "Provenance",
    "Eval automática de {n} turnos de {dataset} (split {split}, recuperación {retrieval}), {date}.": "Automatic eval of {n} turns of {dataset} (split {split}, retrieval {retrieval}), {date}.",
    "Juez LLM «{judge}» sobre {n} respuestas de {dataset} (split {split}), {date}.": "LLM judge «{judge}» on {n} answers of {dataset} (split {split}), {date}.",
    "{value} (IC muy amplio)": "{value} (very wide CI)",
    "Cifra publicada, citada tal cual: {source}": "Published figure, quoted as is: {source}",
    "1 voto: pocos": "1 vote: too few",
    "{n} votos: pocos": "{n} votes: too few",
    "1 valoración: pocas": "1 rating: too few",
    "{n} valoraciones: pocas": "{n} ratings: too few",
    "{mean} (n = {n}, IC muy amplio)": "{mean} (n = {n}, very wide CI)",
    "juez LLM {judge}, {date}": "LLM judge {judge}, {date}",
    "Personas: relevancia respuesta": "People: answer relevance",
    "Personas: relevancia contexto": "People: context relevance",
    "Personas: fundamen\xadtación": "People: grounded\xadness",
    "IC muy amplio": "very wide CI",
    "Público: {votes} votos de la arena y {ratings} valoraciones del Chat.": "Public: {votes} arena votes and {ratings} Chat ratings.",
    "cifras automáticas nuevas": "new automatic figures",
    "**En pocas palabras.** La tabla ordena los modelos por **Aciertos**: la parte de las preguntas con respuesta del split de test que el modelo contesta bien (contiene al menos la mitad de las palabras con contenido de la respuesta de referencia; `python -m ragarena eval`, sin intervención humana), con cuántas preguntas son (n). Las filas sin esa cifra van después, por **Global**, la media de los tres criterios del estudio, de 1 a 5: la respuesta contesta lo preguntado (*relevancia de la respuesta*), los fragmentos recuperados son los que hacían falta (*relevancia del contexto*) y la respuesta se apoya en ellos sin inventar (*fundamentación*); los pone un juez LLM o los cita el estudio publicado. Después cuenta la **Arena**: cuánto prefieren las personas sus respuestas en duelos a ciegas (1000 es la media; entre paréntesis, el margen en el que está con un 95 % de confianza). **Personas** es la nota media de 1 a 5 que se da bajo las respuestas del Chat, con cuántas notas hay. **Palabras**, **Relleno** y **Falsas abstenciones** las mide `python -m ragarena eval` sin intervención humana: longitud media de las respuestas, parte de ellas con frases de relleno y parte que dice «no hay información» cuando sí la había.": "**In short.** The table ranks the models by **Correct**: the share of the test split's answerable questions the model answers right (the answer holds at least half the content words of the reference answer; `python -m ragarena eval`, no human involved), with how many questions there are (n). Rows without that figure come after, by **Overall**, the mean of the study's three criteria, 1 to 5: the answer addresses what was asked (*answer relevance*), the retrieved passages are the ones needed (*context relevance*) and the answer rests on them without inventing (*groundedness*); an LLM judge gives them, or the published study quotes them. Then comes the **Arena**: how much people prefer its answers in blind duels (1000 is the average; in brackets, the range it lies in with 95% confidence). **People** is the mean 1-5 mark given under the Chat's answers, with how many marks there are. **Words**, **Filler** and **False abstentions** are measured by `python -m ragarena eval` with no human involved: mean answer length, share of answers with filler phrases and share that say «no information» when there was some.",
    "**Muestras pequeñas.** Una puntuación de la arena se muestra desde {votes} votos del modelo y una media de las personas desde {ratings} valoraciones (`RAGARENA_MIN_VOTES`, `RAGARENA_MIN_RATINGS`); antes la celda dice cuántos hay. Un intervalo más ancho que {elo} puntos Elo o que {score} puntos de la escala 1-5 se muestra como «IC muy amplio»: todavía no distingue nada.": "**Small samples.** An arena rating is shown from {votes} votes of the model and a people's mean from {ratings} ratings (`RAGARENA_MIN_VOTES`, `RAGARENA_MIN_RATINGS`); before that the cell says how many there are. An interval wider than {elo} Elo points or {score} points of the 1-5 scale reads «very wide CI»: it does not tell anything apart yet.",
    "**Fuentes.** *publicado*: cifra citada del estudio del IIC, medida sobre otro corpus (sirve de referencia, no es comparable al decimal); *juez LLM*: `eval --judge` sobre el split de test, con el modelo juez y la fecha; *eval automática*: `eval --record`; *público*: votos de la arena y valoraciones del Chat. La procedencia completa de cada fila está en «Detalle y procedencia de cada fila».": "**Sources.** *published*: figure quoted from the IIC study, measured on another corpus (a reference, not comparable to the decimal); *LLM judge*: `eval --judge` on the test split, with the judge model and the date; *automatic eval*: `eval --record`; *public*: arena votes and Chat ratings. The full provenance of each row is under «Detail and provenance of each row».",
    "Ningún modelo tiene aún {n} votos": "No model has {n} votes yet",
    "**Todavía no hay votos** en la arena (vota en la pestaña *Arena*); mientras tanto la tabla muestra las cifras publicadas del estudio y las medidas aquí.": "**No votes yet** in the arena (vote in the *Arena* tab); meanwhile the table shows the study's published figures and those measured here.",
    "**Detalle técnico.** *Arena*: modelo de Bradley-Terry en escala Elo (media 1000) a partir de los votos, con intervalo de confianza del 95 % por bootstrap ({bootstrap} remuestreos); el rango es 1 más el número de modelos claramente por delante.": "**Technical detail.** *Arena*: Bradley-Terry model on the Elo scale (mean 1000) from the votes, with a 95% bootstrap confidence interval ({bootstrap} resamples); the rank is 1 plus the number of models clearly ahead.",
    "**Detalle técnico.** *Arena*: modelo de Bradley-Terry en escala Elo (media 1000) a partir de los votos; el rango es 1 más el número de modelos claramente por delante.": "**Technical detail.** *Arena*: Bradley-Terry model on the Elo scale (mean 1000) from the votes; the rank is 1 plus the number of models clearly ahead.",
    "Elo (media 1000)": "Elo (mean 1000)",
    "con su intervalo del 95 %": "with its 95% interval",
    "fila contra columna; empate, medio punto": "row against column; a tie counts half",
    "{where}: «kind» debe ser «measured», «published» o «automatic», no {kind}.": "{where}: «kind» must be «measured», «published» or «automatic», not {kind}.",
    "{where}: «{key}» debe ser un número entre 0 y {top} o null, no {value}.": "{where}: «{key}» must be a number between 0 and {top} or null, not {value}.",
    "{where}: unas cifras automáticas necesitan {missing}.": "{where}: automatic figures need {missing}.",
    "{where}: las cifras automáticas no tienen ninguna cifra.": "{where}: the automatic figures hold no figure.",
    "Ordenados por **Aciertos** (respuestas correctas en el split de test); las filas sin esa cifra van después, por **Global** (1-5) y por la arena, y las cifras publicadas al final. ★: la mejor cifra de cada columna entre los modelos medidos aquí.": "Ordered by **Correct** (right answers on the test split); rows without that figure come after, by **Overall** (1-5) and by the arena, and the published figures last. ★: the best figure of each column among the models measured here.",
    "en el split de test, **{model}** acierta el {rate} % de {n} preguntas con respuesta": "on the test split, **{model}** is right on {rate}% of {n} answerable questions",
    "en el split de test, **{model}** y **{second}** aciertan lo mismo ({rate} % de {n} preguntas con respuesta)": "on the test split, **{model}** and **{second}** are right equally often ({rate}% of {n} answerable questions)",
    "en el split de test, **{model}** acierta más a menudo ({rate} % de {n} preguntas con respuesta) que **{second}** ({second_rate} %)": "on the test split, **{model}** is right more often ({rate}% of {n} answerable questions) than **{second}** ({second_rate}%)",
    "la arena necesita al menos {n} votos más para dar puntuaciones con intervalo": "the arena needs at least {n} more votes to give ratings with an interval",
    "en la arena va por delante **{model}** ({rating})": "in the arena **{model}** is ahead ({rating})",
    "**Hoy:** {sentence}.": "**Today:** {sentence}.",
    "Cómo se calcula": "How it is computed",
    "Detalle y procedencia de cada fila": "Detail and provenance of each row",
    "Detalle": "Detail",
    "Puntuaciones guardadas": "Stored scores",
    "Criterios del estudio: la mejor media del juez es la de **{model}** ({overall} de 5).": "The study's criteria: the judge's best mean is **{model}**'s ({overall} out of 5).",
    "Arena: **{model}** va por delante ({rating}), con su intervalo por encima del de {second}.": "Arena: **{model}** is ahead ({rating}), its interval above {second}'s.",
    "Arena: **{model}** va por delante ({rating}), pero su intervalo se solapa con el de {second}: todavía no es una ventaja segura.": "Arena: **{model}** is ahead ({rating}), but its interval overlaps {second}'s: not a sure lead yet.",
    "⚠️ {n} votos guardados no se pueden leer y no cuentan (el registro del servidor dice cuáles).": "⚠️ {n} stored votes cannot be read and do not count (the server log says which).",
}
