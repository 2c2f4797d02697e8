"""`python -m ragarena <command>`: every module in `ragarena.commands` adds one subcommand.

Each command module defines `register(subparsers)`, which adds its parser and sets
`func=<callable(args) -> int>` as default. Commands raise `UserError` for bad input and
`BackendError` for a model that cannot answer: the CLI prints its (Spanish) message and exits
with status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from ragarena import commands
from ragarena.answering.backends.base import BackendError
from ragarena.core.errors import UserError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m ragarena",
        description="RAG Arena: chat, arena de modelos, evaluación y clasificación.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMANDO")
    subparsers.required = True
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (UserError, BackendError) as error:
        print(f"Error: {error}", file=sys.stderr)
        return 2
    except RecursionError:  # a reader that missed it (`ragarena.core.jsonl.loads` reports it with the file)
        print(
            "Error: un archivo tiene datos anidados a demasiada profundidad (JSON o YAML); revísalo.", file=sys.stderr
        )
        return 2
    except KeyboardInterrupt:
        print("Interrumpido.", file=sys.stderr)
        return 130
