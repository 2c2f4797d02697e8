"""The one rendering path in Chromium: a few hundred generated hostile texts as a model's answers and a
visitor's questions in the Chat, as both answers and the revealed model names in the Arena, and as
stored model names on the leaderboard; the page must not request anything outside its own origin.

The "attacker" is a fake server on another loopback port; every request the page makes is logged
(``page.on("request")``) and the count of those leaving the app's origin is printed (it must be 0).
The payloads come from the pieces of the property test (tests/test_render_safety.py), combined with a
fixed seed, plus the issue's three payloads and hostile names literally.
"""

from __future__ import annotations

import itertools
import json
import random
import sqlite3
from urllib.parse import urlsplit

from fake_servers import FakeOpenAI, listed, ok
from test_chat_browser import BOT, USER, open_page, wait_answered
from test_leaderboard import battles_between
from test_render_safety import ISSUE_PAYLOADS, PIECES

from ragarena.arena.votes import VoteStore
from ragarena.core.question_check import question_problem

PAYLOADS, PER_ANSWER, QUESTIONS = 300, 50, 6
ATTACKER_PLACEHOLDER = "127.0.0.1:9"
HOSTILE_NAMES = ["<img src=http://{host}/lb.png>", 'x"><img src=http://{host}/lb2.png>', "![m](http://{host}/lb3.png)"]
# What must never appear on the page: an element pointing at the attacker, or a frame or plugin of any kind.
LOADERS = "[src*='{host}'], [*|href*='{host}'], [poster*='{host}'], iframe, object, embed"


def generated(host: str, count: int = PAYLOADS, seed: int = 27) -> list[str]:
    rng = random.Random(seed)
    texts = list(ISSUE_PAYLOADS)
    while len(texts) < count:
        texts.append("".join(rng.choice(PIECES) for _piece in range(rng.randint(2, 12))))
    return [text.replace(ATTACKER_PLACEHOLDER, host) for text in texts]


def _models_yaml(path, host: str) -> None:
    # Two models on the fake server, both with hostile labels: the Arena reveals them after the vote.
    labels = [f"A <img src=http://{host}/name-a.png>", f"B ![b](http://{host}/name-b.png)"]
    lines = ["models:"] + [
        f"  - {{id: gpt-{side}, label: {json.dumps(label)}, kind: openai, model: m, "
        "api_key_env: FAKE_KEY, base_url_env: FAKE_URL}"
        for side, label in zip("ab", labels)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _import_hostile_board(db, host: str, extra_names: list[str]) -> list[str]:
    """Battles between models named like the issue's imported rows, enough votes for the summary to name them."""
    names = [name.format(host=host) for name in HOSTILE_NAMES] + extra_names
    # `import-votes` refuses such names, so they go in under placeholders and are then renamed in the
    # database itself, as a hand-edited or older store would hold them: reading the store keeps any text.
    placeholders = [f"modelo-{index}" for index in range(len(names))]
    battles = []
    for index, (a, b) in enumerate(itertools.pairwise(placeholders)):
        battles += battles_between(a, b, 12, 3, 1, start=1_700_000_000.0 + 100 * index)
    VoteStore(db).import_battles(battles)
    with sqlite3.connect(db) as conn:
        for placeholder, name in zip(placeholders, names):
            for column in ("model_a", "model_b"):
                conn.execute(f"UPDATE battles SET {column} = ? WHERE {column} = ?", (name, placeholder))
    return names


def test_generated_payloads_load_nothing_in_chat_arena_and_leaderboard(browser, app_launcher, tmp_path):
    with FakeOpenAI(models=[listed("m")]) as model, FakeOpenAI() as attacker:
        host = urlsplit(attacker.base_url).netloc
        payloads = generated(host)
        models = tmp_path / "models.yaml"
        _models_yaml(models, host)
        (tmp_path / "runtime").mkdir()
        names = _import_hostile_board(tmp_path / "runtime" / "arena.db", host, payloads[3:13])
        app = app_launcher(
            {
                "RAGARENA_MODELS": str(models),
                "FAKE_KEY": "sk-prueba",
                "FAKE_URL": model.base_url,
                "RAGARENA_RETRIEVAL": "bm25",
                "RAGARENA_MIN_VOTES": "5",
            }
        )
        origin = app.url.rstrip("/")
        page = open_page(browser, app)
        requested: list[str] = []
        page.on("request", lambda request: requested.append(request.url))

        # Chat: the answers carry the payloads in batches, the questions those a visitor may send.
        loaders = LOADERS.format(host=host)
        askable = [p for p in payloads if not question_problem(p) and len(p) < 300]
        for turn in range(QUESTIONS):
            model.default = ok("\n\n".join(payloads[turn * PER_ANSWER : (turn + 1) * PER_ANSWER]))
            question = " ".join(askable[turn::QUESTIONS][:5]) or "¿Horario?"
            page.locator("#chat-question textarea").fill(question)
            page.locator("#chat-send").click()
            wait_answered(page, 1)
            page.wait_for_timeout(300)
            assert page.locator(f"{BOT} *").count() > 0  # the batch is drawn…
            drawn = ", ".join(f"{side} :is({loaders}, img, a[href], video, audio, source)" for side in (BOT, USER))
            assert page.locator(drawn).count() == 0  # …inert: no image, media or link at all in the messages
            page.locator("#chat-clear").click()  # each batch in a fresh conversation (no history limits)
            page.wait_for_function(f"document.querySelectorAll({json.dumps(BOT)}).length === 0")
        assert len(model.chat_requests()) == QUESTIONS

        # Arena: both answers hostile (both models are on the fake server), then the hostile names revealed.
        model.default = ok("\n\n".join(payloads[:100]))
        page.get_by_role("tab", name="Arena").click()
        page.locator("#arena-question textarea").fill("¿Cuánto cuesta imprimir en color?")
        page.locator("#arena-send").click()
        page.wait_for_function("!document.querySelector('#arena-vote-a').disabled", timeout=60_000)
        page.locator("#arena-vote-a").click()
        page.wait_for_function("document.querySelector('#arena-status')?.innerText.includes('Voto registrado')")
        assert "name-a.png" in page.locator("#arena-name-a").inner_text() + page.locator("#arena-name-b").inner_text()

        # Leaderboard: the imported hostile names in the table, the summary, the figures and the provenance.
        page.get_by_role("tab", name="Clasificación").click()
        page.locator("#leaderboard-refresh").click()
        page.wait_for_function("document.querySelector('#leaderboard-summary')?.innerText.includes('va por delante')")
        page.locator("#leaderboard-detail-box").get_by_text("Detalle y procedencia").first.click()
        page.locator("#leaderboard-method-box").get_by_text("Cómo se calcula").first.click()
        summary = page.locator("#leaderboard-summary").inner_text()
        assert any(name in summary for name in names[:3]), summary  # the name shown as typed
        page.wait_for_timeout(1500)  # images and frames would have been requested by now

        found = page.locator(loaders)
        assert found.count() == 0, [
            found.nth(i).evaluate("e => e.outerHTML.slice(0, 300) + ' IN ' + (e.closest('[id]')?.id || '')")
            for i in range(found.count())
        ]
        leaving = [url for url in requested if not url.startswith(origin)]
        print(
            f"\nrender browser: {len(payloads)} generated payloads ({len(askable)} askable as questions, "
            f"{len(names)} hostile model names imported); {len(requested)} requests logged, "
            f"{len(leaving)} outside the page's origin, {len(attacker.requests)} reached the attacker"
        )
        assert leaving == [], leaving[:10]
        assert attacker.requests == []
