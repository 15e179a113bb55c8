# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""audit.yml reads an estate without changing a byte of it, and its report says what the estate holds.

The estate is made uneven on purpose: one agent already on the new EM, one unreachable, one hardened, one the
inventory lacks (the EMs still list it), one console. The report's counts are checked against the estate
itself (where each agent's file points, read by the lab), the JSON against the published schema, and the
HTML page in headless Chromium against the JSON.
"""

from __future__ import annotations

import json
import typing as t
from pathlib import Path

import jsonschema
import pytest

from inventory_edits import leave_out_of_inventory
from tplab import status
from tplab.estate import Estate
from tplab.playbook import PlaybookRun, run_playbook

pytestmark = pytest.mark.lab
REPO = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((REPO / "docs" / "schemas" / "audit-v1.schema.json").read_text(encoding="utf-8"))


def audit(estate: Estate, *args: str) -> PlaybookRun:
    return run_playbook(estate, "audit.yml", *args, extra_vars={"tp_report_folder": str(estate.root / "reports")})


def latest(estate: Estate, suffix: str) -> Path:
    return sorted((estate.root / "reports").glob(f"tp-audit-*.{suffix}"))[-1]


def uneven_estate(make_estate: t.Callable[..., Estate]) -> Estate:
    """agent20 already on the new EM (a pilot), agent03 unreachable, agent05 hardened, agent07 not in the inventory."""
    estate = make_estate(agents=20, consoles=1)
    estate.set_fault("agent03", "unreachable", True)
    with estate.host("agent05").editing_system() as system:
        system["services"]["SIWindowsAgent"]["hardened"] = True
    leave_out_of_inventory(estate, "agent07")
    return estate


def test_the_audit_changes_nothing_and_reports_the_estate_as_it_is(make_estate: t.Callable[..., Estate]) -> None:
    estate = uneven_estate(make_estate)
    before = status.tree_digest(estate)

    runs = [audit(estate), audit(estate, "--check")]

    assert all(run.returncode == 0 for run in runs), runs[0].output[-3000:]
    assert status.tree_digest(estate) == before, "the audit changed a file or a service on an emulated host"
    report = json.loads(latest(estate, "json").read_text(encoding="utf-8"))
    jsonschema.validate(report, SCHEMA)
    files = {row["agent"]: row["file_address"] for row in status.agent_rows(estate) if row["agent"] != "agent07"}
    agents = {agent["host"]: agent for agent in report["agents"]}
    assert set(agents) == set(files)
    assert agents["agent03"]["points_at"] == "unreadable" and "unreachable" in agents["agent03"]["reason"]
    for name, address in files.items():
        if name != "agent03":
            named = estate.resolve_name(address.rsplit(":", 1)[0])  # the lab's DNS: the host this name or IP is
            expected = named.role if named is not None and named.role in ("old_em", "new_em") else "elsewhere"
            assert agents[name]["points_at"] == expected, (name, address, agents[name])
            assert agents[name]["would_change"] == (expected != "new_em"), agents[name]
            assert agents[name]["listed_active"] is True, agents[name]
    assert agents["agent05"]["hardened"] is True and sum(agent["hardened"] is True for agent in agents.values()) == 1
    summary = report["summary"]
    assert summary["agents"] == 19 and summary["agents_unreadable"] == 1 and summary["agents_new_em"] == 1
    assert summary["agents_old_em"] == 17 and summary["agents_would_change"] == 17
    assert report["reconciliation"]["listed_not_in_inventory"] == ["AGENT07"]
    assert report["reconciliation"]["in_inventory_not_listed"] == []
    [console] = report["consoles"]
    assert console["points_at"] == "old_em" and console["would_change"] is True
    new_em = next(em for em in report["enterprise_managers"] if em["role"] == "new_em")
    # This estate's new EM already runs with the old EM's CA, under an EM certificate of its own: two files would move.
    certificates = new_em["certificates"]
    assert certificates["ca_matches"] is True and certificates["customer_supplied"] is False
    assert certificates["match"] is False and certificates["to_move"] == ["Em-crt.pem", "Em-key.pem"]
    assert new_em["version"] and new_em["databases"]["targets"] and new_em["secret"]["in_place"] is not None
    assert "Report: " in runs[1].output and "17 would change" in runs[1].output
    markdown = latest(estate, "md").read_text(encoding="utf-8")
    assert "- On the old EM: **17**" in markdown and "| agent03 |" in markdown


def test_the_audit_report_leaks_no_key_and_no_credential(make_estate: t.Callable[..., Estate]) -> None:
    estate = make_estate(agents=2)
    run = audit(estate, "-vvv")
    assert run.returncode == 0, run.output[-3000:]
    for path in (estate.root / "reports").iterdir():
        text = path.read_text(encoding="utf-8")
        assert "PRIVATE KEY" not in text and "Password=" not in text and "BEGIN CERTIFICATE" not in text, path
    assert "PRIVATE KEY" not in run.output and "Password=" not in run.output
