# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a repoint costs on the network: two remote calls per agent that changes, one per agent that does not.

On a real estate every module call is a WinRM round trip, so this is the figure that decides how long a fleet
takes. The write, the restart and the restore-if-it-fails are one call; migrate.yml's preflight read is the
repoint's read (test_migrate.py counts that run), and a read that no longer holds is made again. The lab's
per-host call log counts every module call, whatever its module.
"""

from __future__ import annotations

import typing as t
from pathlib import Path

import pytest
import yaml

from tplab import product, status
from tplab.estate import Estate
from tplab.playbook import run_playbook

pytestmark = pytest.mark.lab

QUICK = {"agent_verify_delay": 1, "agent_verify_timeout": 20, "tp_verify_delay": 1, "tp_verify_timeout": 20}


def calls_per_host(estate: Estate, names: t.Iterable[str]) -> dict[str, list[str]]:
    return {name: estate.calls(name) for name in names}


def test_a_rerun_of_repoint_agents_costs_one_call_per_agent(make_estate: t.Callable[..., Estate]) -> None:
    estate = make_estate(agents=5)
    first = run_playbook(estate, "repoint_agents.yml", extra_vars=QUICK)
    assert first.returncode == 0, first.output[-3000:]
    assert all(len(made) == 2 for made in calls_per_host(estate, ["agent01", "agent02", "agent03", "agent04"]).values())
    estate.reset_calls()

    again = run_playbook(estate, "repoint_agents.yml", extra_vars=QUICK)

    assert again.returncode == 0, again.output[-3000:]
    assert all(made == ["win_powershell"] for made in calls_per_host(estate, [f"agent0{n}" for n in range(1, 6)]).values())


def test_a_file_or_service_changed_after_the_preflight_is_read_again(make_estate: t.Callable[..., Estate],
                                                                     tmp_path: Path) -> None:
    """The preflight's read is only a head start: the host refuses a write based on it once it no longer holds."""
    estate = make_estate(agents=2)
    edited = estate.host("agent01")
    config = product.executable(edited.system()["services"]["SIWindowsAgent"]["path"]) + ".config"
    local_copy = edited.path(config)
    touched = local_copy.read_bytes().replace(b"<appSettings>", b"<appSettings><!-- edited by a deployment tool -->", 1)
    assert touched != local_copy.read_bytes()
    playbook = tmp_path / "between.yml"
    repoint = {"manager_address": "{{ hostvars['new-em']['ansible_host'] | default('new-em') }}", "em_host": "new-em"}
    playbook.write_text(yaml.safe_dump([{"hosts": "agent01,agent02", "gather_facts": False, "tasks": [
        {"name": "Preflight", "netwrix.threat_prevention.tp_agent_config": {**repoint, "preflight": True}},
        {"name": "A deployment tool edits agent01's config", "ansible.builtin.copy": {
            "dest": str(local_copy), "content": touched.decode("utf-8")}, "delegate_to": "localhost",
         "when": "inventory_hostname == 'agent01'"},
        {"name": "Someone stops agent02", "ansible.windows.win_service": {"name": "SIWindowsAgent", "state": "stopped"},
         "when": "inventory_hostname == 'agent02'"},
        {"name": "Repoint", "netwrix.threat_prevention.tp_agent_config": repoint},
    ]}]), encoding="utf-8")
    estate.reset_calls()

    run = run_playbook(estate, str(playbook))

    assert run.returncode == 0, run.output[-3000:]
    assert estate.calls("agent01") == ["win_powershell"] * 4, "preflight, the refused write, a fresh read, the write"
    assert estate.calls("agent02") == ["win_powershell", "win_service", "win_powershell", "win_powershell", "win_powershell"]
    written = local_copy.read_bytes()
    assert b"edited by a deployment tool" in written, "the write was made on the file as it is now, not as first read"
    assert {row["agent"]: row["registered_on"] for row in status.agent_rows(estate)} == {"agent01": "new-em",
                                                                                         "agent02": "new-em"}
