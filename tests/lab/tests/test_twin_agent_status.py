# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading the EM's agent list in every shape Get-SIAgentStatus may write, through the emulated win_powershell.

The vendor documents the cmdlet but not its output, so the lab emits each plausible shape
(tplab.product.get_si_agent_status) and the emulated win_powershell converts what the script
writes with Convert-OutputObject at the depth the collection asks for. The collection's side is
the real WindowsHost.agent_status and wait_for_agents; outcomes are the agents the EM reports.
"""

from __future__ import annotations

import hashlib
import json
import typing as t
from dataclasses import replace

import pytest

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._agent_status import (
    StatusColumns, StatusRequest, missing_agents, summarize, wait_for_agents)
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._errors import TPError
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._windows_host import WindowsHost, _script_text
from tplab import product, twins
from tplab.estate import Estate, write_json_atomic
from tplab.twins import get_agent_status as twin
from tplab.windows import exec_wrapper, network
from tplab.windows.session import Session

COLUMNS = StatusColumns(names=("Machine", "FQDN", "Name"), status="Status", address="Address",
                        active=("Active", "Active (Modules Pending)"))
READABLE = [shape for shape in product.AGENT_STATUS_SHAPES if shape != "host"]
AGENTS = ["agent01", "agent02", "agent03", "agent04"]
# get_agent_status.ps1 before the rows were flattened on the host; _windows_host read it with depth 3.
OLD_SCRIPT = """[CmdletBinding(SupportsShouldProcess)]
param (
    [Parameter(Mandatory = $true)]
    [string]$ModulePath,
    [string]$Address = '127.0.0.1',
    [int]$Port = 3740
)
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

Import-Module -Name $ModulePath
$null = Connect-SIEnterpriseManager -Address $Address -Port $Port
Get-SIAgentStatus
"""


def old_twin(run: twins.ScriptRun, params: dict[str, t.Any]) -> None:
    """The old script, step by step: the cmdlet's objects go to the pipeline as they are."""
    run.changed = False
    twin.import_module(run, params["ModulePath"])
    written = product.get_si_agent_status(run.estate, run.host)
    run.host_out.extend(written.host)
    run.output = written.pipeline


class LabModules:
    """WindowsHost's execute_module, answered by the lab's emulated modules on one host; records the arguments."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.calls: list[dict[str, t.Any]] = []

    def __call__(self, module_name: str, module_args: dict[str, t.Any]) -> dict[str, t.Any]:
        self.calls.append({"module": module_name.rsplit(".", 1)[-1], **module_args})
        outcome = exec_wrapper.run_module(self.session, module_name, {**module_args, "_ansible_module_name": module_name})
        assert outcome.stdout.strip(), outcome.stderr
        return json.loads(outcome.stdout)


def shaped(estate: Estate, shape: str) -> Estate:
    """The estate with its EMs' Get-SIAgentStatus writing this shape."""
    config = estate.config()
    config["settings"]["agent_status_shape"] = shape
    write_json_atomic(estate.lab / "estate.json", config)
    return estate


def on_host(estate: Estate, name: str, edition: str = "Desktop") -> tuple[WindowsHost, LabModules]:
    modules = LabModules(replace(network.admin_session(estate, name), edition=edition))
    return WindowsHost(modules, name), modules


def module_path(estate: Estate, name: str) -> str:
    return product.install_folder(estate.host(name).system()["services"]["SIEnterpriseManager"]) + "\\SI.SIMonitor.PowerShell.dll"


def wait(host: WindowsHost, *expect: str, columns: StatusColumns = COLUMNS, timeout: int = 300) -> dict[str, t.Any]:
    """wait_for_agents, in virtual time that fails the test if it is ever slept on."""
    def no_sleep(seconds: float) -> None:
        raise AssertionError(f"waited {seconds}s: the agent list should have been decided at the first read")
    request = StatusRequest(service_name="SIEnterpriseManager", module_file="SI.SIMonitor.PowerShell.dll", port=3740,
                            columns=columns, expect=expect, timeout=timeout, delay=10)
    return wait_for_agents(host, request, False, sleep=no_sleep, clock=lambda: 0.0)


# Every shape but host: the same flat rows --------------------------------------------------------
@pytest.mark.parametrize("shape", READABLE)
def test_every_shape_reads_as_one_flat_text_row_per_agent(estate: Estate, shape: str) -> None:
    """Typed objects, one List, DataRows, one DataTable and PSCustomObjects all give a row of text per agent."""
    host, _modules = on_host(shaped(estate, shape), "old-em")
    rows = host.agent_status(module_path(estate, "old-em"), 3740)
    assert len(rows) == len(AGENTS) and all(isinstance(value, str) for row in rows for value in row.values())
    assert sorted(row["Machine"] for row in rows) == [name.upper() for name in AGENTS]
    assert all(row["Address"].startswith("10.20.") and row["Address"].endswith(":3741") for row in rows)
    assert {row["Status"] for row in rows} == {"Active"}


@pytest.mark.parametrize("shape", READABLE)
def test_every_shape_verifies_where_agents_are_active_and_only_there(estate: Estate, shape: str) -> None:
    """old-em (where the agents are) has them all active; new-em lists them as Lost Connection, so none is."""
    shaped(estate, shape)
    assert wait(on_host(estate, "old-em")[0], *AGENTS)["missing"] == []
    on_new = wait(on_host(estate, "new-em")[0], *AGENTS, timeout=0)
    assert on_new["missing"] == AGENTS and on_new["present"] == AGENTS and on_new["listed"] == len(AGENTS)
    assert {agent["status"].replace(" ", "") for agent in on_new["agents"]} == {"LostConnection"}


def test_datarows_come_back_as_their_columns_only(estate: Estate) -> None:
    """A DataRow is read by its table's columns, without the adapter's Table, ItemArray and RowState."""
    host, _modules = on_host(shaped(estate, "datarows"), "old-em")
    rows = host.agent_status(module_path(estate, "old-em"), 3740)
    assert all(set(row) == set(product.GRID_COLUMNS) for row in rows)


def test_the_rows_are_read_with_depth_2(estate: Estate) -> None:
    """Flat rows need no more: each row is at depth 1, each value at depth 0 (strings are kept at any depth)."""
    host, modules = on_host(estate, "old-em")
    host.agent_status(module_path(estate, "old-em"), 3740)
    assert [call["depth"] for call in modules.calls] == [2] and "executable" not in modules.calls[0]


# The old script, read with depth 3 (the defect) -------------------------------------------------
@pytest.fixture
def old_script(monkeypatch: pytest.MonkeyPatch) -> str:
    """The lab runs the old script text with its old twin (for these tests only)."""
    monkeypatch.setitem(twins.SCRIPT_SHA256, "old_get_agent_status", hashlib.sha256(OLD_SCRIPT.encode()).hexdigest())
    monkeypatch.setitem(twins.TWINS, "old_get_agent_status", old_twin)
    return OLD_SCRIPT


def old_read(estate: Estate, script: str) -> dict[str, t.Any]:
    _host, modules = on_host(estate, "old-em")
    return modules("ansible.windows.win_powershell", {"script": script, "error_action": "stop", "depth": 3,
                                                      "parameters": {"ModulePath": module_path(estate, "old-em"), "Port": 3740}})


def test_old_script_typed_objects_never_verify(estate: Estate, old_script: str) -> None:
    """Each Status comes back as {Type, String, Value}: its text never equals Active, so every agent stays missing."""
    rows = old_read(shaped(estate, "objects"), old_script)["output"]
    assert rows[0]["Status"] == {"Type": product.STATUS_ENUM, "String": "Active", "Value": 0}
    assert isinstance(rows[0]["Address"], dict)
    assert missing_agents(summarize(rows, COLUMNS), tuple(AGENTS)) == AGENTS


def test_old_script_one_list_crashes_the_summary(estate: Estate, old_script: str) -> None:
    """One List written as one object comes back as [[...]]: the summary meets a list where it expects a row."""
    rows = old_read(shaped(estate, "list"), old_script)["output"]
    assert len(rows) == 1 and isinstance(rows[0], list) and len(rows[0]) == len(AGENTS)
    with pytest.raises(AttributeError):
        summarize(rows, COLUMNS)


def test_old_script_datarows_carry_the_whole_table_in_every_row(estate: Estate, old_script: str) -> None:
    """Each DataRow expands its Table (with every row of it), ItemArray and RowState: the output grows with N²."""
    rows = old_read(shaped(estate, "datarows"), old_script)["output"]
    assert all(row["Table"]["Rows"] == ["System.Data.DataRow"] * len(AGENTS) for row in rows)
    assert rows[0]["RowState"] == {"Type": "System.Data.DataRowState", "String": "Unchanged", "Value": 2}


@pytest.mark.parametrize("shape", ["datatable", "host"])
def test_old_script_table_or_console_lists_no_agent(estate: Estate, old_script: str, shape: str) -> None:
    """One DataTable comes back as the table's own properties, a console table as nothing: no agent, ever."""
    rows = old_read(shaped(estate, shape), old_script)["output"]
    assert summarize(rows, COLUMNS) == []


# Printed instead of written; rows without the configured properties ------------------------------
def test_a_list_printed_to_the_console_fails_at_once_with_what_it_printed(estate: Estate) -> None:
    """Output empty, host_out not: the first read fails, quoting the console and naming what to check."""
    host, modules = on_host(shaped(estate, "host"), "new-em")
    with pytest.raises(TPError) as caught:
        wait(host, "agent01")
    message = caught.value.message
    assert message.startswith("new-em: Get-SIAgentStatus returned no agent objects and printed this to the console")
    assert "Machine FQDN Status" in message and "AGENT01 agent01.corp.example" in message
    assert "administrator role" in message and "SI.SIMonitor.PowerShell.dll" in message
    assert [call["module"] for call in modules.calls] == ["win_service_info", "win_powershell"]


@pytest.mark.parametrize(("columns", "lacking"), [
    (replace(COLUMNS, status="State"), "no status property (State)"),
    (replace(COLUMNS, names=("ComputerName", "DnsName")), "none of the name properties (ComputerName, DnsName)"),
])
def test_rows_without_the_configured_properties_fail_at_once(estate: Estate, columns: StatusColumns, lacking: str) -> None:
    """Typed objects name their version VersionString, not 'Version String': the message lists what the rows have."""
    host, modules = on_host(estate, "new-em")
    with pytest.raises(TPError) as caught:
        wait(host, "agent01", columns=columns)
    message = caught.value.message
    assert message.startswith("new-em: the Enterprise Manager listed 4 agent row(s), but they have " + lacking)
    assert "ADAgent, Address, CertificateThumbprint, EventsInQueue, FQDN, LastRegistration, Machine, Modules, Status, " \
           "VersionString" in message
    assert "name_properties" in message and "status_property" in message and "AGENT01" not in message
    assert len([call for call in modules.calls if call["module"] == "win_powershell"]) == 1


# PowerShell 7 ------------------------------------------------------------------------------------
def test_under_powershell_7_the_list_is_read_in_windows_powershell(estate: Estate) -> None:
    """The exec wrapper runs in pwsh: the script refuses before Import-Module, the call is repeated once in
    powershell.exe, and the host keeps using powershell.exe for its later reads."""
    host, modules = on_host(estate, "old-em", edition="Core")
    first = host.agent_status(module_path(estate, "old-em"), 3740)
    second = host.agent_status(module_path(estate, "old-em"), 3740)
    assert [call.get("executable") for call in modules.calls] == [None, "powershell.exe", "powershell.exe"]
    assert len(first) == len(second) == len(AGENTS) and {row["Status"] for row in first} == {"Active"}


def test_the_script_refuses_powershell_7_by_edition(estate: Estate) -> None:
    """executable: pwsh.exe (where installed) runs the script in PowerShell 7: it stops before loading the module."""
    with estate.host("old-em").editing_system() as system:
        system.setdefault("powershell", {})["pwsh_installed"] = True
    _host, modules = on_host(estate, "old-em")
    result = modules("ansible.windows.win_powershell", {
        "script": _script_text("get_agent_status"), "error_action": "stop", "depth": 2, "executable": "pwsh.exe",
        "parameters": {"ModulePath": module_path(estate, "old-em"), "Port": 3740}})
    assert result["failed"] is True and result["output"] == []
    assert result["error"][0]["exception"]["message"] == twin.CORE_REFUSAL


def test_importing_the_em_module_in_powershell_7_fails(estate: Estate) -> None:
    """Why the script refuses Core first: the .NET Framework module's dependencies do not load in PowerShell 7."""
    run = twins.ScriptRun(estate=estate, host=estate.host("old-em"), check_mode=False, edition="Core")
    with pytest.raises(twins.ScriptError, match=r"Could not load file or assembly 'System\.ServiceModel"):
        twin.import_module(run, module_path(estate, "old-em"))
    twin.import_module(replace(run, edition="Desktop"), module_path(estate, "old-em"))
