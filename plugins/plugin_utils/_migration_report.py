# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The migration's state across plays, and its report: the logic behind tp_migration_report.

migrate.yml records one fact per host and phase (``tp_migration_preflight``, ``tp_migration_result``,
each ``{role, ok, error, ...}``) and one on localhost (``tp_migration``). This module reads them back
from hostvars, decides whether the next phase may start, and renders the report as JSON and
Markdown. The report is rewritten at every phase gate, so it is there even when a run is cut off.
The facts hold names, addresses, states, versions and digests only: nothing secret reaches them.

FOR INTERNAL COLLECTION USE ONLY: this module may change in any release.
"""

from __future__ import annotations

import json
import typing as t
from datetime import datetime, timezone

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils import _migration_page as page
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._report_files import write_reports
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._report_page import render_html

# The inventory group of each part of the estate, unless the plan names others (option groups), and the role
# whose record a host of that group carries.
DEFAULT_GROUPS = {"old_em": "tp_old_em", "new_em": "tp_new_em", "consoles": "tp_consoles", "agents": "tp_agents"}
RECORD_ROLES = {"old_em": "old_em", "new_em": "new_em", "consoles": "console", "agents": "agent"}
PHASES = ("preflight", "old_em", "new_em", "agents", "consoles", "verify", "decommission")
TITLES = {"migration": "Threat Prevention Enterprise Manager migration",
          "rollback": "Threat Prevention rollback to the old Enterprise Manager"}
MANUAL = (
    "Uninstall Threat Prevention from the old EM host when you no longer need it (Programs and Features); "
    "the collection only stops and disables its service.",
)


def group_names(migration: dict[str, t.Any]) -> dict[str, str]:
    """The inventory group of each part of the estate, as the plan recorded them."""
    return {**DEFAULT_GROUPS, **(migration.get("groups") or {})}


def host_records(groups: dict[str, list[str]], hostvars: t.Mapping[str, t.Any],
                 names: dict[str, str] | None = None) -> dict[str, dict[str, t.Any]]:
    """Every host of the migration groups with what its phases recorded."""
    names = names or DEFAULT_GROUPS
    records: dict[str, dict[str, t.Any]] = {}
    for part, role in RECORD_ROLES.items():
        for host in groups.get(names[part]) or []:
            facts = hostvars[host]
            preflight = plain(facts.get("tp_migration_preflight"))
            result = plain(facts.get("tp_migration_result"))
            error = (result or {}).get("error") or (preflight or {}).get("error")
            records[host] = {"role": role, "status": _status(preflight, result, error), "error": error,
                             "preflight": preflight, "result": result}
    return records


def plain(value: t.Any) -> t.Any:
    """Template-engine containers to plain JSON data."""
    return json.loads(json.dumps(value, default=str)) if value is not None else None


def _status(preflight: dict | None, result: dict | None, error: str | None) -> str:
    if error:
        return "failed"
    if result is not None:
        return "changed" if result.get("changed") else "ok"
    return "checked" if preflight is not None else "not reached"


def members(groups: dict[str, list[str]], names: dict[str, str], parts: list[str]) -> list[str]:
    """The hosts of these parts of the estate (old_em, new_em, consoles, agents), in order."""
    return [host for part in parts for host in groups.get(names[part]) or []]


def phase_failures(records: dict[str, dict[str, t.Any]], phase: str, required: list[str],
                   if_run: list[str] = ()) -> dict[str, str]:
    """Hosts of a phase that did not record success for it, with why.

    ``required`` hosts must have taken part; ``if_run`` hosts count only when they did (an agent left
    out with --limit is not a failure here; it is reported as not moved by the final verification).
    """
    fact = "preflight" if phase == "preflight" else "result"
    failures = {}
    for host in [*required, *if_run]:
        entry = (records.get(host) or {}).get(fact)
        if entry is None and host in required:
            failures[host] = f"no {phase} result was recorded (the host did not take part, or the run stopped before it)"
        elif entry is not None and not entry.get("ok"):
            failures[host] = str(entry.get("error") or "failed")
    return failures


def within_budget(failures: dict[str, str], records: dict[str, dict[str, t.Any]], agents: int, percent: int) -> list[str]:
    """The failed agents that need not stop the run, when there are no more of them than ``percent`` of ``agents``.

    The one failure budget of a run (tp_agent_max_fail_percentage), over the whole fleet in the preflight
    and over each canary batch after it. An agent that fails its preflight (unreachable, hardened, locked)
    is not repointed; one that fails in a batch was put back. Either way it stays on the old EM, which
    keeps running, and tp_service holds the decommission while the old EM knows it. So a few such agents
    need not hold the whole fleet back; beyond the budget they do (a canary batch of one has none).
    """
    failed = sorted(host for host in failures if (records.get(host) or {}).get("role") == "agent")
    return failed if failed and len(failed) * 100 <= agents * percent else []


def decide(migration: dict[str, t.Any], phase: str, failures: dict[str, str], left_behind: list[str]) -> dict[str, t.Any]:
    """The plan after a phase's gate: whether later phases may start, and why not (the fact tp_migration).

    ``failures`` are the gated hosts' failures beyond the budget; ``left_behind`` the agents within it.
    After the preflight those agents join ``skipped_agents`` (not repointed, not expected on the new EM);
    a batch whose failures exceed the budget stops the agent phase.
    """
    decided = dict(migration)
    gates = dict(decided.get("gates") or {})
    gates[phase] = {**(gates.get(phase) or {}), **failures}
    decided["gates"] = gates
    decided["go"] = bool(decided.get("go", True)) and not failures
    if phase == "preflight":
        decided["preflight_failed"] = sorted(failures)
        decided["skipped_agents"] = [*(decided.get("skipped_agents") or []), *left_behind]
    elif phase == "agents" and failures:
        decided["agents_stopped"] = True
    return decided


def build(migration: dict[str, t.Any], records: dict[str, dict[str, t.Any]], phase: str) -> dict[str, t.Any]:
    """The report as data: the plan, each host's record, what failed, and what is left to a person."""
    failed = {host: record["error"] for host, record in records.items() if record["error"]}
    follow_ups = [item for record in records.values() if record["role"] == "new_em"
                  for item in ((record.get("preflight") or {}).get("found") or {}).get("follow_ups", [])]
    if migration.get("check_mode"):  # nothing was changed: say what a run would do
        records = {host: {**record, "status": "would change" if record["status"] == "changed" else record["status"]}
                   for host, record in records.items()}
    return {
        "title": TITLES[migration.get("kind") or "migration"], "kind": migration.get("kind") or "migration",
        "started": migration.get("started"),
        "updated": datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"), "check_mode": bool(migration.get("check_mode")),
        "old_em": migration.get("old_em"), "new_em": migration.get("new_em"), "phase": phase,
        "outcome": outcome(migration, failed, phase), "inventory_problems": migration.get("inventory_problems") or [],
        "verification": migration.get("verification"), "decommission_requested": bool(migration.get("decommission")),
        "gates": migration.get("gates") or {}, "agents_stopped": bool(migration.get("agents_stopped")),
        "failed": failed, "hosts": records, "follow_ups": follow_ups + list(MANUAL), "fleet": fleet(migration, records),
        "progress": migration.get("progress"), "proof": proof(migration),
        "slice": migration.get("slice"),  # a slice of a sliced agent job (docs/awx.md): its report is its own
    }


def proof(migration: dict[str, t.Any]) -> str | None:
    """What the final verification showed, in the words a person trusts: how many agents, where, and when."""
    verification = migration.get("verification") or {}
    if not verification.get("checked") or verification.get("error"):
        return None
    registered, missing = len(verification.get("registered") or []), len(verification.get("missing") or [])
    em = migration.get("old_em") if migration.get("kind") == "rollback" else migration.get("new_em")
    return f"{registered} of {registered + missing} agents active on {em} at {verification['checked']}"


def fleet(migration: dict[str, t.Any], records: dict[str, dict[str, t.Any]]) -> dict[str, list[str]]:
    """The inventory against the old EM's agent list, and the agents this run leaves where they are."""
    found = next((((record.get("preflight") or {}).get("found") or {}) for record in records.values()
                  if record["role"] == "old_em"), {})
    return {"not_in_inventory": list(found.get("em_agents_not_in_inventory") or []),
            "unknown_to_em": list(found.get("inventory_agents_not_listed") or []),
            "left_on_old_em": list(migration.get("skipped_agents") or [])}


def outcome(migration: dict[str, t.Any], failed: dict[str, str], phase: str) -> str:
    if migration.get("inventory_problems"):
        return "refused: the inventory is wrong; nothing was changed"
    if migration.get("preflight_failed"):
        return "stopped after the preflight; nothing was changed"
    if failed:
        kept = ("the old EM was stopped and disabled (every agent it knew was active on the new EM)"
                if migration.get("decommissioned") else "every agent not yet moved stays on the EM it was on")
        return f"incomplete: {len(failed)} host(s) failed; {kept}"
    if phase != "done":
        return f"in progress (last phase: {phase})"
    if migration.get("check_mode"):
        return "check mode: nothing was changed; the hosts' entries say what a run would do"
    verification = migration.get("verification")
    if verification is None:
        return "incomplete: the agents were not verified on the new EM"
    new_em = f"the new EM {migration['new_em']}" if migration.get("new_em") else "the new EM"
    if verification.get("error"):
        return f"incomplete: the agents could not be verified on {new_em} ({verification['error']})"
    if verification.get("missing"):
        return f"incomplete: {len(verification['missing'])} agent(s) are not active on {new_em}"
    return "completed" + (", old EM stopped and disabled" if migration.get("decommissioned") else "")


def host_rows(report: dict[str, t.Any]) -> list[list[str]]:
    """One row per host, EMs first: host, role, status, what was found, what changed (Markdown and the page)."""
    return [[host, record["role"], record["status"], _found(record), _changed(record)]
            for host, record in sorted(report["hosts"].items(), key=lambda item: (GROUP_ORDER[item[1]["role"]], item[0]))]


def render_markdown(report: dict[str, t.Any], rows: list[list[str]] | None = None) -> str:
    """A person's view of the report: outcome, failures, hosts, follow-ups."""
    rows = host_rows(report) if rows is None else rows
    lines = [f"# {report['title']}", "", f"- Old EM: `{report['old_em']}`  ", f"- New EM: `{report['new_em']}`  ",
             f"- Started: {report['started']}, updated: {report['updated']}  ",
             f"- Outcome: **{report['outcome']}**" + (" (check mode)" if report["check_mode"] else "")]
    lines += [f"- Proof: {report['proof']}"] if report.get("proof") else []
    lines += [f"- Progress: {report['progress']['line']}", ""] if report.get("progress") else [""]
    if report["inventory_problems"]:
        lines += ["## Inventory problems", ""] + [f"- {problem}" for problem in report["inventory_problems"]] + [""]
    if report["failed"]:
        lines += ["## What failed", ""] + [f"- `{host}`: {error}" for host, error in sorted(report["failed"].items())] + [""]
    stopped_at = {phase: hosts for phase, hosts in report["gates"].items() if hosts}
    if stopped_at or report["agents_stopped"]:
        lines += ["## Why later phases did not run", ""]
        # A host already under "What failed" is named here without its message again.
        lines += [f"- after {phase}: `{host}`" + ("" if report["failed"].get(host) == why else f": {why}")
                  for phase, hosts in stopped_at.items() for host, why in sorted(hosts.items())]
        lines += ["- the agent phase stopped: a batch failed beyond tp_agent_max_fail_percentage"] if report["agents_stopped"] else []
        lines += [""]
    lines += _fleet_lines(report.get("fleet") or {})
    missing = (report.get("verification") or {}).get("missing") or []
    if missing:
        lines += ["## Agents not active on the new EM", "", ", ".join(f"`{name}`" for name in missing), ""]
    lines += ["## Hosts", "", "| Host | Role | Status | Found | Changed |", "|---|---|---|---|---|"]
    lines += [f"| `{host}` | {role} | {status} | {found} | {changed} |" for host, role, status, found, changed in rows]
    lines += ["", "## Left to a person", ""] + [f"- {item}" for item in report["follow_ups"]] + [""]
    return "\n".join(lines)


def _fleet_lines(fleet: dict[str, list[str]]) -> list[str]:
    entries = [("Listed by the old EM, not in the inventory (not moved; they hold the decommission)", "not_in_inventory"),
               ("In the inventory, not listed by the old EM", "unknown_to_em"),
               ("Left on the old EM by this run (excluded, or failed their preflight within the budget)", "left_on_old_em")]
    shown = [(title, fleet[key]) for title, key in entries if fleet.get(key)]
    if not shown:
        return []
    return ["## The fleet", ""] + [f"- {title}: {', '.join(f'`{name}`' for name in names)}" for title, names in shown] + [""]


GROUP_ORDER = {role: index for index, role in enumerate(RECORD_ROLES.values())}


def _found(record: dict[str, t.Any]) -> str:
    found = (record.get("preflight") or {}).get("found") or {}
    if record["role"] in ("agent", "console"):
        return f"`{found.get('address')}`" if found.get("address") else ""
    if record["role"] == "new_em":
        return f"version {found.get('version')}; certificates to move: {', '.join(found.get('certificates_to_move') or []) or 'none'}"
    return f"service {found.get('service_state', '')}"


def _changed(record: dict[str, t.Any]) -> str:
    result = record.get("result") or {}
    if record["role"] in ("agent", "console"):
        if not result.get("changed"):
            return ""
        backup = f"; backup `{result['backup_file']}`" if result.get("backup_file") else ""
        return f"`{result.get('previous_address')}` → `{result.get('address')}`{backup}"
    return "; ".join(result.get("steps") or [])


def write(folder: str, report: dict[str, t.Any]) -> dict[str, str]:
    """Write <folder>/tp-<kind>-<start>.json, .md and .html, each atomically (kind: migration or rollback); return their paths."""
    stem = f"tp-{report.get('kind') or 'migration'}-" + str(report["started"] or "run").replace(":", "")
    stem += f"-{report['slice']}" if report.get("slice") else ""  # slices start in the same second
    rows = host_rows(report)
    return write_reports(folder, stem, {"json": ("json", json.dumps(report, indent=2, sort_keys=True) + "\n"),
                                        "markdown": ("md", render_markdown(report, rows)),
                                        "html": ("html", render_html(page.view(report, rows)))})
