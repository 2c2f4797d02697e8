"""English for the Arena tab: its labels and messages, the vote store's refusals (`ragarena.arena.votes`),
the vote reasons (`ragarena.arena.reasons`: labels only, the stored values stay Spanish) and the
reference answer's headings (`ragarena.scoring.reference`)."""

EN = {
    # ragarena/ui/arena*.py (layout, handlers, text, reasons): the page
    "Haz una pregunta: dos modelos elegidos al azar responden con los mismos fragmentos de la documentación. "
    "Sus nombres se muestran después de votar. Puedes seguir la conversación antes de votar; el voto cuenta "
    "para la última respuesta.": "Ask a question: two randomly chosen models answer from the same documentation passages. Their names "
    "are shown after you vote. You can carry on the conversation before voting; the vote counts for the "
    "latest answer.",
    "⚠️ La arena necesita al menos dos modelos disponibles; revisa `models.yaml` y sus claves.": "⚠️ The arena needs at least two available models; check `models.yaml` and its keys.",
    "Opcional: inicia sesión con Hugging Face para que tus votos cuenten como los de una persona (solo se "
    "guarda un resumen cifrado de tu usuario).": "Optional: sign in with Hugging Face so that your votes count as a person's (only an encrypted digest "
    "of your user is stored).",
    "Modo": "Mode",
    "Anónimo": "Anonymous",
    "Elegir modelos": "Choose models",
    "Modelo A": "Model A",
    "Modelo B": "Model B",
    "Nombre A": "Name A",
    "Nombre B": "Name B",
    "### Modelo {side}": "### Model {side}",
    "### Modelo {side}: {label}": "### Model {side}: {label}",
    "Elige los dos modelos y haz una pregunta: responden con los mismos fragmentos de la documentación. "
    "Puedes seguir la conversación antes de votar; el voto cuenta para la última respuesta.": "Pick the two models and ask a question: they answer with the same passages of the documentation. "
    "You can continue the conversation before voting; the vote counts for the latest answer.",
    "Estado": "Status",
    "👈 A es mejor": "👈 A is better",
    "👉 B es mejor": "👉 B is better",
    "🤝 Empate": "🤝 Tie",
    "👎 Ambas son malas": "👎 Both are bad",
    "¿Por qué? (opcional)": "Why? (optional)",
    "¿Qué fallaba en las dos? (opcional)": "What was wrong with both? (optional)",
    "Guardar motivos": "Save reasons",
    "Respuesta de referencia (del conjunto de preguntas)": "Reference answer (from the question set)",
    "🔄 Nueva ronda": "🔄 New round",
    "Fragmentos": "Passages",
    "Contexto recuperado (el mismo para los dos modelos)": "Retrieved context (the same for both models)",
    # ragarena/ui/arena_text.py, ragarena/arena/rounds.py, turn.py: messages
    "⚠️ {message}": "⚠️ {message}",
    "Elige los dos modelos que quieres comparar.": "Choose the two models you want to compare.",
    "Elige dos modelos distintos.": "Choose two different models.",
    "El modelo «{model}» no está disponible.": "The model “{model}” is not available.",
    "La arena necesita al menos dos modelos disponibles.": "The arena needs at least two available models.",
    "⏳ Los dos modelos están respondiendo…": "⏳ Both models are answering…",
    "no ha respondido a tiempo": "did not answer in time",
    "error inesperado ({name})": "unexpected error ({name})",
    "⚠️ Ha fallado el Modelo {side} ({message}). Esta ronda no se puede votar: pulsa «Nueva ronda».": "⚠️ Model {side} failed ({message}). This round cannot be voted: press “New round”.",
    "⚠️ Ha fallado el Modelo A y el Modelo B (Modelo A: {message_a}; Modelo B: {message_b}). Esta ronda no se "
    "puede votar: pulsa «Nueva ronda».": "⚠️ Model A and Model B failed (Model A: {message_a}; Model B: {message_b}). This round cannot be voted: "
    "press “New round”.",
    "¿Qué respuesta es mejor? Vota, o haz otra pregunta para seguir la conversación.": "Which answer is better? Vote, or ask another question to carry on the conversation.",
    "A es mejor": "A is better",
    "B es mejor": "B is better",
    "empate": "tie",
    "ambas son malas": "both are bad",
    "✅ Voto registrado ({winner}). Modelo A: **{label_a}**, Modelo B: **{label_b}**. Si quieres, marca por qué "
    "debajo. Pulsa «Nueva ronda» o haz otra pregunta para empezar otra.": "✅ Vote recorded ({winner}). Model A: **{label_a}**, Model B: **{label_b}**. If you like, tick why "
    "below. Press “New round” or ask another question to start another one.",
    "{vote}\n\n⚠️ Una de las respuestas revelaba qué modelo es: el voto se guarda, pero no cuenta para la "
    "clasificación.": "{vote}\n\n⚠️ One of the answers revealed which model it is: the vote is kept, but it does not count "
    "for the leaderboard.",
    "✅ Motivos guardados: {reasons}.": "✅ Reasons saved: {reasons}.",
    "✅ Guardado sin motivos: queda tu voto ({winner}) sin explicación.": "✅ Saved without reasons: your vote ({winner}) stays, with no explanation.",
    "registrado": "recorded",
    # ragarena/arena/votes.py: refusals
    "Voto no válido: elige A, B, empate o ambas son malas.": "Invalid vote: choose A, B, tie or both are bad.",
    "No hay ningún combate que votar en esta sesión; haz una pregunta primero.": "There is no battle to vote on in this session; ask a question first.",
    "Ese combate está guardado de forma no válida y no se puede votar; no se ha contado el voto. Haz una pregunta "
    "nueva para otra ronda.": "That battle is stored in an invalid form and cannot be voted on; the vote was not counted. Ask a new "
    "question for another round.",
    "Ese combate no existe o no se sirvió en esta sesión; no se ha contado el voto.": "That battle does not exist or was not served in this session; the vote was not counted.",
    "Ya has votado en este combate: solo se admite un voto por combate.": "You have already voted on this battle: only one vote per battle is accepted.",
    "Has votado {recent} veces en el último minuto (máximo {limit}); espera un poco antes de volver a votar.": "You have voted {recent} times in the last minute (maximum {limit}); wait a little before voting again.",
    "Has llegado al máximo de {cap} votos en 24 horas con tu cuenta; gracias por participar, vuelve mañana.": "You have reached the maximum of {cap} votes in 24 hours with your account; thanks for taking part, "
    "come back tomorrow.",
    "Has llegado al máximo de {cap} votos en 24 horas en esta sesión; gracias por participar, vuelve mañana.": "You have reached the maximum of {cap} votes in 24 hours in this session; thanks for taking part, "
    "come back tomorrow.",
    "Se ha llegado al máximo de {cap} votos en 24 horas desde esta conexión; vuelve mañana o inicia sesión con "
    "tu cuenta de Hugging Face si la hay.": "The maximum of {cap} votes in 24 hours from this connection has been reached; come back tomorrow or "
    "sign in with your Hugging Face account if there is one.",
    "No hay ningún voto al que añadir motivos; vota primero.": "There is no vote to add reasons to; vote first.",
    "Los motivos deben ser una lista.": "The reasons must be a list.",
    "Ese combate no existe o no se sirvió en esta sesión; no se guardan los motivos.": "That battle does not exist or was not served in this session; the reasons were not saved.",
    "Vota primero; los motivos acompañan al voto.": "Vote first; the reasons go with the vote.",
    "Esa ronda ya terminó: los motivos solo se pueden dar hasta la ronda siguiente.": "That round is over: reasons can only be given until the next round.",
    # ragarena/arena/reasons.py: reason labels (stored values stay Spanish), criteria, refusals
    "«Ambas son malas»": "“Both are bad”",
    "este voto": "this vote",
    "Motivo no válido para {what}: «{reason}». Se admite: {allowed}.": "Invalid reason for {what}: “{reason}”. Accepted: {allowed}.",
    # ragarena/scoring/reference.py: the reference answer's headings (the answer and passage are corpus data)
    "**Respuesta de referencia** (conversación {conversation}, turno {turn}):": "**Reference answer** (conversation {conversation}, turn {turn}):",
    "**Fragmento de referencia**{where}:": "**Reference passage**{where}:",
    "**Fragmento de referencia**: ninguno; la documentación no responde a esta pregunta.": "**Reference passage**: none; the documentation does not answer this question.",
}
