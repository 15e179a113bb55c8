# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Emulated ansible.windows.win_wait_for: wait for a port on an emulated host to listen.

A port listens while a running emulated program listens on it (tplab.product.listening_ports);
the module polls every ``sleep`` seconds until ``timeout``, as the real one does.
"""

from __future__ import annotations

import time
import typing as t

from tplab import product
from tplab.windows.basic import AnsibleModule, ModuleSpec
from tplab.windows.modules._support import NOT_EMULATED, unsupported_options

ARGUMENT_SPEC: dict[str, dict[str, t.Any]] = {
    "connect_timeout": {"type": "int", "default": 5},
    "delay": {"type": "int"},
    "exclude_hosts": {"type": "list", "elements": "str"},
    "host": {"type": "str", "default": "127.0.0.1"},
    "path": {"type": "path"},
    "port": {"type": "int"},
    "regex": {"type": "str", "aliases": ["search_regex", "regexp"]},
    "sleep": {"type": "int", "default": 1},
    "state": {"type": "str", "choices": ["absent", "drained", "present", "started", "stopped"], "default": "started"},
    "timeout": {"type": "int", "default": 300},
}
SPEC = ModuleSpec("ansible.windows.win_wait_for", ARGUMENT_SPEC)
EMULATED = {"connect_timeout", "delay", "host", "port", "sleep", "state", "timeout"}
LOCAL_NAMES = {"127.0.0.1", "localhost", "::1"}


def run(module: AnsibleModule) -> None:
    params = module.params
    unsupported = unsupported_options(params, EMULATED, ARGUMENT_SPEC)
    if unsupported or params["port"] is None or params["state"] != "started":
        module.fail_json(f"win_wait_for without a port, state other than started, or option(s) {unsupported} {NOT_EMULATED}")
    host = module.session.host
    target = host if params["host"].lower() in LOCAL_NAMES else host.estate.resolve_name(params["host"])
    started = time.monotonic()
    if params["delay"]:
        time.sleep(params["delay"])
    attempts = 0
    while True:
        attempts += 1
        if target is not None and params["port"] in product.listening_ports(target):
            module.result.update(elapsed=round(time.monotonic() - started, 2), wait_attempts=attempts)
            return
        if time.monotonic() - started >= params["timeout"]:
            module.fail_json(f"timeout while waiting for {params['host']}:{params['port']} to start listening",
                             elapsed=round(time.monotonic() - started, 2), wait_attempts=attempts)
        time.sleep(params["sleep"])
