# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Record every task result of a playbook run as JSON lines, so lab tests can assert on them (tests only)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: results
type: aggregate
short_description: Write each task result to a JSON-lines file
description:
  - Appends one JSON object per host and task (host, task, status, result) to the file named by
    C(TPLAB_RESULTS). Results pass through Ansible's no_log censoring first, as any callback's do.
requirements:
  - the environment variable TPLAB_RESULTS
author:
  - Netwrix Threat Prevention collection maintainers (@netwrix)
"""

import json
import os
import typing as t

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    """Append each result to $TPLAB_RESULTS."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "tplab.estate.results"
    CALLBACK_NEEDS_ENABLED = True

    def _record(self, status: str, result: t.Any) -> None:
        path = os.environ.get("TPLAB_RESULTS")
        if not path:
            return
        # _dump_results applies no_log censoring and drops internal keys, as the default callback does.
        entry = {"host": result.host.get_name(), "task": result.task.get_name(), "status": status,
                 "result": json.loads(self._dump_results(result.result, indent=None))}
        with open(path, "a", encoding="utf-8") as stream:
            stream.write(json.dumps(entry) + "\n")

    def v2_runner_on_ok(self, result: t.Any) -> None:
        self._record("ok", result)

    def v2_runner_on_failed(self, result: t.Any, ignore_errors: bool = False) -> None:
        self._record("failed", result)

    def v2_runner_on_unreachable(self, result: t.Any) -> None:
        self._record("unreachable", result)

    def v2_runner_on_skipped(self, result: t.Any) -> None:
        self._record("skipped", result)
