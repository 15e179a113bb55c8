# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Twin of get_agent_status.ps1."""

from __future__ import annotations

import typing as t

from tplab import product
from tplab.twins._run import ScriptError, ScriptRun

SCRIPT_SHA256 = "f6124571ea8ee6a2c524fd7e7ea08f390c2836d62b0ab2c4e51b2fc29fa8554e"


def get_agent_status(run: ScriptRun, params: dict[str, t.Any]) -> None:
    """Twin of get_agent_status.ps1: Import-Module, Connect-SIEnterpriseManager, Get-SIAgentStatus."""
    run.changed = False
    module_path = params["ModulePath"]
    if not run.host.path(module_path).is_file():
        raise ScriptError(f"The specified module '{module_path}' was not loaded because no valid module file was found "
                          f"in any module directory.", "Modules_ModuleNotFound,Microsoft.PowerShell.Commands.ImportModuleCommand")
    port = int(params.get("Port") or 3740)
    address = params.get("Address") or "127.0.0.1"
    if product.running_service(run.host, "enterprise_manager") is None or port not in product.listening_ports(run.host):
        raise ScriptError(f"Unable to connect to the Enterprise Manager at {address}:{port}.")
    run.output = product.agent_status_rows(run.estate, run.host)
