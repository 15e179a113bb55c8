# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Twin of lib/service_record.ps1, and of the .NET resolver and socket tables the read scripts ask.

What it models, and where that comes from:
- ``Get-CimInstance Win32_Service -Filter "Name='...'"``: the service control manager's record (``system.json``),
  matched case-insensitively like WQL; State and StartMode mapped to win_service's words;
- ``[DateTimeOffset]$process.CreationDate`` for a running service's process (where ConstrainedLanguage mode stops);
- the executable of a command line: the quoted part, or the text up to ".exe" (``tplab.product.executable``);
- ``[Net.Dns]::GetHostAddresses(name)``: an IP literal comes back as itself without a lookup; a name is answered
  by the estate's DNS with every address of the host that has it; an unknown name throws SocketException, whose
  message on .NET Framework is "No such host is known" (Win32 WSAHOST_NOT_FOUND, 11001);
- ``IPGlobalProperties.GetActiveTcpListeners()``: the ports the host's running programs listen on;
- ``NetworkInterface.GetAllNetworkInterfaces()`` unicast addresses of the interfaces that are up, loopback left
  out: the host's addresses (``system.json``).
"""

from __future__ import annotations

import ipaddress
import typing as t

from tplab import product, services
from tplab.twins._run import ScriptRun

NO_SUCH_HOST = "No such host is known"


def service_record(run: ScriptRun, name: str) -> dict[str, t.Any] | None:
    """Get-ServiceRecord."""
    found = services.find(run.host, name)
    if not found:
        return None
    service_name, raw = found
    running = raw["state"] == "started"
    if running:
        run.dotnet()  # [DateTimeOffset] of the process's CreationDate
    return {"name": service_name, "display_name": raw["display_name"], "state": raw["state"],
            "start_mode": raw["start_mode"], "path": raw["path"], "accepts_stop": running and not raw.get("hardened"),
            "started_ms": raw.get("started_ms") if running else None}


def service_executable(command_line: str) -> str:
    """Get-ServiceExecutable."""
    return product.executable(command_line)


def get_host_addresses(run: ScriptRun, name: str) -> list[str]:
    """[Net.Dns]::GetHostAddresses, as IPAddressToString of each answer; raises LookupError for an unknown name."""
    run.dotnet()
    try:
        return [ipaddress.ip_address(name.strip("[]")).compressed]
    except ValueError:
        pass
    host = run.estate.resolve_name(name)
    if host is None:
        raise LookupError(NO_SUCH_HOST)
    return list(host.system()["addresses"])


def listening_ports(run: ScriptRun) -> set[int]:
    run.dotnet()
    return product.listening_ports(run.host)


def host_addresses(run: ScriptRun) -> list[str]:
    run.dotnet()
    return list(run.host.system()["addresses"])
