"""What every training command shares on the console: lines, and one Spanish line with exit
status 2 instead of a traceback for a UserError."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from ragarena.core.errors import UserError


def say(message: str = "") -> None:
    print(message, flush=True)


def run_cli(function: Callable[[Sequence[str] | None], Any], argv: Sequence[str] | None = None) -> int:
    """Run a command; a UserError becomes one Spanish line on stderr and exit status 2."""
    try:
        function(argv)
    except UserError as error:
        print(f"Error: {error}", file=sys.stderr, flush=True)
        return 2
    except KeyboardInterrupt:
        print("Interrumpido.", file=sys.stderr, flush=True)
        return 130
    return 0


def first_line(error: BaseException) -> str:
    """The first line of an error's message (library errors can be pages long)."""
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]


def now() -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S")
