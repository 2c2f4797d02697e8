"""The documentation and the question-answer conversations, as the `data/` format defines them.

- `data/docs/*.md`: one page per file, `# Title` first, `##` sections.
- `data/qa/conversations.jsonl`: one conversation per line,
  `{"id", "split", "turns": [{"question", "context", "answer", "answerable"}]}`.

Pages are split into passages along sections and paragraphs; each passage keeps its
page title and section so the UI can say where an answer came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ragarena.core.errors import UserError
from ragarena.core.jsonl import loads
from ragarena.core.passages import Passage

# Passages grow paragraph by paragraph up to this many words: long enough to hold a
# complete answer with its conditions, short enough that the context shown stays readable
# (150 scored best on the train split among 60-200: most sections become one passage).
PASSAGE_MAX_WORDS = 150


@dataclass(frozen=True)
class Page:
    slug: str  # file name without `.md`
    title: str
    text: str  # the whole file, as written
    path: str = ""


@dataclass(frozen=True)
class Turn:
    question: str
    context: str
    answer: str
    answerable: bool


@dataclass(frozen=True)
class Conversation:
    id: str
    split: str
    turns: tuple[Turn, ...] = field(default_factory=tuple)


def page_files(folder: Path) -> list[Path]:
    """The documentation pages of `folder`: its `*.md` files but a README, sorted by name."""
    return [path for path in sorted(folder.glob("*.md")) if path.name.lower() != "readme.md"]


def load_pages(docs_dir: str | Path) -> list[Page]:
    """Every page of `docs_dir` (`page_files`). Raises UserError if none is readable."""
    folder = Path(docs_dir)
    if not folder.is_dir():
        raise UserError(f"No existe la carpeta de documentación «{folder}».")
    pages = []
    for path in page_files(folder):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise UserError(f"No se puede leer la página «{path}»: {error}") from None
        pages.append(Page(slug=path.stem, title=_page_title(text, path.stem), text=text, path=str(path)))
    if not pages:
        raise UserError(f"La carpeta «{folder}» no contiene páginas Markdown (*.md).")
    return pages


def _page_title(text: str, fallback: str) -> str:
    for line in text.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
        if line.strip():
            break
    return fallback


def split_passages(page: Page, max_words: int = PASSAGE_MAX_WORDS) -> list[Passage]:
    """Cut a page into passages: never across a `##` section, paragraphs kept whole,
    consecutive short paragraphs (and list items) merged up to `max_words`."""
    passages: list[Passage] = []
    for section, blocks in _sections(page.text):
        chunk: list[str] = []
        for block in blocks:
            if chunk and _words(chunk) + len(block.split()) > max_words:
                passages.append(_passage(page, section, chunk, len(passages)))
                chunk = []
            chunk.append(block)
        if chunk:
            passages.append(_passage(page, section, chunk, len(passages)))
    return passages


def _passage(page: Page, section: str, blocks: list[str], number: int) -> Passage:
    return Passage(
        id=f"{page.slug}#{number}", page=page.slug, title=page.title, section=section, text="\n\n".join(blocks)
    )


def _words(blocks: list[str]) -> int:
    return sum(len(block.split()) for block in blocks)


def _sections(text: str) -> list[tuple[str, list[str]]]:
    """(section heading, paragraphs) pairs; text before the first `##` is section ""."""
    sections: list[tuple[str, list[str]]] = [("", [])]
    paragraph: list[str] = []

    def flush():
        if paragraph:
            sections[-1][1].append("\n".join(paragraph).strip())
            paragraph.clear()

    for line in text.splitlines():
        heading = re.match(r"^(#{1,6})\s+(.*)$", line)
        if heading:
            flush()
            if len(heading.group(1)) >= 2:
                sections.append((heading.group(2).strip(), []))
            continue
        if not line.strip():
            flush()
        else:
            paragraph.append(line.rstrip())
    flush()
    return [(name, blocks) for name, blocks in sections if blocks]


def all_passages(pages: list[Page]) -> list[Passage]:
    return [passage for page in pages for passage in split_passages(page)]


def load_conversations(qa_path: str | Path) -> list[Conversation]:
    """Read `conversations.jsonl`; a malformed line raises UserError with file and line."""
    path = Path(qa_path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise UserError(f"No existe el archivo de conversaciones «{path}».") from None
    except (OSError, UnicodeDecodeError) as error:
        raise UserError(f"No se puede leer «{path}»: {error}") from None
    conversations = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            conversations.append(parse_conversation(loads(line)))
        except (ValueError, KeyError, TypeError) as error:
            raise UserError(f"{path}, línea {number}: conversación mal formada ({error}).") from None
    return conversations


def parse_conversation(record: dict) -> Conversation:
    turns = tuple(
        Turn(
            question=str(turn["question"]),
            context=str(turn["context"]),
            answer=str(turn["answer"]),
            answerable=bool(turn["answerable"]),
        )
        for turn in record["turns"]
    )
    return Conversation(id=str(record["id"]), split=str(record["split"]), turns=turns)
