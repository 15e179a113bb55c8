# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The progress line after each canary batch: its batch count must be the one Ansible's serial makes."""

from __future__ import annotations

import typing as t

import pytest

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._batch_progress import planned_batches, record_batch


@pytest.mark.parametrize(("serial", "hosts", "expected"), [
    ([1, "10%", "100%"], 20, 3), ([1, "10%", "100%"], 1, 1), ([1, "10%", "100%"], 4, 3), ([1, "10%", "100%"], 1000, 3),
    ([5], 12, 3), (["25%"], 10, 5), ([], 7, 1), ([1, 2], 6, 4), ([0], 9, 1),
])
def test_the_batch_count_is_what_ansible_serial_makes(serial: list[t.Any], hosts: int, expected: int) -> None:
    assert planned_batches(serial, hosts) == expected


def records(done: int, failed: int, left: int) -> dict[str, dict[str, t.Any]]:
    rows: dict[str, dict[str, t.Any]] = {}
    for index in range(done + failed + left):
        name = f"agent{index:02d}"
        if index < done:
            rows[name] = {"role": "agent", "error": None, "result": {"ok": True, "changed": index % 2 == 0}}
        elif index < done + failed:
            rows[name] = {"role": "agent", "error": "restart failed", "result": {"ok": False}}
        else:
            rows[name] = {"role": "agent", "error": None, "result": None}
    rows["new-em"] = {"role": "new_em", "error": None, "result": {"ok": True, "changed": True}}
    return rows


def test_each_batch_counts_on_from_the_last_and_says_how_far_the_run_has_got() -> None:
    first, line = record_batch({}, records(1, 0, 19), ["agent00"], [1, "10%", "100%"], 20)
    assert line == "Agents, batch 1 of 3: 1 agent(s), 1 changed, 0 failed; 1 of 20 agents done."
    second, line = record_batch(first, records(2, 1, 17), ["agent01", "agent02"], [1, "10%", "100%"], 20)
    assert line == "Agents, batch 2 of 3: 2 agent(s), 0 changed, 1 failed; 2 of 20 agents done."
    assert second["progress"] == {"batch": 2, "batches": 3, "agents_done": 2, "agents": 20, "line": line}


def test_check_mode_says_would_change() -> None:
    _plan, line = record_batch({"check_mode": True}, records(1, 0, 0), ["agent00"], [1], 1)
    assert "1 would change" in line
