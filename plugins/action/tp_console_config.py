# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for netwrix.threat_prevention.tp_console_config (documentation in plugins/modules)."""

from __future__ import annotations

import typing as t

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._action_base import TPActionBase
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._agent_config import ConfigRequest, address_option, repoint
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._product import CONSOLE_CONFIG, CONSOLE_PORT
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._windows_host import WindowsHost


class ActionModule(TPActionBase):
    """Set managerAddress in a remote Administration Console's SIWinConsole.exe.Config, byte for byte."""

    ARGUMENT_SPEC = {
        "manager_address": {"type": "str", "required": True},
        "port": {"type": "int", "default": CONSOLE_PORT},
        "path": {"type": "str", "default": CONSOLE_CONFIG},
        "add_if_missing": {"type": "bool", "default": False},
        "backup": {"type": "bool", "default": True},
        "preflight": {"type": "bool", "default": False},
    }

    def run_tp(self, args: dict[str, t.Any], host: WindowsHost) -> dict[str, t.Any]:
        address = address_option(host.name, args["manager_address"], args["port"])
        request = ConfigRequest(address=address, service_name=None, path=args["path"], add_if_missing=args["add_if_missing"],
                                restart=False, backup=args["backup"], component="console", preflight=args["preflight"],
                                read_cache=self.read_cache,
                                # A console on an EM that is not up yet only waits for it; no agent depends on it. The
                                # decommission is what checks that every console points at the new EM (tp_service).
                                prove_target=False)
        result = repoint(host, request, self.check_mode, self.diff_mode)
        for agent_only in ("restarted", "pending_restart", "service_state", "hardened", "target"):  # a console has no service to restart
            result.pop(agent_only, None)
        if result["changed"] and not self.check_mode:
            result.setdefault("warnings", []).append(
                f"{host.name}: an Administration Console that is open keeps the address it started with; close and "
                f"reopen it to connect to {result['address']}.")
        return result
