"""Arena, second round, in a real browser (Debian's Chromium, Playwright): after a vote the
reasons panel (the right tick boxes for the vote) and the folded reference answer appear,
reasons are saved, a new question hides both, and the leaderboard lists the reasons.

Skipped without Playwright or Chromium unless RAGARENA_REQUIRE_BROWSER is set (as in
tests/test_browser.py).
"""

from __future__ import annotations

import pytest


@pytest.fixture
def page(browser):
    page = browser.new_page(viewport={"width": 1280, "height": 1200})
    page.set_default_timeout(30_000)
    return page


def shown(page, selector: str) -> bool:
    return page.locator(selector).count() > 0 and page.locator(selector).first.is_visible()


def play(page, question: str, button: str) -> None:
    page.locator("#arena-question textarea").fill(question)
    page.locator("#arena-send").click()
    page.wait_for_function("!document.querySelector('#arena-vote-a').disabled", timeout=60_000)
    page.locator(f"#arena-vote-{button}").click()
    page.wait_for_function("document.querySelector('#arena-status')?.innerText.includes('Voto registrado')")
    page.locator("#arena-reasons").wait_for(state="visible")


def test_reasons_and_reference_after_a_vote(page, app_launcher, fixture_docs, fixture_qa):
    app = app_launcher({"RAGARENA_DOCS": str(fixture_docs), "RAGARENA_QA": str(fixture_qa)})
    page.goto(app.url)
    page.get_by_role("tab", name="Arena").click()
    assert not shown(page, "#arena-reasons") and not shown(page, "#arena-reference")

    play(page, "¿A qué hora abre la piscina entre semana?", "a")
    assert shown(page, "#arena-reasons-good") and not shown(page, "#arena-reasons-bad")
    assert shown(page, "#arena-reference") and not shown(page, "#arena-reference-text")  # folded
    page.locator("#arena-reasons-good label", has_text="respuesta correcta").click()
    page.locator("#arena-reasons-save").click()
    page.wait_for_function(
        "document.querySelector('#arena-reasons-status')?.innerText.includes('Motivos guardados: respuesta correcta')"
    )
    page.locator("#arena-reference").get_by_text("Respuesta de referencia").first.click()
    page.locator("#arena-reference-text").wait_for(state="visible")
    assert "De lunes a viernes abre de 7:00 a 22:00." in page.locator("#arena-reference-text").inner_text()

    # A new question: the panels go; "both bad" then offers what was wrong, with no old ticks.
    page.locator("#arena-question textarea").fill("¿Es obligatorio el gorro?")
    page.locator("#arena-send").click()
    page.locator("#arena-reasons").wait_for(state="hidden")
    assert not shown(page, "#arena-reference")
    page.wait_for_function("!document.querySelector('#arena-vote-a').disabled", timeout=60_000)
    page.locator("#arena-vote-bothbad").click()
    page.locator("#arena-reasons-bad").wait_for(state="visible")
    assert not shown(page, "#arena-reasons-good") and not shown(page, "#arena-reference")
    page.locator("#arena-reasons-bad label", has_text="con relleno").click()
    page.locator("#arena-reasons-save").click()
    page.wait_for_function(
        "document.querySelector('#arena-reasons-status')?.innerText.includes('Motivos guardados: con relleno')"
    )

    page.get_by_role("tab", name="Clasificación").click()
    page.locator("#leaderboard-refresh").click()
    page.locator("#leaderboard-reasons-box").get_by_text("Por qué votaron así").first.click()
    page.wait_for_function("document.querySelector('#leaderboard-reasons')?.innerText.includes('con relleno')")
    text = page.locator("#leaderboard-reasons").inner_text()
    assert "respuesta correcta" in text and "Concisión (sin relleno)" in text
    # The style-controlled ratings and their ranks are in the detail view, one click away.
    page.locator("#leaderboard-detail-box").get_by_text("Detalle y procedencia").first.click()
    page.wait_for_function(
        "document.querySelector('#leaderboard-detail thead')?.innerText.includes('Control de estilo')"
    )
    headers = page.locator("#leaderboard-detail thead").inner_text()
    assert "Control de estilo: desde" in headers and "Rango (control de estilo)" in headers
