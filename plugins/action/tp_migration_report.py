# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for netwrix.threat_prevention.tp_migration_report (documentation in plugins/modules)."""

from __future__ import annotations

import typing as t
from datetime import datetime, timezone

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils import _migration_plan as plan
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils import _migration_report as report
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._action_base import TPActionBase
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._batch_progress import record_batch
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._errors import TPError
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._windows_host import WindowsHost


class ActionModule(TPActionBase):
    """Write the migration report from the facts migrate.yml records, and tell whether a phase may start."""

    _requires_connection = False

    ARGUMENT_SPEC = {
        "phase": {"type": "str", "required": True, "choices": ["plan", *report.PHASES, "done"]},
        "groups": {"type": "dict", "default": {}},
        "gate": {"type": "list", "elements": "str", "default": [], "choices": list(report.DEFAULT_GROUPS)},
        "gate_if_run": {"type": "list", "elements": "str", "default": [], "choices": list(report.DEFAULT_GROUPS)},
        "batch": {"type": "list", "elements": "str"},
        "serial": {"type": "list", "elements": "raw", "default": [1, "10%", "100%"]},
        "play_hosts": {"type": "int"},
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
        hostvars, groups = task_vars["hostvars"], task_vars.get("groups") or {}
        migration = report.plain(hostvars["localhost"].get("tp_migration") or {})
        names = report.group_names(migration)
        records = report.host_records(groups, hostvars, names)
        required, if_run = report.members(groups, names, args["gate"]), report.members(groups, names, args["gate_if_run"])
        population = len(groups.get(names["agents"]) or [])
        if args["batch"] is not None:  # one canary batch: its agents, with the budget over the batch
            required, if_run, population = [], [host for host in args["batch"] if host in records], len(args["batch"])
        failures = report.phase_failures(records, args["phase"], required, if_run)
        skipped = report.within_budget(failures, records, population, args["agent_failure_budget"])
        failures = {host: why for host, why in failures.items() if host not in skipped}
        result: dict[str, t.Any] = {"changed": False, "go": not failures, "failures": failures, "left_behind": skipped}
        if args["batch"] is not None:
            migration, result["progress"] = record_batch(migration, records, args["batch"], args["serial"],
                                                         args["play_hosts"] or len(args["batch"]))
        if args["phase"] != "done":
            migration = report.decide(migration, args["phase"], failures, skipped)
            result["ansible_facts"] = {"tp_migration": migration}
        data = report.build(migration, records, args["phase"])
        result.update({"host_failures": data["failed"], "outcome": data["outcome"], "report": report.write(args["folder"], data)})
        return result

    def _plan(self, args: dict[str, t.Any]) -> dict[str, t.Any]:
        """The plan as the fact tp_migration: what the later plays read from localhost."""
        task_vars = self._tp_task_vars
        groups, hostvars = task_vars.get("groups") or {}, task_vars["hostvars"]
        unknown_parts = sorted(set(args["groups"]) - set(report.DEFAULT_GROUPS))
        if unknown_parts:
            raise TPError(f"groups: unknown keys {', '.join(unknown_parts)}; the keys are "
                          f"{', '.join(report.DEFAULT_GROUPS)}. Nothing was changed.")
        names = {**report.DEFAULT_GROUPS, **{part: str(name) for part, name in args["groups"].items()}}
        old = (groups.get(names["old_em"]) or [None])[0]
        old_names = set() if old is None else {str(name).lower().rstrip(".") for name in (
            old, hostvars[old].get("ansible_host") or old)}
        problems = plan.inventory_problems(groups, names, old_names, args["new_em_address"])
        agents = groups.get(names["agents"]) or []
        started = datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
        migration = {"kind": args["kind"], "started": started, "check_mode": self.check_mode, "old_em": old,
                     "new_em": (groups.get(names["new_em"]) or [None])[0], "decommission": args["decommission"],
                     "groups": names, "inventory_problems": problems, "go": not problems,
                     "skipped_agents": [name for name in args["excluded_agents"] if name in agents]}
        # migrate.yml's first play says which phases this job runs and, for a slice of a sliced job, what names its report.
        if task_vars.get("tp_migration_job"):
            job = report.plain(self._templar.template(task_vars["tp_migration_job"]))
            migration.update({key: job[key] for key in ("phases", "slice") if job.get(key)})
        unknown = sorted(set(args["excluded_agents"]) - set(agents))
        if unknown:
            problems.append(f"tp_agents_excluded names hosts that are not in {names['agents']}: {', '.join(unknown)}")
            migration["go"] = False
        result: dict[str, t.Any] = {"ansible_facts": {"tp_migration": migration}, "inventory_problems": problems}
        warnings = plan.unknown_variables(args["variables"])
        if warnings:
            result["warnings"] = warnings
        return result
