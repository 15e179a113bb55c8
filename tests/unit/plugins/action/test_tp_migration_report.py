# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""tp_migration_report end to end: the facts migrate.yml recorded in, a gate decision and two report files out.

It runs on localhost with no connection: the task's variables (groups, hostvars) are its only input.
"""

from __future__ import annotations

import json
import typing as t
from pathlib import Path

import pytest

from ansible.errors import AnsibleActionFail

from ansible_collections.netwrix.threat_prevention.plugins.action.tp_migration_report import ActionModule

if t.TYPE_CHECKING:
    from action_runner import RunAction
    from fake_host import FakeWindows

Run = t.Callable[..., dict[str, t.Any]]  # the action, called with task args and hostvars

GROUPS = {"tp_old_em": ["old-em"], "tp_new_em": ["new-em"], "tp_agents": ["agent01", "agent02"]}
STARTED = "2026-11-24T02:39:09Z"
REFUSED = "Check each agent's config: agent02: SIWindowsAgent.exe.config: the file is not well-formed XML"


def hostvars(agent02_preflight: dict[str, t.Any] | None) -> dict[str, t.Any]:
    """The preflight recorded on every host (agent02's as given, or nothing for a host left out with --limit)."""
    passed = {"ok": True, "found": {}}
    facts: dict[str, t.Any] = {
        "localhost": {"tp_migration": {"started": STARTED, "old_em": "old-em", "new_em": "new-em", "inventory_problems": []}},
        "old-em": {"tp_migration_preflight": {"role": "old_em", **passed}},
        "new-em": {"tp_migration_preflight": {"role": "new_em", **passed}},
        "agent01": {"tp_migration_preflight": {"role": "agent", **passed}},
        "agent02": {},
    }
    if agent02_preflight is not None:
        facts["agent02"]["tp_migration_preflight"] = agent02_preflight
    return facts


@pytest.fixture
def gate(run_action: RunAction, tmp_path: Path) -> Run:
    """Run the preflight gate as migrate.yml does, writing into tmp_path."""

    def run(facts: dict[str, t.Any], **args: t.Any) -> dict[str, t.Any]:
        task_args = {"phase": "preflight", "gate": ["old_em", "new_em"], "gate_if_run": ["agents"],
                     "folder": str(tmp_path), **args}
        return run_action(ActionModule, task_args, host_name="localhost", task_vars={"groups": GROUPS, "hostvars": facts})

    return run


def test_a_failed_preflight_closes_the_gate_and_is_reported(gate: Run, windows: FakeWindows, tmp_path: Path) -> None:
    """go false, the failing host with its error (as failures and host_failures), and both files written; no remote call."""
    result = gate(hostvars({"role": "agent", "ok": False, "error": REFUSED}))
    assert not result.get("failed") and result["changed"] is False
    assert result["go"] is False and result["failures"] == result["host_failures"] == {"agent02": REFUSED}
    assert result["outcome"] == "stopped after the preflight; nothing was changed", "the report written holds the decision"
    stem = str(tmp_path / "tp-migration-2026-11-24T023909Z")
    assert result["report"] == {"json": stem + ".json", "markdown": stem + ".md", "html": stem + ".html"}
    written = json.loads(Path(result["report"]["json"]).read_text(encoding="utf-8"))
    assert written["failed"] == {"agent02": REFUSED} and written["phase"] == "preflight"
    assert f"- `agent02`: {REFUSED}" in Path(result["report"]["markdown"]).read_text(encoding="utf-8")
    assert windows.calls == []


def test_an_agent_left_out_of_the_run_does_not_close_the_gate(gate: Run) -> None:
    """gate_if_run: agent02 recorded nothing (--limit), so the gate opens and nothing is reported failed."""
    result = gate(hostvars(None))
    assert result["go"] is True and result["failures"] == {} and result["host_failures"] == {}
    assert result["outcome"] == "in progress (last phase: preflight)"


def test_a_required_host_that_recorded_nothing_closes_the_gate(gate: Run) -> None:
    """gate: the new EM must have taken part; without its record the gate stays closed and says why."""
    facts = hostvars(None)
    facts["new-em"] = {}
    result = gate(facts)
    assert result["go"] is False and list(result["failures"]) == ["new-em"]
    assert "no preflight result was recorded" in result["failures"]["new-em"]
    assert result["host_failures"] == {}, "host_failures holds recorded errors only, whatever the gate"


def test_the_final_report_goes_to_the_default_folder_in_the_working_directory(
        run_action: RunAction, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """phase=done without gates: go true, the outcome from the recorded verification, files in ./tp-migration-reports."""
    monkeypatch.chdir(tmp_path)
    facts = hostvars({"role": "agent", "ok": True, "found": {}})
    facts["localhost"]["tp_migration"]["verification"] = {"expected": 2, "registered": ["agent01", "agent02"], "missing": []}
    result = run_action(ActionModule, {"phase": "done"}, host_name="localhost", task_vars={"groups": GROUPS, "hostvars": facts})
    assert result["go"] is True and result["outcome"] == "completed"
    assert result["report"]["markdown"] == "tp-migration-reports/tp-migration-2026-11-24T023909Z.md"
    assert (tmp_path / result["report"]["markdown"]).is_file() and (tmp_path / result["report"]["json"]).is_file()


def test_an_unknown_phase_is_refused(gate: Run, tmp_path: Path) -> None:
    """A phase migrate.yml does not have is an argument error, raised before any report is written."""
    with pytest.raises(AnsibleActionFail, match="phase"):
        gate(hostvars(None), phase="agent")
    assert list(tmp_path.iterdir()) == []


def test_the_gate_returns_its_decision_as_the_plan_fact(gate: Run) -> None:
    """The later plays read tp_migration: go false, the failed host under gates and preflight_failed."""
    plan = gate(hostvars({"role": "agent", "ok": False, "error": REFUSED}))["ansible_facts"]["tp_migration"]
    assert plan["go"] is False and plan["preflight_failed"] == ["agent02"]
    assert plan["gates"] == {"preflight": {"agent02": REFUSED}} and plan["started"] == STARTED


def test_a_preflight_failure_within_the_budget_leaves_the_agent_behind(gate: Run) -> None:
    """One agent of two at a 50 % budget: the gate opens, the agent joins skipped_agents and is still reported."""
    result = gate(hostvars({"role": "agent", "ok": False, "error": REFUSED}), agent_failure_budget=50)
    plan = result["ansible_facts"]["tp_migration"]
    assert result["go"] is True and result["left_behind"] == ["agent02"] and result["failures"] == {}
    assert plan["go"] is True and plan["skipped_agents"] == ["agent02"] and plan["preflight_failed"] == []
    assert result["host_failures"] == {"agent02": REFUSED}


def batch_facts(failed: list[str], agents: list[str]) -> dict[str, t.Any]:
    """Every agent of a batch with its repoint result, the ones named having failed."""
    facts = hostvars(None)
    facts["localhost"]["tp_migration"]["go"] = True
    for name in agents:
        facts[name] = {"tp_migration_result": {"role": "agent", "ok": name not in failed, "changed": True,
                                               **({"error": "Verify: not active"} if name in failed else {})}}
    return facts


@pytest.mark.parametrize(("agents", "failed", "go"), [
    (["agent01"], ["agent01"], False),  # the canary batch: one agent, no failure to spare
    ([f"agent{n:02}" for n in range(1, 11)], ["agent03"], True),  # 10 % of a batch of 10
    ([f"agent{n:02}" for n in range(1, 11)], ["agent03", "agent07"], False),  # 20 %
])
def test_the_batch_budget_counts_against_the_batch(run_action: RunAction, tmp_path: Path, agents: list[str],
                                                   failed: list[str], go: bool) -> None:
    """The run's one failure budget applied to a canary batch: beyond it the agent phase stops, within it goes on."""
    groups = {**GROUPS, "tp_agents": agents}
    args = {"phase": "agents", "batch": agents, "agent_failure_budget": 10, "folder": str(tmp_path)}
    result = run_action(ActionModule, args, host_name="localhost", task_vars={"groups": groups, "hostvars": batch_facts(failed, agents)})
    plan = result["ansible_facts"]["tp_migration"]
    assert result["go"] is go and plan["go"] is go and plan.get("agents_stopped", False) is not go
    assert sorted(result["host_failures"]) == failed, "a failure within the budget is still reported"
    written = json.loads(Path(result["report"]["json"]).read_text(encoding="utf-8"))
    assert written["phase"] == "agents" and sorted(written["failed"]) == failed


def test_the_plan_takes_other_group_names_and_the_later_phases_read_them(run_action: RunAction, tmp_path: Path) -> None:
    """groups: an inventory whose groups are em_old, em_new and workstations; the records come from those groups."""
    groups = {"em_old": ["old-em"], "em_new": ["new-em"], "workstations": ["agent01", "agent02"]}
    names = {"old_em": "em_old", "new_em": "em_new", "agents": "workstations"}
    facts = hostvars({"role": "agent", "ok": False, "error": REFUSED})
    plan = run_action(ActionModule, {"phase": "plan", "groups": names}, host_name="localhost",
                      task_vars={"groups": groups, "hostvars": facts})["ansible_facts"]["tp_migration"]
    assert plan["inventory_problems"] == [] and plan["old_em"] == "old-em" and plan["new_em"] == "new-em"
    assert plan["groups"] == {**names, "consoles": "tp_consoles"}
    facts["localhost"]["tp_migration"] = plan
    result = run_action(ActionModule, {"phase": "preflight", "gate": ["old_em", "new_em"], "gate_if_run": ["agents"],
                                       "folder": str(tmp_path)}, host_name="localhost", task_vars={"groups": groups, "hostvars": facts})
    assert result["failures"] == {"agent02": REFUSED}


def test_an_unknown_group_key_is_refused(run_action: RunAction) -> None:
    """A misspelt part of the estate names the keys there are, and no plan is made."""
    result = run_action(ActionModule, {"phase": "plan", "groups": {"agent": "workstations"}}, host_name="localhost",
                        task_vars={"groups": GROUPS, "hostvars": hostvars(None)})
    assert result["failed"] and "groups: unknown keys agent; the keys are old_em, new_em, consoles, agents" in result["msg"]
    assert "ansible_facts" not in result
