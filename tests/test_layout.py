"""The package layout is one import order, bottom to top: a package imports only the packages below
it, never one above, so no two packages import each other and no module import loop can form.

core (shared vocabulary) → settings → store → reader → retrieval → selector → answering → datasets
→ scoring → arena → answer_ratings → leaderboard → publish → ui → commands → launch → cli. The two
data paths read upwards: question → retrieval → answering → answer; vote → arena → scoring (ratings)
→ leaderboard. Imports inside functions between packages fail too (they hide an arrow the order would
refuse), except a handful whose line says why with ``# lazy:``.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "ragarena"
#: Bottom to top. A top-level module (settings.py, launch.py, ...) is a unit of its own.
ORDER = [
    "core",
    "settings",
    "store",
    "reader",
    "retrieval",
    "selector",
    "answering",
    "datasets",
    "scoring",
    "arena",
    "answer_ratings",
    "leaderboard",
    "publish",
    "ui",
    "commands",
    "launch",
    "cli",
    "__main__",
]
SUBPACKAGES = [unit for unit in ORDER if (PACKAGE / unit).is_dir()]
#: The most imports inside functions between packages that may say `# lazy:` why.
MAX_LAZY = 5


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in PACKAGE.rglob("*.py")}


def unit_of(module: str) -> str:
    """The package (or top-level module) a dotted `ragarena....` module belongs to."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "ragarena"


def _resolve(dotted: str) -> str | None:
    """The module a dotted name lives in (`ragarena.core.text.fold` → `ragarena.core.text`)."""
    parts = dotted.split(".")
    while parts:
        if ".".join(parts) in MODULES:
            return ".".join(parts)
        parts.pop()
    return None


def imports(path: Path):
    """(line, target module, inside a function, the line's text) for every ragarena import."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    found = []

    def visit(node, in_function: bool):
        for child in ast.iter_child_nodes(node):
            inner = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            names = []
            if (
                isinstance(child, ast.ImportFrom)
                and child.level == 0
                and (child.module or "").split(".")[0] == "ragarena"
            ):
                names = [_resolve(f"{child.module}.{alias.name}") or _resolve(child.module) for alias in child.names]
            elif isinstance(child, ast.Import):
                names = [_resolve(alias.name) for alias in child.names if alias.name.startswith("ragarena.")]
            for target in dict.fromkeys(names):
                if target and target != "ragarena":
                    found.append((child.lineno, target, inner, lines[child.lineno - 1]))
            visit(child, inner)

    visit(ast.parse(source), False)
    return found


def _edges():
    """(module, target, line, inside a function, text) for every import between two of our modules."""
    for module, path in sorted(MODULES.items()):
        for line, target, inner, text in imports(path):
            if target != module:
                yield module, target, line, inner, text


def test_every_package_sits_in_the_order():
    units = {unit_of(module) for module in MODULES} - {"ragarena"}
    assert units <= set(ORDER), f"add {sorted(units - set(ORDER))} to ORDER"


@pytest.mark.parametrize("unit", ORDER)
def test_a_package_imports_only_what_sits_below_it(unit):
    rank = ORDER.index(unit)
    upward = [
        f"{MODULES[module].relative_to(PACKAGE.parent)}:{line} imports {target}"
        for module, target, line, _, _ in _edges()
        if unit_of(module) == unit and unit_of(target) != unit and ORDER.index(unit_of(target)) > rank
    ]
    assert not upward, "\n".join(upward)


def test_no_import_inside_a_function_between_packages_unless_it_says_why():
    hidden = [
        (f"{MODULES[module].relative_to(PACKAGE.parent)}:{line}", "# lazy:" in text)
        for module, target, line, inner, text in _edges()
        if inner and unit_of(module) != unit_of(target)
    ]
    assert [where for where, why in hidden if not why] == []
    assert len(hidden) <= MAX_LAZY, hidden


def test_no_module_import_loop():
    """Inside packages too: no module reaches itself through imports (Tarjan's strongly connected
    components of the whole import graph, lazy and type-checking imports included)."""
    graph = defaultdict(set)
    for module, target, *_ in _edges():
        graph[module].add(target)
    index, low, stack, on_stack, loops = {}, {}, [], set(), []

    def strong(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                strong(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while not component or component[-1] != node:
                component.append(stack.pop())
                on_stack.discard(component[-1])
            if len(component) > 1:
                loops.append(sorted(component))

    for node in sorted(MODULES):
        if node not in index:
            strong(node)
    assert loops == []


@pytest.mark.parametrize("subpackage", SUBPACKAGES)
def test_subpackage_states_its_job_and_rules(subpackage):
    """Each subpackage's __init__ says what it is for and what it may import, and re-exports nothing
    (ui's re-exports the app, the one name launch needs)."""
    init = PACKAGE / subpackage / "__init__.py"
    tree = ast.parse(init.read_text(encoding="utf-8"))
    doc = ast.get_docstring(tree)
    assert doc, f"{init} needs a docstring"
    if subpackage not in ("ui", "commands"):
        assert f"Layer {ORDER.index(subpackage) + 1} of the import order" in doc, f"{init} should state its layer"
        assert len(tree.body) == 1, f"{init} should hold only its docstring"


def test_the_checks_see_a_forbidden_import(tmp_path):
    """The checker itself sees an upward and a lazy import (so the tests above can fail)."""
    bad = tmp_path / "engine.py"
    bad.write_text(
        "from ragarena.core import text\n\ndef f():\n    from ragarena.answering.models import find_spec\n",
        encoding="utf-8",
    )
    found = [(target, inner) for _, target, inner, _ in imports(bad)]
    assert found == [("ragarena.core.text", False), ("ragarena.answering.models", True)]
    assert ORDER.index(unit_of("ragarena.answering.models")) > ORDER.index("retrieval")


def test_only_the_app_reaches_ui_and_commands():
    """ui/ and commands/ sit on top: no other module imports them (launch.py and cli.py start them)."""
    broken = [
        f"{module}:{line} imports {target}"
        for module, target, line, _, _ in _edges()
        if unit_of(target) in ("ui", "commands")
        and unit_of(module) != unit_of(target)
        and module not in ("ragarena.launch", "ragarena.cli")
    ]
    assert not broken, "\n".join(broken)
