"""The Arena in English: the language, last input of each endpoint, turns the messages, revealed
names, reference headings and passages panel into English; left out, everything stays Spanish.
Stored records (reasons, winners) stay as they were. Plus the modules' messages on their own."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import message_text
from markdown_it import MarkdownIt
from test_arena_e2e import QUESTION, arena_env, connect, stored

from ragarena.answering.safe_markdown import plain
from ragarena.arena import reasons as R
from ragarena.arena.votes import VoteStore
from ragarena.core.errors import UserError
from ragarena.core.i18n import join_text, localize, message_of
from ragarena.core.question_check import question_problem
from ragarena.core.refusals import VoteRejected
from ragarena.scoring.reference import Reference, reference_markdown
from ragarena.ui.arena_text import ModelName

# --- the modules' messages -------------------------------------------------------------------


def serve(store: VoteStore, session: str = "s1") -> str:
    return store.record_battle(
        session_hash=session, question="¿Hola?", model_a="m1", model_b="m2", answer_a="a", answer_b="b"
    )


def test_vote_refusals_read_spanish_and_render_in_english(tmp_path):
    store = VoteStore(tmp_path / "arena.db", votes_per_minute=1, votes_per_day=5)
    try:
        with pytest.raises(VoteRejected) as refused:
            store.vote(serve(store), "s1", "model_c")
        assert str(refused.value) == "Voto no válido: elige A, B, empate o ambas son malas."
        assert localize(refused.value, "en") == "Invalid vote: choose A, B, tie or both are bad."
        assert localize(refused.value, "es") == str(refused.value)

        store.vote(serve(store), "s1", "model_a")
        with pytest.raises(VoteRejected) as limited:  # one a minute here
            store.vote(serve(store), "s1", "model_b")
        assert localize(limited.value, "en") == (
            "You have voted 1 times in the last minute (maximum 1); wait a little before voting again."
        )
        assert "Has votado 1 veces en el último minuto (máximo 1)" in str(limited.value)

        # A refused reason: the reasons' own message survives the store's re-raise, nested parts translated too.
        battle = serve(store, "s2")
        store.vote(battle, "s2", "tie (bothbad)")
        with pytest.raises(VoteRejected) as wrong:
            store.set_reasons(battle, "s2", ["respuesta correcta"])
        english = localize(wrong.value, "en")
        assert english.startswith("Invalid reason for “Both are bad”: “respuesta correcta”. Accepted: ")
        assert "«inventan información»" in english  # what a client must send: the stored (Spanish) values
        assert str(wrong.value).startswith("Motivo no válido para «Ambas son malas»: «respuesta correcta»")
        assert store.get_battle(battle).get("reasons") is None
    finally:
        store.close()


def test_daily_cap_messages_carry_the_cap_into_english(tmp_path):
    store = VoteStore(tmp_path / "arena.db", votes_per_minute=100, votes_per_day=1)
    try:
        store.vote(serve(store), "s1", "tie", ip_hash="ip-1")
        with pytest.raises(VoteRejected) as capped:
            store.check_daily_cap("s1", ip_hash="ip-1")
        assert localize(capped.value, "en").startswith(
            "You have reached the maximum of 1 votes in 24 hours in this session"
        )
        with pytest.raises(VoteRejected) as by_ip:
            store.check_daily_cap("another-tab", ip_hash="ip-1")
        assert "from this connection" in localize(by_ip.value, "en")
        assert "desde esta conexión" in str(by_ip.value)
    finally:
        store.close()


def test_reason_labels_translate_but_the_stored_values_do_not():
    assert [value for _label, value in R.choices(R.GOOD)] == list(R.GOOD)
    assert [localize(label, "en") for label, _value in R.choices(R.BAD)] == [
        "incorrect",
        "padded with filler",
        "make things up",
        "wrong context",
    ]
    assert all(label == value for label, value in R.choices(R.ALL))  # Spanish labels are the values themselves
    assert localize(R.label("respuesta correcta"), "en") == "correct answer"
    assert R.label("otra cosa") == "otra cosa"
    assert localize(R.CRITERION_NAMES["groundedness"], "en") == "Groundedness"
    assert R.CRITERION_NAMES["groundedness"] == "Fundamentación"
    assert R.check_reasons("model_a", ["respuesta correcta"]) == ["respuesta correcta"]
    with pytest.raises(UserError) as error:
        R.check_reasons("model_a", "respuesta correcta")
    assert localize(error.value, "en") == "The reasons must be a list."


def test_reference_headings_translate_and_the_corpus_text_does_not():
    reference = Reference(
        "¿A qué hora abre?",
        "De lunes a viernes abre de 7:00 a 22:00.",
        "La piscina abre de lunes a viernes de 7:00 a 22:00.",
        True,
        "fx-2",
        1,
        "Piscina cubierta › Horario",
    )
    english = plain(reference_markdown(reference, "en"))  # the corpus text is escaped: read as shown
    assert english.startswith("**Reference answer** (conversation `fx-2`, turn 1):")
    assert "> De lunes a viernes abre de 7:00 a 22:00." in english
    assert "**Reference passage** (Piscina cubierta › Horario):" in english
    spanish = reference_markdown(reference)
    assert spanish.startswith("**Respuesta de referencia** (conversación `fx-2`, turno 1):")
    assert spanish == reference_markdown(reference, "es")
    unanswerable = Reference("¿Perros?", "No consta.", "", False, "fx-3", 3)
    assert "the documentation does not answer" in reference_markdown(unanswerable, "en")
    assert reference_markdown(None, "en") == ""


def test_model_names_and_joined_reasons_render_in_each_language():
    name = ModelName("Extractivo <b>", "Extractive <b>")  # shown as typed, never as a tag
    assert plain(name) == "Extractivo <b>" and plain(localize(name, "en")) == "Extractive <b>"
    assert "<b>" not in MarkdownIt("commonmark").render(localize(name, "en"))
    assert localize(ModelName("Solo español"), "en") == "Solo español"
    listing = join_text([R.label("respuesta correcta"), R.label("con relleno")], ", ")
    assert listing == "respuesta correcta, con relleno"
    assert localize(listing, "en") == "correct answer, padded with filler"
    assert message_of(VoteRejected(R.LABELS["incorrectas"])) is R.LABELS["incorrectas"]
    assert message_of(ValueError("a", "b")) == "('a', 'b')"


# --- through the real app --------------------------------------------------------------------


def ask(
    client,
    language: str | None = None,
    question: str = QUESTION,
    mode: str = "Anónimo",
    a: str | None = None,
    b: str | None = None,
):
    """(chat A, chat B, passages, status, name A, name B); `language` None leaves the argument out."""
    args = (question, mode, a, b) + ((language,) if language else ())
    _, chat_a, chat_b, passages, status, name_a, name_b = client.predict(*args, api_name="/arena_ask")
    return chat_a, chat_b, passages, status, name_a, name_b


def vote(client, winner: str, language: str | None = None) -> tuple[str, str, str, str]:
    """(status, name A, name B, reference)."""
    args = (winner,) + ((language,) if language else ())
    return tuple(client.predict(*args, api_name="/arena_vote"))


def give_reasons(client, given: list[str], language: str | None = None) -> str:
    args = (given,) + ((language,) if language else ())
    return client.predict(*args, api_name="/arena_reasons")


def test_the_arena_api_speaks_english_when_asked_and_spanish_by_default(
    app_launcher, fixture_docs, fixture_qa, tmp_path
):
    env = arena_env(tmp_path, fixture_docs, RAGARENA_QA=str(fixture_qa))
    app = app_launcher(env)
    english, spanish = connect(app.url), connect(app.url)

    # Refusals.
    assert vote(english, "model_a", "en")[0] == (
        "⚠️ There is no battle to vote on in this session; ask a question first."
    )
    assert vote(spanish, "model_a")[0] == "⚠️ No hay ningún combate que votar en esta sesión; haz una pregunta primero."
    status = ask(english, "en", mode="Elegir modelos", a="extractive", b="extractive")[3]
    assert status == "⚠️ Choose two different models."
    assert ask(spanish, mode="Elegir modelos", a="extractive", b="extractive")[3] == "⚠️ Elige dos modelos distintos."
    # An invalid question: `question_problem`'s message, rendered in the reader's language.
    too_long = question_problem("a" * 2001)
    assert localize(too_long, "en") != str(too_long)  # translated at all
    assert ask(english, "en", "a" * 2001)[3] == f"⚠️ {localize(too_long, 'en')}"
    assert ask(spanish, question="a" * 2001)[3] == f"⚠️ {too_long}"
    assert "demasiado larga" in str(too_long)
    assert give_reasons(english, ["respuesta correcta"], "en").startswith("⚠️ There is no vote to add reasons to")

    # A round: hidden names, the passages panel and the call to vote in English; the answers are data.
    chat_a, _chat_b, passages, status, name_a, name_b = ask(english, "en")
    assert (name_a, name_b) == ("### Model A", "### Model B")
    assert status == "Which answer is better? Vote, or ask another question to carry on the conversation."
    assert "Retrieved context (the same for both models)" in passages
    assert "«Relevant»: the passage" in passages or "no estimate of relevance" in passages
    assert "Contexto recuperado" not in passages and "Piscina cubierta › Horario" in passages
    assert message_text(chat_a[0]) == QUESTION and "piscina abre" in message_text(chat_a[-1])

    # The vote: English status and names (models.yaml's label_en), English reference headings.
    status, name_a, name_b, reference = vote(english, "model_b", "en")
    [battle] = stored(Path(env["RAGARENA_DB"]))
    assert battle["winner"] == "model_b"
    labels = {"extractive": "Extractive", "extractive-lexical": "Extractive (lexical)"}
    status, name_a, name_b = plain(status), plain(name_a), plain(name_b)  # as the page shows them
    assert status == (
        f"✅ Vote recorded (B is better). Model A: **{labels[battle['model_a']]}**, Model B: "
        f"**{labels[battle['model_b']]}**. If you like, tick why below. Press “New round” or ask "
        "another question to start another one."
    )
    assert name_a == f"### Model A: {labels[battle['model_a']]}"
    assert name_b == f"### Model B: {labels[battle['model_b']]}"
    assert reference.startswith("**Reference answer** (conversation `fx-2`, turn 1):")
    assert "De lunes a viernes abre de 7:00 a 22:00." in plain(reference)  # corpus data, as written
    assert vote(english, "model_a", "en")[0] == (
        "⚠️ You have already voted on this battle: only one vote per battle is accepted."
    )

    # Reasons: English labels in the message, Spanish values stored.
    assert give_reasons(english, ["basada en el contexto", "respuesta correcta"], "en") == (
        "✅ Reasons saved: correct answer, grounded in the context."
    )
    assert give_reasons(english, ["incorrectas"], "en").startswith("⚠️ Invalid reason for this vote: “incorrectas”.")
    assert (
        give_reasons(english, [], "en")
        == "✅ Saved without reasons: your vote (B is better) stays, with no explanation."
    )
    assert give_reasons(english, ["respuesta correcta"], "en") == "✅ Reasons saved: correct answer."
    [battle] = stored(Path(env["RAGARENA_DB"]))
    assert battle["reasons"] == ["respuesta correcta"]

    # A new round, in English: names and the empty panel.
    cleared = english.predict("en", api_name="/arena_new_round")
    assert cleared[5] == "### Model A" and "Retrieved context (the same for both models)" in cleared[3]
    assert "No passage retrieved." in cleared[3]

    # The same endpoints with the language left out: Spanish, as before the English option.
    _, _, passages, status, name_a, _ = ask(spanish)
    assert name_a == "### Modelo A" and status.startswith("¿Qué respuesta es mejor? Vota")
    assert "Contexto recuperado (el mismo para los dos modelos)" in passages
    status, name_a, _, reference = tuple(spanish.predict(api_name="/arena_vote_a"))
    assert status.startswith("✅ Voto registrado (A es mejor). Modelo A: **Extractivo")
    assert re.fullmatch(r"### Modelo A: Extractivo( léxico)?", name_a)
    assert reference.startswith("**Respuesta de referencia** (conversación `fx-2`, turno 1):")
    assert give_reasons(spanish, ["respuesta correcta"]) == "✅ Motivos guardados: respuesta correcta."
    status = next(iter(spanish.predict("en", api_name="/arena_vote_tie")))  # the buttons' endpoints take it too
    assert status == "⚠️ You have already voted on this battle: only one vote per battle is accepted."


# --- in a browser ----------------------------------------------------------------------------


def test_the_arena_in_english_in_a_browser_and_a_switch_mid_round(browser, app_launcher, fixture_docs, fixture_qa):
    app = app_launcher({"RAGARENA_DOCS": str(fixture_docs), "RAGARENA_QA": str(fixture_qa)})
    page = browser.new_page(viewport={"width": 1280, "height": 1200})
    page.set_default_timeout(30_000)
    page.goto(app.url + "?lang=en")
    page.get_by_role("tab", name="Arena").click()
    page.wait_for_function("document.querySelector('#arena-send')?.innerText.includes('Send')")
    assert "Model A" in page.locator("#arena-name-a").inner_text()
    assert page.locator("#arena-vote-bothbad").inner_text().strip() == "👎 Both are bad"
    assert "Anonymous" in page.locator("#arena-mode").inner_text()
    assert "Retrieved context (the same for both models)" in page.locator("#arena-passages").inner_text()

    page.locator("#arena-question textarea").fill("¿A qué hora abre la piscina entre semana?")
    page.locator("#arena-send").click()
    page.wait_for_function("!document.querySelector('#arena-vote-a').disabled", timeout=60_000)
    assert "Which answer is better?" in page.locator("#arena-status").inner_text()

    # Switching language mid-round keeps the round (still votable) and re-renders what it shows.
    page.locator("#language").get_by_text("Español").click()
    page.wait_for_function("document.querySelector('#arena-status')?.innerText.includes('¿Qué respuesta es mejor?')")
    page.wait_for_function("document.querySelector('#arena-passages')?.innerText.includes('Contexto recuperado')")
    page.wait_for_function("document.querySelector('#arena-send')?.innerText.includes('Enviar')")
    page.wait_for_timeout(500)  # a reset, if the switch caused one, would have landed by now
    assert not page.locator("#arena-vote-a").is_disabled()
    assert "piscina" in page.locator("#arena-chat-a").inner_text().lower()

    page.locator("#language").get_by_text("English").click()
    page.wait_for_function("document.querySelector('#arena-send')?.innerText.includes('Send')")
    page.locator("#arena-vote-a").click()
    page.wait_for_function("document.querySelector('#arena-status')?.innerText.includes('Vote recorded')")
    assert "Extractive" in page.locator("#arena-name-a").inner_text() + page.locator("#arena-name-b").inner_text()
    page.locator("#arena-reasons-good label", has_text="correct answer").click()
    page.locator("#arena-reasons-save").click()
    page.wait_for_function(
        "document.querySelector('#arena-reasons-status')?.innerText.includes('Reasons saved: correct answer')"
    )

    # After the vote, back to Spanish: revealed names, status, reasons and reference follow.
    page.locator("#language").get_by_text("Español").click()
    page.wait_for_function(
        "document.querySelector('#arena-status')?.innerText.includes('Voto registrado (A es mejor)')"
    )
    page.wait_for_function(
        "document.querySelector('#arena-reasons-status')?.innerText.includes('Motivos guardados: respuesta correcta')"
    )
    assert "Extractivo" in page.locator("#arena-name-a").inner_text() + page.locator("#arena-name-b").inner_text()
    page.locator("#arena-reference").get_by_text("Respuesta de referencia").first.click()
    page.locator("#arena-reference-text").wait_for(state="visible")
    assert "Respuesta de referencia" in page.locator("#arena-reference-text").inner_text()
