# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for netwrix.threat_prevention.tp_service (documentation in plugins/modules)."""

from __future__ import annotations

import typing as t

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._action_base import TPActionBase
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
    }

    def run_tp(self, args: dict[str, t.Any], host: WindowsHost) -> dict[str, t.Any]:
        request = ServiceRequest(component=args["component"], name=service_name(args["component"], args["name"]),
                                 state=args["state"], start_mode=args["start_mode"],
                                 wait_for_ports=tuple(args["wait_for_ports"]), wait_timeout=args["wait_timeout"])
        return ensure_service(host, request, self.check_mode, self.diff_mode)
