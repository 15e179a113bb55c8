# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How an Enterprise Manager's agent list is read (Get-SIAgentStatus), shared by tp_agent_status and tp_service."""

from __future__ import annotations


class ModuleDocFragment:
    """module_file, api_port, name_properties, status_property and active_statuses."""

    DOCUMENTATION = r"""
options:
  module_file:
    description:
      - The EM PowerShell module's file name in the EM install folder.
    type: str
    default: SI.SIMonitor.PowerShell.dll
  api_port:
    description:
      - The EM's console and PowerShell API port (agents use another one, 3741).
    type: int
    default: 3740
  name_properties:
    description:
      - Properties of a C(Get-SIAgentStatus) object that hold the agent's name. The vendor does not
        document them; the defaults are the Agents grid's column names.
    type: list
    elements: str
    default: [Machine, FQDN, Name]
  status_property:
    description:
      - The property that holds the agent's status.
    type: str
    default: Status
  active_statuses:
    description:
      - Status values that mean the agent is connected to this EM.
      - They compare ignoring case, spaces and punctuation, so C(Active (Modules Pending)) also matches
        an enum's name C(ActiveModulesPending).
      - The Agents grid shows a hardened agent as C(Hardened). Whether that means "connected to this EM" is not
        documented, so it is not counted by default (a false "arrived" is worse than a false "missing" when the
        next step is to decommission the old EM). Add it once you have checked your EM.
    type: list
    elements: str
    default: [Active, Active (Modules Pending)]
"""
