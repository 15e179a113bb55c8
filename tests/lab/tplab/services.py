# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The service control manager of an emulated host: look-up, start, stop, start mode.

Errors carry the text Windows PowerShell's Start-Service / Stop-Service give, because that is what
ansible.windows.win_service returns and what a user would paste into a search engine.
"""

from __future__ import annotations

import time
import typing as t

from tplab import product
from tplab.estate import Host


class ServiceError(Exception):
    """A service control request that Windows would refuse."""


def find(host: Host, name: str) -> tuple[str, dict[str, t.Any]] | None:
    """Service names are case-insensitive on Windows."""
    for key, service in host.system()["services"].items():
        if key.lower() == name.lower():
            return key, service
    return None


def start(host: Host, name: str) -> None:
    failure_message = None
    with host.editing_system() as system:
        service = system["services"][name]
        if service["state"] == "started":
            return
        refusal = (f"Service '{service['display_name']} ({name})' cannot be started due to the following error: "
                   f"Cannot start service {name} on computer '.'.")
        if service["start_mode"] == "disabled" or service.get("hardened"):
            raise ServiceError(refusal)
        try:
            if _start_fault(host, name):
                raise product.StartFailure("the program exited during start (fault injected by the lab)")
            remembered = product.start_program(host, service)
        except product.StartFailure as failure:
            service.update(state="stopped", last_start_error=str(failure))
            failure_message = refusal
        else:
            service.update(state="started", last_start_error=None, started_ms=time.time_ns() // 1_000_000, **remembered)
    if failure_message:
        raise ServiceError(failure_message)


def stop(host: Host, name: str) -> None:
    with host.editing_system() as system:
        service = system["services"][name]
        if service["state"] == "stopped":
            return
        if service.get("hardened"):
            raise ServiceError(f"Service '{service['display_name']} ({name})' cannot be stopped due to the following "
                               f"error: Cannot stop {name} service on computer '.'.")
        service.update(state="stopped", effective_manager=None, ports=[])


def set_start_mode(host: Host, name: str, start_mode: str) -> None:
    with host.editing_system() as system:
        service = system["services"][name]
        if service.get("hardened"):  # "protected from being altered, stopped, or started" locally
            raise ServiceError(f"Service '{service['display_name']} ({name})' cannot be configured due to the following "
                               f"error: Access is denied.")
        service["start_mode"] = start_mode


def _start_fault(host: Host, name: str) -> bool:
    fault = host.faults().get("service_start_fails")
    if fault is None:
        return False
    names = fault if isinstance(fault, list) else [fault]
    return any(entry in (True, "*") or str(entry).lower() == name.lower() for entry in names)
