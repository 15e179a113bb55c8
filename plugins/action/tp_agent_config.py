# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for netwrix.threat_prevention.tp_agent_config (documentation in plugins/modules)."""

from __future__ import annotations

import typing as t

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._action_base import TPActionBase
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._agent_config import (
    ConfigRequest, TargetCheck, address_option, repoint, settings_option)
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._product import AGENT_CA_FILE, AGENT_PORT, SERVICE_NAMES
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._windows_host import WindowsHost


class ActionModule(TPActionBase):
    """Set managerAddress (towards a proven EM) and any other appSettings keys in an agent's config, byte for byte."""

    ARGUMENT_SPEC = {
        "manager_address": {"type": "str"},
        "settings": {"type": "dict"},
        "port": {"type": "int", "default": AGENT_PORT},
        "path": {"type": "str"},
        "service_name": {"type": "str", "default": SERVICE_NAMES["agent"]},
        "add_if_missing": {"type": "bool", "default": False},
        "restart": {"type": "bool", "default": True},
        "backup": {"type": "bool", "default": True},
        "preflight": {"type": "bool", "default": False},
        "em_host": {"type": "str"},
        "em_service_name": {"type": "str", "default": SERVICE_NAMES["enterprise_manager"]},
        "em_proof_max_age": {"type": "int", "default": 300},
        "ca_file": {"type": "str", "default": AGENT_CA_FILE},
        "prove_target": {"type": "bool", "default": True},
    }
    REQUIRED_ONE_OF = [["manager_address", "settings"]]

    def run_tp(self, args: dict[str, t.Any], host: WindowsHost) -> dict[str, t.Any]:
        address = None if args["manager_address"] is None else address_option(host.name, args["manager_address"], args["port"])
        settings = settings_option(host.name, args["settings"] or {})
        target = None
        if args["em_host"]:
            target = TargetCheck(em_host=args["em_host"], ca_file=args["ca_file"],
                                 prove=self.em_prover(args["em_host"], args["em_service_name"], args["em_proof_max_age"]))
        request = ConfigRequest(address=address, settings=settings, service_name=args["service_name"], path=args["path"],
                                add_if_missing=args["add_if_missing"], restart=args["restart"], backup=args["backup"],
                                keep_record=True, preflight=args["preflight"], target=target, read_cache=self.read_cache,
                                prove_target=args["prove_target"])
        return repoint(host, request, self.check_mode, self.diff_mode)
