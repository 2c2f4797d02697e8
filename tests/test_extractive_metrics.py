from ragarena.answering.backends.base import AnswerRequest, collect
from ragarena.answering.backends.extractive import ExtractiveBackend
from ragarena.answering.filler import find_filler, is_filler
from ragarena.answering.prompts import NOT_COVERED_ANSWER
from ragarena.core.text_metrics import context_in_passage, is_abstention, normalize_answer, token_f1
from ragarena.selector.candidates import sentences


def ask(engine, question, history=()):
    hits = engine.retrieve(question, [q for q, _ in history])
    backend = ExtractiveBackend(engine.retriever)
    return collect(backend, AnswerRequest(question, tuple(hits), tuple(history))), hits


def test_answer_is_one_sentence_quoted_from_the_passages(fixture_engine):
    answer, hits = ask(fixture_engine, "¿A qué hora abre la piscina entre semana?")
    assert answer == "La piscina abre de lunes a viernes de 7:00 a 22:00 y los fines de semana de 9:00 a 14:00."
    assert any(answer in h.passage.text for h in hits)


def test_follow_up_answer_uses_the_conversation(fixture_engine):
    first, _ = ask(fixture_engine, "¿A qué hora abre la piscina entre semana?")
    answer, _ = ask(fixture_engine, "¿Y en agosto?", [("¿A qué hora abre la piscina entre semana?", first)])
    assert answer == "En agosto permanece cerrada por mantenimiento."


def test_long_sentences_are_cut_to_the_clause_that_answers():
    from ragarena.core.passages import Hit, Passage
    from ragarena.retrieval.bm25 import Retriever

    text = (
        "El carné se renueva cada cinco años en cualquier sede de la red sin coste alguno para el usuario titular; "
        "la reposición por pérdida o robo cuesta tres euros y se paga en el mostrador de préstamo de la biblioteca."
    )
    passage = Passage("p#0", "p", "Carné", "Renovación", text)
    retriever = Retriever([passage, Passage("q#0", "q", "Otra", "Cosa", "Horario de verano y festivos.")])
    answer = collect(
        ExtractiveBackend(retriever),
        AnswerRequest("¿Cuánto cuesta la reposición por pérdida?", (Hit(passage, 1.0, 1),)),
    )
    assert (
        answer
        == "la reposición por pérdida o robo cuesta tres euros y se paga en el mostrador de préstamo de la biblioteca."
    )


def test_abstains_when_the_documentation_does_not_cover_it(fixture_engine):
    answer, _ = ask(fixture_engine, "¿Admiten perros en el recinto?")
    assert answer == NOT_COVERED_ANSWER
    answer, _ = ask(fixture_engine, "?¿")
    assert answer == NOT_COVERED_ANSWER


def test_sentences_split_lists_and_strip_markup():
    assert sentences("Hola. **Adiós** amigo.\n- uno\n- dos") == ["Hola.", "Adiós amigo.", "uno", "dos"]


def test_token_f1_squad_style():
    assert token_f1("El abono cuesta 28 euros.", "abono cuesta 28 euros") == 1.0
    assert token_f1("abono anual", "abono mensual") == 0.5
    assert token_f1("nada", "algo") == 0.0
    assert normalize_answer("¿Los PRÉSTAMOS?") == "prestamos"


def test_context_found_by_containment_or_by_most_words():
    passage = "Primera frase.\n\nSegunda   frase con    espacios. Tercera."
    assert context_in_passage("Segunda frase con espacios.", passage)
    assert context_in_passage("Tercera. Cuarta que está en otro fragmento", "Tercera. Cuarta que está")
    assert not context_in_passage("Otra cosa totalmente distinta aquí", passage)
    assert not context_in_passage("", passage)


def test_filler_and_abstention_detectors():
    assert find_filler("Según el contexto, el abono cuesta 28 euros.") == ["según el contexto"]
    assert is_filler("Lo siento, pero no puedo ayudarte con eso.")
    assert not is_filler("El abono mensual cuesta 28 euros.")
    assert not is_filler(NOT_COVERED_ANSWER, context_has_answer=False)
    assert is_filler("La información no se encuentra en el contexto.", context_has_answer=True)
    assert is_abstention(NOT_COVERED_ANSWER)
    assert not is_abstention("Cuesta 8 euros.")
