"""Convert the IIC's public RagQuAS dataset (a copy the user downloaded) into our `data/` format.

RagQuAS rows carry `topic`, `question`, `answer`, `variant`, and up to five sources as
`context_i` (the span that answers), `link_i` (where it comes from) and `text_i` (the source
text). Each distinct source becomes one page; each row one single-turn conversation whose
context is `context_1`, kept only when it is a literal span of its page (our format's rule).
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from ragarena.answering.prompts import NOT_COVERED_ANSWER
from ragarena.core.errors import UserError
from ragarena.core.jsonl import loads, write_json_lines

SOURCES = range(1, 6)


@dataclass
class Conversion:
    pages: dict[str, str] = field(default_factory=dict)  # file name -> Markdown
    conversations: list[dict] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # why rows were left out


def read_rows(path: str | Path) -> list[dict]:
    path = Path(path)
    if not path.is_file():
        raise UserError(f"No existe el archivo «{path}».")
    if path.suffix == ".parquet":
        try:
            import pandas as pd

            frame = pd.read_parquet(path)
        except ImportError:
            raise UserError(
                "Para leer Parquet instala pyarrow (pip install pyarrow) o convierte el archivo a JSONL."
            ) from None
        except Exception as error:  # pyarrow raises several kinds for a damaged file
            raise UserError(f"No se puede leer «{path}» como Parquet: {error}") from None
        return [{k: (None if _missing(v) else v) for k, v in row.items()} for row in frame.to_dict("records")]
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise UserError(
            f"«{path}» no está en UTF-8 (byte {error.start}): guárdalo como UTF-8 o conviértelo "
            "(p. ej. iconv -f latin1 -t utf-8)."
        ) from None
    if text.lstrip().startswith("["):
        try:
            data = loads(text)
        except json.JSONDecodeError as error:
            raise UserError(f"«{path}» no es una lista JSON válida: {error}") from None
        return _objects(path, data, lambda index: f"{path}, elemento {index + 1}")
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                rows.append((number, loads(line)))
            except json.JSONDecodeError as error:
                raise UserError(f"{path}, línea {number}: no es JSON válido ({error.msg}).") from None
    return _objects(path, [row for _number, row in rows], lambda index: f"{path}, línea {rows[index][0]}")


def _objects(path: Path, rows, where) -> list[dict]:
    """`rows` when each is a JSON object, else UserError naming the first that is not."""
    if not isinstance(rows, list):
        raise UserError(f"«{path}»: se esperaba una lista JSON de filas o JSON Lines.")
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            raise UserError(f"{where(index)}: cada fila debe ser un objeto JSON, no {type(row).__name__}.")
    return rows


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def slugify(text: str, limit: int = 60) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:limit].strip("-") or "pagina"


def convert(rows: list[dict], test_share: float = 0.2) -> Conversion:
    result = Conversion()
    page_of_source: dict[str, str] = {}
    for number, row in enumerate(rows, start=1):
        question, answer = str(row.get("question") or "").strip(), str(row.get("answer") or "").strip()
        if not question:
            result.skipped.append(f"fila {number}: sin pregunta")
            continue
        sources = [
            (
                str(row.get(f"text_{i}") or row.get(f"context_{i}") or ""),
                str(row.get(f"context_{i}") or ""),
                str(row.get(f"link_{i}") or ""),
            )
            for i in SOURCES
        ]
        sources = [(text.strip(), context.strip(), link.strip()) for text, context, link in sources if text.strip()]
        for text, _, link in sources:
            key = link or hashlib.sha1(text.encode()).hexdigest()
            if key not in page_of_source:
                name = _unique_name(slugify(link.rstrip("/").rsplit("/", 1)[-1] if link else text[:40]), result.pages)
                title = str(row.get("topic") or name).strip()
                result.pages[name] = f"# {title}\n\n## {link or 'Fuente'}\n\n{text}\n"
                page_of_source[key] = name
        context = ""
        if sources and sources[0][1]:
            page = result.pages[page_of_source[sources[0][2] or hashlib.sha1(sources[0][0].encode()).hexdigest()]]
            if sources[0][1] in page:
                context = sources[0][1]
            else:
                result.skipped.append(f"fila {number}: context_1 no es un fragmento literal de text_1")
                continue
        conversation_id = f"ragquas-{number}"
        result.conversations.append(
            {
                "id": conversation_id,
                "split": "test" if _bucket(conversation_id) < test_share else "train",
                "turns": [
                    {
                        "question": question,
                        "context": context,
                        "answer": answer if context else (answer or NOT_COVERED_ANSWER),
                        "answerable": bool(context),
                    }
                ],
                **({"variant": row["variant"]} if row.get("variant") else {}),
            }
        )
    return result


def _unique_name(slug: str, pages: dict[str, str]) -> str:
    name, n = f"{slug}.md", 2
    while name in pages:
        name, n = f"{slug}-{n}.md", n + 1
    return name


def _bucket(key: str) -> float:
    """A stable pseudo-random number in [0, 1) per id, so the split never changes between runs."""
    return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) / 16**8


def write(conversion: Conversion, out_dir: str | Path) -> tuple[Path, Path]:
    out = Path(out_dir)
    docs, qa = out / "docs", out / "qa"
    docs.mkdir(parents=True, exist_ok=True)
    qa.mkdir(parents=True, exist_ok=True)
    for name, text in conversion.pages.items():
        (docs / name).write_text(text, encoding="utf-8")
    qa_file = qa / "conversations.jsonl"
    write_json_lines(qa_file, conversion.conversations)
    return docs, qa_file
