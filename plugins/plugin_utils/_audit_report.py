# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The estate audit: what audit.yml recorded on each host, made into one report (behind tp_audit_report).

Before a change window an administrator wants the estate as it is and what the migration would do,
without touching anything. Each host of the audit records the fact ``tp_audit``; this module reads
them from hostvars, decides for each agent and console which EM its address names (the old one, the
new one, or neither), looks the agent up in that EM's own list, reconciles the EMs' lists with the
inventory, and returns the report as data with a versioned schema (docs/audit.md and
``audit-v1.schema.json``). The records hold names, addresses, states, versions and fingerprints of
certificates only: no key, secret or credential reaches them.

FOR INTERNAL COLLECTION USE ONLY: this module may change in any release.
"""

from __future__ import annotations

import ipaddress
import typing as t

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._manager_address import AddressError, parse_address
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._migration_report import DEFAULT_GROUPS, plain
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._product import AGENT_PORT

SCHEMA = "netwrix.threat_prevention.audit"
SCHEMA_VERSION = 1
# Where an agent's or console's address leads, as the report names it.
PLACES = ("old_em", "new_em", "elsewhere", "unreadable")


def names_of(host: str | None, hostvars: t.Mapping[str, t.Any], address: str | None = None) -> set[str]:
    """The names an address may use for this inventory host: its name, ansible_host, and their first labels."""
    if host is None:
        return set()
    raw = {host, str(hostvars[host].get("ansible_host") or host)}
    if address:
        try:
            raw.add(parse_address(address, AGENT_PORT).host)
        except AddressError:
            pass
    names = {_key(name) for name in raw}
    return names | {name.split(".", 1)[0] for name in names if not _is_ip(name)}


def _is_ip(name: str) -> bool:
    return ":" in name or name.replace(".", "").isdigit()


def _key(name: str) -> str:
    """A name or address as compared: lower case, no trailing dot, an IP address in its one canonical form."""
    name = name.strip("[]").lower().rstrip(".")
    try:
        return ipaddress.ip_address(name.split("%", 1)[0]).compressed
    except ValueError:
        return name


def place(address: str | None, old_names: set[str], new_names: set[str]) -> tuple[str, str | None]:
    """Which EM an address names, and why not one of them when it names neither."""
    if address is None:
        return "elsewhere", "the file has no managerAddress"
    try:
        host = _key(parse_address(address, AGENT_PORT).host)
    except AddressError as error:
        return "elsewhere", f"not an address: {error}"
    for where, names in (("new_em", new_names), ("old_em", old_names)):
        if host in names or (not _is_ip(host) and host.split(".", 1)[0] in names):
            return where, None
    return "elsewhere", f"{host} is neither EM's name or address"


def em_entry(host: str, record: dict[str, t.Any]) -> dict[str, t.Any]:
    """One EM of the report, from what tasks/audit_em.yml recorded."""
    entry: dict[str, t.Any] = {"host": host, "role": record.get("role"), "readable": bool(record.get("ok")),
                               "error": record.get("error")}
    if not record.get("ok"):
        return entry
    service, info = record.get("service") or {}, record.get("info") or {}
    agents, certs, secret = record.get("agents") or {}, record.get("certs") or {}, record.get("secret") or {}
    entry.update({
        "service": {"state": service.get("state"), "start_mode": service.get("start_mode"), "path": service.get("path")},
        "version": info.get("version"), "install_folder": info.get("install_folder"), "databases": info.get("databases"),
        "follow_ups": info.get("follow_ups") or [], "problems": info.get("problems") or [],
        "network": info.get("network"), "agent_list": _agent_list(agents),
    })
    if record.get("role") == "new_em":
        entry["certificates"] = _certificates(certs)
        entry["secret"] = {"in_place": secret.get("in_place"), "error": None if "in_place" in secret else secret.get("msg")}
    return entry


def _compare_cas(ems: list[dict[str, t.Any]]) -> None:
    """Whether the new EM already runs with the old EM's CA (its agents' certificates are signed by that CA)."""
    cas = {em["role"]: (em.get("network") or {}).get("ca_fingerprint") for em in ems}
    for em in ems:
        if "certificates" in em:
            em["certificates"]["ca_matches"] = None if None in (cas.get("old_em"), cas.get("new_em")) else cas["old_em"] == cas["new_em"]


def _agent_list(agents: dict[str, t.Any]) -> dict[str, t.Any]:
    if agents.get("skipped"):
        return {"read": False, "error": "the EM service is not running", "agents": []}
    if "agents" not in agents:
        return {"read": False, "error": agents.get("msg") or "not read", "agents": []}
    rows = [{"name": row.get("name"), "host": row.get("host"), "fqdn": row.get("fqdn"), "status": row.get("status"),
             "active": bool(row.get("active"))} for row in agents["agents"]]
    return {"read": True, "error": None, "agents": rows}


def _certificates(certs: dict[str, t.Any]) -> dict[str, t.Any]:
    """The old EM's set as the new EM sees it: fingerprints, default or customer-supplied, and whether they match."""
    if "files" not in certs:
        return {"read": False, "error": certs.get("msg") or "not read", "customer_supplied": certs.get("customer_supplied"),
                "match": None, "fingerprints": {}, "to_move": []}
    to_move = [row["name"] for row in certs["files"] if row.get("action") != "unchanged"]
    return {"read": True, "error": None, "customer_supplied": bool(certs.get("customer_supplied")), "match": not to_move,
            "fingerprints": {fact["name"]: fact.get("fingerprint_sha256") for fact in certs.get("certificates") or []},
            "to_move": to_move}


def build(groups: dict[str, list[str]], hostvars: t.Mapping[str, t.Any], generated: str, check_mode: bool,
          new_em_address: str | None, inventory_problems: list[str]) -> dict[str, t.Any]:
    """The whole report, as JSON data (schema netwrix.threat_prevention.audit, version 1)."""
    part = {key: list(groups.get(name) or []) for key, name in DEFAULT_GROUPS.items()}
    old, new = (part["old_em"] or [None])[0], (part["new_em"] or [None])[0]
    records = {host: plain(hostvars[host].get("tp_audit")) or {"ok": False, "error": "not audited (left out by --limit?)"}
               for hosts in part.values() for host in hosts}
    old_names = names_of(old, hostvars) | _own_addresses(records.get(old or ""))
    new_names = names_of(new, hostvars, new_em_address) | _own_addresses(records.get(new or ""))
    ems = [em_entry(host, records[host]) for host in [*part["old_em"], *part["new_em"]]]
    _compare_cas(ems)
    lists = {entry["role"]: entry.get("agent_list") or {} for entry in ems}
    agents = [_program_entry(host, records[host], old_names, new_names, lists) for host in part["agents"]]
    consoles = [_program_entry(host, records[host], old_names, new_names, None) for host in part["consoles"]]
    reconciliation = reconcile(part["agents"], lists)
    return {"schema": SCHEMA, "schema_version": SCHEMA_VERSION, "generated": generated, "check_mode": check_mode,
            "old_em": old, "new_em": new, "new_em_address": new_em_address, "inventory_problems": inventory_problems,
            "enterprise_managers": ems, "agents": agents, "consoles": consoles, "reconciliation": reconciliation,
            "summary": summary(agents, consoles, reconciliation)}


def _own_addresses(record: dict[str, t.Any] | None) -> set[str]:
    """The IP addresses an EM read of itself (tp_em_info network), so that an agent's IP address can be placed."""
    network = ((record or {}).get("info") or {}).get("network") or {}
    return {_key(str(address)) for address in network.get("addresses") or []}


def _program_entry(host: str, record: dict[str, t.Any], old_names: set[str], new_names: set[str],
                   lists: dict[str, dict[str, t.Any]] | None) -> dict[str, t.Any]:
    """One agent or console: the address it names, where that leads, and (agents) what that EM's list says of it."""
    found = record.get("found") or {}
    if not record.get("ok"):
        entry = {"host": host, "address": None, "points_at": "unreadable", "reason": record.get("error"), "would_change": None}
    else:
        where, reason = place(found.get("address"), old_names, new_names)
        entry = {"host": host, "address": found.get("address"), "points_at": where, "reason": reason,
                 "would_change": bool(found.get("would_change"))}
    if lists is None:
        return entry
    entry.update(service_state=found.get("service_state"), hardened=found.get("hardened"),
                 listed_active=_listed_active(host, lists.get(entry["points_at"])))
    return entry


def _listed_active(host: str, agent_list: dict[str, t.Any] | None) -> bool | None:
    """Whether the EM the agent names lists it as active; None when that EM's list is not known."""
    if not agent_list or not agent_list.get("read"):
        return None
    return any(row["active"] for row in agent_list["agents"] if _same_agent(host, row))


def _same_agent(host: str, row: dict[str, t.Any]) -> bool:
    name = host.lower().rstrip(".")
    return name in (row.get("host"), row.get("fqdn")) or name.split(".", 1)[0] == row.get("host")


def reconcile(inventory: list[str], lists: dict[str, dict[str, t.Any]]) -> dict[str, list[str]]:
    """The EMs' lists against the inventory: listed but not in it, and in it but listed by neither EM."""
    rows = [row for agent_list in lists.values() if agent_list.get("read") for row in agent_list["agents"]]
    listed_not_in_inventory = sorted({str(row.get("name")) for row in rows
                                      if not any(_same_agent(host, row) for host in inventory)})
    known = any(agent_list.get("read") for agent_list in lists.values())
    not_listed = sorted(host for host in inventory if known and not any(_same_agent(host, row) for row in rows))
    return {"listed_not_in_inventory": listed_not_in_inventory, "in_inventory_not_listed": not_listed}


def summary(agents: list[dict[str, t.Any]], consoles: list[dict[str, t.Any]], reconciliation: dict[str, list[str]]) -> dict[str, int]:
    """The counts a person looks at first (the HTML page shows exactly these)."""
    counts = {"agents": len(agents), **{f"agents_{where}": sum(agent["points_at"] == where for agent in agents) for where in PLACES}}
    counts.update(agents_would_change=sum(bool(agent["would_change"]) for agent in agents),
                  agents_hardened=sum(bool(agent.get("hardened")) for agent in agents),
                  consoles=len(consoles), consoles_would_change=sum(bool(console["would_change"]) for console in consoles),
                  listed_not_in_inventory=len(reconciliation["listed_not_in_inventory"]),
                  in_inventory_not_listed=len(reconciliation["in_inventory_not_listed"]))
    return counts


def summary_line(report: dict[str, t.Any]) -> str:
    """One line for the run's output."""
    counts = report["summary"]
    return (f"{counts['agents']} agent(s): {counts['agents_old_em']} on the old EM, {counts['agents_new_em']} on the new EM, "
            f"{counts['agents_elsewhere']} elsewhere, {counts['agents_unreadable']} unreadable; "
            f"{counts['agents_would_change']} would change. {counts['listed_not_in_inventory']} listed by an EM but not "
            f"in the inventory, {counts['in_inventory_not_listed']} in the inventory but listed by neither EM.")
