# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cells of the fault matrix hold the invariants, resume, and still say what docs/reliability.md says.

``make test`` runs one cell per fault kind, the hosts taken in turn so that every phase's host is broken
(about a third of the matrix, to keep the run under 20 minutes on 2 cores); ``make soak`` and
``TP_MATRIX=full`` run every cell, as tools/reliability_matrix.py does when it writes the page.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fault_matrix import Cell, cells, run_cell

pytestmark = pytest.mark.lab
DOC = (Path(__file__).resolve().parents[2] / "docs" / "reliability.md").read_text(encoding="utf-8")


def selected() -> list[Cell]:
    every = cells()
    if os.environ.get("TP_MATRIX") == "full":
        return every
    kinds = list(dict.fromkeys(cell.fault for cell in every))
    return [[cell for cell in every if cell.fault == kind][index % len([c for c in every if c.fault == kind])]
            for index, kind in enumerate(kinds)]


@pytest.mark.parametrize("cell", selected(), ids=lambda cell: cell.name)
def test_fault_matrix_cell(cell: Cell, tmp_path: Path) -> None:
    result = run_cell(tmp_path / "estate", cell)
    assert result["resumed"], result["resume_output"]
    row = next(line for line in DOC.splitlines() if line.startswith(f"| `{cell.fault}` |"))
    assert f"{result['outcome']}; resumed" in row, f"docs/reliability.md is stale for {cell.name}: {result['outcome']}"
