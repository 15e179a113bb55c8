# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AWX workflow (docs/awx.md) on one estate: the EM job, the agent job as 4 concurrent slices, the final job.

Each slice's inventory is the one AWX builds (every 4th host by name, groups filtered), so two slices hold no EM
at all, one only the new EM and one only the old EM. The slices run at once, each in its own process, against
the one estate. Every job is judged from ansible-runner's artifacts, and the estate from the lab.
"""

from __future__ import annotations

import typing as t
from datetime import datetime
from pathlib import Path

import pytest

from tplab import dotnet_config, status
from tplab.estate import Estate
from tplab.product import CONSOLE_CONFIG

from runner_jobs import Job, awx_inventory, awx_slice, run_concurrently, run_job, write_inventory

pytestmark = pytest.mark.lab

SLICES = 4
WORKFLOW_VARS = {  # what the workflow's survey gives every job
    "agent_verify_delay": 1, "agent_verify_timeout": 15, "tp_verify_delay": 1, "tp_verify_timeout": 15,
    "tp_new_em_host": "new-em", "tp_new_em_address": "new-em.corp.example",
    "tp_old_em_host": "old-em", "tp_old_em_address": "old-em.corp.example", "tp_agent_batches": [1, "100%"],
}


def span(job: Job) -> tuple[datetime, datetime]:
    """When the job's first and last events happened."""
    events = job.events()
    return datetime.fromisoformat(events[0]["created"]), datetime.fromisoformat(events[-1]["created"])


def test_em_job_then_four_concurrent_agent_slices_then_the_final_job(make_estate: t.Callable[..., Estate], tmp_path: Path) -> None:
    estate = make_estate(agents=12, consoles=1, new_em="fresh", connection="psrp")
    agents = sorted(host.name for host in estate.hosts("agent"))
    inventory = awx_inventory(estate)
    full = write_inventory(inventory, tmp_path / "inventory.yml")
    variables = {**WORKFLOW_VARS, "tp_report_folder": str(estate.root / "reports")}

    em_job = run_job(estate, tmp_path / "em", "em", full, {**variables, "tp_migrate_phases": "em"})

    assert (em_job.status, em_job.rc) == ("successful", 0), em_job.stdout()[-3000:]
    assert em_job.stats()["changed"].get("new-em", 0) >= 1
    assert all(estate.calls(agent) == [] for agent in agents), "the EM job contacted an agent"
    assert set(status.registered_on(estate).values()) == {"old-em"}

    slices = [awx_slice(inventory, number, SLICES) for number in range(1, SLICES + 1)]
    members = [list(part["groups"]["tp_agents"]) for part in slices]
    assert sorted(host for part in members for host in part) == agents, "each agent is in exactly one slice"
    assert [(bool(part["groups"]["tp_new_em"]), bool(part["groups"]["tp_old_em"])) for part in slices].count((False, False)) >= 1
    jobs = run_concurrently(estate, [
        (tmp_path / f"slice{number}", f"slice{number}", write_inventory(part, tmp_path / f"slice{number}.yml"),
         {**variables, "tp_migrate_phases": "agents", "awx_job_id": 100 + number})
        for number, part in enumerate(slices, start=1)])

    for job, part in zip(jobs, members):
        assert (job.status, job.rc) == ("successful", 0), job.stdout()[-3000:]
        changed = {host for host, count in job.stats()["changed"].items() if count and host in agents}
        assert changed == set(part), f"a slice changed other agents than its own: {changed} vs {part}"
        data = job.report()
        assert {host for host, record in data["hosts"].items() if record["status"] == "changed"} == set(part)
    assert len({job.results("Write the migration report (JSON and Markdown)")[-1]["report"]["json"] for job in jobs}) == SLICES
    starts, ends = zip(*(span(job) for job in jobs))
    assert max(starts) < min(ends), "the slices did not run at the same time"

    final = run_job(estate, tmp_path / "final", "final", full, {**variables, "tp_migrate_phases": "final"})

    assert (final.status, final.rc) == ("successful", 0), final.stdout()[-3000:]
    data = final.report()
    assert data["outcome"] == "completed", data["outcome"]
    assert sorted(data["verification"]["registered"]) == agents and data["verification"]["missing"] == []
    assert {agent: status.registered_on(estate)[agent] for agent in agents} == dict.fromkeys(agents, "new-em")
    config = estate.host("console01").path(CONSOLE_CONFIG).read_bytes()
    assert dotnet_config.read_app_setting(config, "managerAddress") == "new-em.corp.example:3740"
    assert em_job.report()["started"] != data["started"], "the final job writes its own report of the whole estate"


def test_a_slice_without_the_ems_and_the_variable_naming_one_is_refused_before_any_host_is_contacted(
        make_estate: t.Callable[..., Estate], tmp_path: Path) -> None:
    estate = make_estate(agents=4, connection="psrp")
    inventory = awx_inventory(estate)
    emless = next(part for part in (awx_slice(inventory, number, 3) for number in (1, 2, 3))
                  if not part["groups"]["tp_new_em"] and not part["groups"]["tp_old_em"])
    unnamed = {key: value for key, value in WORKFLOW_VARS.items() if key != "tp_new_em_host"}

    job = run_job(estate, tmp_path / "runner", "slice", write_inventory(emless, tmp_path / "slice.yml"),
                  {**unnamed, "tp_migrate_phases": "agents"})

    assert (job.status, job.rc) == ("failed", 2), job.stdout()[-3000:]
    assert "has no host in tp_new_em, as a job slice usually has none: set tp_new_em_host" in job.stdout(), job.stdout()[-3000:]
    assert all(estate.calls(host.name) == [] for host in estate.hosts()), "a refused job contacted a host"
