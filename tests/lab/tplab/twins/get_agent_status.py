# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Twin of get_agent_status.ps1: refuse PowerShell 7, Import-Module, Connect-SIEnterpriseManager, Get-SIAgentStatus,
unroll, flatten.

What it models, and from where:

- ``$PSVersionTable.PSEdition`` is ``Core`` in PowerShell 7 and ``Desktop`` in Windows PowerShell 5.1
  (about_Automatic_Variables); ScriptRun.edition says which one runs the script (the exec wrapper's,
  or win_powershell's ``executable``).
- Import-Module of a missing file: Windows PowerShell's Modules_ModuleNotFound text. Under PowerShell 7
  a .NET Framework binary module loads, then fails when PowerShell reflects over its exported types
  and a Framework-only dependency is missing (PowerShell/PowerShell#3776, #15797, #12049: "Could not
  load file or assembly 'System.ServiceModel, Version=4.0.0.0, ...'"). That the EM's module depends on
  WCF (System.ServiceModel) is an assumption; the script never reaches this under Core, and
  ``import_module`` keeps the failure so a test shows why the script refuses Core first.
- Connect-SIEnterpriseManager fails unless the EM service runs and listens on the port; its real
  text is not documented (the lab's is its own).
- Get-SIAgentStatus writes what tplab.product.get_si_agent_status gives, in the estate's shape.
- ``Get-SIAgentStatus | ForEach-Object { $_ }`` is ``pstypes.unroll`` of each pipeline object: a
  script block's output is enumerated one level, a DataTable into its Rows (LanguagePrimitives
  .GetEnumerable special-cases DataTable, PowerShell src/System.Management.Automation/engine/
  LanguagePrimitives.cs DataTableEnumerable); a single object stays itself.
- The row: an IDictionary by its keys (``$_.PSObject.Properties`` of a Hashtable are Hashtable's own
  properties, not its keys); a DataRow by its table's columns (its adapter would add RowError,
  RowState, Table, ItemArray, HasErrors); anything else by ``$_.PSObject.Properties``. Each value is
  ``[string]`` (``pstypes.to_string``): an enum its name, a DateTime the invariant culture's form, an
  object its ToString(), an array its items joined by a space, $null and DBNull "".
"""

from __future__ import annotations

import typing as t

from tplab import product
from tplab.twins._run import ScriptError, ScriptRun
from tplab.windows import pstypes

SCRIPT_SHA256 = "18318647c3acb42cdce4702d2d139906d33eef2df137cf4b9818519c8c320b29"
PWSH_VERSION = "7.4.6"  # the PowerShell 7 the lab's hosts have (ScriptRun does not carry a version)
CORE_REFUSAL = ("get_agent_status needs Windows PowerShell 5.1: the Enterprise Manager's PowerShell module is a .NET "
                f"Framework module, and this is PowerShell {PWSH_VERSION} (Core).")


def get_agent_status(run: ScriptRun, params: dict[str, t.Any]) -> None:
    """Twin of get_agent_status.ps1, step by step."""
    run.changed = False
    if run.edition == "Core":
        raise ScriptError(CORE_REFUSAL)
    import_module(run, params["ModulePath"])
    port = int(params.get("Port") or 3740)
    address = params.get("Address") or "127.0.0.1"
    if product.running_service(run.host, "enterprise_manager") is None or port not in product.listening_ports(run.host):
        raise ScriptError(f"Unable to connect to the Enterprise Manager at {address}:{port}.")
    written = product.get_si_agent_status(run.estate, run.host)
    run.host_out.extend(written.host)
    run.output = [flatten(agent) for value in written.pipeline for agent in pstypes.unroll(value)]


def import_module(run: ScriptRun, module_path: str) -> None:
    """Import-Module -Name <the EM's SI.SIMonitor.PowerShell.dll>."""
    if not run.host.path(module_path).is_file():
        raise ScriptError(f"The specified module '{module_path}' was not loaded because no valid module file was found "
                          f"in any module directory.", "Modules_ModuleNotFound,Microsoft.PowerShell.Commands.ImportModuleCommand")
    if run.edition == "Core":
        raise ScriptError("Could not load file or assembly 'System.ServiceModel, Version=4.0.0.0, Culture=neutral, "
                          "PublicKeyToken=b77a5c561934e089'. The system cannot find the file specified.",
                          "System.IO.FileNotFoundException,Microsoft.PowerShell.Commands.ImportModuleCommand")


def flatten(agent: t.Any) -> dict[str, str]:
    """The script's second ForEach-Object: one agent as property name -> [string] of its value."""
    if isinstance(agent, dict):
        return {pstypes.to_string(key): pstypes.to_string(value) for key, value in agent.items()}
    if isinstance(agent, pstypes.PSDataRow):
        return {column: pstypes.to_string(agent.values[column]) for column in agent.table.columns}
    return {name: pstypes.to_string(value) for name, value in pstypes.properties(agent)}
