# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Emulated ansible.windows.win_service_info: the services of an emulated host."""

from __future__ import annotations

import fnmatch
import typing as t

from tplab.windows.basic import AnsibleModule, ModuleSpec

ARGUMENT_SPEC: dict[str, dict[str, t.Any]] = {"name": {"type": "str"}}
SPEC = ModuleSpec("ansible.windows.win_service_info", ARGUMENT_SPEC)


def describe(name: str, service: dict[str, t.Any]) -> dict[str, t.Any]:
    """A service in the real module's return format (every documented key)."""
    running = service["state"] == "started"
    controls = ["shutdown"] if service.get("hardened") else ["stop", "shutdown"]
    return {
        "checkpoint": 0, "controls_accepted": controls if running else [], "dependencies": [], "dependency_of": [],
        "description": service.get("description", ""), "desktop_interact": False, "display_name": service["display_name"],
        "error_control": "normal", "failure_actions": [], "failure_action_on_non_crash_failure": False,
        "failure_command": None, "failure_reboot_msg": None, "failure_reset_period_sec": 0, "launch_protection": "none",
        "load_order_group": "", "name": name, "path": service["path"], "pre_shutdown_timeout_ms": 180000,
        "preferred_node": None, "process_id": service.get("process_id", 4242) if running else 0,
        "required_privileges": [], "service_exit_code": 0, "service_flags": [], "service_type": "win32_own_process",
        "sid_info": "none", "start_mode": service["start_mode"], "state": service["state"], "triggers": [],
        "username": "LocalSystem", "wait_hint_ms": 0, "win32_exitcode": 0,
    }


def run(module: AnsibleModule) -> None:
    pattern = (module.params["name"] or "*").lower()
    services = [describe(name, service) for name, service in sorted(module.session.host.system()["services"].items())
                if fnmatch.fnmatchcase(name.lower(), pattern) or fnmatch.fnmatchcase(service["display_name"].lower(), pattern)]
    module.result.update(exists=bool(services), services=services)
