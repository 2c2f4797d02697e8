"""The running app refuses what no component takes (uploads) and answers a call without a model
with a message."""

from __future__ import annotations

import urllib.error
import urllib.request
import uuid

from gradio_client import Client


def post_file(url: str, name: str, content: bytes) -> tuple[int, str]:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def test_uploads_are_refused_and_nothing_is_stored(app_launcher, fixture_docs, tmp_path):
    uploads = tmp_path / "gradio-tmp"
    app = app_launcher({"RAGARENA_DOCS": str(fixture_docs), "GRADIO_TEMP_DIR": str(uploads),
                        "RAGARENA_RETRIEVAL": "bm25"})
    marker = f"subido-{uuid.uuid4().hex}"
    for path in ("gradio_api/upload", "gradio_api/upload?upload_id=abc", "gradio_api//upload/"):
        status, text = post_file(app.url + path, f"{marker}.html", b"<html><script>alert(1)</script></html>")
        assert status == 403, (path, status, text)
        assert "no acepta archivos" in text
    assert not [p for p in uploads.rglob("*") if marker in p.name]
    # The app still works.
    _, chat, _, _ = Client(app.url, verbose=False).predict("¿Es obligatorio el gorro?", [], "extractive",
                                                            api_name="/chat")
    assert chat


def test_chat_without_a_model_gets_a_message(app_launcher, fixture_docs):
    app = app_launcher({"RAGARENA_DOCS": str(fixture_docs), "RAGARENA_RETRIEVAL": "bm25"})
    client = Client(app.url, verbose=False)
    _, chat, _, status = client.predict("¿A qué hora abre la piscina?", [], None, api_name="/chat")
    assert "Elige un modelo" in status
    _, chat, _, status = client.predict("¿A qué hora abre la piscina?", [], "extractive", api_name="/chat")
    assert "7:00" in str(chat[-1])
