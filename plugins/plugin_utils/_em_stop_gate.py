# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""No Enterprise Manager is stopped or disabled under an agent: the rule behind tp_service, checked as it acts.

Playbook order cannot hold this rule: ``--start-at-task``, ``--tags``, a role used alone, an
ad-hoc call or an inventory that misses a host all get past a gate in the playbook. So
tp_service checks it itself, in the same action that stops or disables an EM:

- a stop needs no agent to be active on this EM (its own agent list says which are);
- a decommission (``successor`` given; disabling an EM is always one) needs every agent that
  this EM or the successor lists (the EMs share one database, so the lists are the fleet, not
  the inventory) to be active on the successor, and every console named to point at it, unless
  the user names it as abandoned.

FOR INTERNAL COLLECTION USE ONLY: this module may change in any release.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._agent_status import StatusColumns, agent_key, read_agents
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._app_config import AppConfigError, read_app_setting
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._em_proof import EmProof, proof_from_state
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._errors import TPError
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._manager_address import AddressError, parse_address
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._product import CONFIG_SUFFIX, CONSOLE_PORT, MANAGER_ADDRESS_KEY
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._service_path import install_folder
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._windows_host import ServiceInfo, WindowsHost

SHOWN = 20  # names listed in a refusal; the rest are counted


@dataclass(frozen=True)
class StopGate:
    """What tp_service checks before it stops or disables an Enterprise Manager."""

    columns: StatusColumns
    module_file: str
    api_port: int
    successor: str | None = None
    successor_service: str = "SIEnterpriseManager"
    consoles: tuple[tuple[str, str], ...] = ()  # (inventory host, config path)
    abandoned_agents: tuple[str, ...] = ()
    abandoned_consoles: tuple[str, ...] = ()
    agents_reconnect: bool = False  # a brief stop the same run undoes (the new EM's certificate swap)


def check_em_stop(host: WindowsHost, service: ServiceInfo, changes: dict[str, str], gate: StopGate,
                  peer: t.Callable[[str], t.ContextManager[WindowsHost]]) -> dict[str, t.Any] | None:
    """Refuse (TPError) a stop or disable that could leave an agent on no EM; return what was checked."""
    stops, disables = changes.get("state") == "stopped", changes.get("start_mode") == "disabled"
    if not (stops or disables):
        return None
    if disables and not gate.successor:
        raise TPError(f"{host.name}: disabling the Enterprise Manager '{service.name}' decommissions it: name the EM that "
                      f"takes its agents over with the option successor (its inventory host), so that every agent can be "
                      f"checked on it first. Nothing was changed.")
    abandoned = {agent_key(name) for name in gate.abandoned_agents}
    own = read_agents(host, _module_path(service, gate), gate.api_port, gate.columns) if service.state == "started" else []
    active_here = [agent["name"] for agent in own if agent["active"] and agent_key(agent["name"]) not in abandoned]
    evidence: dict[str, t.Any] = {"agents_listed": len(own), "active_here": active_here, "abandoned_agents": list(gate.abandoned_agents)}
    if not gate.successor:
        if active_here and not (gate.agents_reconnect and not disables):
            raise TPError(f"{host.name}: {len(active_here)} agent(s) are active on this Enterprise Manager, and stopping it "
                          f"would leave them on no EM: {_names(active_here)}. Repoint them first (the migrate or "
                          f"repoint_agents playbook), or name an agent that is gone for good in abandoned_agents. Nothing "
                          f"was changed.", stop_gate=evidence)
        return evidence
    with peer(gate.successor) as successor:
        proof, theirs = _successor_view(successor, gate)
    evidence.update(successor=gate.successor, successor_listed=len(theirs))
    on_successor = {agent_key(name) for agent in theirs if agent["active"] for name in agent["names"]}
    known = {agent_key(agent["name"]): agent["name"] for agent in own + theirs}
    statuses = {agent_key(agent["name"]): agent["status"] for agent in theirs}
    left = sorted(name for key, name in known.items() if key not in on_successor and key not in abandoned)
    evidence["not_on_successor"] = left
    if left:
        shown = [f"{name} ({statuses.get(agent_key(name)) or 'not listed there'})" for name in left]
        raise TPError(f"{host.name}: not stopping or disabling the Enterprise Manager: {len(left)} of the {len(known)} "
                      f"agent(s) the EMs know are not active on {gate.successor}: {_names(shown)}. The EM's agent list, "
                      f"not the inventory, is the fleet: repoint them (an agent missing from the inventory too), wait "
                      f"until they are active, or name an agent that is gone for good in abandoned_agents. Nothing was "
                      f"changed.", stop_gate=evidence)
    evidence["consoles"] = _check_consoles(host, gate, proof, peer)
    return evidence


def _successor_view(successor: WindowsHost, gate: StopGate) -> tuple[EmProof, list[dict[str, t.Any]]]:
    state = successor.read_em_state(gate.successor_service, (CONSOLE_PORT,))
    proof = proof_from_state(successor.name, 0.0, state)
    if state.service is None or state.service.state != "started":
        raise TPError(f"{successor.name}: the successor's Enterprise Manager service is "
                      f"{state.service.state if state.service else 'not installed'}, so no agent can be active on it. "
                      f"Nothing was changed on either host.")
    return proof, read_agents(successor, _module_path(state.service, gate), gate.api_port, gate.columns)


def _check_consoles(host: WindowsHost, gate: StopGate, proof: EmProof,
                    peer: t.Callable[[str], t.ContextManager[WindowsHost]]) -> list[dict[str, t.Any]]:
    """Each console named must point at an address of the successor, as the console's own resolver sees it."""
    abandoned = {name.lower() for name in gate.abandoned_consoles}
    checked = []
    for console, path in gate.consoles:
        if console.lower() in abandoned:
            continue
        with peer(console) as other:
            address = _console_address(other, path)
            resolved = other.read_program_config(None, path, CONFIG_SUFFIX, resolve_name=address.host).resolved
        addresses = list(resolved.addresses) if resolved else []
        points = bool(addresses) and all(proof.is_address(ip) for ip in addresses)
        checked.append({"host": console, "address": str(address), "resolved": addresses, "points_at_successor": points})
        if not points:
            raise TPError(f"{host.name}: not stopping or disabling the Enterprise Manager: the console {console} still "
                          f"points at {address} ({', '.join(addresses) or 'which does not resolve there'}), not at "
                          f"{gate.successor} ({', '.join(proof.addresses)}). Repoint it (the console role), or name it in "
                          f"abandoned_consoles. Nothing was changed.", stop_gate={"consoles": checked})
    return checked


def _console_address(console: WindowsHost, path: str) -> t.Any:
    content = console.read_program_config(None, path, CONFIG_SUFFIX).config.content
    try:
        value = read_app_setting(content, MANAGER_ADDRESS_KEY) if content is not None else None
        return parse_address(value or "", CONSOLE_PORT)
    except (AppConfigError, AddressError) as error:
        raise TPError(f"{console.name}: {path}: the console's managerAddress cannot be read ({error}), so nothing shows "
                      f"that it points at the new EM. Fix or repoint the console, or name it in abandoned_consoles. "
                      f"Nothing was changed.") from None


def _module_path(service: ServiceInfo, gate: StopGate) -> str:
    return f"{install_folder(service.path)}\\{gate.module_file}"


def _names(names: list[str]) -> str:
    return ", ".join(names[:SHOWN]) + (f" and {len(names) - SHOWN} more" if len(names) > SHOWN else "")
