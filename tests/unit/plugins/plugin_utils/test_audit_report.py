# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit's decisions: which EM an address names, what each EM's list says, and the counts people read first.

An audit that calls an agent "on the new EM" when it is not would make a person decommission the old EM under
it, so each way of naming an EM (inventory name, ansible_host, first label, tp_new_em_address, IP) is pinned,
and so is an address that names neither.
"""

from __future__ import annotations

import json
import typing as t
from pathlib import Path

import jsonschema
import pytest

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils import _audit_render as render
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils import _audit_report as audit

SCHEMA = json.loads((Path(__file__).resolve().parents[4] / "docs" / "schemas" / "audit-v1.schema.json").read_text(encoding="utf-8"))
HOSTVARS: dict[str, dict[str, t.Any]] = {
    "old-em": {"ansible_host": "old-em.corp.example"}, "new-em": {"ansible_host": "10.20.0.11"},
    "console01": {}, "agent01": {}, "agent02": {}, "agent03": {},
}
GROUPS = {"tp_old_em": ["old-em"], "tp_new_em": ["new-em"], "tp_consoles": ["console01"], "tp_agents": ["agent01", "agent02", "agent03"]}
OLD = audit.names_of("old-em", HOSTVARS)
NEW = audit.names_of("new-em", HOSTVARS, "tp-em.corp.example:3741")


@pytest.mark.parametrize(("address", "expected"), [
    ("old-em.corp.example:3741", "old_em"), ("OLD-EM:3741", "old_em"), ("old-em.corp.example.", "old_em"),
    ("10.20.0.11:3741", "new_em"), ("new-em.other.example:3741", "new_em"), ("tp-em.corp.example:3741", "new_em"),
    ("tp-em:3741", "new_em"), ("fileserver:3741", "elsewhere"), ("10.20.0.12:3741", "elsewhere"),
])
def test_an_address_is_placed_on_the_em_it_names(address: str, expected: str) -> None:
    assert audit.place(address, OLD, NEW)[0] == expected


def test_an_ip_address_is_never_matched_by_its_first_label() -> None:
    assert audit.place("10.1.2.3:3741", OLD, {"10"})[0] == "elsewhere"


def test_a_missing_or_broken_address_is_elsewhere_with_the_reason() -> None:
    assert audit.place(None, OLD, NEW) == ("elsewhere", "the file has no managerAddress")
    where, reason = audit.place("https://x:3741", OLD, NEW)
    assert where == "elsewhere" and reason and reason.startswith("not an address")


def em_record(role: str, rows: list[dict[str, t.Any]], **extra: t.Any) -> dict[str, t.Any]:
    return {"role": role, "ok": True, "service": {"state": "started", "start_mode": "auto", "path": "C:\\EM\\em.exe"},
            "info": {"version": "7.5.0.1", "install_folder": "C:\\EM", "databases": None, "follow_ups": [], "problems": []},
            "agents": {"agents": rows}, **extra}


def row(name: str, active: bool) -> dict[str, t.Any]:
    return {"name": name.upper(), "host": name, "fqdn": f"{name}.corp.example", "status": "Active" if active else "LostConnection",
            "active": active}


def hostvars_with_records() -> dict[str, dict[str, t.Any]]:
    facts = {host: dict(values) for host, values in HOSTVARS.items()}
    facts["old-em"]["tp_audit"] = em_record("old_em", [row("agent01", True), row("agent02", False), row("agent09", True)])
    facts["new-em"]["tp_audit"] = em_record(
        "new_em", [row("agent02", True)],
        certs={"files": [{"name": "Ca-crt.pem", "action": "unchanged"}, {"name": "Em-key.pem", "action": "replace"}],
               "certificates": [{"name": "Ca-crt.pem", "fingerprint_sha256": "ab" * 32}], "customer_supplied": False},
        secret={"in_place": False})
    facts["agent01"]["tp_audit"] = {"role": "agent", "ok": True,
                                    "found": {"address": "old-em:3741", "would_change": True, "service_state": "started", "hardened": False}}
    facts["agent02"]["tp_audit"] = {"role": "agent", "ok": True,
                                    "found": {"address": "10.20.0.11:3741", "would_change": False, "service_state": "started", "hardened": True}}
    facts["agent03"]["tp_audit"] = {"role": "agent", "ok": False, "error": "Read the agent: unreachable: timed out"}
    facts["console01"]["tp_audit"] = {"role": "console", "ok": True, "found": {"address": "old-em:3740", "would_change": True}}
    return facts


def test_the_report_reconciles_the_em_lists_and_counts_what_it_found() -> None:
    report = audit.build(GROUPS, hostvars_with_records(), "2026-12-02T08:00:00Z", False, "10.20.0.11", [])

    jsonschema.validate(report, SCHEMA)
    agents = {agent["host"]: agent for agent in report["agents"]}
    assert agents["agent01"] == {"host": "agent01", "address": "old-em:3741", "points_at": "old_em", "reason": None,
                                 "would_change": True, "service_state": "started", "hardened": False, "listed_active": True}
    assert agents["agent02"]["points_at"] == "new_em" and agents["agent02"]["listed_active"] is True
    assert agents["agent03"]["points_at"] == "unreadable" and "timed out" in agents["agent03"]["reason"]
    assert report["reconciliation"] == {"listed_not_in_inventory": ["AGENT09"], "in_inventory_not_listed": ["agent03"]}
    assert report["summary"] == {"agents": 3, "agents_old_em": 1, "agents_new_em": 1, "agents_elsewhere": 0, "agents_unreadable": 1,
                                 "agents_would_change": 1, "agents_hardened": 1, "consoles": 1, "consoles_would_change": 1,
                                 "listed_not_in_inventory": 1, "in_inventory_not_listed": 1}
    new_em = report["enterprise_managers"][1]
    assert new_em["certificates"] == {"read": True, "error": None, "customer_supplied": False, "match": False, "ca_matches": None,
                                      "fingerprints": {"Ca-crt.pem": "ab" * 32}, "to_move": ["Em-key.pem"]}


def test_an_agent_named_em_that_lists_it_inactive_is_not_active() -> None:
    facts = hostvars_with_records()
    facts["agent02"]["tp_audit"]["found"]["address"] = "old-em:3741"
    report = audit.build(GROUPS, facts, "2026-12-02T08:00:00Z", False, None, [])
    assert next(agent for agent in report["agents"] if agent["host"] == "agent02")["listed_active"] is False


def test_a_host_left_out_of_the_run_is_unreadable_and_an_em_that_cannot_list_is_unknown() -> None:
    facts = hostvars_with_records()
    del facts["agent01"]["tp_audit"]
    facts["old-em"]["tp_audit"]["agents"] = {"skipped": True}
    report = audit.build(GROUPS, facts, "2026-12-02T08:00:00Z", True, None, [])
    agent01 = report["agents"][0]
    assert agent01["points_at"] == "unreadable" and "--limit" in agent01["reason"]
    assert report["enterprise_managers"][0]["agent_list"] == {"read": False, "error": "the EM service is not running", "agents": []}
    assert report["reconciliation"]["listed_not_in_inventory"] == []


def test_markdown_and_page_show_the_same_counts_as_the_json() -> None:
    report = audit.build(GROUPS, hostvars_with_records(), "2026-12-02T08:00:00Z", False, None, ["the tp_consoles group is odd"])
    page = render.view(report)
    shown = {item["label"]: item["value"] for item in page["summary"]}
    assert shown["On the old EM"] == 1 and shown["Unreadable"] == 1 and shown["Listed, not in the inventory"] == 1
    assert sum(item["value"] for item in page["chart"]["bars"]) == report["summary"]["agents"]
    markdown = render.render_markdown(page)
    assert "- On the new EM: **1**" in markdown and "the tp_consoles group is odd" in markdown
    assert "| agent03 |  | unreadable | Read the agent: unreachable: timed out |" in markdown
    assert "default; CA unknown; would move: Em-key.pem" in markdown


@pytest.mark.parametrize(("new_ca", "expected"), [("c1", True), ("c2", False), (None, None)])
def test_the_new_em_is_said_to_run_with_the_old_ems_ca_only_when_both_fingerprints_agree(
        new_ca: str | None, expected: bool | None) -> None:
    facts = hostvars_with_records()
    facts["old-em"]["tp_audit"]["info"]["network"] = {"addresses": [], "listening": [], "ca_fingerprint": "c1", "ca_problem": None}
    facts["new-em"]["tp_audit"]["info"]["network"] = {"addresses": [], "listening": [], "ca_fingerprint": new_ca, "ca_problem": None}
    report = audit.build(GROUPS, facts, "2026-12-02T08:00:00Z", False, None, [])
    assert report["enterprise_managers"][1]["certificates"]["ca_matches"] is expected
