"""JSON Lines, read and written: the parsing shared by the files people hand to the CLI and the app
(battles, scores), and the one writer every JSON Lines file goes through (exports, caches, outputs)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from ragarena.core.errors import UserError
from ragarena.core.i18n import Text, _


def loads(text: str):
    """`json.loads`, with a value nested too deep for Python's parser (a `RecursionError`) reported
    like any other invalid JSON: a `json.JSONDecodeError` whose ``msg`` says so."""
    try:
        return json.loads(text)
    except RecursionError:
        raise json.JSONDecodeError("JSON anidado a demasiada profundidad", text[:100], 0) from None


def parse_json_lines(text: str, path: str | Path, check: Callable[[object, Text], dict]) -> list[dict]:
    """One record per non-blank line, each passed through `check(record, where)` (which raises
    UserError naming `where`, "file, línea N"); invalid JSON is a UserError with its line."""
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = loads(line)
        except json.JSONDecodeError as error:
            raise UserError(
                _("{path}, línea {number}: JSON no válido ({reason}).", path=str(path), number=number, reason=error.msg)
            ) from None
        records.append(check(record, _("{path}, línea {number}", path=str(path), number=number)))
    return records


def dumps_line(record: Any, *, default: Callable[[Any], Any] | None = None, allow_nan: bool = True) -> str:
    """One JSON Lines line: `record` as compact JSON with non-ASCII characters kept, then a newline.

    `default` converts what JSON has no type for (``str`` for dates in exports); `allow_nan=False`
    raises `ValueError` on NaN or infinity instead of writing tokens that are not JSON."""
    return json.dumps(record, ensure_ascii=False, default=default, allow_nan=allow_nan) + "\n"


def write_json_lines(
    path: str | os.PathLike,
    records: Iterable[Any],
    *,
    append: bool = False,
    atomic: bool = False,
    default: Callable[[Any], Any] | None = None,
    allow_nan: bool = True,
) -> int:
    """Write `records` to `path` as UTF-8 JSON Lines (`dumps_line` each); returns how many.

    By default the file is replaced. `append=True` adds to its end, first ending a last line that
    lacks its newline (a write cut short), so a new record never joins an old one. `atomic=True`
    writes a temporary sibling and renames it over `path`, so readers see the old file or the new
    one, never half of one; the sibling is removed if anything fails. The caller creates the folder
    and turns `OSError` into its own message. Bytes, not text mode: "\\n" ends lines on every platform.
    """
    if append and atomic:
        raise ValueError("append and atomic exclude each other")
    path = Path(path)
    if append:
        # Encoded before the file is opened, so a record JSON cannot hold leaves the file untouched,
        # and written at once, so the appended lines go in with one write.
        lines = [dumps_line(record, default=default, allow_nan=allow_nan) for record in records]
        data = "".join(lines).encode("utf-8")
        with path.open("a+b") as handle:
            handle.seek(0, os.SEEK_END)
            if handle.tell() > 0:
                handle.seek(-1, os.SEEK_END)
                if handle.read(1) != b"\n":
                    data = b"\n" + data
            handle.write(data)  # in "a" mode a write goes to the end wherever the reads left off
        return len(lines)
    if not atomic:
        with path.open("wb") as handle:
            return _write(handle, records, default, allow_nan)
    # The process id keeps two processes writing the same file off each other's temporary file.
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as handle:
            count = _write(handle, records, default, allow_nan)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return count


def _write(handle, records: Iterable[Any], default, allow_nan: bool) -> int:
    count = 0
    for record in records:
        handle.write(dumps_line(record, default=default, allow_nan=allow_nan).encode("utf-8"))
        count += 1
    return count
