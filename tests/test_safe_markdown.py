"""What a chat box may draw (`ragarena.answering.safe_markdown`) and the history the chat endpoint takes from
the messages it is given (`ragarena.answering.conversation`)."""

from __future__ import annotations

import pytest

from ragarena.answering.conversation import example_questions, history_from_messages
from ragarena.answering.safe_markdown import plain, safe
from ragarena.errors import UserError
from ragarena.i18n import localize


def test_images_html_data_uris_and_foreign_links_are_neutralised():
    text = ("Mira ![gato](http://evil.example/x.png?q=secreto) <img src=x onerror=alert(1)> "
            "[pulsa](https://evil.example/a) ![d](data:image/png;base64,AAAA) http://evil.example/b www.evil.example")
    shown = safe(text, hosts=())
    assert "](" not in shown and "<img" not in shown and "data:image" not in shown
    assert "gato" in shown and "pulsa" in shown and "&lt;img src=x onerror=alert(1)&gt;" in shown
    assert "http\\://evil.example/b" in shown and "www\\.evil.example" in shown  # shown, never linked
    assert plain(shown) == ("Mira gato <img src=x onerror=alert(1)> pulsa d http://evil.example/b www.evil.example")


def test_emphasis_code_and_allowed_links_stay():
    text = "**Horario**: de 9 a 14 `<b>`; ver [la web](https://www.biblio.example/horario) o [otra](https://x.example)"
    shown = safe(text, hosts=("biblio.example",))
    assert shown.startswith("**Horario**: de 9 a 14 `<b>`;")
    assert "[la web](https://www.biblio.example/horario)" in shown and "otra" in shown and "x.example" not in shown
    for plain_text in ("a \\. b", "1 < 2 & 3 > 2", "¡Hola! [nota]"):
        assert plain(safe(plain_text, hosts=())) == plain_text


def test_the_link_allow_list_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("RAGARENA_LINK_HOSTS", " biblio.example , ")
    assert safe("[web](https://biblio.example/x)") == "[web](https://biblio.example/x)"
    assert safe("[web](javascript:void(0))") == "\\[web\\](javascript\\:void(0))"  # shown as typed, not a link
    monkeypatch.delenv("RAGARENA_LINK_HOSTS")
    assert safe("[web](https://biblio.example/x)") == "web"


def test_history_comes_from_the_messages_shown_and_a_malformed_one_is_refused():
    messages = [{"role": "user", "content": safe("¿Horario?")},
                {"role": "assistant", "content": [{"type": "text", "text": "De 9 a 14."}]},
                {"role": "user", "content": "¿Y en agosto?"},
                {"role": "assistant", "content": "⚠️ Sin respuesta: el motivo aparece debajo."}]
    # A failed answer keeps its question (a follow-up refers to it) and counts as unanswered.
    assert history_from_messages(messages) == [("¿Horario?", "De 9 a 14."), ("¿Y en agosto?", "")]
    assert history_from_messages([]) == [] and history_from_messages(None) == []
    for bad in ([{"role": "assistant", "content": "x"}, {"role": "user", "content": "y"}],
                [{"role": "user", "content": "x"}],
                [{"role": "user", "content": {"path": "/etc/passwd"}}, {"role": "assistant", "content": "x"}],
                [{"role": "user", "content": "x" * 9000}, {"role": "assistant", "content": "y"}]):
        with pytest.raises(UserError) as caught:
            history_from_messages(bad)
        assert localize(caught.value, "en").startswith("This conversation cannot be used")


def test_example_questions_come_from_the_conversations_the_documents_answer(fixture_qa, fixture_docs, tmp_path,
                                                                           capsys):
    from ragarena.retrieval.corpus import load_pages

    pages = [page.text for page in load_pages(fixture_docs)]
    examples = example_questions(fixture_qa, pages)
    assert examples and all(isinstance(q, str) and q for q in examples)
    assert example_questions(fixture_qa, ["una página que no responde a nada"]) == []
    assert example_questions(tmp_path / "no-existe.jsonl") == []
    assert "sin preguntas de ejemplo" in capsys.readouterr().err

