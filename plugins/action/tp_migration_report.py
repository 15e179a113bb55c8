# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for netwrix.threat_prevention.tp_migration_report (documentation in plugins/modules)."""

from __future__ import annotations

import typing as t
from datetime import datetime, timezone

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils import _migration_plan as plan
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils import _migration_report as report
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._action_base import TPActionBase
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._windows_host import WindowsHost


class ActionModule(TPActionBase):
    """Write the migration report from the facts migrate.yml records, and tell whether a phase may start."""

    _requires_connection = False

    ARGUMENT_SPEC = {
        "phase": {"type": "str", "required": True, "choices": ["plan", *report.PHASES, "done"]},
        "gate": {"type": "list", "elements": "str", "default": []},
        "gate_if_run": {"type": "list", "elements": "str", "default": []},
        "folder": {"type": "str", "default": "tp-migration-reports"},
        "new_em_address": {"type": "str"},
        "variables": {"type": "list", "elements": "str", "default": []},
        "decommission": {"type": "bool", "default": False},
        "kind": {"type": "str", "default": "migration", "choices": ["migration", "rollback"]},
        "excluded_agents": {"type": "list", "elements": "str", "default": []},
        "agent_failure_budget": {"type": "int", "default": 0},
    }

    def run_tp(self, args: dict[str, t.Any], host: WindowsHost) -> dict[str, t.Any]:
        if args["phase"] == "plan":
            return self._plan(args)
        task_vars = self._tp_task_vars
        hostvars = task_vars["hostvars"]
        migration = report.plain(hostvars["localhost"].get("tp_migration") or {})
        records = report.host_records(task_vars.get("groups") or {}, hostvars)
        groups = task_vars.get("groups") or {}
        failures = report.phase_failures(records, args["phase"], report.members(groups, args["gate"]),
                                         report.members(groups, args["gate_if_run"]))
        skipped = report.within_budget(failures, records, len(groups.get("tp_agents") or []), args["agent_failure_budget"])
        failures = {host: why for host, why in failures.items() if host not in skipped}
        data = report.build(migration, records, args["phase"])
        paths = report.write(args["folder"], data)
        return {"changed": False, "go": not failures, "failures": failures, "left_behind": skipped, "host_failures": data["failed"],
                "outcome": data["outcome"], "report": paths}

    def _plan(self, args: dict[str, t.Any]) -> dict[str, t.Any]:
        """The plan as the fact tp_migration: what the later plays read from localhost."""
        task_vars = self._tp_task_vars
        groups, hostvars = task_vars.get("groups") or {}, task_vars["hostvars"]
        old = (groups.get("tp_old_em") or [None])[0]
        old_names = set() if old is None else {str(name).lower().rstrip(".") for name in (
            old, hostvars[old].get("ansible_host") or old)}
        problems = plan.inventory_problems(groups, dict(report.GROUP_NAMES), old_names, args["new_em_address"])
        started = datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
        migration = {"kind": args["kind"], "started": started, "check_mode": self.check_mode, "old_em": old,
                     "new_em": (groups.get("tp_new_em") or [None])[0], "decommission": args["decommission"],
                     "inventory_problems": problems, "go": not problems,
                     "skipped_agents": [name for name in args["excluded_agents"] if name in (groups.get("tp_agents") or [])]}
        unknown = sorted(set(args["excluded_agents"]) - set(groups.get("tp_agents") or []))
        if unknown:
            problems.append(f"tp_agents_excluded names hosts that are not in tp_agents: {', '.join(unknown)}")
            migration["go"] = False
        result: dict[str, t.Any] = {"ansible_facts": {"tp_migration": migration}, "inventory_problems": problems}
        warnings = plan.unknown_variables(args["variables"])
        if warnings:
            result["warnings"] = warnings
        return result
