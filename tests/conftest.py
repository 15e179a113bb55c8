# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make the collection and the lab importable for pytest.

The repository root is the collection root, but Python imports it as
``ansible_collections.netwrix.threat_prevention``; a symlink under ``build/`` gives it that name
without copying. The lab package ``tplab`` lives in ``tests/lab``.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COLLECTIONS_ROOT = REPO / "build" / "collections"


def _link_collection() -> None:
    link = COLLECTIONS_ROOT / "ansible_collections" / "netwrix" / "threat_prevention"
    if not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(REPO, target_is_directory=True)


_link_collection()
for path in (COLLECTIONS_ROOT, REPO / "tests" / "lab"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))
