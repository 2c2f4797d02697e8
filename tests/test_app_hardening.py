"""The running app refuses what no component takes (uploads), deletes its temporary files when it
stops, and answers a call without a model with a message."""

from __future__ import annotations

import signal
import urllib.error
import urllib.request
import uuid

from conftest import message_text
from gradio_client import Client


def post_file(url: str, name: str, content: bytes) -> tuple[int, str]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def test_uploads_are_refused_and_temporary_files_are_deleted_at_stop(app_launcher, fixture_docs, tmp_path):
    uploads = tmp_path / "gradio-tmp"
    app = app_launcher(
        {"RAGARENA_DOCS": str(fixture_docs), "GRADIO_TEMP_DIR": str(uploads), "RAGARENA_RETRIEVAL": "bm25"}
    )
    marker = f"subido-{uuid.uuid4().hex}"
    for path in ("gradio_api/upload", "gradio_api/upload?upload_id=abc", "gradio_api//upload/"):
        status, text = post_file(app.url + path, f"{marker}.html", b"<html><script>alert(1)</script></html>")
        assert status == 403, (path, status, text)
        assert "no acepta archivos" in text
    assert not [p for p in uploads.rglob("*") if marker in p.name]
    # The app still works.
    client = Client(app.url, verbose=False)
    _, chat, _, _ = client.predict("¿Es obligatorio el gorro?", [], "extractive", api_name="/chat")
    assert chat
    # Files Gradio writes for the app while it runs (here the English CSV of the leaderboard) are
    # deleted when it stops: a SIGTERM, as a Space sends, closes it like Ctrl+C.
    before = {p for p in uploads.rglob("*") if p.is_file()}
    client.predict("en", api_name="/leaderboard_refresh")
    made = {p for p in uploads.rglob("*") if p.is_file()} - before
    assert made
    client.close()  # an open client connection would hold the server's graceful shutdown
    app.stop(signal.SIGTERM)
    assert app.process.returncode == 0  # closed, not killed after the wait
    assert not [p for p in made if p.exists()], app.log_path.read_text()


def test_chat_without_a_model_gets_a_message(app_launcher, fixture_docs):
    app = app_launcher({"RAGARENA_DOCS": str(fixture_docs), "RAGARENA_RETRIEVAL": "bm25"})
    client = Client(app.url, verbose=False)
    _, chat, _, status = client.predict("¿A qué hora abre la piscina?", [], None, api_name="/chat")
    assert "Elige un modelo" in status
    _, chat, _, status = client.predict("¿A qué hora abre la piscina?", [], "extractive", api_name="/chat")
    assert "7:00" in message_text(chat[-1])
