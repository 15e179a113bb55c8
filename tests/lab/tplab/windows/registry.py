# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The registry values of an emulated host that the lab acts on: PowerShell logging policies.

system.json holds ``registry``: ``{"HKLM:\\SOFTWARE\\...": {"ValueName": value}}``. Key paths
compare case-insensitively, as in the registry.
"""

from __future__ import annotations

import typing as t

from tplab.estate import Host

POWERSHELL_POLICIES = "HKLM:\\SOFTWARE\\Policies\\Microsoft\\Windows\\PowerShell"
MODULE_LOGGING = POWERSHELL_POLICIES + "\\ModuleLogging"


def values(host: Host, key: str) -> dict[str, t.Any]:
    """The values of one key, or an empty dict when the key does not exist."""
    wanted = key.lower().rstrip("\\")
    for path, entries in (host.system().get("registry") or {}).items():
        if path.lower().rstrip("\\") == wanted:
            return dict(entries)
    return {}


def module_logging_enabled(host: Host) -> bool:
    return int(values(host, MODULE_LOGGING).get("EnableModuleLogging") or 0) == 1
