"""English for the Chat tab and the messages that reach it: answer metadata, filler flags, question
checks, model availability, backend errors, and the rating box with its rules.

Some keys ("Pregunta", "Enviar", "Modelo"…) are shared with other tabs; the same English is given here.
"""

EN = {
    # --- the tab (ragarena/ui/chat*.py) --------------------------------------------------------
    "Conversación": "Conversation",
    "Estos modelos no pueden responder en esta instalación; quien la gestiona puede activarlos:\n{models}": "These models cannot answer in this installation; whoever runs it can enable them:\n{models}",
    "Añadir modelos": "Add models",
    "Valora la última respuesta (opcional)": "Rate the latest answer (optional)",
    "De 1 (nada) a 5 (totalmente). Puedes cambiar la valoración hasta que hagas otra pregunta.": "From 1 (not at all) to 5 (completely). You can change your rating until you ask another question.",
    "**Pregunta lo que quieras sobre la documentación.** La respuesta cita los fragmentos en los que se basa, "
    "que aparecen en «Contexto recuperado». Prueba con un ejemplo:": "**Ask anything about the documentation.** The answer quotes the passages it rests on, shown under "
    "«Retrieved context». Try an example:",
    "⚠️ Sin respuesta: el motivo aparece debajo.": "⚠️ No answer: the reason is shown below.",
    "✍️ Escribiendo la respuesta…": "✍️ Writing the answer…",
    "No se puede usar esta conversación (no tiene la forma de la que muestra la página); empieza una nueva.": "This conversation cannot be used (it is not shaped like the one the page shows); start a new one.",
    "La conversación contiene caracteres no válidos (no son texto que se pueda guardar); empieza una nueva.": "The conversation holds invalid characters (not text that can be stored); start a new one.",
    "⚠️ Esta respuesta no se ha podido guardar, así que no se puede valorar.": "⚠️ This answer could not be stored, so it cannot be rated.",
    "Respondida en {seconds}.": "Answered in {seconds}.",
    "Respondida al instante.": "Answered instantly.",
    "Respuesta incompleta (se cortó a los {seconds}).": "Incomplete answer (cut off after {seconds}).",
    "{line} Coste estimado: {cost}.": "{line} Estimated cost: {cost}.",
    "{line} <details class='ra-meta'><summary>Detalles</summary>{details}</details>": "{line} <details class='ra-meta'><summary>Details</summary>{details}</details>",
    "Comentario (opcional)": "Comment (optional)",
    "Hasta {count} caracteres": "Up to {count} characters",
    "Enviar valoración": "Send rating",
    "Nueva conversación": "New conversation",
    "Ese modelo no está disponible: {reason}": "That model is not available: {reason}",
    "⚠️ {error}": "⚠️ {error}",
    "{meta}  \n⚠️ Respuesta con relleno: {flags}.": "{meta}  \n⚠️ Answer with filler: {flags}.",
    "respuesta": "answer",
    "contexto": "context",
    "fundamentación": "groundedness",
    "✅ Valoración guardada ({figures}). Puedes cambiarla hasta que hagas otra pregunta.": "✅ Rating saved ({figures}). You can change it until you ask another question.",
    "✅ Valoración actualizada ({figures}). Puedes cambiarla hasta que hagas otra pregunta.": "✅ Rating updated ({figures}). You can change it until you ask another question.",
    # --- answer metadata (ragarena/answering/metering.py) ---------------------------------------------
    "{whole},{fraction}": "{whole}.{fraction}",
    "{seconds} s": "{seconds} s",
    "{amount} $": "${amount}",
    "1.ª palabra {seconds}": "first word {seconds}",
    "total {seconds}": "total {seconds}",
    "{count} token": "{count} token",
    "{count} tokens": "{count} tokens",
    "≈{tokens} (estimación)": "≈{tokens} (estimate)",
    "~{cost}": "~{cost}",
    "incompleta": "incomplete",
    # --- filler flags (ragarena/answering/filler.py) -----------------------------------------------------
    "según el contexto": "“according to the context”",
    "el contexto dice": "“the context says”",
    "disculpa": "apology",
    "relleno de cortesía": "courtesy filler",
    "se presenta como IA": "presents itself as an AI",
    "dice que no está cuando sí está": "says it is not there when it is",
    # --- question checks (ragarena/core/question_check.py) ----------------------------------------------
    "Escribe una pregunta antes de enviar.": "Type a question before sending.",
    "La pregunta es demasiado larga ({length} caracteres); el máximo es {max_chars}.": "The question is too long ({length} characters); the maximum is {max_chars}.",
    "La pregunta contiene HTML o código; escríbela como texto normal, sin etiquetas.": "The question contains HTML or code; write it as plain text, without tags.",
    # --- rating box and its rules (ragarena/answer_ratings/store.py, rating_rules.py) ------------------
    "¿Responde a la pregunta?": "Does it answer the question?",
    "¿El contexto recuperado es el adecuado?": "Is the retrieved context the right one?",
    "¿La respuesta se apoya solo en el contexto?": "Does the answer rely only on the context?",
    "Valora los tres criterios (del 1 al 5) antes de enviar la valoración.": "Rate all three criteria (from 1 to 5) before sending the rating.",
    "Puntuación no válida: cada criterio se valora con un número entero del 1 al 5.": "Invalid score: each criterion is rated with a whole number from 1 to 5.",
    "El comentario debe ser texto.": "The comment must be text.",
    "El comentario es demasiado largo ({length} caracteres; máximo {max_chars}).": "The comment is too long ({length} characters; maximum {max_chars}).",
    "No hay ninguna respuesta que valorar en esta sesión; haz una pregunta primero.": "There is no answer to rate in this session; ask a question first.",
    "Esa respuesta no existe o no se produjo en esta sesión; no se ha guardado la valoración.": "That answer does not exist or was not given in this session; the rating was not saved.",
    "Ya has hecho otra pregunta: solo se puede valorar la última respuesta.": "You have already asked another question: only the latest answer can be rated.",
    "Has enviado {count} valoraciones en el último minuto (máximo {limit}); "
    "espera un poco antes de volver a valorar.": "You have sent {count} ratings in the last minute (maximum {limit}); wait a little before rating again.",
    # --- model registry (ragarena/answering/models.py) ---------------------------------------------------
    "No existe el archivo de modelos «{path}».": "The models file “{path}” does not exist.",
    "El archivo de modelos «{path}» no es válido: {error}": "The models file “{path}” is not valid: {error}",
    "El modelo «{model}» no está disponible: {reason}": "The model “{model}” is not available: {reason}",
    "Modelo desconocido «{model}». Modelos configurados: {known}.": "Unknown model “{model}”. Configured models: {known}.",
    # --- remote backends (ragarena/answering/backends/remote.py, openai_backend.py, tgi_backend.py) ---
    "(URL no válida)": "(invalid URL)",
    "{env} debe ser una dirección que empiece por http:// o https://.": "{env} must be an address starting with http:// or https://.",
    "la clave": "the key",
    "el token": "the token",
    " tras {retries} reintento": " after {retries} retry",
    " tras {retries} reintentos": " after {retries} retries",
    "«{label}» ha rechazado {who} (401): revisa {key_env}.": "“{label}” rejected {who} (401): check {key_env}.",
    "«{label}» ha denegado la petición (403): {who} no da acceso a «{model}»; revisa {key_env}.": "“{label}” denied the request (403): {who} gives no access to “{model}”; check {key_env}.",
    "«{label}» no encuentra el modelo «{model}» (404): revisa «model» en models.yaml y {url_env}.": "“{label}” cannot find the model “{model}” (404): check “model” in models.yaml and {url_env}.",
    "«{label}» está saturado o se ha agotado la cuota (429){after}. "
    "Prueba dentro de un rato o revisa el límite de tu cuenta.": "“{label}” is overloaded or the quota is used up (429){after}. "
    "Try again in a while or check your account's limit.",
    "«{label}» ha fallado por un error del servidor ({status}){after}. Prueba de nuevo en un rato.": "“{label}” failed with a server error ({status}){after}. Try again in a while.",
    "«{label}» ha rechazado la petición ({status}): revisa la configuración del modelo en models.yaml "
    "(o acorta la conversación con «Nueva conversación»).": "“{label}” rejected the request ({status}): check the model's settings in models.yaml "
    "(or shorten the conversation with “New conversation”).",
    "«{label}» ha dejado de enviar la respuesta (más de {seconds} s sin datos) y se ha cortado. Prueba de nuevo.": "“{label}” stopped sending the answer (more than {seconds} s without data) and it was cut off. Try again.",
    "«{label}» no ha respondido en {seconds} s. Prueba de nuevo o aumenta «timeout_s» en models.yaml.": "“{label}” did not answer within {seconds} s. Try again or increase “timeout_s” in models.yaml.",
    "No se puede conectar con «{label}» en {url}: comprueba {url_env} y la red.": "Cannot connect to “{label}” at {url}: check {url_env} and the network.",
    "No se puede conectar con «{label}»: comprueba {url_env} y la red.": "Cannot connect to “{label}”: check {url_env} and the network.",
    "La respuesta de «{label}» se ha cortado a mitad (se perdió la conexión). Prueba de nuevo.": "The answer of “{label}” was cut off halfway (the connection was lost). Try again.",
    "Instala el paquete «{package}» (pip install -r requirements.txt) para activarlo.": "Install the “{package}” package (pip install -r requirements.txt) to enable it.",
    "Define {key_env} (y opcionalmente {url_env}) para activarlo.": "Set {key_env} (and optionally {url_env}) to enable it.",
    "Define {env} para usar «{label}».": "Set {env} to use “{label}”.",
    "«{label}» ha interrumpido la respuesta con un error. Prueba de nuevo.": "“{label}” interrupted the answer with an error. Try again.",
    "«{label}» no ha podido responder ({error}).": "“{label}” could not answer ({error}).",
    "Define {url_env} con la dirección del servidor TGI (y {key_env} si está protegido) para activarlo.": "Set {url_env} to the TGI server's address (and {key_env} if it is protected) to enable it.",
    "HF_HUB_OFFLINE está activado y bloquea también las llamadas a TGI: quítalo para activarlo.": "HF_HUB_OFFLINE is set and also blocks the calls to TGI: unset it to enable it.",
    "HF_HUB_OFFLINE está activado y bloquea las llamadas a TGI: quítalo.": "HF_HUB_OFFLINE is set and blocks the calls to TGI: unset it.",
}
