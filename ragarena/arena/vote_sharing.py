"""Votes shared with the Hugging Face Hub as they are cast (optional).

With ``RAGARENA_VOTES_REPO`` and ``HF_TOKEN`` set, every vote is also appended as a JSON line
(the export format of `ragarena.core.battles`) to a folder that a `huggingface_hub.CommitScheduler`
pushes to that dataset repository every ``RAGARENA_VOTES_EVERY`` minutes. The local store stays the
record: sharing never blocks or loses a vote, and the token never appears in a message.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ragarena import settings
from ragarena.core.jsonl import write_json_lines


class VoteSharer:
    """Appends each vote (export format, one JSON line) to a folder a CommitScheduler pushes to the Hub."""

    def __init__(self, scheduler: Any, folder: Path):
        self.scheduler = scheduler
        self.folder = Path(folder)
        # One file per process, as the huggingface_hub guide advises: replicas never write the same file.
        self.file = self.folder / f"votes-{uuid.uuid4().hex}.jsonl"

    def share(self, battle: dict) -> None:
        try:
            with self.scheduler.lock:  # the scheduler reads the folder under this lock
                write_json_lines(self.file, [battle], append=True, default=str)
        except Exception as error:  # sharing must never lose or block the local vote
            print(f"Aviso: no se pudo preparar el voto para el Hub ({type(error).__name__}).", file=sys.stderr)


def sharer_from_env(data_dir: Path, scheduler_factory: Callable[..., Any] | None = None) -> VoteSharer | None:
    """A `VoteSharer` when RAGARENA_VOTES_REPO and HF_TOKEN are set, else None.

    The scheduler pushes `data_dir/votes_hub` to the dataset repository every
    RAGARENA_VOTES_EVERY minutes (default 5). If it cannot start (no network, bad token), votes are
    kept locally only and a warning that never includes the token is printed.
    """
    repo, token = settings.raw("RAGARENA_VOTES_REPO"), settings.raw("HF_TOKEN")
    if not repo or not token:
        return None
    every = settings.votes_every()
    folder = Path(data_dir) / "votes_hub"
    if scheduler_factory is None:
        from huggingface_hub import CommitScheduler as scheduler_factory
    try:
        folder.mkdir(parents=True, exist_ok=True)
        scheduler = scheduler_factory(
            repo_id=repo, repo_type="dataset", folder_path=folder, token=token, every=every, path_in_repo="votes"
        )
    except Exception as error:
        message = str(error).replace(token, "***")[:300]
        print(
            f"Aviso: los votos no se compartirán en {repo} ({type(error).__name__}: {message}); "
            "se guardan solo en local.",
            file=sys.stderr,
        )
        return None
    return VoteSharer(scheduler, folder)
