"""The package layout follows the two data paths: each subpackage imports only what its docstring allows.

question → retrieval → answering → answer; vote → arena → store → scoring → leaderboard. A new import
that crosses a boundary (say retrieval reaching into answering, or anything but the app reaching into
ui/commands) fails here with the file and line.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "ragarena"
SUBPACKAGES = ["retrieval", "answering", "selector", "arena", "store", "scoring", "leaderboard", "datasets", "reader"]
EVERY = set(SUBPACKAGES) | {"ui", "commands"}
# What each subpackage may import from the other subpackages (top-level helpers are always allowed).
ALLOWED = {
    "retrieval": set(),
    "answering": {"retrieval", "selector", "scoring.metrics"},
    "selector": {"retrieval", "scoring.metrics"},
    "arena": {"retrieval", "answering", "store", "scoring"},
    "store": {"arena.battles"},
    "scoring": {"retrieval", "answering", "arena", "store"},
    "leaderboard": {"retrieval", "answering", "arena", "store", "scoring"},
    "datasets": {"retrieval", "answering"},
    "reader": set(),
}
# Single modules allowed more than their subpackage, and why.
EXTRA = {
    "selector/training.py": {"answering.backends"},  # fits the scorer the selector backend runs
}


def _imports(path: Path):
    """(line, dotted name below `ragarena.`) for every ragarena import in the file, lazy ones included."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "ragarena":
            if node.module == "ragarena":
                yield from ((node.lineno, alias.name) for alias in node.names)
            else:
                yield node.lineno, node.module.removeprefix("ragarena.")
        elif isinstance(node, ast.Import):
            yield from ((node.lineno, a.name.removeprefix("ragarena.")) for a in node.names
                        if a.name.startswith("ragarena."))


def _allowed(target: str, rules: set[str]) -> bool:
    return any(target == rule or target.startswith(rule + ".") for rule in rules)


@pytest.mark.parametrize("subpackage", SUBPACKAGES)
def test_subpackage_imports_only_what_it_may(subpackage):
    folder = PACKAGE / subpackage
    files = sorted(folder.rglob("*.py"))
    assert files, f"{folder} is missing"
    broken = []
    for path in files:
        rel = path.relative_to(PACKAGE).as_posix()
        rules = ALLOWED[subpackage] | EXTRA.get(rel, set()) | {subpackage}
        for line, target in _imports(path):
            if target.split(".")[0] in EVERY and not _allowed(target, rules):
                broken.append(f"ragarena/{rel}:{line} imports ragarena.{target}")
    assert not broken, "\n".join(broken)


@pytest.mark.parametrize("subpackage", SUBPACKAGES)
def test_subpackage_states_its_job_and_rules(subpackage):
    """Each subpackage's __init__ says what it is for and what it may import, and re-exports nothing."""
    init = PACKAGE / subpackage / "__init__.py"
    tree = ast.parse(init.read_text(encoding="utf-8"))
    doc = ast.get_docstring(tree)
    assert doc and "import" in doc.lower(), f"{init} needs a docstring with its import rules"
    assert len(tree.body) == 1, f"{init} should hold only its docstring"


def test_rules_catch_a_forbidden_import(tmp_path):
    """The checker itself sees a violation (so the tests above can fail)."""
    bad = tmp_path / "engine.py"
    bad.write_text("def f():\n    from ragarena.answering.models import find_spec\n", encoding="utf-8")
    targets = [target for _, target in _imports(bad)]
    assert targets == ["answering.models"]
    assert not _allowed(targets[0], ALLOWED["retrieval"] | {"retrieval"})
    assert _allowed(targets[0], ALLOWED["scoring"])


def test_only_the_app_reaches_ui_and_commands():
    """ui/ and commands/ sit on top: no other module imports them (launch.py and cli.py start them)."""
    broken = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        top = rel.split("/")[0]
        for line, target in _imports(path):
            head = target.split(".")[0]
            if head in ("ui", "commands") and head != top and rel not in ("launch.py", "cli.py"):
                broken.append(f"ragarena/{rel}:{line} imports ragarena.{target}")
    assert not broken, "\n".join(broken)
