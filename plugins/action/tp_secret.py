# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for netwrix.threat_prevention.tp_secret (documentation in plugins/modules)."""

from __future__ import annotations

import functools
import typing as t

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._action_base import TPActionBase
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._product import SERVICE_NAMES
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._secret_transfer import SecretRequest, transfer
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._windows_host import WindowsHost


class ActionModule(TPActionBase):
    """Move the EM secret from the old EM to this one with SecretMgr.exe, never leaving the export on a disk."""

    CARRIES_SECRETS = True

    ARGUMENT_SPEC = {
        "source_host": {"type": "str", "required": True},
        "em_service_name": {"type": "str", "default": SERVICE_NAMES["enterprise_manager"]},
        "secretmgr": {"type": "str", "default": "SecretMgr.exe"},
        "export_locations": {"type": "list", "elements": "str", "default": ["C:\\Windows\\SysWOW64", "C:\\Windows\\System32"]},
        "state_folder": {"type": "str", "default": "C:\\ProgramData\\netwrix.threat_prevention"},
        "validate_only": {"type": "bool", "default": False},
        "require_stopped": {"type": "bool", "default": True},
        "secretmgr_timeout": {"type": "int", "default": 120},
    }

    def run_tp(self, args: dict[str, t.Any], host: WindowsHost) -> dict[str, t.Any]:
        request = SecretRequest(source_host=args["source_host"], service_name=args["em_service_name"],
                                secretmgr=args["secretmgr"], export_locations=tuple(args["export_locations"]),
                                state_folder=args["state_folder"], validate_only=args["validate_only"],
                                require_stopped=args["require_stopped"], secretmgr_timeout=args["secretmgr_timeout"])
        return transfer(host, functools.partial(self.peer, args["source_host"]), request, self.check_mode)
