# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""migrate.yml through ansible-runner, as AWX runs it, judged only from the runner's artifacts and the lab."""

from __future__ import annotations

import typing as t
from pathlib import Path

import pytest

from tplab import status
from tplab.estate import Estate

from runner_jobs import run_job

pytestmark = pytest.mark.lab

QUICK = {"agent_verify_delay": 1, "agent_verify_timeout": 15, "tp_verify_delay": 1, "tp_verify_timeout": 15}


def test_migrate_through_ansible_runner_reports_from_its_artifacts(make_estate: t.Callable[..., Estate], tmp_path: Path) -> None:
    estate = make_estate(agents=4, consoles=1, new_em="fresh")
    agents = [host.name for host in estate.hosts("agent")]

    job = run_job(estate, tmp_path / "runner", "migrate", estate.root / "inventory.yml",
                  {**QUICK, "tp_report_folder": str(estate.root / "reports")})

    assert (job.status, job.rc) == ("successful", 0), job.stdout()[-3000:]
    stats = job.stats()
    assert not stats["failures"] and not stats["dark"], stats
    for host in [*agents, "new-em", "console01"]:
        assert stats["changed"].get(host, 0) >= 1, f"{host} was not changed: {stats}"
    assert stats["changed"].get("old-em", 0) == 0, "without tp_decommission_old_em the old EM is only read"
    data = job.report()
    assert data["outcome"] == "completed", data["outcome"]
    assert sorted(data["verification"]["registered"]) == agents and data["verification"]["missing"] == []
    assert {host: data["hosts"][host]["status"] for host in agents} == dict.fromkeys(agents, "changed")
    assert {agent: status.registered_on(estate)[agent] for agent in agents} == dict.fromkeys(agents, "new-em")
