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
    StatusColumns, StatusRequest, agent_key, missing_agents, summarize, wait_for_agents)
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._errors import TPError
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._windows_host import ServiceInfo

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


def request(*expect: str, timeout: int = 60, delay: int = 10) -> StatusRequest:
    return StatusRequest(service_name="SIEnterpriseManager", module_file="SI.SIMonitor.PowerShell.dll", port=3740,
                         columns=COLUMNS, expect=expect, timeout=timeout, delay=delay)


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
         "active": True},
        {"name": "agent02.corp", "names": ["agent02.corp"], "status": "active (modules pending)",
         "address": "10.0.0.11:3741", "active": True},
        {"name": "AGENT03", "names": ["AGENT03"], "status": "Stopped", "address": "10.0.0.11:3741", "active": False},
    ]


@pytest.mark.parametrize("status", ["Lost Connection", "Hardened", "No Agent", "", None, "Active (other)"])
def test_only_listed_statuses_are_active(status: str | None) -> None:
    """Anything but the active statuses (including a missing one) is not active: never a false 'present'."""
    (agent,) = summarize([row("AGENT01", status)], COLUMNS)  # type: ignore[arg-type]
    assert agent["active"] is False and agent["status"] == (status or "")


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


def test_missing_em_service_fails_clearly() -> None:
    """On a host that is not the EM, the error names the host and the service, and nothing is read."""
    host = FakeHost([[]], em_path=None)
    with pytest.raises(TPError) as caught:
        wait(host, request("agent01"), VirtualTime())
    assert caught.value.message.startswith("new-em: ") and "'SIEnterpriseManager' is not installed" in caught.value.message
    assert host.status_calls == []
