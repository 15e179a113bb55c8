# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How the emulated Threat Prevention programs behave, from the vendor documentation.

- The agent reads ``SIWindowsAgent.exe.config`` when its service starts (a file .NET cannot load
  makes the start fail) and connects to the EM its ``managerAddress`` names.
- The EM refuses to start unless the four PEM files in its CertsInfo form a valid CA/EM set and
  ``Secret.dpapi`` decrypts with this host's machine key; once started it listens on 3741 (agents)
  and 3740 (consoles, PowerShell API).
- An agent is Active on an EM when its service runs, its address resolves to that EM, the EM runs
  and listens on the port, and both trust the same CA. The EMs share one database, so each lists
  every agent; only the one an agent is connected to shows it Active.
- Get-SIAgentStatus writes that list in the shape the estate's ``agent_status_shape`` names (the
  vendor does not document its output): typed objects by default, see AGENT_STATUS_SHAPES.

Nothing here decides an outcome by fiat: each status is computed from the files and services
the collection has (or has not) changed.
"""

from __future__ import annotations

import ntpath
import re
import typing as t
from dataclasses import dataclass
from datetime import datetime, timezone

from tplab import dotnet_config
from tplab.estate import Estate, Host
from tplab.windows import pstypes

# tplab.certs and tplab.dpapi load the cryptography package, a tenth of a second that every
# emulated module call (one process each) would pay; they are imported where certificates or
# secrets are actually checked.

EM_PORTS = {"agent": 3741, "console": 3740}
CONSOLE_FOLDER = r"C:\Program Files\Netwrix\Netwrix Threat Prevention\SIWinConsole"  # the documented default
CONSOLE_CONFIG = CONSOLE_FOLDER + "\\SIWinConsole.exe.Config"
AGENT_CERTS = ("ca-crt.pem", "agent-crt.pem")
EM_CERTS = ("Ca-crt.pem", "Ca-key.pem", "Em-crt.pem", "Em-key.pem")


class StartFailure(Exception):
    """The program exited during start; the message is what its log would say."""


def executable(binary_path: str) -> str:
    """The executable of a service command line (quoted, unquoted with spaces, or with arguments)."""
    text = binary_path.strip()
    if text.startswith('"'):
        return text[1:].split('"', 1)[0]
    match = re.match(r"^(.+?\.exe)(?=\s|$)", text, re.IGNORECASE)
    return match.group(1) if match else text.split(" ", 1)[0]


def install_folder(service: dict[str, t.Any]) -> str:
    return ntpath.dirname(executable(service["path"]))


def start_program(host: Host, service: dict[str, t.Any]) -> dict[str, t.Any]:
    """Run the program's start-up; return what it remembers while running, or raise StartFailure."""
    if service["program"] == "agent":
        return {"effective_manager": _agent_manager_address(host, service)}
    if service["program"] == "enterprise_manager":
        _check_em_files(host, service)
        return {"ports": sorted(EM_PORTS.values())}
    return {}


def _agent_manager_address(host: Host, service: dict[str, t.Any]) -> str:
    config = host.path(executable(service["path"]) + ".config")
    if not config.is_file():
        raise StartFailure(f"configuration file {config.name} not found")
    try:
        address = dotnet_config.read_app_setting(config.read_bytes(), "managerAddress")
    except dotnet_config.ConfigReadError as error:
        raise StartFailure(f"Configuration system failed to initialize: {error}") from None
    if not address:
        raise StartFailure("managerAddress is not set in the configuration file")
    return address


def _check_em_files(host: Host, service: dict[str, t.Any]) -> None:
    from tplab import certs, dpapi
    folder = install_folder(service) + "\\CertsInfo"
    files = {}
    for name in EM_CERTS:
        path = host.path(f"{folder}\\{name}")
        if path.is_file():
            files[name] = path.read_bytes()
        elif name != "Ca-key.pem":  # "absent if custom signed"
            raise StartFailure(f"{name} is missing from {folder}")
    try:
        certs.check_em_set(files["Ca-crt.pem"], files.get("Ca-key.pem"), files["Em-crt.pem"], files["Em-key.pem"])
    except certs.CertificateProblem as error:
        raise StartFailure(f"certificate check failed: {error}") from None
    secret = host.path(f"{folder}\\Secret.dpapi")
    if not secret.is_file():
        raise StartFailure(f"Secret.dpapi is missing from {folder}")
    try:
        dpapi.unprotect(host.system()["machine_key"], secret.read_bytes())
    except dpapi.DecryptError as error:
        raise StartFailure(f"cannot decrypt Secret.dpapi: {error}") from None


def listening_ports(host: Host) -> set[int]:
    """Ports the host's running programs listen on."""
    ports: set[int] = set()
    for service in host.system()["services"].values():
        if service["state"] == "started":
            ports.update(service.get("ports", []))
    return ports


def running_service(host: Host, program: str) -> dict[str, t.Any] | None:
    for service in host.system()["services"].values():
        if service["program"] == program and service["state"] == "started":
            return service
    return None


def parse_manager(text: str, default_port: int) -> tuple[str, int]:
    """The lab's own reading of host[:port] (independent of the collection's parser)."""
    text = text.strip()
    bracketed = re.match(r"^\[([^\]]+)\](?::(\d+))?$", text)
    if bracketed:
        return bracketed.group(1), int(bracketed.group(2) or default_port)
    if text.count(":") == 1:
        name, port = text.split(":")
        return name, int(port) if port.isdigit() else -1
    return text, default_port


def connected_em(estate: Estate, agent: Host) -> Host | None:
    """The EM this agent is connected to right now, if any."""
    service = running_service(agent, "agent")
    if service is None or not service.get("effective_manager"):
        return None
    name, port = parse_manager(service["effective_manager"], estate.setting("agent_default_port"))
    em = estate.resolve_name(name)
    em_service = None if em is None else running_service(em, "enterprise_manager")
    if em is None or em_service is None or port not in listening_ports(em):
        return None
    if port != EM_PORTS["agent"] or agent.name in (em.faults().get("blocks_agents") or []):
        return None
    return em if _same_ca(agent, em, service, em_service) else None


def _same_ca(agent: Host, em: Host, agent_service: dict[str, t.Any], em_service: dict[str, t.Any]) -> bool:
    """Both services as read once above: another playbook (an AWX slice) may restart the agent in between."""
    from tplab import certs
    agent_folder = install_folder(agent_service) + "\\CertsInfo"
    em_folder = install_folder(em_service) + "\\CertsInfo"
    agent_ca, agent_cert = (agent.path(f"{agent_folder}\\{name}") for name in AGENT_CERTS)
    em_ca = em.path(f"{em_folder}\\Ca-crt.pem")
    if not (agent_ca.is_file() and agent_cert.is_file() and em_ca.is_file()):
        return False
    same_root = certs.fingerprint(agent_ca.read_bytes()) == certs.fingerprint(em_ca.read_bytes())
    return same_root and certs.issued_by(agent_cert.read_bytes(), em_ca.read_bytes())


def agent_status_rows(estate: Estate, em: Host) -> list[dict[str, t.Any]]:
    """The Agents grid of this EM, as text: every agent in the shared database, with its status here."""
    return [row for _agent, row in _grid(estate, em)]


def _grid(estate: Estate, em: Host) -> list[tuple[Host, dict[str, t.Any]]]:
    rows = []
    for agent in estate.hosts("agent"):
        system = agent.system()
        if running_service(agent, "agent") is None:
            status = "Stopped"
        elif connected_em(estate, agent) == em:
            status = "Active"
        else:
            status = "Lost Connection"
        rows.append((agent, {"Machine": system["computer_name"], "FQDN": system["fqdn"], "Status": status,
                             "Address": f"{system['addresses'][0]}:{EM_PORTS['agent']}",
                             "Version String": system["product_version"]}))
    return rows


# What Get-SIAgentStatus writes (estate setting agent_status_shape). The vendor documents the cmdlet ("Displays
# Agent status from the Agent grid columns") but not its output, so the lab offers each shape a binary cmdlet
# plausibly has. "objects" is the default: a binary module's Get- cmdlet most often calls Cmdlet.WriteObject once
# per instance of its own model class, whose properties are .NET types (an enum for a fixed set of statuses, an
# endpoint object for "IP:port", a DateTime); the other shapes are what a cmdlet that passes on a List or the
# grid's own DataTable writes, PSCustomObjects of flat text (what the lab emitted before), and a cmdlet that prints
# a table to the host instead of writing objects.
AGENT_STATUS_SHAPES = ("objects", "list", "datarows", "datatable", "pscustomobject", "host")
DEFAULT_AGENT_STATUS_SHAPE = "objects"
# The documented grid columns (vendor: Agents grid) and statuses; the .NET type names are the lab's invention.
GRID_COLUMNS = ("Machine", "Address", "Version String", "Events In Queue", "Certificate Thumbprint", "FQDN",
                "Last Registration", "Modules", "AD Agent", "Status")
STATUSES = ("Active", "Active (Modules Pending)", "Stopped", "Lost Connection", "No Agent", "Hardened")
AGENT_TYPE = ("SI.SIMonitor.PowerShell.AgentStatus", "System.Object")
STATUS_ENUM = "SI.SIMonitor.PowerShell.AgentState"
_NEVER = datetime(1, 1, 1, tzinfo=timezone.utc)  # DateTime.MinValue: an agent that has not registered


@dataclass(frozen=True)
class CmdletOutput:
    """What a cmdlet produced: the objects it wrote to the pipeline, and the lines it wrote to the host."""

    pipeline: list[t.Any]
    host: list[str]


def get_si_agent_status(estate: Estate, em: Host) -> CmdletOutput:
    """Get-SIAgentStatus on this EM, in the estate's shape, as values of tplab.windows.pstypes."""
    grid = _grid(estate, em)
    shape = estate.setting("agent_status_shape")
    if shape == "objects":
        return CmdletOutput([_typed(agent, row) for agent, row in grid], [])
    if shape == "list":  # WriteObject(list) without enumerateCollection: one pipeline object
        return CmdletOutput([[_typed(agent, row) for agent, row in grid]], [])
    if shape in ("datarows", "datatable"):
        table = pstypes.PSDataTable("Agents", GRID_COLUMNS)
        for agent, row in grid:
            table.add_row(_grid_cells(agent, row))
        return CmdletOutput(list(table.rows) if shape == "datarows" else [table], [])
    if shape == "pscustomobject":
        custom = (pstypes.PS_CUSTOM_OBJECT, "System.Object")
        return CmdletOutput([pstypes.PSObject(custom, dict(row)) for _agent, row in grid], [])
    if shape == "host":
        return CmdletOutput([], _format_table([row for _agent, row in grid]))
    raise ValueError(f"unknown agent_status_shape {shape!r}; known: {', '.join(AGENT_STATUS_SHAPES)}")


def _typed(agent: Host, row: dict[str, t.Any]) -> pstypes.PSObject:
    """One agent as an instance of a model class: enum status, endpoint address, DateTime registration."""
    ip = agent.system()["addresses"][0]
    return pstypes.PSObject(AGENT_TYPE, {
        "Machine": row["Machine"], "Address": _endpoint(ip, EM_PORTS["agent"]), "VersionString": row["Version String"],
        "EventsInQueue": 0, "CertificateThumbprint": "", "FQDN": row["FQDN"], "LastRegistration": _registered(agent),
        "Modules": [], "ADAgent": False,
        "Status": pstypes.PSEnum(STATUS_ENUM, re.sub(r"[^A-Za-z]", "", row["Status"]), STATUSES.index(row["Status"])),
    })


def _grid_cells(agent: Host, row: dict[str, t.Any]) -> dict[str, t.Any]:
    """One agent as a row of the grid's DataTable: display text, with a count, a flag and a DateTime."""
    return {**row, "Events In Queue": 0, "Certificate Thumbprint": "", "Last Registration": _registered(agent),
            "Modules": "", "AD Agent": False}


def _endpoint(ip: str, port: int) -> pstypes.PSObject:
    """A System.Net.IPEndPoint: ToString() is "ip:port"; its Address is an IPAddress object."""
    family = pstypes.PSEnum("System.Net.Sockets.AddressFamily", "InterNetworkV6" if ":" in ip else "InterNetwork",
                            23 if ":" in ip else 2)
    address = pstypes.PSObject(("System.Net.IPAddress", "System.Object"), {
        "AddressFamily": family, "IsIPv6LinkLocal": False, "IsIPv6Multicast": False, "IsIPv6SiteLocal": False,
        "IsIPv6Teredo": False, "IsIPv4MappedToIPv6": False, "IPAddressToString": ip}, text=ip)
    return pstypes.PSObject(("System.Net.IPEndPoint", "System.Net.EndPoint", "System.Object"),
                            {"AddressFamily": family, "Address": address, "Port": port}, text=f"{ip}:{port}")


def _registered(agent: Host) -> pstypes.PSDateTime:
    """When the running agent started (the lab's agents register at once), else DateTime.MinValue."""
    service = running_service(agent, "agent")
    started = service.get("started_ms") if service else None
    return pstypes.PSDateTime(datetime.fromtimestamp(started / 1000, timezone.utc) if started else _NEVER)


def _format_table(rows: list[dict[str, t.Any]]) -> list[str]:
    """Format-Table's text: a blank line, headers, dashes, one line per row, a blank line (nothing for no rows)."""
    if not rows:
        return []
    columns = ("Machine", "FQDN", "Status", "Address", "Version String")
    widths = [max([len(column)] + [len(str(row[column])) for row in rows]) for column in columns]
    lines = [columns, tuple("-" * width for width in widths),
             *(tuple(str(row[column]) for column in columns) for row in rows)]
    return ["", *(" ".join(cell.ljust(width) for cell, width in zip(cells, widths)).rstrip() for cells in lines), ""]
