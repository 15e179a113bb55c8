# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for netwrix.threat_prevention.tp_certs (documentation in plugins/modules)."""

from __future__ import annotations

import functools
import typing as t

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._action_base import TPActionBase
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._cert_transfer import CertsRequest, transfer
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._product import SERVICE_NAMES
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._windows_host import WindowsHost


class ActionModule(TPActionBase):
    """Move the four CertsInfo PEM files from the old EM to this one, through controller memory only."""

    CARRIES_SECRETS = True

    ARGUMENT_SPEC = {
        "source_host": {"type": "str", "required": True},
        "em_service_name": {"type": "str", "default": SERVICE_NAMES["enterprise_manager"]},
        "source_folder": {"type": "str"},
        "folder": {"type": "str"},
        "validate_only": {"type": "bool", "default": False},
        "backup": {"type": "bool", "default": True},
        "require_stopped": {"type": "bool", "default": True},
    }

    def run_tp(self, args: dict[str, t.Any], host: WindowsHost) -> dict[str, t.Any]:
        request = CertsRequest(source_host=args["source_host"], service_name=args["em_service_name"],
                               source_folder=args["source_folder"], folder=args["folder"], validate_only=args["validate_only"],
                               backup=args["backup"], require_stopped=args["require_stopped"])
        return transfer(host, functools.partial(self.peer, args["source_host"]), request, self.check_mode, self.diff_mode)
