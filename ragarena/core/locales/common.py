"""English for the page frame: title, tabs, passages panel, language switch."""

EN = {
    "# RAG Arena\nPregunta a la documentación y recibe respuestas breves con sus fuentes; en la Arena, compara dos "
    "modelos a ciegas y vota la mejor respuesta.": "# RAG Arena\nAsk the documentation and get short answers with their sources; in the Arena, compare two "
    "models blindly and vote for the better answer.",
    "Clasificación": "Leaderboard",
    "Contexto recuperado": "Retrieved context",
    "No se ha recuperado ningún fragmento.": "No passage retrieved.",
    "relevante": "relevant",
    "poco relevante": "barely relevant",
    "«Relevante»: el fragmento se parece a la pregunta al menos tanto como el 95 % de los que contenían la respuesta "
    "en las preguntas de entrenamiento.": "«Relevant»: the passage is at least as close to the question as 95% of those that held the answer in the "
    "training questions.",
    "Fragmentos ordenados por las palabras que comparten con la pregunta (BM25), sin estimación de relevancia.": "Passages ranked by the words they share with the question (BM25), with no estimate of relevance.",
    # shared by several tabs
    "Pregunta": "Question",
    "Escribe tu pregunta sobre la documentación…": "Type your question about the documentation…",
    "Enviar": "Send",
    "No se reconoce la sesión; recarga la página.": "The session is not recognised; reload the page.",
    "respuesta correcta": "correct answer",
    "concisa, sin relleno": "concise, no filler",
    "basada en el contexto": "grounded in the context",
    "contexto recuperado adecuado": "right context retrieved",
    "incorrectas": "incorrect",
    "con relleno": "padded with filler",
    "inventan información": "make things up",
    "contexto equivocado": "wrong context",
    "Relevancia de la respuesta": "Answer relevance",
    "Relevancia del contexto": "Context relevance",
    "Fundamentación": "Groundedness",
    "Concisión (sin relleno)": "Conciseness (no filler)",
    "Modelo": "Model",
    # ragarena/ui/theme.py: screen-reader labels Gradio writes in English
    "Tu mensaje: ": "Your message: ",
    "Respuesta: ": "Answer: ",
    "Preguntas de ejemplo": "Example questions",
}
