"""What a visitor meets on a fresh clone, in Chromium at 1280x800 and 390x844, in Spanish and English:
the inputs of every tab in the first screen, the leaderboard saying how often each offline model is
right, and no WCAG 2 A/AA violation that axe-core finds on any tab.

axe-core comes from its npm package, pinned (`AXE_VERSION`): ``.ci/run`` installs it with
``npm install --prefix .ci/axe axe-core@4.14.1``, which gives `AXE_JS`; ``RAGARENA_AXE_JS`` points
elsewhere. Without it the axe checks skip, unless RAGARENA_REQUIRE_BROWSER=1 (CI), where they fail.
The leaderboard screenshots of the README are taken here, from the fresh clone's store (no votes).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import REPO
from test_browser import SHOTS

AXE_VERSION = "4.14.1"
AXE_JS = Path(os.environ.get("RAGARENA_AXE_JS") or REPO / ".ci" / "axe" / "node_modules" / "axe-core" / "axe.min.js")
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
RUN_AXE = """async (tags) => { const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return result.violations.map(v => ({id: v.id, help: v.help,
    nodes: v.nodes.map(n => n.target.join(' ') + ': ' + (n.failureSummary || '').replace(/\\s+/g, ' '))})); }"""
SIZES = {
    "desktop": dict(viewport={"width": 1280, "height": 800}),
    "phone": dict(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True),
}
TABS = {"es": ("Chat", "Arena", "Clasificación"), "en": ("Chat", "Arena", "Leaderboard")}
SHOT = {"desktop": "leaderboard.png", "phone": "leaderboard-phone.png"}


def axe_path() -> Path:
    if not AXE_JS.exists():
        message = (
            f"no axe-core at {AXE_JS}: run `npm install --prefix .ci/axe axe-core@{AXE_VERSION}` or set RAGARENA_AXE_JS"
        )
        if os.environ.get("RAGARENA_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    return AXE_JS


def violations(page) -> list[dict]:
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(axe_path()))
    return page.evaluate(RUN_AXE, WCAG_TAGS)


def in_first_screen(page, selector: str, height: int, width: int) -> dict:
    """The element's box, asserted to lie wholly inside the first screen (no scrolling)."""
    box = page.locator(selector).first.bounding_box()
    assert box, f"{selector} is not shown"
    assert (
        box["x"] >= 0 and box["x"] + box["width"] <= width and box["y"] >= 0 and box["y"] + box["height"] <= height
    ), f"{selector} at {box}, outside the first {width}x{height} screen"
    return {key: round(value) for key, value in box.items()}


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(800)  # a tab draws its components when first shown


@pytest.mark.parametrize("size", SIZES)
def test_a_fresh_clone_reads_at_a_glance_and_axe_finds_nothing(browser, app_launcher, size):
    shipped = [
        json.loads(line)
        for line in (REPO / "data" / "scores" / "measured.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    shipped = [r for r in shipped if r["kind"] == "automatic"]
    app = app_launcher()
    SHOTS.mkdir(parents=True, exist_ok=True)
    viewport = SIZES[size]["viewport"]
    width, height = viewport["width"], viewport["height"]
    page = browser.new_page(**SIZES[size])
    page.set_default_timeout(30_000)
    page.goto(app.url, wait_until="load")
    page.locator("button[role=tab]").first.wait_for()
    page.locator("#chat-chatbot button.example").first.wait_for()
    assert page.evaluate("document.documentElement.lang") == "es"
    found, boxes = {}, {}

    # Chat and Arena: the question box and the button that sends it, without scrolling.
    boxes["chat"] = [in_first_screen(page, s, height, width) for s in ("#chat-question textarea", "#chat-send")]
    found[("es", "Chat")] = violations(page)
    open_tab(page, "Arena")
    boxes["arena"] = [in_first_screen(page, s, height, width) for s in ("#arena-question textarea", "#arena-send")]
    chats = page.locator("#arena-chat-a").bounding_box()
    assert chats["y"] >= boxes["arena"][1]["y"], "the empty answer panels come before the question"
    found[("es", "Arena")] = violations(page)

    # Leaderboard: every offline model's row with how often it is right, in the first screen, best first.
    open_tab(page, "Clasificación")
    page.locator("#leaderboard-table .virtual-row").first.wait_for()
    by_rate = sorted(shipped, key=lambda r: r["correct_rate"], reverse=True)
    rows = page.locator("#leaderboard-table .virtual-row")
    for position, record in enumerate(by_rate):
        cells = [c for c in rows.nth(position).locator(".body-cell").all() if c.is_visible()]
        assert cells[0].inner_text().strip() == record["label"]
        shown = cells[1].inner_text().strip().replace("\u00a0", " ")
        assert shown.endswith(f"{100 * record['correct_rate']:.0f} % (n = {record['n_answerable']})"), shown
        for cell in cells[:2]:
            box = cell.bounding_box()
            assert box["y"] + box["height"] <= height and box["x"] + box["width"] <= width, (record["model"], box)
    headline = page.locator("#leaderboard-headline").inner_text()
    assert f"{by_rate[0]['label']} acierta más a menudo" in headline and "10 votos más" in headline
    assert (
        page.locator("#leaderboard-headline").bounding_box()["y"]
        < page.locator("#leaderboard-table").bounding_box()["y"]
    )
    page.screenshot(path=str(SHOTS / SHOT[size]))
    found[("es", "Clasificación")] = violations(page)
    # Scrolled sideways, the model column stays in view.
    page.evaluate("document.querySelector('#leaderboard-table .virtual-table-viewport').scrollLeft = 10000")
    page.wait_for_timeout(300)
    first = next(c for c in rows.first.locator(".body-cell").all() if c.is_visible())
    assert first.inner_text().strip() == by_rate[0]["label"] and first.bounding_box()["x"] >= 0

    # English, through the switch: the page says so to screen readers, and axe again on every tab.
    page.locator("#language").get_by_text("English").click()
    page.wait_for_function("document.documentElement.lang === 'en'")
    for tab in TABS["en"]:
        open_tab(page, tab)
        if tab == "Leaderboard":
            page.wait_for_function("document.querySelector('#leaderboard-headline')?.innerText.includes('Today')")
        found[("en", tab)] = violations(page)

    # Gradio's English screen-reader labels of the conversation are in the page's language.
    open_tab(page, "Chat")
    page.locator("#chat-question textarea").fill("¿Cuántos documentos puedo tener prestados a la vez?")
    page.locator("#chat-send").click()
    page.wait_for_function("document.querySelector('#chat-status')?.innerText.includes('Answered')")
    labels = page.evaluate("[...document.querySelectorAll('#chat-chatbot [aria-label]')].map(e => e.ariaLabel)")
    assert any(label.startswith("Your message: ¿Cuántos") for label in labels), labels
    assert not any("'s message:" in label for label in labels), labels
    page.locator("#language").get_by_text("Español").click()
    page.wait_for_function("document.documentElement.lang === 'es'")
    labels = page.evaluate("[...document.querySelectorAll('#chat-chatbot [aria-label]')].map(e => e.ariaLabel)")
    assert any(label.startswith("Tu mensaje: ¿Cuántos") for label in labels), labels
    found[("es", "Chat with an answer")] = violations(page)

    print(f"\n{size} {width}x{height} first-screen boxes: {json.dumps(boxes)}")
    print(
        f"{size} axe-core {AXE_VERSION} violations: "
        + ", ".join(f"{lang}/{tab}: {len(v)}" for (lang, tab), v in found.items())
    )
    assert not any(found.values()), "axe-core found WCAG 2 A/AA violations:\n" + "\n".join(
        f"{lang} {tab}: {v['id']} ({v['help']}): {node}"
        for (lang, tab), items in found.items()
        for v in items
        for node in v["nodes"]
    )
