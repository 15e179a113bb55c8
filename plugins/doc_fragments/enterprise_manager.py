# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Options of the modules that act on an Enterprise Manager host, written once so they cannot drift apart.

The base holds ``em_service_name`` (tp_certs, tp_secret, tp_em_info, tp_agent_status). The ``transfer``
section adds what the two modules that copy from the old EM to the new one share (tp_certs, tp_secret).
A module that extends a section must not also document the same option: Ansible would let the module's
copy win, silently.
"""

from __future__ import annotations


class ModuleDocFragment:
    """em_service_name; the transfer section's source_host and require_stopped."""

    DOCUMENTATION = r"""
options:
  em_service_name:
    description:
      - The Enterprise Manager's Windows service name. Its binary path gives the EM install folder, where
        C(SecretMgr.exe), C(CertsInfo) and the EM PowerShell module are found. When the module talks to two
        EMs, the same name is used on both.
      - Named apart from the agent and console modules' O(netwrix.threat_prevention.tp_agent_config#module:service_name),
        so that C(module_defaults) for the action group cannot set one for the other.
    type: str
    default: SIEnterpriseManager
"""

    TRANSFER = r"""
options:
  source_host:
    description:
      - The inventory name of the old Enterprise Manager. The module opens its own connection to it with that
        host's inventory connection settings.
    type: str
    required: true
  require_stopped:
    description:
      - Refuse to change this EM (the new one) while its service is not stopped, as step 1 of the vendor
        procedure asks.
    type: bool
    default: true
"""
