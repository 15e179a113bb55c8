# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""docs/reference/ is what tools/generate-docs makes of the modules' and roles' documentation, and that documentation lints clean.

The reference used to be written by hand and drifted from ``ansible-doc``. Now nobody edits it: these tests
regenerate it and fail, naming the pages and saying ``make docs``, as soon as a DOCUMENTATION, a doc
fragment or an argument spec changes without it.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
GENERATOR = REPO / "tools" / "generate-docs"
REFERENCE = REPO / "docs" / "reference"
# Markdown pages that link into the reference, with the folder their relative links start from.
LINKING_PAGES = (REPO / "README.md", *sorted((REPO / "docs").glob("*.md")), *sorted((REPO / "docs" / "modules").glob("*.md")))


def run_generator(*args: str) -> subprocess.CompletedProcess[str]:
    """Run tools/generate-docs as `make docs` does, capturing what it prints."""
    return subprocess.run([sys.executable, str(GENERATOR), *args], capture_output=True, text=True, check=False, timeout=120)


def pages(folder: Path) -> dict[str, bytes]:
    """Every file under folder, by its path relative to folder."""
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def anchors(page: Path) -> set[str]:
    """The fragment names a browser can jump to in a generated page: HTML ids and section titles (as docutils names them)."""
    text = page.read_text(encoding="utf-8")
    ids = set(re.findall(r'\bid="([^"]+)"', text))
    lines = text.splitlines()
    for title, underline in zip(lines, lines[1:]):
        if title.strip() and re.fullmatch(r"([-=~+^\"'])\1{3,}", underline) and len(underline) >= len(title.rstrip()):
            ids.add(re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-"))
    return ids


def test_committed_reference_is_what_the_generator_writes(tmp_path: Path) -> None:
    """A page edited by hand, or documentation changed without `make docs`, fails here."""
    result = run_generator("--dest-dir", str(tmp_path / "reference"))
    assert result.returncode == 0, f"tools/generate-docs failed:\n{result.stdout}\n{result.stderr}"
    fresh, committed = pages(tmp_path / "reference"), pages(REFERENCE)
    assert fresh, "the generator wrote no page"
    stale = sorted(name for name in fresh.keys() | committed.keys() if fresh.get(name) != committed.get(name))
    assert not stale, f"docs/reference/ is out of date ({', '.join(stale)}): run `make docs` and commit the result"


def test_links_into_the_reference_resolve() -> None:
    """Links between generated pages, and from the hand-written docs into them, name a page and an anchor that exist."""
    broken = []
    for page in sorted(REFERENCE.glob("*.rst")):
        for target in re.findall(r"<([^<>:\s]+\.rst)(?:#[^<>]*)?>`", page.read_text(encoding="utf-8")):
            if not (REFERENCE / target).is_file():
                broken.append(f"{page.name} -> {target}")
    for page in LINKING_PAGES:
        for target, fragment in re.findall(r"\]\(([^)#\s]*reference/[^)#\s]+\.rst)(?:#([^)\s]+))?\)", page.read_text(encoding="utf-8")):
            linked = (page.parent / target).resolve()
            if not linked.is_file():
                broken.append(f"{page.relative_to(REPO)} -> {target}")
            elif fragment and fragment not in anchors(linked):
                broken.append(f"{page.relative_to(REPO)} -> {target}#{fragment}")
    assert not broken, "links that lead nowhere: " + "; ".join(broken)


def test_documentation_lints_clean() -> None:
    """antsibull-docs lint-collection-docs --plugin-docs finds nothing in any module's or role's documentation."""
    result = run_generator("--lint")
    findings = (result.stdout + result.stderr).strip()
    assert result.returncode == 0 and not findings, f"antsibull-docs lint-collection-docs (tools/generate-docs --lint):\n{findings}"
