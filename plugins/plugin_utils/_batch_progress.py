# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How far the agent phase has got: one line per canary batch, and the counts the report keeps.

On a run of hundreds of agents a person wants to see, after each batch, where the run stands without
reading every host's result; and the report rewritten after each batch must say the same, so that an
interrupted run's report still shows every agent already moved. Ansible does not tell a play which
batch it is in, so the batches are counted here (the plan's fact carries the count from batch to batch)
and their number is worked out from ``serial`` the way Ansible splits a play's hosts.

FOR INTERNAL COLLECTION USE ONLY: this module may change in any release.
"""

from __future__ import annotations

import typing as t

from ansible.utils.helpers import pct_to_int


def planned_batches(serial: list[t.Any], hosts: int) -> int:
    """How many batches Ansible makes of ``hosts`` hosts with this ``serial`` list (its last size repeats)."""
    sizes = serial or ["100%"]
    left, count, index = hosts, 0, 0
    while left > 0:
        size = pct_to_int(sizes[index], hosts)
        left -= size if size > 0 else left
        count += 1
        index = min(index + 1, len(sizes) - 1)
    return count


def record_batch(migration: dict[str, t.Any], records: dict[str, dict[str, t.Any]], batch: list[str], serial: list[t.Any],
                 play_hosts: int) -> tuple[dict[str, t.Any], str]:
    """The plan with this batch counted in its ``progress``, and the one summary line for the run's output."""
    changed = sum(bool(((records.get(host) or {}).get("result") or {}).get("changed")) for host in batch)
    failed = sum(bool((records.get(host) or {}).get("error")) for host in batch)
    agents = [record for record in records.values() if record["role"] == "agent"]
    done = sum(bool((record.get("result") or {}).get("ok")) for record in agents)
    previous = migration.get("progress") or {}
    progress = {"batch": int(previous.get("batch", 0)) + 1, "batches": planned_batches(serial, play_hosts),
                "agents_done": done, "agents": len(agents)}
    verb = "would change" if migration.get("check_mode") else "changed"
    line = (f"Agents, batch {progress['batch']} of {progress['batches']}: {len(batch)} agent(s), {changed} {verb}, "
            f"{failed} failed; {done} of {len(agents)} agents done.")
    return {**migration, "progress": {**progress, "line": line}}, line
