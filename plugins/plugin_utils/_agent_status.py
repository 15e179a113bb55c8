# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read which agents an Enterprise Manager lists, and wait for expected ones: behind tp_agent_status.

The vendor documents Get-SIAgentStatus ("Agent status from the Agent grid columns") but not the
property names of what it emits, so the columns to read are options with the grid's names as
defaults. An agent is matched by host name: the first DNS label, case-insensitively, of any name
column, so ``AGENT01``, ``agent01.corp.example`` and an inventory name ``agent01`` all meet.

FOR INTERNAL COLLECTION USE ONLY: this module may change in any release.
"""

from __future__ import annotations

import ipaddress
import time
import typing as t
from dataclasses import dataclass

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._errors import TPError
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._service_path import install_folder
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._windows_host import WindowsHost


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


def agent_key(name: str) -> str:
    """The part of a host name two spellings of the same agent share; an IP address is kept whole."""
    text = name.strip().lower()
    try:
        return ipaddress.ip_address(text.strip("[]")).compressed
    except ValueError:
        return text.split(".", 1)[0]


def summarize(rows: list[dict[str, t.Any]], columns: StatusColumns) -> list[dict[str, t.Any]]:
    """Reduce EM rows to name, names, status, address and active."""
    agents = []
    for row in rows:
        names = [str(row[column]) for column in columns.names if row.get(column)]
        if not names:
            continue
        status = str(row.get(columns.status) or "")
        agents.append({"name": names[0], "names": names, "status": status, "address": row.get(columns.address),
                       "active": status.lower() in {value.lower() for value in columns.active}})
    return agents


def missing_agents(agents: list[dict[str, t.Any]], expect: tuple[str, ...]) -> list[str]:
    """The expected names that have no active row."""
    active = {agent_key(name) for agent in agents if agent["active"] for name in agent["names"]}
    return [name for name in expect if agent_key(name) not in active]


def wait_for_agents(host: WindowsHost, request: StatusRequest, check_mode: bool,
                    sleep: t.Callable[[float], None] | None = None, clock: t.Callable[[], float] | None = None) -> dict[str, t.Any]:
    """Poll the EM until every expected agent is active or the timeout passes; report either way."""
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
        agents = summarize(host.agent_status(module_path, request.port), request.columns)
        missing = missing_agents(agents, request.expect)
        elapsed = clock() - started
        if not missing or check_mode or elapsed + request.delay > request.timeout:
            break
        sleep(request.delay)
    expected = [name for name in request.expect if name not in missing]
    return {"agents": agents, "registered": expected, "missing": missing, "attempts": attempts,
            "elapsed": round(elapsed, 1), "module_path": module_path}
