# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every lab fault that can strike an agent, inside each kind of canary batch: the one-agent canary, the 10 % batch
and the 100 % batch.

One run per fault: 12 agents in migrate.yml's default batches (agent01; agent02; the other 10), the fault on agent01,
agent02 and agent12, and a failure budget of 100 % so that every batch runs. Only the faulty agents may
be blamed, each by the report and the run; every other agent must end on the new EM; no agent may end on no EM; and
neither a crash of the batch's verification nor a rescue without a failed task may show. The preflight's write probe
catches four of the faults (see CAUGHT_BY_PREFLIGHT): those agents are skipped there and blamed all the same. A second
test keeps the default budget: a failing canary stops the run before any other agent is written.
"""

from __future__ import annotations

import json
import typing as t

import pytest

from invariants import check
from tplab import product, status
from tplab.estate import Estate
from tplab.playbook import PlaybookRun, run_playbook

pytestmark = pytest.mark.lab

QUICK = {"agent_verify_delay": 1, "agent_verify_timeout": 5, "tp_verify_delay": 1, "tp_verify_timeout": 5}
AGENTS = 12
FAULTY = ["agent01", "agent02", "agent12"]  # the canary, the 10 % batch (one of 12), one of the 100 % batch
# Each agent fault of the lab, and whether it makes the agent fail (slow only slows it down).
FAULTS: list[tuple[str, t.Any, bool]] = [
    ("unreachable", True, True), ("unreachable_after", 1, True), ("locked", None, True), ("partial_write", True, True),
    ("service_start_fails", True, True), ("slow", 1, False), ("replace_fails", {"code": 1177, "times": 1}, True),
    ("blocks_agents", None, True),
]
# The preflight reads each agent's config and proves it can write a file beside it, so these faults fail the canary
# there, beyond the default budget, and the run stops before the agent phase; the others strike in the agent phase.
CAUGHT_BY_PREFLIGHT = {"unreachable", "locked", "partial_write", "replace_fails"}


def inject(estate: Estate, fault: str, value: t.Any, agents: list[str]) -> None:
    """The fault on each of these agents (blocks_agents is the new EM's firewall against them)."""
    if fault == "blocks_agents":
        estate.set_fault("new-em", fault, agents)
        return
    for name in agents:
        if fault == "locked":
            service = estate.host(name).system()["services"]["SIWindowsAgent"]
            estate.set_fault(name, fault, [product.executable(service["path"]) + ".config"])
        else:
            estate.set_fault(name, fault, value)


def migrate(estate: Estate, **extra: t.Any) -> PlaybookRun:
    return run_playbook(estate, "migrate.yml", extra_vars={**QUICK, "tp_report_folder": str(estate.root / "reports"), **extra})


def final_report(estate: Estate) -> dict[str, t.Any]:
    [path] = sorted((estate.root / "reports").glob("tp-migration-*.json"))
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(("fault", "value", "fails"), FAULTS, ids=[fault for fault, _value, _fails in FAULTS])
def test_an_agent_fault_in_each_batch_kind_is_blamed_on_that_agent_alone(make_estate: t.Callable[..., Estate], fault: str,
                                                                         value: t.Any, fails: bool) -> None:
    estate = make_estate(agents=AGENTS)
    inject(estate, fault, value, FAULTY)

    run = migrate(estate, tp_agent_max_fail_percentage=100)

    expected = set(FAULTY) if fails else set()
    assert set(run.failures()) - {"localhost"} == expected, run.output[-4000:]
    report = final_report(estate)
    assert set(report["failed"]) == expected and report["phase"] == "done", report["failed"]
    assert "HostVarsVars" not in run.output and "ansible_failed_task" not in run.output
    check(estate, f"{fault} on {', '.join(FAULTY)}")
    placed = status.registered_on(estate)
    assert {name for name, em in placed.items() if em == "new-em"} == {f"agent{n:02d}" for n in range(1, AGENTS + 1)} - expected


@pytest.mark.parametrize(("fault", "value"), [(fault, value) for fault, value, fails in FAULTS if fails],
                         ids=[fault for fault, _value, fails in FAULTS if fails])
def test_a_failing_canary_stops_the_agent_phase_before_any_other_agent_is_written(
        make_estate: t.Callable[..., Estate], fault: str, value: t.Any) -> None:
    estate = make_estate(agents=4)
    others = [estate.host(f"agent0{n}") for n in range(2, 5)]
    configs = {agent.name: agent_config(agent) for agent in others}
    inject(estate, fault, value, ["agent01"])

    run = migrate(estate)

    report = final_report(estate)
    assert run.returncode != 0 and set(report["failed"]) == {"agent01"}, report["failed"]
    if fault in CAUGHT_BY_PREFLIGHT:
        assert report["outcome"].startswith("stopped after the preflight") and not report["agents_stopped"], report["outcome"]
    else:
        assert report["agents_stopped"], report["outcome"]
    check(estate, f"{fault} on the canary")
    assert {agent.name: agent_config(agent) for agent in others} == configs, "no agent after the canary was written"
    assert all(status.registered_on(estate)[agent.name] == "old-em" for agent in others)


def agent_config(agent: t.Any) -> bytes:
    return agent.path(product.executable(agent.system()["services"]["SIWindowsAgent"]["path"]) + ".config").read_bytes()
