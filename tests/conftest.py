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
sys.path.insert(0, str(REPO / "tests" / "lab"))

from tplab.playbook import ensure_collection_link  # noqa: E402  pylint: disable=wrong-import-position

sys.path.insert(0, str(ensure_collection_link()))
