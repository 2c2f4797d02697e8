"""Create or update the Hugging Face Space that serves RAG Arena, with `huggingface_hub`.

Only what the app needs is uploaded; secrets go to the Space's secret store, read from the
local environment, and their values are never printed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from huggingface_hub.utils import filter_repo_objects

from ragarena import settings
from ragarena.core.errors import UserError

ALLOW_PATTERNS = [
    "README.md",
    "app.py",
    "models.yaml",
    "requirements.txt",
    "LICENSE",
    "ragarena/*.py",
    "data/docs/*.md",
    "data/qa/*.jsonl",
    "data/scores/*",
    "data/README.md",
    "data/vectors/*.npz",
    "data/selector/*.json",
    "docs/screenshots/*.png",
]
IGNORE_PATTERNS = ["**/__pycache__/**", "**/*.pyc", ".venv*/**", "runtime/**", "tests/**", "bench/**", "train/**"]
# Environment variables the app reads as secrets, beside the key/URL variables named in models.yaml.
SECRET_NAMES = [
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_MODEL",
    "FINETUNED_URL",
    "FINETUNED_MODEL",
    "FINETUNED_ENGINE",
    "FINETUNED_API_KEY",
    "TGI_URL",
    "HF_TOKEN",
    "RAGARENA_VOTES_REPO",
]


@dataclass(frozen=True)
class Plan:
    space: str
    private: bool
    files: list[str]
    secrets: list[str]  # names only


def space_files(root: Path = settings.REPO_ROOT) -> list[str]:
    """The files `upload_folder` will send, by the same pattern rules it applies."""
    every = []
    for folder, subfolders, files in os.walk(root):
        # Skip virtual environments, git and runtime data without reading them: they are large.
        subfolders[:] = [d for d in subfolders if not d.startswith(".") and d not in ("runtime", "__pycache__")]
        every += [str((Path(folder) / name).relative_to(root)) for name in files]
    return sorted(filter_repo_objects(every, allow_patterns=ALLOW_PATTERNS, ignore_patterns=IGNORE_PATTERNS))


def secret_names(models_file: Path | None = None) -> list[str]:
    """The secret variables set in this environment (names only)."""
    import yaml

    names = list(SECRET_NAMES)
    try:
        models = yaml.safe_load(Path(models_file or settings.REPO_ROOT / "models.yaml").read_text(encoding="utf-8"))
        for entry in models.get("models", []):
            names += [value for key, value in entry.items() if key.endswith("_env") and isinstance(value, str)]
    except (OSError, AttributeError, yaml.YAMLError):
        pass
    return [name for name in dict.fromkeys(names) if os.environ.get(name)]


def plan(space: str, private: bool = False) -> Plan:
    if space.count("/") != 1 or not all(space.split("/")):
        raise UserError(f"--space debe tener la forma PROPIETARIO/NOMBRE, no «{space}».")
    files = space_files()
    for required in ("app.py", "requirements.txt", "README.md"):
        if required not in files:
            raise UserError(f"Falta «{required}»: el Space no arrancaría.")
    return Plan(space, private, files, secret_names())


def publish(p: Plan, token: str | None = None) -> str:
    from huggingface_hub import HfApi, get_token

    token = token or os.environ.get("HF_TOKEN") or get_token()
    if not token:
        raise UserError(
            "No hay token de Hugging Face: define HF_TOKEN o ejecuta «hf auth login» (permiso de escritura)."
        )
    api = HfApi(token=token)
    try:
        url = api.create_repo(p.space, repo_type="space", space_sdk="gradio", private=p.private, exist_ok=True)
        api.upload_folder(
            repo_id=p.space,
            repo_type="space",
            folder_path=str(settings.REPO_ROOT),
            allow_patterns=ALLOW_PATTERNS,
            ignore_patterns=IGNORE_PATTERNS,
            commit_message="Publica RAG Arena",
        )
        for name in p.secrets:
            api.add_space_secret(p.space, name, os.environ[name])
    except Exception as error:  # the hub client raises many HTTP error types; none must leak a token
        message = str(error).replace(token, "***")
        raise UserError(f"No se pudo publicar en «{p.space}»: {message}") from None
    return str(url)
