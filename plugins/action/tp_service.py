# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for netwrix.threat_prevention.tp_service (documentation in plugins/modules)."""

from __future__ import annotations

import functools
import typing as t

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._action_base import TPActionBase
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._agent_status import AGENT_LIST_OPTIONS, columns_of
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._em_stop_gate import StopGate, check_em_stop
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._product import CONSOLE_CONFIG, SERVICE_NAMES
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._service import ServiceRequest, ensure_service, service_name
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._windows_host import WindowsHost


class ActionModule(TPActionBase):
    """Report a Threat Prevention service and bring it to a state."""

    ARGUMENT_SPEC = {
        "component": {"type": "str", "required": True, "choices": ["enterprise_manager", "agent"]},
        "name": {"type": "str"},
        "state": {"type": "str", "choices": ["started", "stopped", "restarted"]},
        "start_mode": {"type": "str", "choices": ["auto", "delayed", "manual", "disabled"]},
        "wait_for_ports": {"type": "list", "elements": "int", "default": []},
        "wait_timeout": {"type": "int", "default": 120},
        "successor": {"type": "str"},
        "successor_service_name": {"type": "str", "default": SERVICE_NAMES["enterprise_manager"]},
        "consoles": {"type": "list", "elements": "str", "default": []},
        "console_config_path": {"type": "str", "default": CONSOLE_CONFIG},
        "abandoned_agents": {"type": "list", "elements": "str", "default": []},
        "abandoned_consoles": {"type": "list", "elements": "str", "default": []},
        "agents_reconnect": {"type": "bool", "default": False},
        **AGENT_LIST_OPTIONS,
    }

    def run_tp(self, args: dict[str, t.Any], host: WindowsHost) -> dict[str, t.Any]:
        request = ServiceRequest(component=args["component"], name=service_name(args["component"], args["name"]),
                                 state=args["state"], start_mode=args["start_mode"],
                                 wait_for_ports=tuple(args["wait_for_ports"]), wait_timeout=args["wait_timeout"])
        stop_check = None
        if request.component == "enterprise_manager":
            gate = StopGate(columns=columns_of(args), module_file=args["module_file"], api_port=args["api_port"],
                            successor=args["successor"], successor_service=args["successor_service_name"],
                            consoles=tuple((name, self._console_path(name, args["console_config_path"]))
                                           for name in args["consoles"]),
                            abandoned_agents=tuple(args["abandoned_agents"]),
                            abandoned_consoles=tuple(args["abandoned_consoles"]), agents_reconnect=args["agents_reconnect"])
            stop_check = functools.partial(check_em_stop, host, gate=gate, peer=self.peer)
        return ensure_service(host, request, self.check_mode, self.diff_mode, stop_check)

    def _console_path(self, console: str, default: str) -> str:
        """A console's config file: its console_config_path host variable (the console role's), else the option."""
        hostvars = self._tp_task_vars.get("hostvars") or {}
        own = hostvars[console].get("console_config_path") if console in hostvars else None
        return str(own or default)
