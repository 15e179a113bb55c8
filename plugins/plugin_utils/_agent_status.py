# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read which agents an Enterprise Manager lists, and wait for expected ones: behind tp_agent_status.

The vendor documents Get-SIAgentStatus ("Agent status from the Agent grid columns") but not the
property names of what it emits, so the columns to read are options with the grid's names as
defaults. get_agent_status.ps1 turns every row into property name -> text on the host, so a row is
a flat dictionary whatever the cmdlet wrote. Property names compare case-insensitively, as in
PowerShell. Rows that come back without the configured name or status properties fail at once,
naming the properties they do have: waiting could never succeed with them.

An agent is matched by host name: the first DNS label, case-insensitively, of any name column, so
``AGENT01``, ``agent01.corp.example`` and an inventory name ``agent01`` all meet. A status matches
ignoring case, spaces and punctuation, so an enum's name (``ActiveModulesPending``) meets the grid's
text (``Active (Modules Pending)``).

FOR INTERNAL COLLECTION USE ONLY: this module may change in any release.
"""

from __future__ import annotations

import ipaddress
import re
import time
import typing as t
from dataclasses import dataclass

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._errors import TPError
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._product import CONSOLE_PORT
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._service_path import install_folder
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._windows_host import WindowsHost


# The options of every module that reads an agent list (doc fragment agent_list), and their defaults.
AGENT_LIST_OPTIONS: dict[str, dict[str, t.Any]] = {
    "module_file": {"type": "str", "default": "SI.SIMonitor.PowerShell.dll"},
    "api_port": {"type": "int", "default": CONSOLE_PORT},
    "name_properties": {"type": "list", "elements": "str", "default": ["Machine", "FQDN", "Name"]},
    "status_property": {"type": "str", "default": "Status"},
    "active_statuses": {"type": "list", "elements": "str", "default": ["Active", "Active (Modules Pending)"]},
}


@dataclass(frozen=True)
class StatusColumns:
    """Which properties of a Get-SIAgentStatus object hold the name(s), status and address."""

    names: tuple[str, ...]
    status: str
    address: str
    active: tuple[str, ...]


@dataclass(frozen=True)
class StatusRequest:
    """Where the EM's PowerShell module is and what to wait for."""

    service_name: str
    module_file: str
    port: int
    columns: StatusColumns
    expect: tuple[str, ...] = ()
    timeout: int = 300
    delay: int = 10
    check_only: bool = False  # read once and check the columns; never wait


def columns_of(args: dict[str, t.Any], address_property: str = "Address") -> StatusColumns:
    """The columns named by a module's agent_list options."""
    return StatusColumns(names=tuple(args["name_properties"]), status=args["status_property"], address=address_property,
                         active=tuple(args["active_statuses"]))


def read_agents(host: WindowsHost, module_path: str, port: int, columns: StatusColumns) -> list[dict[str, t.Any]]:
    """One read of the EM's agent list, checked for its columns and reduced to name, names, status, address, active."""
    rows = host.agent_status(module_path, port)
    check_columns(host.name, rows, columns)
    return summarize(rows, columns)


def agent_key(name: str) -> str:
    """The part of a host name two spellings of the same agent share; an IP address is kept whole."""
    text = name.strip().lower()
    try:
        return ipaddress.ip_address(text.strip("[]")).compressed
    except ValueError:
        return text.split(".", 1)[0]


def status_key(status: str) -> str:
    """What two spellings of one status share: its letters and digits, lower case."""
    return re.sub(r"[^0-9a-z]", "", status.lower())


def summarize(rows: list[dict[str, t.Any]], columns: StatusColumns) -> list[dict[str, t.Any]]:
    """Reduce EM rows to name, names, status, address and active."""
    active = {status_key(value) for value in columns.active}
    agents = []
    for row in rows:
        fields = {str(key).lower(): value for key, value in row.items()}
        names = [str(fields[column.lower()]) for column in columns.names if fields.get(column.lower())]
        if not names:
            continue
        status = str(fields.get(columns.status.lower()) or "")
        agents.append({"name": names[0], "names": names, "status": status, "address": fields.get(columns.address.lower()),
                       "active": status_key(status) in active, "host": agent_key(names[0]), "fqdn": _fqdn(names)})
    return agents


def _fqdn(names: list[str]) -> str | None:
    """The first name that is a dotted host name (not an IP address), lower case."""
    for name in names:
        if "." in name and agent_key(name) == name.strip().lower().split(".", 1)[0]:
            return name.strip().lower()
    return None


def check_columns(host_name: str, rows: list[dict[str, t.Any]], columns: StatusColumns) -> None:
    """Fail now when the EM's rows lack every name property or the status property: no wait could help."""
    names = sorted({str(key) for row in rows for key in row}, key=str.lower)
    have = {name.lower() for name in names}
    lacking = []
    if rows and not any(name.lower() in have for name in columns.names):
        lacking.append(f"none of the name properties ({', '.join(columns.names)})")
    if rows and columns.status.lower() not in have:
        lacking.append(f"no status property ({columns.status})")
    if not lacking:
        return
    shown = ", ".join(names[:30]) + (f" and {len(names) - 30} more" if len(names) > 30 else "")
    raise TPError(f"{host_name}: the Enterprise Manager listed {len(rows)} agent row(s), but they have "
                  f"{' and '.join(lacking)}. Their properties are: {shown or 'none'}. Set the tp_agent_status options "
                  f"name_properties and status_property (the agent role's agent_status_name_properties and "
                  f"agent_status_property) to the properties that hold the agent's name and status. Nothing was changed.")


def missing_agents(agents: list[dict[str, t.Any]], expect: tuple[str, ...]) -> list[str]:
    """The expected names that have no active row."""
    active = {agent_key(name) for agent in agents if agent["active"] for name in agent["names"]}
    return [name for name in expect if agent_key(name) not in active]


def listed_agents(agents: list[dict[str, t.Any]], expect: tuple[str, ...]) -> list[str]:
    """The expected names that have a row, whatever its status."""
    listed = {agent_key(name) for agent in agents for name in agent["names"]}
    return [name for name in expect if agent_key(name) in listed]


def unexpected_agents(agents: list[dict[str, t.Any]], expect: tuple[str, ...]) -> list[str]:
    """The listed agents none of whose names is expected: the EM knows them, the caller (the inventory) does not."""
    wanted = {agent_key(name) for name in expect}
    return [agent["name"] for agent in agents if not any(agent_key(name) in wanted for name in agent["names"])]


def wait_for_agents(host: WindowsHost, request: StatusRequest, check_mode: bool,
                    sleep: t.Callable[[float], None] | None = None, clock: t.Callable[[], float] | None = None) -> dict[str, t.Any]:
    """Poll the EM until every expected agent is active or the timeout passes; report either way.

    Check mode and ``check_only`` read once. Rows without the configured properties fail at the first read.
    """
    sleep, clock = sleep or time.sleep, clock or time.monotonic
    if request.delay < 1 or request.timeout < 0:
        raise TPError(f"{host.name}: delay must be at least 1 second and timeout at least 0 "
                      f"(got delay={request.delay}, timeout={request.timeout}). Nothing was read.")
    service = host.service(request.service_name)
    if service is None:
        raise TPError(f"{host.name}: the Enterprise Manager service '{request.service_name}' is not installed here, so "
                      f"its agent list cannot be read. Point the task at the EM host.")
    module_path = f"{install_folder(service.path)}\\{request.module_file}"
    started = clock()
    attempts = 0
    while True:
        attempts += 1
        agents = read_agents(host, module_path, request.port, request.columns)
        missing = missing_agents(agents, request.expect)
        elapsed = clock() - started
        if not missing or check_mode or request.check_only or elapsed + request.delay > request.timeout:
            break
        sleep(request.delay)
    expected = [name for name in request.expect if name not in missing]
    return {"agents": agents, "listed": len(agents), "present": listed_agents(agents, request.expect),
            "unexpected": unexpected_agents(agents, request.expect),
            "registered": expected, "missing": missing, "attempts": attempts, "elapsed": round(elapsed, 1),
            "module_path": module_path}
