# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The migration and rollback reports as the view the HTML page is rendered from (the audit's renderer).

A person following or reviewing a run opens one page: the outcome, the counts, how far the agent phase got,
and every host with what was found and what changed, sortable and filterable.

FOR INTERNAL COLLECTION USE ONLY: this module may change in any release.
"""

from __future__ import annotations

import typing as t

HOST_COLUMNS = ["Host", "Role", "Status", "Found", "Changed"]


def view(report: dict[str, t.Any], host_rows: list[list[str]]) -> dict[str, t.Any]:
    """The page of one report; ``host_rows`` are the Markdown's host table, one row per host."""
    statuses = [row[2] for row in host_rows]
    agents = [row for row in host_rows if row[1] == "agent"]
    summary = [{"label": "Outcome", "value": report["outcome"], "tone": _outcome_tone(report["outcome"])},
               {"label": "Hosts", "value": len(host_rows), "tone": "neutral"},
               {"label": "Failed", "value": len(report["failed"]), "tone": "bad" if report["failed"] else "good"},
               {"label": "Agents", "value": len(agents), "tone": "neutral"}]
    if report.get("progress"):
        summary.append({"label": "Agents done", "value": report["progress"]["agents_done"], "tone": "neutral"})
    notes = [*report["inventory_problems"], *([report["progress"]["line"]] if report.get("progress") else []),
             *(f"{host}: {error}" for host, error in sorted(report["failed"].items())), *report["follow_ups"]]
    return {
        "title": report["title"] + (" (check mode)" if report["check_mode"] else ""),
        "subtitle": f"Old EM {report['old_em']}, new EM {report['new_em']}; started {report['started']}",
        "generated": report["updated"], "summary": summary,
        "chart": {"title": "Hosts by status", "bars": [{"label": status, "value": statuses.count(status), "tone": _tone(status)}
                                                       for status in sorted(set(statuses))]},
        "notes": notes,
        "tables": [{"id": "hosts", "title": "Hosts", "columns": HOST_COLUMNS, "rows": host_rows, "status_column": 2}],
    }


def _outcome_tone(outcome: str) -> str:
    if outcome.startswith(("completed", "check mode")):
        return "good"
    return "warn" if outcome.startswith("in progress") else "bad"


def _tone(status: str) -> str:
    return {"failed": "bad", "changed": "warn", "would change": "warn"}.get(status, "good" if status == "ok" else "neutral")
