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
    from conftest import FakeWindows, RunAction

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
        task_args = {"phase": "preflight", "gate": ["tp_old_em", "tp_new_em"], "gate_if_run": ["tp_agents"],
                     "folder": str(tmp_path), **args}
        return run_action(ActionModule, task_args, host_name="localhost", task_vars={"groups": GROUPS, "hostvars": facts})

    return run


def test_a_failed_preflight_closes_the_gate_and_is_reported(gate: Run, windows: FakeWindows, tmp_path: Path) -> None:
    """go false, the failing host with its error (as failures and host_failures), and both files written; no remote call."""
    result = gate(hostvars({"role": "agent", "ok": False, "error": REFUSED}))
    assert not result.get("failed") and result["changed"] is False
    assert result["go"] is False and result["failures"] == result["host_failures"] == {"agent02": REFUSED}
    assert result["outcome"] == "incomplete: 1 host(s) failed; every agent not yet moved stays on the EM it was on"
    stem = str(tmp_path / "tp-migration-2026-11-24T023909Z")
    assert result["report"] == {"json": stem + ".json", "markdown": stem + ".md"}
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
