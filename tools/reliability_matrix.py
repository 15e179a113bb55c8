# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run every cell of the fault matrix and write docs/reliability.md (about 5 minutes on 2 cores).

    PYTHONPATH=tests/lab:tests/integration .venv/bin/python tools/reliability_matrix.py
"""

from __future__ import annotations

import concurrent.futures
import sys
import tempfile
from pathlib import Path

from fault_matrix import cells, render, run_cell  # pylint: disable=import-error

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="tp-matrix-") as folder:
        with concurrent.futures.ProcessPoolExecutor(max_workers=2) as pool:
            futures = {cell.name: pool.submit(run_cell, Path(folder) / cell.name, cell) for cell in cells()}
            results = {name: future.result() for name, future in futures.items()}
    (REPO / "docs" / "reliability.md").write_text(render(results), encoding="utf-8")
    for name, result in results.items():
        print(f"{name:40} {result['outcome']}; {'resumed' if result['resumed'] else 'RESUME FAILED'}")
    return 0 if all(result["resumed"] for result in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
