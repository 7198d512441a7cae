"""The documentation's links lead somewhere: every relative link in README.md and docs/*.md
names a file or folder of the repository, and every #anchor a heading of the page it points to
(as GitHub makes anchors from headings)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"(?<!!)\[(?:[^\]\[]|\[[^\]]*\])*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
FENCE = re.compile(r"^\s*(```|~~~)")


def _prose(text: str) -> list[str]:
    """The lines outside fenced code blocks, with inline code spans kept (they may be link text)."""
    lines, fenced = [], False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            lines.append(line)
    return lines


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, markup and punctuation dropped, spaces as dashes."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    found: set[str] = set()
    seen: dict[str, int] = {}
    for line in _prose(page.read_text(encoding="utf-8")):
        match = HEADING.match(line)
        if not match:
            continue
        base = slug(match.group(2))
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def links(page: Path) -> list[str]:
    return [target for line in _prose(page.read_text(encoding="utf-8")) for target in LINK.findall(line)]


def broken_links(page: Path, root: Path = ROOT) -> list[str]:
    broken = []
    for target in links(page):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
            continue
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        name = resolved.relative_to(root).as_posix() if resolved.is_relative_to(root) else str(resolved)
        if not resolved.exists():
            broken.append(f"{target}: no file {name}")
            continue
        if anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            broken.append(f"{target}: no heading #{anchor} in {name}")
    return broken


@pytest.mark.parametrize("page", PAGES, ids=[p.relative_to(ROOT).as_posix() for p in PAGES])
def test_every_relative_link_and_anchor_resolves(page: Path):
    assert broken_links(page) == []


def test_anchors_follow_github_s_rules(tmp_path: Path):
    page = tmp_path / "page.md"
    page.write_text(
        "# Points, the wallet and the ledger\n### `[program]`\n## Jobs\n## Jobs\n"
        "```toml\n# not a heading\n```\n## A [link](x.md) in a heading\n",
        encoding="utf-8",
    )
    assert anchors(page) == {
        "points-the-wallet-and-the-ledger", "program", "jobs", "jobs-1", "a-link-in-a-heading",
    }


def test_a_broken_link_or_anchor_is_reported(tmp_path: Path):
    (tmp_path / "other.md").write_text("# Other\n", encoding="utf-8")
    (tmp_path / "docs").mkdir()
    page = tmp_path / "page.md"
    page.write_text(
        "# Here\n[ok](#here) [ok](other.md#other) [folder](docs) [web](https://example.com/x#y)\n"
        "[gone](missing.md) [no anchor](other.md#nowhere) [self](#nowhere) \n"
        "```\n[in code](ignored.md)\n```\n",
        encoding="utf-8",
    )
    assert broken_links(page, tmp_path) == [
        "missing.md: no file missing.md", "other.md#nowhere: no heading #nowhere in other.md",
        "#nowhere: no heading #nowhere in page.md",
    ]
