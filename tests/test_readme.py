"""The README documents every setting the code reads and speaks of the project, not of its authors."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")


def configuration_table() -> str:
    section = README.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    return "\n".join(line for line in section.splitlines() if line.startswith("|"))


def test_every_ragarena_variable_the_code_reads_is_in_the_configuration_table():
    read = set()
    for path in (REPO / "ragarena").rglob("*.py"):
        read.update(re.findall(r"\bRAGARENA_[A-Z_]+\b", path.read_text(encoding="utf-8")))
    table = configuration_table()
    missing = sorted(name for name in read if f"`{name}`" not in table)
    assert not missing, f"not in the README's configuration table: {missing}"


def test_the_readme_says_what_is_tested_not_who_wrote_it():
    text = " ".join(README.split())
    for phrase in ("sessions that wrote", "who wrote", "was available to the"):
        assert phrase not in text
    assert "Not tested: a run of the 12B model itself" in text
