# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit report for a person: Markdown, and the view that the HTML page is rendered from.

The JSON is for tools; people read the Markdown in a change ticket or open the HTML page. Both come
from the same report data and show the same counts, so a reader never has to reconcile them.

FOR INTERNAL COLLECTION USE ONLY: this module may change in any release.
"""

from __future__ import annotations

import typing as t

PLACE_LABELS = {"old_em": "old EM", "new_em": "new EM", "elsewhere": "elsewhere", "unreadable": "unreadable"}
SUMMARY_LABELS = (
    ("agents", "Agents", "neutral"), ("agents_old_em", "On the old EM", "warn"), ("agents_new_em", "On the new EM", "good"),
    ("agents_elsewhere", "Elsewhere", "bad"), ("agents_unreadable", "Unreadable", "bad"),
    ("agents_would_change", "Would change", "warn"), ("agents_hardened", "Hardened", "warn"), ("consoles", "Consoles", "neutral"),
    ("consoles_would_change", "Consoles that would change", "warn"),
    ("listed_not_in_inventory", "Listed, not in the inventory", "bad"), ("in_inventory_not_listed", "In the inventory, not listed", "bad"),
)


def _yes(value: bool | None) -> str:
    return "unknown" if value is None else ("yes" if value else "no")


def em_rows(report: dict[str, t.Any]) -> list[list[t.Any]]:
    rows = []
    for em in report["enterprise_managers"]:
        if not em["readable"]:
            rows.append([em["host"], em["role"], f"unreadable: {em['error']}", "", "", "", "", ""])
            continue
        service, certs = em["service"], em.get("certificates")
        databases = ", ".join(f"{target['server']}/{target['database']}" for target in (em["databases"] or {}).get("targets", []))
        listed = em["agent_list"]
        rows.append([
            em["host"], em["role"], f"{service['state']} ({service['start_mode']})", em["version"] or "unknown",
            em["install_folder"], databases or "not read",
            "" if certs is None else _certificates_text(certs),
            f"{sum(row['active'] for row in listed['agents'])} active of {len(listed['agents'])}" if listed["read"] else listed["error"],
        ])
    return rows


def _certificates_text(certs: dict[str, t.Any]) -> str:
    if not certs["read"]:
        return f"not compared: {certs['error']}"
    kind = "customer-supplied" if certs["customer_supplied"] else "default"
    ca = {True: "old EM's CA", False: "a CA of its own", None: "CA unknown"}[certs.get("ca_matches")]
    return f"{kind}; {ca}; " + ("same as the old EM's" if certs["match"] else f"would move: {', '.join(certs['to_move'])}")


def agent_rows(report: dict[str, t.Any]) -> list[list[t.Any]]:
    return [[agent["host"], agent["address"] or "", PLACE_LABELS[agent["points_at"]], agent["reason"] or "",
             agent.get("service_state") or "", _yes(agent.get("hardened")), _yes(agent.get("listed_active")),
             "unknown" if agent["would_change"] is None else ("would change" if agent["would_change"] else "unchanged")]
            for agent in report["agents"]]


def console_rows(report: dict[str, t.Any]) -> list[list[t.Any]]:
    return [[console["host"], console["address"] or "", PLACE_LABELS[console["points_at"]], console["reason"] or "",
             "unknown" if console["would_change"] is None else ("would change" if console["would_change"] else "unchanged")]
            for console in report["consoles"]]


AGENT_COLUMNS = ["Agent", "managerAddress", "Points at", "Why", "Service", "Hardened", "Active on that EM", "Migration"]
EM_COLUMNS = ["Host", "Role", "Service", "Version", "Install folder", "SQL databases", "Certificates", "Agent list"]
CONSOLE_COLUMNS = ["Console", "managerAddress", "Points at", "Why", "Migration"]


def view(report: dict[str, t.Any]) -> dict[str, t.Any]:
    """The page's content: the summary counts, agents by where they point, and the tables."""
    counts = report["summary"]
    reconciliation = report["reconciliation"]
    return {
        "title": "Threat Prevention estate audit",
        "subtitle": f"Old EM {report['old_em']}, new EM {report['new_em']}" + (" (run in check mode)" if report["check_mode"] else ""),
        "generated": report["generated"],
        "summary": [{"label": label, "value": counts[key], "tone": tone} for key, label, tone in SUMMARY_LABELS],
        "chart": {"title": "Agents by the EM their address names",
                  "bars": [{"label": PLACE_LABELS[where], "value": counts[f"agents_{where}"],
                            "tone": {"new_em": "good", "old_em": "warn"}.get(where, "bad")} for where in PLACE_LABELS]},
        "notes": report["inventory_problems"] + [f"{em['host']}: {item}" for em in report["enterprise_managers"]
                                                 for item in em.get("problems", []) + em.get("follow_ups", [])],
        "tables": [
            {"id": "ems", "title": "Enterprise Managers", "columns": EM_COLUMNS, "rows": em_rows(report), "status_column": 2},
            {"id": "agents", "title": "Agents", "columns": AGENT_COLUMNS, "rows": agent_rows(report), "status_column": 7},
            {"id": "consoles", "title": "Consoles", "columns": CONSOLE_COLUMNS, "rows": console_rows(report), "status_column": 4},
            {"id": "reconciliation", "title": "The EMs' agent lists against the inventory", "columns": ["Agent", "Finding"],
             "rows": [[name, "listed by an EM, not in the inventory"] for name in reconciliation["listed_not_in_inventory"]]
             + [[name, "in the inventory, listed by neither EM"] for name in reconciliation["in_inventory_not_listed"]],
             "status_column": None},
        ],
    }


def render_markdown(page: dict[str, t.Any]) -> str:
    """The same view as Markdown: the summary as a list, each table as a Markdown table."""
    lines = [f"# {page['title']}", "", f"{page['subtitle']}. Generated {page['generated']}.", ""]
    lines += [f"- {item['label']}: **{item['value']}**" for item in page["summary"]] + [""]
    if page["notes"]:
        lines += ["## Notes", ""] + [f"- {note}" for note in page["notes"]] + [""]
    for table in page["tables"]:
        lines += [f"## {table['title']}", ""]
        if not table["rows"]:
            lines += ["None.", ""]
            continue
        lines += ["| " + " | ".join(table["columns"]) + " |", "|" + "---|" * len(table["columns"])]
        lines += ["| " + " | ".join(_cell(value) for value in row) + " |" for row in table["rows"]] + [""]
    return "\n".join(lines)


def _cell(value: t.Any) -> str:
    return str("" if value is None else value).replace("|", "\\|").replace("\n", " ")
