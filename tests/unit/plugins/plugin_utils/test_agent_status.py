# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading the EM's agent list and waiting for expected agents, in virtual time.

tp_agent_status is the proof that an agent has moved before anything is decommissioned, so a
false "present" is the worst bug here: matching, the active test and the stop conditions are pinned.
"""

from __future__ import annotations

import typing as t

import pytest

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._agent_status import (
    StatusColumns, StatusRequest, agent_key, check_columns, missing_agents, summarize, wait_for_agents)
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._errors import TPError
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._windows_host import ServiceInfo, WindowsHost

COLUMNS = StatusColumns(names=("Machine", "FQDN", "Name"), status="Status", address="Address",
                        active=("Active", "Active (Modules Pending)"))
EM_PATH = r'"E:\NTP\SIEnterpriseManager\SIEnterpriseManager.exe" -service'


def row(machine: str | None, status: str = "Active", **extra: t.Any) -> dict[str, t.Any]:
    return {"Machine": machine, "Status": status, "Address": "10.0.0.11:3741", **extra}


class FakeHost:
    """The two WindowsHost methods wait_for_agents uses; agent_status answers from a script of polls."""

    def __init__(self, answers: list[list[dict[str, t.Any]]], em_path: str | None = EM_PATH) -> None:
        self.name = "new-em"
        self.answers = answers
        self.em_path = em_path
        self.status_calls: list[tuple[str, int]] = []

    def service(self, name: str) -> ServiceInfo | None:
        if self.em_path is None:
            return None
        return ServiceInfo(name=name, display_name=name, state="started", start_mode="auto", path=self.em_path,
                           accepts_stop=True)

    def agent_status(self, module_path: str, port: int) -> list[dict[str, t.Any]]:
        self.status_calls.append((module_path, port))
        return self.answers[min(len(self.status_calls), len(self.answers)) - 1]


class VirtualTime:
    """A clock that only moves when slept on."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


def request(*expect: str, timeout: int = 60, delay: int = 10, check_only: bool = False,
            columns: StatusColumns = COLUMNS) -> StatusRequest:
    return StatusRequest(service_name="SIEnterpriseManager", module_file="SI.SIMonitor.PowerShell.dll", port=3740,
                         columns=columns, expect=expect, timeout=timeout, delay=delay, check_only=check_only)


def wait(host: FakeHost, req: StatusRequest, time: VirtualTime, check_mode: bool = False) -> dict[str, t.Any]:
    return wait_for_agents(host, req, check_mode, sleep=time.sleep, clock=time.clock)  # type: ignore[arg-type]


# ---- agent_key / summarize / missing_agents ------------------------------------------------------

@pytest.mark.parametrize(("name", "key"), [
    ("agent01", "agent01"), ("AGENT01", "agent01"), ("Agent01.Corp.Example", "agent01"), (" agent01.corp ", "agent01"),
    ("agent01.", "agent01"),
    ("10.20.1.5", "10.20.1.5"), ("FD00::0:10", "fd00::10"), ("[fd00::10]", "fd00::10"),
])
def test_agent_key_is_the_lower_case_first_label(name: str, key: str) -> None:
    """NetBIOS name, FQDN and inventory name of one machine share a key."""
    assert agent_key(name) == key


def test_summarize_reduces_rows() -> None:
    """Names in column order (empty ones dropped), status as text, active by case-insensitive status."""
    rows = [row("AGENT01", FQDN="agent01.corp.example", Name=""), row(None, "active (modules pending)", FQDN="agent02.corp"),
            row("AGENT03", "Stopped")]
    assert summarize(rows, COLUMNS) == [
        {"name": "AGENT01", "names": ["AGENT01", "agent01.corp.example"], "status": "Active", "address": "10.0.0.11:3741",
         "active": True, "host": "agent01", "fqdn": "agent01.corp.example"},
        {"name": "agent02.corp", "names": ["agent02.corp"], "status": "active (modules pending)",
         "address": "10.0.0.11:3741", "active": True, "host": "agent02", "fqdn": "agent02.corp"},
        {"name": "AGENT03", "names": ["AGENT03"], "status": "Stopped", "address": "10.0.0.11:3741", "active": False,
         "host": "agent03", "fqdn": None},
    ]


@pytest.mark.parametrize("status", ["Lost Connection", "Hardened", "No Agent", "", None, "Active (other)"])
def test_only_listed_statuses_are_active(status: str | None) -> None:
    """Anything but the active statuses (including a missing one) is not active: never a false 'present'."""
    (agent,) = summarize([row("AGENT01", status)], COLUMNS)  # type: ignore[arg-type]
    assert agent["active"] is False and agent["status"] == (status or "")


@pytest.mark.parametrize("status", ["ActiveModulesPending", "ACTIVE (MODULES PENDING)", "Active_Modules-Pending", "active"])
def test_status_spellings_of_an_active_status_are_active(status: str) -> None:
    """An enum's name (no spaces or parentheses) and the grid's text of the same status meet."""
    assert summarize([row("AGENT01", status)], COLUMNS)[0]["active"] is True


@pytest.mark.parametrize("status", ["LostConnection", "Lost Connection", "NoAgent", "Inactive", "Active2"])
def test_other_statuses_stay_inactive_whatever_their_spelling(status: str) -> None:
    """Only the letters and digits of a listed status count: a longer or different word is not active."""
    assert summarize([row("AGENT01", status)], COLUMNS)[0]["active"] is False


def test_property_names_compare_case_insensitively_as_in_powershell() -> None:
    """PowerShell's property names ignore case, so 'machine' and 'STATUS' read the same columns."""
    (agent,) = summarize([{"machine": "AGENT01", "STATUS": "Active", "address": "10.0.0.1:3741"}], COLUMNS)
    assert (agent["name"], agent["status"], agent["address"], agent["active"]) == ("AGENT01", "Active", "10.0.0.1:3741", True)


def test_rows_without_any_name_are_skipped() -> None:
    """A row with no name column cannot match anything, so it is left out rather than shown nameless."""
    assert summarize([{"Status": "Active", "Address": "x"}, row("")], COLUMNS) == []


def test_names_that_are_not_text_are_stringified() -> None:
    """PowerShell may serialise a name as a number; it still reads as a name."""
    assert summarize([row(42)], COLUMNS)[0]["names"] == ["42"]  # type: ignore[arg-type]


def test_missing_agents_keeps_the_callers_spelling_and_order() -> None:
    """Missing names come back as given in expect; inactive rows do not count as present."""
    agents = summarize([row("AGENT01", FQDN="agent01.corp"), row("AGENT02", "Stopped"), row("x", FQDN="AGENT04.corp")],
                       COLUMNS)
    assert missing_agents(agents, ("Agent04", "agent02.corp.example", "agent01", "agent03")) == [
        "agent02.corp.example", "agent03"]


def test_missing_agents_does_not_match_a_prefix() -> None:
    """agent1 is not agent10: keys compare whole labels."""
    assert missing_agents(summarize([row("agent10")], COLUMNS), ("agent1",)) == ["agent1"]


# ---- check_columns -------------------------------------------------------------------------------

def test_rows_with_a_name_and_the_status_pass_the_column_check() -> None:
    """One name property is enough (others may be absent); no rows at all is not a column problem."""
    check_columns("new-em", [{"FQDN": "agent01.corp", "Status": ""}], COLUMNS)
    check_columns("new-em", [], COLUMNS)


def test_rows_without_the_status_property_fail_naming_what_they_have() -> None:
    """The message names the host, the missing property, the rows' property names (never values) and the options."""
    rows = [{"Machine": "AGENT01", "State": "Active", "Endpoint": "10.9.8.7:3741"}, {"Machine": "AGENT02", "Version": "7.4"}]
    with pytest.raises(TPError) as caught:
        check_columns("old-em", rows, COLUMNS)
    message = caught.value.message
    assert message.startswith("old-em: the Enterprise Manager listed 2 agent row(s), but they have no status property (Status).")
    assert "Their properties are: Endpoint, Machine, State, Version." in message
    assert "name_properties and status_property" in message and "agent_status_property" in message
    assert not any(value in message for value in ("AGENT01", "AGENT02", "10.9.8.7", "7.4"))


def test_rows_without_any_name_property_fail_too() -> None:
    """Neither Machine, FQDN nor Name: both gaps are named in one message."""
    with pytest.raises(TPError, match=r"none of the name properties \(Machine, FQDN, Name\) and no status property \(Status\)"):
        check_columns("old-em", [{"Computer": "AGENT01", "State": "Active"}], COLUMNS)


def test_a_long_property_list_is_cut() -> None:
    """A row with many properties names the first 30 and counts the rest."""
    with pytest.raises(TPError, match=r"P29 and 10 more\."):
        check_columns("old-em", [{f"P{index:02d}": "" for index in range(40)}], COLUMNS)


# ---- wait_for_agents -----------------------------------------------------------------------------

def test_module_path_is_built_from_the_em_binary_path() -> None:
    """The dll is looked for in the folder of the EM's executable, with the port asked for."""
    host = FakeHost([[]])
    result = wait(host, request(), VirtualTime())
    assert host.status_calls == [(r"E:\NTP\SIEnterpriseManager\SI.SIMonitor.PowerShell.dll", 3740)]
    assert result["module_path"] == r"E:\NTP\SIEnterpriseManager\SI.SIMonitor.PowerShell.dll"


def test_polls_until_the_expected_agent_is_present() -> None:
    """Stops polling as soon as every expected agent is active, after one delay per miss."""
    time = VirtualTime()
    host = FakeHost([[], [row("AGENT01", "Stopped")], [row("AGENT01")], [row("never-read")]])
    result = wait(host, request("agent01", delay=7), time)
    assert len(host.status_calls) == 3 and time.sleeps == [7, 7]
    assert (result["attempts"], result["elapsed"], result["missing"], result["registered"]) == (3, 14.0, [], ["agent01"])


def test_stops_at_the_timeout_and_reports_the_missing() -> None:
    """A never-registering agent costs timeout/delay + 1 reads, and the last read is not followed by a sleep."""
    time = VirtualTime()
    host = FakeHost([[row("AGENT01")]])
    result = wait(host, request("agent01", "agent02", timeout=25, delay=10), time)
    assert time.sleeps == [10, 10] and result["attempts"] == 3
    assert result["missing"] == ["agent02"] and result["registered"] == ["agent01"] and result["elapsed"] == 20.0


def test_no_expectation_reads_once() -> None:
    """Without expect there is nothing to wait for: one read, no sleep."""
    time = VirtualTime()
    result = wait(FakeHost([[row("AGENT01")]]), request(), time)
    assert result["attempts"] == 1 and time.sleeps == [] and result["missing"] == []


def test_check_mode_reads_once_and_does_not_wait() -> None:
    """Check mode reports what is missing now, without polling."""
    time = VirtualTime()
    host = FakeHost([[], [row("AGENT01")]])
    result = wait(host, request("agent01"), time, check_mode=True)
    assert len(host.status_calls) == 1 and time.sleeps == [] and result["missing"] == ["agent01"]


def test_rows_without_the_configured_properties_fail_at_the_first_read() -> None:
    """No waiting for a timeout that could never end well: the first read with rows fails."""
    time = VirtualTime()
    host = FakeHost([[], [{"Computer": "AGENT01", "State": "Active"}]])
    with pytest.raises(TPError, match="none of the name properties"):
        wait(host, request("agent01", timeout=300), time)
    assert len(host.status_calls) == 2 and time.sleeps == [10]  # the empty first list is simply "not yet"


def test_check_only_reads_once_and_reports_listed_present_and_active() -> None:
    """check_only never waits: it says how many are listed, which expected ones are there, and which are active."""
    time = VirtualTime()
    host = FakeHost([[row("AGENT01"), row("AGENT02", "Stopped"), row("AGENT09")], [row("AGENT03")]])
    result = wait(host, request("agent01", "agent02", "agent03", timeout=300, check_only=True), time)
    assert len(host.status_calls) == 1 and time.sleeps == []
    assert (result["listed"], result["present"], result["registered"], result["missing"]) == (
        3, ["agent01", "agent02"], ["agent01"], ["agent02", "agent03"])


def test_check_only_fails_on_unreadable_columns() -> None:
    """The preflight use: the check runs against whatever the EM lists now."""
    with pytest.raises(TPError, match="no status property"):
        wait(FakeHost([[{"Machine": "AGENT01"}]]), request(check_only=True), VirtualTime())


def test_missing_em_service_fails_clearly() -> None:
    """On a host that is not the EM, the error names the host and the service, and nothing is read."""
    host = FakeHost([[]], em_path=None)
    with pytest.raises(TPError) as caught:
        wait(host, request("agent01"), VirtualTime())
    assert caught.value.message.startswith("new-em: ") and "'SIEnterpriseManager' is not installed" in caught.value.message
    assert host.status_calls == []


# ---- WindowsHost.agent_status ----------------------------------------------------------------------

class PowerShellHost:
    """win_powershell on an EM host: answers get_agent_status with one result per executable."""

    def __init__(self, answers: dict[str | None, dict[str, t.Any]]) -> None:
        self.answers = answers
        self.calls: list[dict[str, t.Any]] = []

    def __call__(self, module_name: str, module_args: dict[str, t.Any]) -> dict[str, t.Any]:
        assert module_name == "ansible.windows.win_powershell"
        self.calls.append(dict(module_args))
        return {"changed": False, "output": [], "host_out": "", "error": [], **self.answers[module_args.get("executable")]}


def failed(message: str) -> dict[str, t.Any]:
    return {"failed": True, "error": [{"exception": {"message": message}}]}


REFUSAL = ("get_agent_status needs Windows PowerShell 5.1: the Enterprise Manager's PowerShell module is a .NET "
           "Framework module, and this is PowerShell 7.4.6 (Core).")
MODULE = r"C:\TP\SIEnterpriseManager\SI.SIMonitor.PowerShell.dll"


def test_agent_status_reads_flat_rows_with_depth_2() -> None:
    """The script flattens on the host; depth 2 is all the rows need, and one call is made."""
    rows = [{"Machine": "AGENT01", "Status": "Active"}]
    modules = PowerShellHost({None: {"output": rows}})
    assert WindowsHost(modules, "new-em").agent_status(MODULE, 3740) == rows
    assert len(modules.calls) == 1 and modules.calls[0]["depth"] == 2 and "executable" not in modules.calls[0]
    assert modules.calls[0]["parameters"] == {"ModulePath": MODULE, "Port": 3740}


def test_under_powershell_7_the_call_is_repeated_in_powershell_exe_and_kept() -> None:
    """The script's refusal under Core makes one more call in powershell.exe; later reads go there directly."""
    rows = [{"Machine": "AGENT01", "Status": "Active"}]
    modules = PowerShellHost({None: failed(REFUSAL), "powershell.exe": {"output": rows}})
    host = WindowsHost(modules, "new-em")
    assert host.agent_status(MODULE, 3740) == rows and host.agent_status(MODULE, 3740) == rows
    assert [call.get("executable") for call in modules.calls] == [None, "powershell.exe", "powershell.exe"]
    assert host.calls == 3


def test_other_script_errors_are_not_retried() -> None:
    """Only the Core refusal is repeated; anything else is the task's error, named by host."""
    modules = PowerShellHost({None: failed("Unable to connect to the Enterprise Manager at 127.0.0.1:3740.")})
    with pytest.raises(TPError, match=r"^new-em: Unable to connect"):
        WindowsHost(modules, "new-em").agent_status(MODULE, 3740)
    assert len(modules.calls) == 1


def test_a_refusal_in_powershell_exe_too_is_reported_not_looped() -> None:
    """If powershell.exe also reports Core (a misconfigured host), the error is shown after one retry."""
    modules = PowerShellHost({None: failed(REFUSAL), "powershell.exe": failed(REFUSAL)})
    with pytest.raises(TPError, match="needs Windows PowerShell 5.1"):
        WindowsHost(modules, "new-em").agent_status(MODULE, 3740)
    assert len(modules.calls) == 2


def test_a_list_printed_to_the_console_fails_with_its_start() -> None:
    """No objects but console text: the message quotes its start (whitespace folded, cut at 200) and what to check."""
    printed = "\r\nMachine   FQDN   Status\r\n-------   ----   ------\r\n" + "AGENT01   agent01.corp   Active\r\n" * 20
    modules = PowerShellHost({None: {"host_out": printed}})
    with pytest.raises(TPError) as caught:
        WindowsHost(modules, "new-em").agent_status(MODULE, 3740)
    message = caught.value.message
    assert message.startswith("new-em: Get-SIAgentStatus returned no agent objects and printed this to the console "
                              "instead: 'Machine FQDN Status ------- ---- ------ AGENT01 agent01.corp Active AGENT01")
    assert "...'. Check that the account" in message and "administrator role" in message and MODULE in message
    assert message.endswith("Nothing was changed.")


def test_no_objects_and_no_console_text_is_an_empty_list() -> None:
    """An EM with no agents yet: nothing to read is not an error (the wait decides)."""
    assert WindowsHost(PowerShellHost({None: {"host_out": " \r\n"}}), "new-em").agent_status(MODULE, 3740) == []


def test_agents_the_em_lists_but_nobody_expects_are_named() -> None:
    from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._agent_status import (
        StatusColumns, summarize, unexpected_agents)
    columns = StatusColumns(names=("Machine", "FQDN"), status="Status", address="Address", active=("Active",))
    agents = summarize([{"Machine": "AGENT01", "FQDN": "agent01.corp.example", "Status": "Active"},
                        {"Machine": "FS07", "FQDN": "fs07.corp.example", "Status": "LostConnection"},
                        {"Machine": "10.0.0.9", "Status": "Stopped"}], columns)
    assert unexpected_agents(agents, ("agent01.corp.example",)) == ["FS07", "10.0.0.9"]
    assert [(agent["host"], agent["fqdn"]) for agent in agents] == [
        ("agent01", "agent01.corp.example"), ("fs07", "fs07.corp.example"), ("10.0.0.9", None)]
