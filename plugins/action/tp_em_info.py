# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for netwrix.threat_prevention.tp_em_info (documentation in plugins/modules)."""

from __future__ import annotations

import functools
import typing as t

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._action_base import TPActionBase
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._em_info import InfoRequest, describe_and_compare, network_facts, raise_on_problems
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._product import SERVICE_NAMES
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._windows_host import WindowsHost


class ActionModule(TPActionBase):
    """Describe the Enterprise Manager on this host and, optionally, check it can take over from another."""

    CARRIES_SECRETS = True

    ARGUMENT_SPEC = {
        "em_service_name": {"type": "str", "default": SERVICE_NAMES["enterprise_manager"]},
        "compare_to": {"type": "str"},
        "databases": {"type": "list", "elements": "str", "default": ["NVMonitorConfig", "NVMonitorData"]},
        "skip_database_check": {"type": "bool", "default": False},
        "allow_powershell_logging": {"type": "bool", "default": False},
        "fail_on_problems": {"type": "bool", "default": True},
        "network": {"type": "bool", "default": False},
    }

    def run_tp(self, args: dict[str, t.Any], host: WindowsHost) -> dict[str, t.Any]:
        request = InfoRequest(service_name=args["em_service_name"], databases=tuple(args["databases"]),
                              skip_database_check=args["skip_database_check"], allow_powershell_logging=args["allow_powershell_logging"])
        other = functools.partial(self.peer, args["compare_to"]) if args["compare_to"] else None
        result = describe_and_compare(host, other, request)
        if args["network"]:
            result["network"] = network_facts(host, args["em_service_name"])
        if args["fail_on_problems"]:
            raise_on_problems(host.name, result)
        return result
