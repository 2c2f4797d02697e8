"""RAG Arena in a real browser (Debian's Chromium driven by Playwright), as a person uses it:
ask in Chat, play an Arena round and vote, find the vote counted on the Leaderboard.

Screenshots go to docs/screenshots/ (or RAGARENA_SCREENSHOTS_DIR); the README shows them.
CI installs chromium and sets RAGARENA_REQUIRE_BROWSER=1, so a missing browser fails there
instead of skipping.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from conftest import REPO

SHOTS = Path(os.environ.get("RAGARENA_SCREENSHOTS_DIR", REPO / "docs" / "screenshots"))


def visible_text(page, selector: str) -> str:
    return page.locator(selector).first.inner_text()


def last_bot_message(page, chatbot_id: str) -> str:
    messages = page.locator(f"#{chatbot_id} .message.bot:visible, #{chatbot_id} [data-testid='bot']:visible")
    return messages.last.inner_text() if messages.count() else ""


def ask(page, prefix: str, question: str) -> None:
    page.locator(f"#{prefix}-question textarea").fill(question)
    page.locator(f"#{prefix}-send").click()


def test_chat_arena_and_leaderboard_in_a_browser(browser, app_launcher):
    app = app_launcher({"RAGARENA_VOTES_PER_MINUTE": "100"})
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.set_default_timeout(30_000)
    page.goto(app.url)

    # The first screen, as a visitor opens the page: what to ask, examples, the question box.
    page.locator("#chat-chatbot button.example").first.wait_for()
    page.screenshot(path=str(SHOTS / "chat.png"))

    # Chat: the answer streams in and the retrieved passages show page, section and score.
    ask(page, "chat", "¿Cuántos documentos puedo tener prestados a la vez?")
    page.wait_for_function("document.querySelector('#chat-passages')?.innerText.includes('[1]')")
    page.wait_for_function(
        "Array.from(document.querySelectorAll('#chat-chatbot .message.bot, #chat-chatbot [data-testid=\"bot\"]'))"
        ".some(m => m.innerText.trim().length > 10)"
    )
    page.wait_for_function("document.querySelector('#chat-status')?.innerText.includes('Respondida')")  # streamed
    answer = last_bot_message(page, "chat-chatbot")
    assert "15" in answer, answer
    passages = visible_text(page, "#chat-passages")
    assert "Contexto recuperado" in passages and "(relevante ·" in passages

    # Arena: two anonymous answers, vote once both finished, names revealed after the vote.
    page.get_by_role("tab", name="Arena").click()
    ask(page, "arena", "¿Cuánto cuesta imprimir en color?")
    page.wait_for_function("!document.querySelector('#arena-vote-a').disabled", timeout=60_000)
    page.locator("#arena-vote-a").click()
    page.wait_for_function("document.querySelector('#arena-status')?.innerText.includes('Voto registrado')")
    revealed = visible_text(page, "#arena-name-a") + visible_text(page, "#arena-name-b")
    assert re.search(r"Extractivo", revealed), revealed
    page.screenshot(path=str(SHOTS / "arena.png"), full_page=True)

    # Leaderboard: the vote is counted.
    page.get_by_role("tab", name="Clasificación").click()
    page.locator("#leaderboard-refresh").click()
    page.wait_for_function("document.querySelector('#leaderboard-summary')?.innerText.includes('1 voto')")
    # Gradio 6 draws the table's body as rows of cells (role="row"), not as <tbody> rows.
    table = page.locator("#leaderboard-table").inner_text()
    assert "Extractivo" in table and "publicado" in table, table[:500]
    assert "1 voto: pocos" in table, table[:500]  # one vote: no rating shown as if it meant something


def test_phone_width_layout(browser, app_launcher):
    app = app_launcher()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    page.set_default_timeout(30_000)
    page.goto(app.url)
    page.locator("#chat-chatbot button.example").first.wait_for()
    page.screenshot(path=str(SHOTS / "chat-phone.png"))
    ask(page, "chat", "¿Puedo renovar un préstamo por teléfono?")
    page.wait_for_function("document.querySelector('#chat-passages')?.innerText.includes('[1]')")
    # Nothing wider than the phone: no sideways scrolling.
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the page is {overflow}px wider than the phone"
    send_box = page.locator("#chat-send").bounding_box()
    assert send_box and send_box["x"] >= 0 and send_box["x"] + send_box["width"] <= 391


# Words of the Spanish UI that no English label or message contains. Data shown before any question
# (model names, the published scores' provenance) is English or proper names, so none of these may
# appear anywhere on an English page.
SPANISH_UI = re.compile(
    r"\b(Pregunta|Enviar|Modelo|Conversación|Clasificación|Valora|Contexto recuperado|"
    r"Nueva|mejor|Empate|Ambas|Votos?|Actualizar|Fragmentos|Anónimo|"
    r"disponibles?|puntuaci[oó]n|modelos|respuesta)\b",
    re.IGNORECASE,
)


def spanish_left(text: str) -> list[str]:
    return sorted({match.group(0) for match in SPANISH_UI.finditer(text)})


def test_the_switch_turns_every_tab_into_english_and_back(browser, app_launcher):
    app = app_launcher()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.set_default_timeout(30_000)
    page.goto(app.url)
    page.locator("#chat-send").wait_for()
    assert "Enviar" in page.locator("#chat-send").inner_text()

    page.locator("#language").get_by_text("English").click()
    page.wait_for_function("document.querySelector('#chat-send')?.innerText.includes('Send')")
    ask(page, "chat", "¿Cuántos documentos puedo tener prestados a la vez?")
    page.wait_for_function("document.querySelector('#chat-status')?.innerText.includes('Answered')")
    chat = page.locator("#chat-status").inner_text() + page.locator("#chat-passages h4").inner_text()
    assert "Retrieved context" in chat
    page.locator("#chat-rate").get_by_text("Rate the latest answer").click()  # folded under the question
    for elem_id in ("chat-rate-answer", "chat-rate-context", "chat-rate-grounded"):
        page.locator(f"#{elem_id} label", has_text="5").click()
    page.locator("#chat-rate-send").click()
    page.wait_for_function("document.querySelector('#chat-rate-status')?.innerText.includes('Rating saved')")
    page.screenshot(path=str(SHOTS / "chat-en.png"), full_page=True)
    # Everything but the conversation and the passages (data) is English.
    page.evaluate("document.querySelectorAll('#chat-chatbot, #chat-passages details').forEach(e => e.remove())")
    leftovers = {"Chat": spanish_left(page.locator("body").inner_text())}

    for tab in ("Arena", "Leaderboard"):
        page.get_by_role("tab", name=tab).click()
        page.wait_for_timeout(1500)  # the leaderboard draws its tables on selection
        leftovers[tab] = spanish_left(page.locator("body").inner_text())
    assert not any(leftovers.values()), f"Spanish UI text on the English page: {leftovers}"

    page.locator("#language").get_by_text("Español").click()
    page.get_by_role("tab", name="Chat").click()
    page.wait_for_function("document.querySelector('#chat-send')?.innerText.includes('Enviar')")
    page.wait_for_function("document.querySelector('#chat-status')?.innerText.includes('Respondida')")
    page.wait_for_function("document.querySelector('#chat-rate-status')?.innerText.includes('Valoración guardada')")


def seed_votes_and_ratings(data_dir: Path) -> None:
    """A store with a few votes (14 per model) and Chat ratings (4 and 2), as a young Space has."""
    from ragarena.answer_ratings.store import AnswerRatings
    from ragarena.arena.votes import VoteStore

    data_dir.mkdir(parents=True, exist_ok=True)
    store = VoteStore(data_dir / "arena.db")
    battles = []
    for n in range(14):
        a, b = ("extractive", "extractive-lexical") if n % 2 == 0 else ("extractive-lexical", "extractive")
        battles.append(
            {
                "model_a": a,
                "model_b": b,
                "tstamp": 1_764_000_000 + 60 * n,
                "mode": "anonymous",
                "winner": "model_a" if (n % 3 != 0) == (a == "extractive") else "model_b",
                "question": f"pregunta {n}",
                "answer_a": "15 documentos.",
                "answer_b": "15 documentos, 21 días.",
                "session_hash": f"s{n % 5}",
            }
        )
    store.import_battles(battles)
    ratings = AnswerRatings(store)
    for n, (model, marks) in enumerate(
        [
            ("extractive", (5, 4, 5)),
            ("extractive", (4, 4, 5)),
            ("extractive", (5, 5, 4)),
            ("extractive", (4, 3, 5)),
            ("extractive-lexical", (3, 4, 4)),
            ("extractive-lexical", (4, 4, 3)),
        ]
    ):
        answer_id = ratings.record_answer(session_hash=f"r{n}", model=model, question="¿Cuántos libros?", answer="15.")
        ratings.rate(answer_id, f"r{n}", dict(zip(("answer_relevance", "context_relevance", "groundedness"), marks)))
    store.close()


# In the page: how many lines each visible header of the ranked table takes, and whether its text is cut.
HEADER_LINES = """() => [...document.querySelectorAll('#leaderboard-table th')].filter(t => t.offsetParent).map(t => {
  const span = t.querySelector('span.wrap');
  const lines = span.getBoundingClientRect().height / parseFloat(getComputedStyle(span).lineHeight);
  return [span.innerText.trim(), lines, span.scrollWidth - span.clientWidth];
})"""


# The README's leaderboard screenshots show a fresh clone: tests/test_first_screen_browser.py takes them.
@pytest.mark.parametrize("width,height", [(1280, 800), (390, 844)])
def test_the_leaderboard_reads_at_a_glance(browser, app_launcher, tmp_path, width, height):
    seed_votes_and_ratings(tmp_path / "runtime")  # the app's RAGARENA_DATA_DIR (conftest.RunningApp)
    app = app_launcher({"RAGARENA_MIN_RATINGS": "3", "RAGARENA_BOOTSTRAP": "200"})
    SHOTS.mkdir(parents=True, exist_ok=True)
    phone = {"device_scale_factor": 2, "is_mobile": True, "has_touch": True} if width < 500 else {}
    page = browser.new_page(viewport={"width": width, "height": height}, **phone)
    page.set_default_timeout(30_000)
    page.goto(app.url, wait_until="load")
    page.get_by_role("tab", name="Clasificación").click()
    page.wait_for_function("document.querySelector('#leaderboard-summary')?.innerText.includes('14 votos')")
    page.wait_for_timeout(500)  # the table re-renders with the refresh

    # The first row and its model, how often it is right and the other eval figures are in view without scrolling.
    assert page.evaluate("window.scrollX + window.scrollY") == 0
    row = page.locator("#leaderboard-table .virtual-row").first
    cells = [c for c in row.locator(".body-cell").all() if c.is_visible()][:5]
    assert cells[0].inner_text().strip() == "Extractivo"
    for cell in cells:
        box = cell.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width and box["y"] + box["height"] <= height, box
    headers = page.evaluate(HEADER_LINES)
    assert [h[0] for h in headers[:5]] == [
        "Modelo",
        "Aciertos (test)",
        "Palabras",
        "Relleno (%)",
        "Falsas absten\u00adciones (%)",
    ]
    assert all(lines <= 2.2 for _name, lines, _cut in headers), headers  # no header taller than two lines
    assert all(cut <= 2 for _name, _lines, cut in headers), headers  # nor cut off
    text = page.locator("#leaderboard-table").inner_text()
    assert "2 valoraciones: pocas" in text and "4.42 (n = 4)" in text and "eval automática" in text
    # Nothing wider than the page: the table scrolls inside its own box.
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the page is {overflow}px wider than the window"
    if width < 500:  # the buttons sit under the summary, not beside it
        summary, button = (
            page.locator("#leaderboard-summary").bounding_box(),
            page.locator("#leaderboard-refresh").bounding_box(),
        )
        assert button["y"] >= summary["y"] + summary["height"] - 1
