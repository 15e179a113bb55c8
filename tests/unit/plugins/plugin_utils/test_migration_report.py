# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The migration's state read back from hostvars, the phase gates, the outcome, and the report files.

The gates decide whether the next phase of migrate.yml may change anything, so both ways of
getting them wrong are pinned: a host that must have passed and did not is a failure; an agent left
out of the run (--limit) is not. The outcome is the one line a person reads first, and the
playbook fails the run unless it starts with 'completed' or 'check mode'.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import typing as t
from pathlib import Path

import pytest

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils import _migration_report as report
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils import _report_files as report_files

GROUPS = {"all": ["old-em", "new-em", "console01", "agent01", "agent02", "fileserver"], "ungrouped": ["fileserver"],
          "tp_old_em": ["old-em"], "tp_new_em": ["new-em"], "tp_consoles": ["console01"], "tp_agents": ["agent01", "agent02"]}
STARTED = "2026-11-24T02:39:09Z"
FOLLOW_UP = "HIBP (Pwned) store in PwnedStore: deploy it to the new EM (EPE settings or Set-SIPwnedDB)."


def preflight(role: str, error: str | None = None, **found: t.Any) -> dict[str, t.Any]:
    """A ``tp_migration_preflight`` fact as migrate.yml records it (ok, or failed with an error)."""
    return {"role": role, "ok": False, "error": error} if error else {"role": role, "ok": True, "found": found}


def outcome_of(role: str, error: str | None = None, **fields: t.Any) -> dict[str, t.Any]:
    """A ``tp_migration_result`` fact as migrate.yml records it."""
    return {"role": role, "ok": False, "error": error} if error else {"role": role, "ok": True, **fields}


def hostvars_after_a_full_run() -> dict[str, dict[str, t.Any]]:
    """Every host passed its preflight and its phase; agent02 needed no change."""
    return {
        "localhost": {"tp_migration": {"started": STARTED, "old_em": "old-em", "new_em": "new-em", "check_mode": False,
                                       "inventory_problems": [], "preflight_failed": [],
                                       "verification": {"expected": 2, "registered": ["agent01", "agent02"], "missing": []}}},
        "old-em": {"tp_migration_preflight": preflight("old_em", service_state="started")},
        "new-em": {"tp_migration_preflight": preflight("new_em", version="7.5.0.321", certificates_to_move=["Ca-crt.pem"],
                                                       follow_ups=[FOLLOW_UP]),
                   "tp_migration_result": outcome_of("new_em", changed=True, steps=["EM service stopped",
                                                                                    "secret imported with SecretMgr.exe"])},
        "console01": {"tp_migration_preflight": preflight("console", address="old-em:3740"),
                      "tp_migration_result": outcome_of("console", changed=True, previous_address="old-em:3740",
                                                        address="new-em:3740")},
        "agent01": {"tp_migration_preflight": preflight("agent", address="old-em:3741"),
                    "tp_migration_result": outcome_of("agent", changed=True, previous_address="old-em:3741",
                                                      address="new-em:3741")},
        "agent02": {"tp_migration_preflight": preflight("agent", address="new-em:3741"),
                    "tp_migration_result": outcome_of("agent", changed=False, previous_address="new-em:3741",
                                                      address="new-em:3741")},
        "fileserver": {},
    }


# ---------------------------------------------------------------- host_records

def test_host_records_cover_the_migration_groups_only_with_role_and_status() -> None:
    """One record per host of tp_old_em/tp_new_em/tp_consoles/tp_agents (not localhost, not other hosts)."""
    records = report.host_records(GROUPS, hostvars_after_a_full_run())
    assert {host: (record["role"], record["status"]) for host, record in records.items()} == {
        "old-em": ("old_em", "checked"), "new-em": ("new_em", "changed"), "console01": ("console", "changed"),
        "agent01": ("agent", "changed"), "agent02": ("agent", "ok")}
    assert records["agent01"]["error"] is None and records["agent01"]["preflight"]["found"] == {"address": "old-em:3741"}


def test_a_host_that_recorded_nothing_is_not_reached() -> None:
    """A host the run never got to has no facts: 'not reached', not failed and not ok."""
    hostvars = hostvars_after_a_full_run()
    hostvars["agent02"] = {}
    record = report.host_records(GROUPS, hostvars)["agent02"]
    assert (record["status"], record["error"], record["preflight"], record["result"]) == ("not reached", None, None, None)


def test_the_phase_error_wins_over_the_preflight_error() -> None:
    """A failed host shows the error of the last step it recorded: its phase result, else its preflight."""
    hostvars = hostvars_after_a_full_run()
    hostvars["agent01"] = {"tp_migration_preflight": preflight("agent", error="Check each agent: unreachable")}
    hostvars["agent02"] = {"tp_migration_preflight": preflight("agent", error="Check each agent: timed out"),
                           "tp_migration_result": outcome_of("agent", error="Repoint and verify: not active")}
    records = report.host_records(GROUPS, hostvars)
    assert (records["agent01"]["status"], records["agent01"]["error"]) == ("failed", "Check each agent: unreachable")
    assert (records["agent02"]["status"], records["agent02"]["error"]) == ("failed", "Repoint and verify: not active")


def test_host_records_tolerate_missing_groups() -> None:
    """An inventory without some migration groups (or with an empty one) is not an error here."""
    assert report.host_records({"tp_agents": None}, {}) == {}  # type: ignore[dict-item]


class TaggedDict(dict):  # type: ignore[type-arg]
    """What the template engine hands out for a dict fact: a dict subclass carrying tags."""


def test_plain_turns_template_containers_into_json_data() -> None:
    """Facts come back as dict subclasses holding tuples and values JSON cannot store; the report gets plain data."""
    value = TaggedDict({"when": dt.datetime(2026, 1, 2, 3, 4, 5), "hosts": ("a", "b")})
    plain = report.plain(value)
    assert plain == {"when": "2026-01-02 03:04:05", "hosts": ["a", "b"]} and not isinstance(plain, TaggedDict)
    assert report.plain(None) is None


# ---------------------------------------------------------------- phase_failures

def test_a_required_host_without_a_record_fails_the_gate_an_optional_one_does_not() -> None:
    """gate (required) vs gate_if_run: an agent left out with --limit is not a preflight failure; the new EM is."""
    hostvars = hostvars_after_a_full_run()
    hostvars["new-em"] = hostvars["agent02"] = {}
    records = report.host_records(GROUPS, hostvars)
    failures = report.phase_failures(records, "preflight", ["old-em", "new-em"], ["console01", "agent01", "agent02"])
    assert failures == {"new-em": "no preflight result was recorded (the host did not take part, or the run stopped before it)"}


def test_a_host_that_took_part_and_failed_fails_the_gate_either_way() -> None:
    """A recorded failure closes the gate for required and if_run hosts alike (without an error text: 'failed')."""
    hostvars = hostvars_after_a_full_run()
    hostvars["agent01"]["tp_migration_preflight"] = preflight("agent", error="Check each agent: malformed XML")
    hostvars["old-em"]["tp_migration_preflight"] = {"role": "old_em", "ok": False}
    records = report.host_records(GROUPS, hostvars)
    assert report.phase_failures(records, "preflight", ["old-em"], ["agent01", "agent02"]) == {
        "old-em": "failed", "agent01": "Check each agent: malformed XML"}


def test_phases_after_the_preflight_read_the_phase_result() -> None:
    """A new EM that passed its preflight but recorded no new_em result has not passed the new_em gate."""
    hostvars = hostvars_after_a_full_run()
    del hostvars["new-em"]["tp_migration_result"]
    records = report.host_records(GROUPS, hostvars)
    assert report.phase_failures(records, "preflight", ["new-em"]) == {}
    assert list(report.phase_failures(records, "new_em", ["new-em"])) == ["new-em"]


def test_members_lists_the_hosts_of_the_parts_in_order() -> None:
    """Gate parts expand to the hosts of their groups in order; a group the inventory lacks adds none."""
    names = {**report.DEFAULT_GROUPS, "old_em": "tp_missing"}
    assert report.members(GROUPS, names, ["consoles", "agents", "old_em"]) == ["console01", "agent01", "agent02"]


def test_decide_records_each_gate_and_keeps_the_plan() -> None:
    """The preflight sets preflight_failed and adds the agents left behind; a failed batch stops the agent phase."""
    plan = {"go": True, "skipped_agents": ["agent09"], "kind": "migration"}
    after_preflight = report.decide(plan, "preflight", {}, ["agent02"])
    assert after_preflight == {**plan, "go": True, "gates": {"preflight": {}}, "preflight_failed": [],
                               "skipped_agents": ["agent09", "agent02"]}
    after_batch = report.decide(after_preflight, "agents", {"agent01": "not active"}, [])
    assert after_batch["go"] is False and after_batch["agents_stopped"] is True
    assert after_batch["gates"]["agents"] == {"agent01": "not active"} and plan == {"go": True, "skipped_agents": ["agent09"], "kind": "migration"}
    assert report.decide({"go": False}, "new_em", {}, [])["go"] is False, "a closed plan stays closed"


# ---------------------------------------------------------------- outcome

OUTCOMES = [
    ("inventory-problems", {"inventory_problems": ["the tp_old_em group must hold exactly one host"], "preflight_failed": ["x"]},
     {"x": "e"}, "done", "refused: the inventory is wrong; nothing was changed"),
    ("preflight-failed", {"preflight_failed": ["agent01"]}, {"agent01": "e"}, "done",
     "stopped after the preflight; nothing was changed"),
    ("host-failures", {}, {"agent01": "e", "console01": "e"}, "done",
     "incomplete: 2 host(s) failed; every agent not yet moved stays on the EM it was on"),
    ("in-progress", {}, {}, "agents", "in progress (last phase: agents)"),
    ("check-mode", {"check_mode": True, "verification": {"missing": ["agent01"]}}, {}, "done",
     "check mode: nothing was changed; the hosts' entries say what a run would do"),
    ("verification-missing", {"verification": {"missing": ["agent02"]}}, {}, "done",
     "incomplete: 1 agent(s) are not active on the new EM"),
    ("verification-missing-named", {"new_em": "new-em", "verification": {"missing": ["agent02"]}}, {}, "done",
     "incomplete: 1 agent(s) are not active on the new EM new-em"),
    ("verification-failed", {"new_em": "new-em", "verification": {"missing": ["agent02"], "error": "new-em: unreachable"}},
     {}, "done", "incomplete: the agents could not be verified on the new EM new-em (new-em: unreachable)"),
    ("failed-after-decommission", {"decommissioned": True}, {"console01": "boom"}, "done",
     "incomplete: 1 host(s) failed; the old EM was stopped and disabled (every agent it knew was active on the new EM)"),
    ("completed", {"verification": {"missing": []}}, {}, "done", "completed"),
    ("decommissioned", {"verification": {"missing": []}, "decommissioned": True}, {}, "done",
     "completed, old EM stopped and disabled"),
]


@pytest.mark.parametrize(("migration", "failed", "phase", "expected"), [case[1:] for case in OUTCOMES],
                         ids=[case[0] for case in OUTCOMES])
def test_outcome_names_each_situation_first_cause_first(migration: dict[str, t.Any], failed: dict[str, str], phase: str,
                                                        expected: str) -> None:
    """The first matching cause wins: inventory, preflight, failed hosts, unfinished, check mode, verification."""
    assert report.outcome(migration, failed, phase) == expected


def test_a_finished_run_without_any_verification_is_not_completed() -> None:
    """No verification on record means nobody proved the agents moved: that is not 'completed'."""
    assert not report.outcome({"check_mode": False}, {}, "done").startswith("completed")


# ---------------------------------------------------------------- build and render_markdown

def _built(hostvars: dict[str, dict[str, t.Any]], phase: str = "done") -> dict[str, t.Any]:
    return report.build(hostvars["localhost"]["tp_migration"], report.host_records(GROUPS, hostvars), phase)


def test_build_gathers_failures_follow_ups_and_the_plan() -> None:
    """failed maps host -> error; follow-ups are the new EM preflight's plus the manual uninstall step."""
    hostvars = hostvars_after_a_full_run()
    hostvars["console01"]["tp_migration_result"] = outcome_of("console", error="Repoint this console: locked file")
    data = _built(hostvars)
    assert data["failed"] == {"console01": "Repoint this console: locked file"}
    assert data["follow_ups"] == [FOLLOW_UP, *report.MANUAL]
    assert (data["old_em"], data["new_em"], data["started"], data["phase"]) == ("old-em", "new-em", STARTED, "done")
    assert data["outcome"].startswith("incomplete: 1 host(s) failed") and data["check_mode"] is False
    assert json.loads(json.dumps(data)) == data, "the report is plain JSON data"


def test_markdown_shows_outcome_failures_missing_agents_hosts_and_follow_ups() -> None:
    """A person's view: outcome, what failed, agents not moved, hosts in group order, what is left to do."""
    hostvars = hostvars_after_a_full_run()
    migration = hostvars["localhost"]["tp_migration"]
    migration.update(inventory_problems=[], verification={"missing": ["agent02"]})
    hostvars["console01"]["tp_migration_result"] = outcome_of("console", error="Repoint this console: locked file")
    text = report.render_markdown(_built(hostvars))
    assert text.startswith("# Threat Prevention Enterprise Manager migration\n")
    assert "- Outcome: **incomplete: 1 host(s) failed" in text
    assert "## What failed\n\n- `console01`: Repoint this console: locked file\n" in text
    assert "## Agents not active on the new EM\n\n`agent02`\n" in text
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    assert [row.split("`")[1] for row in rows] == ["old-em", "new-em", "console01", "agent01", "agent02"], "group order"
    assert "| `agent01` | agent | changed | `old-em:3741` | `old-em:3741` → `new-em:3741` |" in rows
    assert "| `new-em` | new_em | changed | version 7.5.0.321; certificates to move: Ca-crt.pem | " \
           "EM service stopped; secret imported with SecretMgr.exe |" in rows
    assert f"## Left to a person\n\n- {FOLLOW_UP}\n- {report.MANUAL[0]}\n" in text


def test_markdown_lists_inventory_problems_and_marks_check_mode() -> None:
    """A refused inventory is listed and a check-mode report says so in its outcome line."""
    data = report.build({"started": STARTED, "check_mode": True, "inventory_problems": ["two old EMs"]}, {}, "preflight")
    text = report.render_markdown(data)
    assert "## Inventory problems\n\n- two old EMs\n" in text and "(check mode)" in text and "## What failed" not in text


# ---------------------------------------------------------------- write

def test_write_puts_json_and_markdown_named_after_the_start_time(tmp_path: Path) -> None:
    """tp-migration-<start without colons>.json/.md/.html in the folder (created), the JSON being the report itself."""
    data = _built(hostvars_after_a_full_run())
    paths = report.write(str(tmp_path / "reports"), data)
    stem = str(tmp_path / "reports" / "tp-migration-2026-11-24T023909Z")
    assert paths == {"json": stem + ".json", "markdown": stem + ".md", "html": stem + ".html"}
    assert json.loads(Path(paths["json"]).read_text(encoding="utf-8")) == data
    assert Path(paths["markdown"]).read_text(encoding="utf-8") == report.render_markdown(data)
    page = Path(paths["html"]).read_text(encoding="utf-8")
    assert all(f">{host}<" in page for host in data["hosts"]) and data["outcome"] in page
    assert sorted(os.listdir(tmp_path / "reports")) == ["tp-migration-2026-11-24T023909Z.html", "tp-migration-2026-11-24T023909Z.json",
                                                        "tp-migration-2026-11-24T023909Z.md"]


def test_a_run_without_a_start_time_writes_tp_migration_run(tmp_path: Path) -> None:
    """A report built before the start time was recorded still gets a stable name."""
    paths = report.write(str(tmp_path), report.build({}, {}, "preflight"))
    assert Path(paths["json"]).name == "tp-migration-run.json"


def test_each_gate_rewrites_the_same_files(tmp_path: Path) -> None:
    """The report is rewritten at every phase gate, so the last one wins and no stale copy remains."""
    hostvars = hostvars_after_a_full_run()
    report.write(str(tmp_path), _built(hostvars, "preflight"))
    paths = report.write(str(tmp_path), _built(hostvars, "done"))
    assert json.loads(Path(paths["json"]).read_text(encoding="utf-8"))["phase"] == "done"
    assert len(os.listdir(tmp_path)) == 3


def test_a_failed_write_leaves_the_previous_report_whole_and_no_temporary_file(tmp_path: Path,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Atomic: the new text goes to a temporary file that replaces the report; when that fails the old report stays."""
    hostvars = hostvars_after_a_full_run()
    paths = report.write(str(tmp_path), _built(hostvars, "preflight"))
    before = {name: (tmp_path / name).read_bytes() for name in os.listdir(tmp_path)}

    def refuse(_source: str, _target: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(report_files.os, "replace", refuse)
    with pytest.raises(OSError, match="No space left"):
        report.write(str(tmp_path), _built(hostvars, "done"))
    assert {name: (tmp_path / name).read_bytes() for name in os.listdir(tmp_path)} == before
    assert json.loads(Path(paths["json"]).read_text(encoding="utf-8"))["phase"] == "preflight"


# ---------------------------------------------------------------- what a person reads

def test_a_verified_run_states_its_proof_and_each_agents_backup() -> None:
    hostvars = hostvars_after_a_full_run()
    hostvars["localhost"]["tp_migration"]["verification"]["checked"] = "2026-11-24 02:41:13 UTC"
    hostvars["agent01"]["tp_migration_result"]["backup_file"] = r"C:\agent\SIWindowsAgent.exe.config.20261124-024100.a1b2c3.bak"
    data = _built(hostvars, "done")
    assert data["proof"] == "2 of 2 agents active on new-em at 2026-11-24 02:41:13 UTC"
    text = report.render_markdown(data)
    assert "- Proof: 2 of 2 agents active on new-em at 2026-11-24 02:41:13 UTC" in text
    assert "`old-em:3741` → `new-em:3741`; backup `C:\\agent\\SIWindowsAgent.exe.config.20261124-024100.a1b2c3.bak`" in text
    assert "| `agent02` | agent | ok |" in text, "an agent already on the new EM is not changed"


def test_a_run_without_a_verification_time_or_with_an_error_states_no_proof() -> None:
    hostvars = hostvars_after_a_full_run()
    assert _built(hostvars, "done")["proof"] is None
    hostvars["localhost"]["tp_migration"]["verification"].update(checked="now", error="new-em: unreachable")
    assert _built(hostvars, "done")["proof"] is None


def test_check_mode_rows_say_would_change() -> None:
    hostvars = hostvars_after_a_full_run()
    hostvars["localhost"]["tp_migration"]["check_mode"] = True
    data = _built(hostvars, "done")
    assert data["hosts"]["agent01"]["status"] == "would change" and data["hosts"]["agent02"]["status"] == "ok"
    assert "| `agent01` | agent | would change |" in report.render_markdown(data)


def test_a_failure_is_told_once_and_the_gate_only_names_the_host() -> None:
    hostvars = hostvars_after_a_full_run()
    hostvars["agent01"]["tp_migration_preflight"] = preflight("agent", error="agent01: unreachable: timed out")
    del hostvars["agent01"]["tp_migration_result"]
    hostvars["localhost"]["tp_migration"]["gates"] = {"preflight": {"agent01": "agent01: unreachable: timed out"}}
    text = report.render_markdown(_built(hostvars, "preflight"))
    assert text.count("agent01: unreachable: timed out") == 1 and "- after preflight: `agent01`\n" in text
