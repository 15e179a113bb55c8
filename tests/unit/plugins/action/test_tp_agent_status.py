# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""tp_agent_status end to end: find the EM's module, read Get-SIAgentStatus, wait, report or fail."""

from __future__ import annotations

import functools
import typing as t

import pytest

from ansible_collections.netwrix.threat_prevention.plugins.action import tp_agent_status
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._agent_status import wait_for_agents

if t.TYPE_CHECKING:
    from action_runner import RunAction
    from fake_host import FakeWindows

Run = t.Callable[..., dict[str, t.Any]]  # the action, called with task args and run_action keywords

EM_PATH = r'"D:\Apps\Threat Prevention\SIEnterpriseManager\SIEnterpriseManager.exe" -service'
MODULE = r"D:\Apps\Threat Prevention\SIEnterpriseManager\SI.SIMonitor.PowerShell.dll"


def row(machine: str, fqdn: str, status: str = "Active") -> dict[str, t.Any]:
    """A Get-SIAgentStatus object as win_powershell serialises it."""
    return {"Machine": machine, "FQDN": fqdn, "Status": status, "Address": "10.0.0.11:3741", "Version String": "7.4.0.63"}


@pytest.fixture
def host(windows: FakeWindows) -> FakeWindows:
    """An EM in a custom folder that lists agent01 (active) and agent03 (stopped)."""
    windows.add_service("SIEnterpriseManager", EM_PATH)
    windows.agent_answers = [[row("AGENT01", "agent01.corp.example"), row("AGENT03", "agent03.corp.example", "Stopped")]]
    return windows


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Virtual time: the action's waits advance it instead of sleeping; returns the sleeps taken."""
    sleeps: list[float] = []
    monkeypatch.setattr(tp_agent_status, "wait_for_agents", functools.partial(
        wait_for_agents, sleep=sleeps.append, clock=lambda: float(sum(sleeps))))
    return sleeps


@pytest.fixture
def agent_status(run_action: RunAction, host: FakeWindows, clock: list[float]) -> Run:
    """Run tp_agent_status against ``host`` in virtual time."""
    del host, clock
    return lambda args, **kwargs: run_action(tp_agent_status.ActionModule, args, **kwargs)


def test_module_path_comes_from_the_em_service(agent_status: Run, host: FakeWindows) -> None:
    """The dll is looked for in the EM's own install folder, and the console port is used."""
    result = agent_status({})
    assert host.kinds() == ["win_service_info", "get_agent_status"]
    assert host.args_of("win_service_info") == [{"name": "SIEnterpriseManager"}]
    assert host.args_of("get_agent_status") == [{"ModulePath": MODULE, "Port": 3740}]
    assert result["module_path"] == MODULE and not result.get("failed") and result["changed"] is False


def test_agents_are_summarised(agent_status: Run) -> None:
    """Every listed agent comes back with its names, status, address and whether it is active."""
    result = agent_status({})
    assert result["agents"] == [
        {"name": "AGENT01", "names": ["AGENT01", "agent01.corp.example"], "status": "Active", "address": "10.0.0.11:3741",
         "active": True, "host": "agent01", "fqdn": "agent01.corp.example"},
        {"name": "AGENT03", "names": ["AGENT03", "agent03.corp.example"], "status": "Stopped", "address": "10.0.0.11:3741",
         "active": False, "host": "agent03", "fqdn": "agent03.corp.example"},
    ]


def test_names_match_by_first_label_case_insensitively(agent_status: Run, host: FakeWindows) -> None:
    """agent01, AGENT02.other.example and an FQDN-only row all meet on their first DNS label."""
    host.agent_answers = [[row("AGENT01", ""), row("", "agent02.corp.example")]]
    result = agent_status({"expect": ["agent01.corp.example", "AGENT02.other.example"]})
    assert result["registered"] == ["agent01.corp.example", "AGENT02.other.example"] and result["missing"] == []
    assert result["attempts"] == 1


def test_missing_agents_fail_by_default(agent_status: Run, clock: list[float]) -> None:
    """fail_on_missing (default) fails after the timeout, listing exactly the agents not active."""
    result = agent_status({"expect": ["agent01", "agent02", "agent03"], "timeout": 30, "delay": 10})
    assert result["failed"] is True and result["missing"] == ["agent02", "agent03"]
    assert "2 agent(s)" in result["msg"] and "agent02, agent03" in result["msg"] and result["msg"].startswith("agent01: ")
    assert clock == [10, 10, 10] and result["attempts"] == 4 and result["elapsed"] == 30  # last read at the deadline


def test_fail_on_missing_false_reports_instead(agent_status: Run) -> None:
    """fail_on_missing=false returns the missing names for the play to decide."""
    result = agent_status({"expect": ["agent01", "agent02"], "fail_on_missing": False, "timeout": 0})
    assert not result.get("failed") and result["missing"] == ["agent02"] and result["registered"] == ["agent01"]


def test_polls_until_the_agent_appears(agent_status: Run, host: FakeWindows, clock: list[float]) -> None:
    """An agent that registers between polls is found on the next read, after one delay."""
    host.agent_answers = [[], [row("AGENT02", "agent02.corp.example")]]
    result = agent_status({"expect": ["agent02"], "delay": 5})
    assert host.kinds() == ["win_service_info", "get_agent_status", "get_agent_status"]
    assert clock == [5] and result["attempts"] == 2 and result["missing"] == [] and not result.get("failed")


def test_check_mode_reads_once_and_does_not_fail(agent_status: Run, host: FakeWindows, clock: list[float]) -> None:
    """Check mode reads the list once, never waits, and reports missing agents without failing."""
    result = agent_status({"expect": ["agent02"]}, check_mode=True)
    assert host.kinds() == ["win_service_info", "get_agent_status"] and clock == []
    assert not result.get("failed") and result["missing"] == ["agent02"]


def test_missing_em_service_fails(agent_status: Run, host: FakeWindows) -> None:
    """On a host without the EM there is no module to load; the message says to target the EM."""
    host.services.clear()
    result = agent_status({"expect": ["agent01"]})
    assert host.kinds() == ["win_service_info"]
    assert result["failed"] is True and "'SIEnterpriseManager' is not installed" in result["msg"]


def test_script_error_is_reported_with_its_message(agent_status: Run, host: FakeWindows) -> None:
    """A terminating PowerShell error (e.g. no administrator role) becomes the task's message."""
    host.script_failures["get_agent_status"] = "Access denied: the account is not a Threat Prevention administrator."
    result = agent_status({"expect": ["agent01"]})
    assert result["failed"] is True
    assert result["msg"] == "agent01: Access denied: the account is not a Threat Prevention administrator."


def test_delegated_task_names_both_hosts(agent_status: Run) -> None:
    """Run on new-em for agent01, the failure names 'new-em (for agent01)'."""
    result = agent_status({"expect": ["agent02"], "timeout": 0}, delegate_to="new-em")
    assert result["failed"] is True and result["msg"].startswith("new-em (for agent01): ")


def test_check_only_reads_once_and_does_not_fail_on_missing(agent_status: Run, host: FakeWindows, clock: list[float]) -> None:
    """The preflight mode: one read, no wait, a report of what is listed, present and active; missing is not a failure."""
    result = agent_status({"expect": ["agent01", "agent03", "agent05"], "check_only": True})
    assert host.kinds() == ["win_service_info", "get_agent_status"] and clock == []
    assert not result.get("failed") and result["changed"] is False
    assert (result["listed"], result["present"], result["registered"], result["missing"]) == (
        2, ["agent01", "agent03"], ["agent01"], ["agent03", "agent05"])


def test_rows_without_the_status_property_fail_at_once(agent_status: Run, host: FakeWindows, clock: list[float]) -> None:
    """A wrong status_property fails the first read, naming the rows' properties and the options, without waiting."""
    result = agent_status({"expect": ["agent01"], "status_property": "State", "timeout": 300})
    assert result["failed"] is True and clock == [] and host.kinds() == ["win_service_info", "get_agent_status"]
    assert result["msg"].startswith("agent01: the Enterprise Manager listed 2 agent row(s), but they have no status "
                                    "property (State). Their properties are: Address, FQDN, Machine, Status, Version String.")
    assert "name_properties and status_property" in result["msg"]
