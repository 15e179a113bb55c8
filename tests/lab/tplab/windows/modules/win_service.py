# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Emulated ansible.windows.win_service: start, stop, restart and start mode of a service.

Starting a Threat Prevention service runs the emulated program's start-up (tplab.product), so an
agent reads its config and an EM checks its certificates exactly when the real ones would.
"""

from __future__ import annotations

import typing as t

from tplab import services
from tplab.windows.basic import AnsibleModule, ModuleSpec
from tplab.windows.modules._support import NOT_EMULATED, unsupported_options

ARGUMENT_SPEC: dict[str, dict[str, t.Any]] = {
    "dependencies": {"type": "list", "elements": "str"},
    "dependency_action": {"type": "str", "choices": ["add", "remove", "set"], "default": "set"},
    "desktop_interact": {"type": "bool", "default": False},
    "description": {"type": "str"},
    "display_name": {"type": "str"},
    "error_control": {"type": "str", "choices": ["critical", "ignore", "normal", "severe"]},
    "failure_actions": {"type": "list", "elements": "dict", "options": {
        "delay_ms": {"type": "raw", "default": 0, "aliases": ["delay"]},
        "type": {"type": "str", "required": True, "choices": ["none", "reboot", "restart", "run_command"]},
    }},
    "failure_actions_on_non_crash_failure": {"type": "bool"},
    "failure_command": {"type": "str"},
    "failure_reboot_msg": {"type": "str"},
    "failure_reset_period_sec": {"type": "raw", "aliases": ["failure_reset_period"]},
    "force_dependent_services": {"type": "bool", "default": False},
    "load_order_group": {"type": "str"},
    "name": {"type": "str", "required": True},
    "path": {"type": "str"},
    "password": {"type": "str", "no_log": True},
    "pre_shutdown_timeout_ms": {"type": "raw", "aliases": ["pre_shutdown_timeout"]},
    "required_privileges": {"type": "list", "elements": "str"},
    "service_type": {"type": "str", "choices": ["user_own_process", "user_share_process", "win32_own_process",
                                                "win32_share_process"]},
    "sid_info": {"type": "str", "choices": ["none", "restricted", "unrestricted"]},
    "start_mode": {"type": "str", "choices": ["auto", "delayed", "disabled", "manual"]},
    "state": {"type": "str", "choices": ["absent", "paused", "started", "stopped", "restarted"]},
    "update_password": {"type": "str", "choices": ["always", "on_create"], "no_log": False},
    "username": {"type": "str"},
}
SPEC = ModuleSpec("ansible.windows.win_service", ARGUMENT_SPEC)
EMULATED = {"name", "state", "start_mode", "force_dependent_services"}


def run(module: AnsibleModule) -> None:
    params = module.params
    unsupported = unsupported_options(params, EMULATED, ARGUMENT_SPEC)
    if unsupported or params["state"] in ("absent", "paused"):
        module.fail_json(f"win_service option(s) {', '.join(unsupported) or 'state=' + params['state']} {NOT_EMULATED}")
    host = module.session.host
    found = services.find(host, params["name"])
    if found is None:
        if params["state"] or params["start_mode"]:
            module.fail_json(f"Service '{params['name']}' is not installed, need to set 'path' to create a new service")
        module.result["exists"] = False
        return
    name, before = found
    changed = False
    try:
        if params["start_mode"] and params["start_mode"] != before["start_mode"]:
            changed = True
            if not module.check_mode:
                services.set_start_mode(host, name, params["start_mode"])
        state = params["state"]
        if state == "restarted" or (state == "started" and before["state"] != "started") or (
                state == "stopped" and before["state"] != "stopped"):
            changed = True
            if not module.check_mode:
                if state in ("stopped", "restarted"):
                    services.stop(host, name)
                if state in ("started", "restarted"):
                    services.start(host, name)
    except services.ServiceError as error:
        module.fail_json(f"Unhandled exception while executing module: {error}")
    after = host.system()["services"][name]
    shown_state = before["state"] if module.check_mode else after["state"]
    module.diff.update(before={"name": name, "state": before["state"], "start_mode": before["start_mode"]},
                       after={"name": name, "state": state or before["state"],
                              "start_mode": params["start_mode"] or before["start_mode"]})
    module.result.update(
        changed=changed, exists=True, name=name, display_name=after["display_name"],
        state="running" if shown_state == "started" else shown_state,
        start_mode=after["start_mode"] if not module.check_mode else (params["start_mode"] or before["start_mode"]),
        path=after["path"], can_pause_and_continue=False, description=after.get("description", ""),
        username="LocalSystem", desktop_interact=False, dependencies=[], depended_by=[],
    )
