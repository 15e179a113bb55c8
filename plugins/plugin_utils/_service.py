# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Find a Threat Prevention service and bring it to a state: the logic behind tp_service.

Also used by tp_agent_config to restart an agent, so a hardened agent is explained the same way
wherever it is met.

FOR INTERNAL COLLECTION USE ONLY: this module may change in any release.
"""

from __future__ import annotations

import re
import typing as t
from dataclasses import dataclass

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._errors import TPError
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._product import SERVICE_NAMES
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._service_path import install_folder
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._windows_host import ServiceInfo, WindowsHost

SOFTEN_HINT = ("Soften the agent first in the Administration Console (Agents, right-click the agent, Soften Agent), "
               "then run again; harden it again afterwards if your policy requires it.")


@dataclass(frozen=True)
class ServiceRequest:
    """What the caller wants of one service; None fields mean "leave as it is"."""

    component: str
    name: str
    state: str | None = None  # started, stopped, restarted
    start_mode: str | None = None  # auto, delayed, manual, disabled
    wait_for_ports: tuple[int, ...] = ()
    wait_timeout: int = 120


def service_name(component: str, name: str | None) -> str:
    """The service name: the override when given, else the product default for the component."""
    return name or SERVICE_NAMES[component]


def find_service(host: WindowsHost, request: ServiceRequest) -> ServiceInfo:
    """Look the service up, failing with guidance when it is not installed."""
    service = host.service(request.name)
    if service is None:
        raise TPError(f"{host.name}: the Windows service '{request.name}' ({_component_label(request.component)}) is not "
                      f"installed. Install Threat Prevention there, or set the service name if yours differs.",
                      exists=False, name=request.name)
    return service


def em_install_folder(host: WindowsHost, name: str) -> tuple[ServiceInfo, str]:
    """The EM service on this host and the folder it runs from (CertsInfo and SecretMgr.exe live there)."""
    service = find_service(host, ServiceRequest(component="enterprise_manager", name=name))
    return service, install_folder(service.path)


def trusted_install_folder(host: WindowsHost, folder: str, option: str) -> str:
    """The EM's install folder, when it is where only administrators may write: under Program Files.

    The folder comes from the service's command line. Elsewhere (C:\\Users\\Public\\..., a data drive)
    other accounts may be able to write to it, and the collection would write private keys into its
    CertsInfo or run SecretMgr.exe from it as an administrator; it does so only when the user names
    the place explicitly with ``option``.
    """
    parts = [part for part in re.split(r"[\\/]+", folder) if part]
    if len(parts) >= 2 and parts[1].lower() in ("program files", "program files (x86)"):
        return folder
    raise TPError(f"{host.name}: the Enterprise Manager service runs from {folder}, outside Program Files, where other "
                  f"accounts may be able to write; the collection will not write keys there or run SecretMgr.exe from "
                  f"there on a service path alone. Check that folder's permissions (only SYSTEM and Administrators may "
                  f"write), then confirm it with the option {option}. Nothing was changed.")


def refuse_unless_stopped(host: WindowsHost, name: str, state: str, what: str, result: dict[str, t.Any]) -> None:
    """The vendor procedure keeps the new EM stopped from step 1 to step 3: refuse to replace its files while it runs."""
    if state != "stopped":
        raise TPError(f"{host.name}: the Enterprise Manager service '{name}' is {state}; stop it before {what} "
                      f"(tp_service component=enterprise_manager state=stopped). Nothing was changed.",
                      **{**result, "changed": False})


def describe(service: ServiceInfo, component: str) -> dict[str, t.Any]:
    """The facts tp_service returns about a service."""
    return {
        "exists": True, "name": service.name, "display_name": service.display_name, "state": service.state,
        "start_mode": service.start_mode, "path": service.path, "install_folder": install_folder(service.path),
        "hardened": is_hardened(service, component),
    }


def is_hardened(service: ServiceInfo, component: str) -> bool:
    """A hardened agent runs but does not accept a stop request from the service control manager."""
    return component == "agent" and service.state == "started" and not service.accepts_stop


def planned_changes(service: ServiceInfo, request: ServiceRequest) -> dict[str, str]:
    """The settings that must change, as {setting: new value}; restarted always counts as a change."""
    changes: dict[str, str] = {}
    if request.state == "restarted" or (request.state == "started" and service.state != "started") or (
            request.state == "stopped" and service.state != "stopped"):
        changes["state"] = request.state
    if request.start_mode and request.start_mode != service.start_mode:
        changes["start_mode"] = request.start_mode
    return changes


def refuse_hardened_stop(host: WindowsHost, service: ServiceInfo, request: ServiceRequest, changes: dict[str, str]) -> None:
    """A hardened agent refuses a local stop: say so before any change (and in check mode, as a real run would)."""
    stops = changes.get("state") in ("stopped", "restarted") and service.state != "stopped"
    if stops and is_hardened(service, request.component):
        raise TPError(f"{host.name}: the Threat Prevention agent service '{service.name}' is hardened and refuses to be "
                      f"stopped locally. {SOFTEN_HINT}", hardened=True)


def apply_changes(host: WindowsHost, service: ServiceInfo, request: ServiceRequest, changes: dict[str, str]) -> None:
    """Ask the service control manager for the changes; an agent's refusal gets the hardening hint."""
    try:
        host.set_service(service.name, state=changes.get("state"), start_mode=changes.get("start_mode"))
    except TPError as error:
        hint = f" If the agent is hardened: {SOFTEN_HINT}" if request.component == "agent" else ""
        raise TPError(f"{error.message}{hint}") from None


def wait_for_ports(host: WindowsHost, request: ServiceRequest) -> list[int]:
    """Wait until every requested port listens on the host; name the port and service when one does not."""
    for port in request.wait_for_ports:
        try:
            host.wait_for_port(port, request.wait_timeout)
        except TPError as error:
            detail = error.message.removeprefix(f"{host.name}: ")
            raise TPError(f"{host.name}: service '{request.name}' is running but nothing listens on port {port} after "
                          f"{request.wait_timeout}s ({detail}). Check the service's log in its install folder "
                          f"and the port settings, then run again.") from None
    return list(request.wait_for_ports)


def state_diff(service: ServiceInfo, request: ServiceRequest, changes: dict[str, str]) -> dict[str, str]:
    """A readable before/after of the settings tp_service manages."""
    after_state = "started" if changes.get("state") == "restarted" else changes.get("state", service.state)
    after_mode = changes.get("start_mode", service.start_mode)
    return {
        "before_header": request.name, "after_header": request.name,
        "before": f"state: {service.state}\nstart_mode: {service.start_mode}\n",
        "after": f"state: {after_state}{' (restarted)' if changes.get('state') == 'restarted' else ''}\n"
                 f"start_mode: {after_mode}\n",
    }


StopCheck = t.Callable[[ServiceInfo, dict[str, str]], t.Optional[dict[str, t.Any]]]


def ensure_service(host: WindowsHost, request: ServiceRequest, check_mode: bool, diff_mode: bool,
                   stop_check: StopCheck | None = None) -> dict[str, t.Any]:
    """Report a service and bring it to the requested state; the whole of tp_service.

    ``stop_check`` is asked before the changes are made (in check mode too, so that check mode
    refuses what a run would); it raises to refuse them and returns what it checked.
    """
    service = find_service(host, request)
    changes = planned_changes(service, request)
    result = describe(service, request.component)
    result["changed"] = bool(changes)
    refuse_hardened_stop(host, service, request, changes)
    if stop_check and changes:
        checked = stop_check(service, changes)
        if checked is not None:
            result["stop_gate"] = checked
    if diff_mode and changes:
        result["diff"] = state_diff(service, request, changes)
    if check_mode:
        return result
    if changes:
        apply_changes(host, service, request, changes)
        final_state = "started" if changes.get("state") == "restarted" else changes.get("state", service.state)
        result.update(state=final_state, start_mode=changes.get("start_mode", service.start_mode))
    if request.wait_for_ports and result["state"] == "started":
        try:
            result["listening"] = wait_for_ports(host, request)
        except TPError as error:
            raise TPError(error.message, **{**result, **error.result}) from None  # keeps changed=True after a start
    return result


def _component_label(component: str) -> str:
    return {"enterprise_manager": "Threat Prevention Enterprise Manager", "agent": "Threat Prevention Windows agent"}.get(
        component, component)
