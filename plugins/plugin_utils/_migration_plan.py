# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The migration's plan, checked before any host is contacted: behind tp_migration_report phase=plan.

Inventories are typed by people. Every mistake this can see from the controller is reported here,
once, naming the group or the variable the user set: group sizes and overlaps, the new EM's address
(``tp_new_em_address``), and ``tp_*`` variables the collection does not know (a typo there would
silently fall back to a default).

FOR INTERNAL COLLECTION USE ONLY: this module may change in any release.
"""

from __future__ import annotations

import difflib

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._manager_address import AddressError, parse_address
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._product import AGENT_PORT

# Every variable the playbooks and roles read under the collection-wide tp_ prefix (facts they set are tp_migration*).
KNOWN_VARIABLES = (
    "tp_new_em_address", "tp_new_em_host", "tp_old_em_host", "tp_old_em_address", "tp_decommission_old_em",
    "tp_report_folder", "tp_agent_batches", "tp_agent_max_fail_percentage", "tp_agent_on_failure", "tp_agents_excluded",
    "tp_verify_timeout", "tp_verify_delay", "tp_preflight_skip_database_check", "tp_allow_powershell_logging",
    "tp_abandoned_agents", "tp_abandoned_consoles", "tp_rollback_stop_new_em", "tp_rollback_wait_timeout",
    "tp_discovered_inventory", "tp_discovered_status", "tp_em_service_name", "tp_agent_settings", "tp_migrate_phases",
    "tp_em_throttle",
)


def inventory_problems(groups: dict[str, list[str]], names: dict[str, str], old_em_names: set[str],
                       new_em_address: str | None) -> list[str]:
    """What is wrong with the inventory and the address, each naming the group or variable and the fix."""
    old, new = groups.get(names["old_em"]) or [], groups.get(names["new_em"]) or []
    consoles, agents = groups.get(names["consoles"]) or [], groups.get(names["agents"]) or []
    problems = [f"the {names[key]} group must hold exactly one host; it holds: {', '.join(hosts) or 'none'}"
                for key, hosts in (("old_em", old), ("new_em", new)) if len(hosts) != 1]
    if set(old) & set(new):
        problems.append(f"the same host is in {names['old_em']} and {names['new_em']}")
    overlap = sorted(({*old, *new} & set(consoles)) | ({*old, *new, *consoles} & set(agents)))
    if overlap:
        problems.append(f"each host may be in only one of {', '.join(names.values())}; these are in more: {', '.join(overlap)}")
    if new_em_address is not None:
        problems += _address_problems(new_em_address, old_em_names)
    return problems


def _address_problems(text: str, old_em_names: set[str]) -> list[str]:
    try:
        address = parse_address(text, AGENT_PORT)
    except AddressError as error:
        return [f"tp_new_em_address: {error}. Nothing was changed"]
    if address.host.lower().rstrip(".") in old_em_names:
        return [f"tp_new_em_address: '{text}' names the old EM ({address.host}); give the new EM's name or address"]
    return []


def unknown_variables(defined: list[str]) -> list[str]:
    """A warning for each tp_* variable the collection does not read, with the nearest one it does."""
    warnings = []
    for name in sorted(set(defined)):
        if name in KNOWN_VARIABLES or name.startswith("tp_migration"):
            continue
        nearest = difflib.get_close_matches(name, KNOWN_VARIABLES, n=1, cutoff=0.6)
        hint = f"; did you mean {nearest[0]}?" if nearest else ""
        warnings.append(f"the variable {name} is not one the collection reads, so it changes nothing{hint}")
    return warnings
