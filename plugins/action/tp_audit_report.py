# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for netwrix.threat_prevention.tp_audit_report (documentation in plugins/modules)."""

from __future__ import annotations

import json
import typing as t
from datetime import datetime, timezone

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils import _audit_render as render
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils import _audit_report as audit
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._action_base import TPActionBase
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._migration_plan import inventory_problems
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._migration_report import DEFAULT_GROUPS
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._report_files import write_reports
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._report_page import render_html
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._windows_host import WindowsHost


class ActionModule(TPActionBase):
    """Write the audit report from the facts audit.yml recorded on each host."""

    _requires_connection = False

    ARGUMENT_SPEC = {
        "folder": {"type": "str", "default": "tp-audit-reports"},
        "new_em_address": {"type": "str"},
    }

    def run_tp(self, args: dict[str, t.Any], host: WindowsHost) -> dict[str, t.Any]:
        task_vars = self._tp_task_vars
        groups, hostvars = task_vars.get("groups") or {}, task_vars["hostvars"]
        old = (groups.get(DEFAULT_GROUPS["old_em"]) or [None])[0]
        problems = inventory_problems(groups, DEFAULT_GROUPS, audit.names_of(old, hostvars), args["new_em_address"])
        generated = datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
        report = audit.build(groups, hostvars, generated, self.check_mode, args["new_em_address"], problems)
        page = render.view(report)
        paths = write_reports(args["folder"], "tp-audit-" + generated.replace(":", ""), {
            "json": ("json", json.dumps(report, indent=2, sort_keys=True) + "\n"),
            "markdown": ("md", render.render_markdown(page)), "html": ("html", render_html(page))})
        return {"changed": False, "report": paths, "summary": report["summary"], "summary_line": audit.summary_line(report),
                "inventory_problems": problems}
