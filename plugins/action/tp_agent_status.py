# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for netwrix.threat_prevention.tp_agent_status (documentation in plugins/modules)."""

from __future__ import annotations

import typing as t

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._action_base import TPActionBase
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._agent_status import (
    AGENT_LIST_OPTIONS, StatusRequest, columns_of, wait_for_agents)
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._errors import TPError
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._product import SERVICE_NAMES
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._windows_host import WindowsHost


class ActionModule(TPActionBase):
    """List the agents an Enterprise Manager knows and wait for expected ones to be active."""

    ARGUMENT_SPEC = {
        "expect": {"type": "list", "elements": "str", "default": []},
        "timeout": {"type": "int", "default": 300},
        "delay": {"type": "int", "default": 10},
        "fail_on_missing": {"type": "bool", "default": True},
        "check_only": {"type": "bool", "default": False},
        "em_service_name": {"type": "str", "default": SERVICE_NAMES["enterprise_manager"]},
        "address_property": {"type": "str", "default": "Address"},
        **AGENT_LIST_OPTIONS,
    }

    def run_tp(self, args: dict[str, t.Any], host: WindowsHost) -> dict[str, t.Any]:
        columns = columns_of(args, args["address_property"])
        request = StatusRequest(service_name=args["em_service_name"], module_file=args["module_file"], port=args["api_port"],
                                columns=columns, expect=tuple(args["expect"]), timeout=args["timeout"], delay=args["delay"],
                                check_only=args["check_only"])
        result = wait_for_agents(host, request, self.check_mode)
        if result["missing"] and args["fail_on_missing"] and not (self.check_mode or args["check_only"]):
            raise TPError(f"{host.name}: {len(result['missing'])} agent(s) are not active on this Enterprise Manager after "
                          f"{result['elapsed']}s: {', '.join(result['missing'])}. Check each agent's service, its "
                          f"managerAddress, and that it can reach this EM on its agent port (3741 by default).", **result)
        return result
