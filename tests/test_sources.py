"""Every source the repository cites is in the repository: docs/sources.md and its sections."""

from __future__ import annotations

import re
import subprocess

from tests.conftest import REPO

SOURCES = REPO / "docs" / "sources.md"
CITATION = re.compile(r"sources\.md\)? §(\d+)(?:-§(\d+))?")


def _tracked_text_files() -> list:
    names = subprocess.run(
        ["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    out = []
    for name in names:
        path = REPO / name
        if path.suffix in {".py", ".md", ".yaml", ".yml", ".csv", ".toml", ".txt", ".ipynb"}:
            out.append(path)
    return out


def test_no_file_cites_a_document_outside_the_repository():
    offenders = [
        str(p.relative_to(REPO))
        for p in _tracked_text_files()
        if p.is_file() and "DOMAIN.md" in p.read_text("utf-8") and p.name != "test_sources.py"
    ]
    assert offenders == []


def test_every_cited_section_of_sources_md_exists():
    sections = {int(n) for n in re.findall(r"^## (\d+)\.", SOURCES.read_text("utf-8"), re.M)}
    assert sections == set(range(1, 11))
    cited: dict[int, str] = {}
    for path in _tracked_text_files():
        if not path.is_file():
            continue
        for match in CITATION.finditer(path.read_text("utf-8")):
            first, last = int(match.group(1)), int(match.group(2) or match.group(1))
            for n in range(first, last + 1):
                cited.setdefault(n, str(path.relative_to(REPO)))
    assert cited, "nothing cites docs/sources.md"
    assert {n: f for n, f in cited.items() if n not in sections} == {}
