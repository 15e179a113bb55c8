# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Edits to an estate's inventory that a hand-made inventory would have."""

from __future__ import annotations

import yaml

from tplab.estate import Estate


def leave_out_of_inventory(estate: Estate, agent: str) -> None:
    """A hand-made inventory that misses one agent the EMs know."""
    path = estate.root / "inventory.yml"
    inventory = yaml.safe_load(path.read_text(encoding="utf-8"))
    del inventory["all"]["children"]["tp_agents"]["hosts"][agent]
    path.write_text(yaml.safe_dump(inventory), encoding="utf-8")
