# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every cell of the fault matrix holds the invariants, resumes, and still says what docs/reliability.md says."""

from __future__ import annotations

from pathlib import Path

import pytest

from fault_matrix import Cell, cells, run_cell

pytestmark = pytest.mark.lab
DOC = (Path(__file__).resolve().parents[2] / "docs" / "reliability.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("cell", cells(), ids=lambda cell: cell.name)
def test_fault_matrix_cell(cell: Cell, tmp_path: Path) -> None:
    result = run_cell(tmp_path / "estate", cell)
    assert result["resumed"], result["resume_output"]
    row = next(line for line in DOC.splitlines() if line.startswith(f"| `{cell.fault}` |"))
    assert f"{result['outcome']}; resumed" in row, f"docs/reliability.md is stale for {cell.name}: {result['outcome']}"
