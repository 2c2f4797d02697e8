"""Checks that a documentation folder and a conversations file follow the `data/` format.

Every problem names its file and line, so a writer can fix the data by hand.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ragarena.core.jsonl import loads
from ragarena.retrieval.corpus import page_files

SPLITS = ("train", "test")


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}" if self.line else f"{self.file}: {self.message}"


@dataclass
class Report:
    problems: list[Problem]
    warnings: list[Problem] = field(default_factory=list)  # worth a look, not format errors
    pages: int = 0
    words: int = 0
    conversations: int = 0
    turns: int = 0
    unanswerable: int = 0
    splits: Counter | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def validate(
    docs_dir: str | Path,
    qa_path: str | Path,
    expected_splits: dict[str, int] | None = None,
    turns_per_conversation: int | None = None,
) -> Report:
    report = Report(problems=[], splits=Counter())
    pages = _check_docs(Path(docs_dir), report)
    _check_conversations(Path(qa_path), pages, report, turns_per_conversation)
    for split, expected in (expected_splits or {}).items():
        if report.splits[split] != expected:
            report.problems.append(
                Problem(
                    str(qa_path),
                    None,
                    f"el split «{split}» tiene {report.splits[split]} conversaciones; se esperaban {expected}",
                )
            )
    return report


def _check_docs(folder: Path, report: Report) -> dict[str, str]:
    if not folder.is_dir():
        report.problems.append(Problem(str(folder), None, "no existe la carpeta de documentación"))
        return {}
    pages = {}
    for path in page_files(folder):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            report.problems.append(Problem(str(path), None, f"no se puede leer: {error}"))
            continue
        first = next((line for line in text.splitlines() if line.strip()), "")
        if not first.startswith("# "):
            report.problems.append(Problem(str(path), 1, "la página debe empezar por «# Título»"))
        if "\n## " not in "\n" + text:
            report.problems.append(Problem(str(path), None, "la página no tiene secciones «## »"))
        pages[path.name] = text
        report.words += len(text.split())
    report.pages = len(pages)
    if not pages:
        report.problems.append(Problem(str(folder), None, "no hay páginas *.md"))
    return pages


def _check_conversations(path: Path, pages: dict[str, str], report: Report, turns_per_conversation: int | None) -> None:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        report.problems.append(Problem(str(path), None, f"no se puede leer: {error}"))
        return
    seen: dict[str, int] = {}
    used_pages: dict[str, set[str]] = {split: set() for split in SPLITS}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue

        def problem(message: str, number: int = number) -> None:  # this line's number, bound now
            report.problems.append(Problem(str(path), number, message))

        try:
            record = loads(line)
        except json.JSONDecodeError as error:
            problem(f"JSON no válido ({error.msg})")
            continue
        if not isinstance(record, dict):
            problem("cada línea debe ser un objeto JSON")
            continue
        conversation_id, split, turns = record.get("id"), record.get("split"), record.get("turns")
        if not isinstance(conversation_id, str) or not conversation_id:
            problem("falta «id» (texto)")
        elif conversation_id in seen:
            problem(f"id «{conversation_id}» repetido (ya en la línea {seen[conversation_id]})")
        else:
            seen[conversation_id] = number
        if split not in SPLITS:
            problem(f"«split» debe ser train o test, no {split!r}")
        if not isinstance(turns, list) or not turns:
            problem("«turns» debe ser una lista no vacía")
            continue
        if turns_per_conversation and len(turns) != turns_per_conversation:
            problem(f"tiene {len(turns)} turnos; se esperaban {turns_per_conversation}")
        report.conversations += 1
        report.splits[split] += 1
        for index, turn in enumerate(turns, start=1):
            where = f"turno {index}: "
            if not isinstance(turn, dict):
                problem(where + "debe ser un objeto")
                continue
            for key, kind in (("question", str), ("context", str), ("answer", str), ("answerable", bool)):
                if not isinstance(turn.get(key), kind):
                    problem(where + f"«{key}» falta o no es {'texto' if kind is str else 'true/false'}")
            if not all(isinstance(turn.get(k), str) for k in ("question", "context", "answer")):
                continue
            report.turns += 1
            if not turn["question"].strip() or not turn["answer"].strip():
                problem(where + "pregunta o respuesta vacía")
            answerable = turn.get("answerable")
            context = turn["context"]
            if answerable is False:
                report.unanswerable += 1
                if context:
                    problem(where + "una pregunta sin respuesta («answerable»: false) debe tener el contexto vacío")
            elif answerable is True:
                if not context.strip():
                    problem(where + "una pregunta con respuesta debe tener contexto")
                    continue
                sources = [name for name, text in pages.items() if context in text]
                if not sources:
                    problem(where + f"el contexto no es un fragmento literal de ninguna página: «{context[:60]}…»")
                elif split in used_pages:
                    used_pages[split].add(sources[0])
    if report.conversations and pages:
        for split in SPLITS:
            if report.splits[split]:
                unused = sorted(set(pages) - used_pages[split])
                if unused:
                    report.warnings.append(
                        Problem(str(path), None, f"páginas sin ninguna respuesta en {split}: {', '.join(unused)}")
                    )
