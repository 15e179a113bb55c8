# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible.Basic.AnsibleModule, the C# base every PowerShell module of ansible.windows is built on.

What an emulated module sees and returns follows ansible-core's Ansible.Basic.cs (2.21):
- the ``_ansible_*`` keys set the module's properties (check mode, diff, no_log,
  module name, inject_invocation) and are removed from the parameters; any other unknown key
  fails with "Unsupported parameters for (<module>) module: ...";
- a module without check-mode support returns ``skipped`` with "remote module (<module>) does not
  support check mode" and does nothing;
- options are validated and typed (here with ansible-core's Python ArgumentSpecValidator, which
  applies the same spec keys; messages may be worded differently from the C# ones);
- ``invocation`` is added only when the controller asks for it (``_ansible_inject_invocation``),
  with ``no_log`` values masked;
- unless ``no_log`` is set, "Invoked with:" and the parameters (no_log values masked) are written
  to the host's Application event log, as LogEvent does;
- FailJson sets ``failed`` and ``msg`` (no_log values masked) and exits 1; ExitJson exits 0.
"""

from __future__ import annotations

import json
import typing as t
from dataclasses import dataclass

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values

from tplab.windows import eventlog
from tplab.windows.session import Session

# Ansible.Basic's passVars: every _ansible_ key it knows (the others are unsupported parameters).
PASS_VARS = ("check_mode", "debug", "diff", "keep_remote_files", "ignore_unknown_opts", "inject_invocation", "module_name",
             "no_log", "remote_tmp", "selinux_special_fs", "shell_executable", "socket", "syslog_facility",
             "target_log_info", "tracebacks_for", "tmpdir", "verbosity", "version")


class ModuleExit(Exception):
    """ExitJson or FailJson: the module ends with this result and exit code."""

    def __init__(self, result: dict[str, t.Any], rc: int) -> None:
        super().__init__(result.get("msg", ""))
        self.result = result
        self.rc = rc


@dataclass(frozen=True)
class ModuleSpec:
    """What an emulated module declares, as its real .ps1 does in its $spec."""

    name: str
    options: dict[str, dict[str, t.Any]]
    supports_check_mode: bool = True
    mutually_exclusive: tuple[tuple[str, ...], ...] = ()
    required_one_of: tuple[tuple[str, ...], ...] = ()


class AnsibleModule:
    """The parts of Ansible.Basic.AnsibleModule the emulated modules use."""

    def __init__(self, spec: ModuleSpec, raw_args: dict[str, t.Any], session: Session) -> None:
        self.session = session
        self.result: dict[str, t.Any] = {"changed": False}
        self.diff: dict[str, t.Any] = {}
        self._no_log_values: set[str] = set()
        args = dict(raw_args)
        internal = {key[len("_ansible_"):]: args.pop(key) for key in list(args) if key.startswith("_ansible_")}
        self.name = str(internal.get("module_name") or spec.name)
        self.check_mode = bool(internal.get("check_mode"))
        self.diff_mode = bool(internal.get("diff"))
        self.no_log = bool(internal.get("no_log"))
        self._inject_invocation = bool(internal.get("inject_invocation"))
        unknown_internal = sorted(f"_ansible_{key}" for key in internal if key not in PASS_VARS)
        validator = ArgumentSpecValidator(spec.options, mutually_exclusive=[list(group) for group in spec.mutually_exclusive],
                                          required_one_of=[list(group) for group in spec.required_one_of])
        validated = validator.validate(args)
        self._no_log_values = set(validated._no_log_values)  # pylint: disable=protected-access
        unsupported = sorted(set(validated.unsupported_parameters) | set(unknown_internal))
        if unsupported:
            legal = ", ".join(sorted(spec.options))
            self.fail_json(f"Unsupported parameters for ({self.name}) module: {', '.join(unsupported)}. "
                           f"Supported parameters include: {legal}")
        if self.check_mode and not spec.supports_check_mode:
            self.result.update(skipped=True, msg=f"remote module ({self.name}) does not support check mode")
            self.exit_json()
        if validated.error_messages:
            self.fail_json(validated.error_messages[0])
        self.params: dict[str, t.Any] = validated.validated_parameters
        if self._inject_invocation:
            self.result["invocation"] = {"module_args": self.masked(self.params)}
        if not self.no_log:
            eventlog.write(session.host, "Application", "Ansible", f"{self.name} - Invoked with:\r\n  "
                           f"{json.dumps(self.masked(self.params), sort_keys=True)}")

    def masked(self, value: t.Any) -> t.Any:
        """RemoveNoLogValues: every no_log value, wherever it occurs, becomes the placeholder."""
        return remove_values(value, self._no_log_values)

    def exit_json(self) -> t.NoReturn:
        raise ModuleExit(self._formatted(), 0)

    def fail_json(self, message: str, **extra: t.Any) -> t.NoReturn:
        self.result.update(extra)
        self.result.update(failed=True, msg=self.masked(message))
        raise ModuleExit(self._formatted(), 1)

    def _formatted(self) -> dict[str, t.Any]:
        """GetFormattedResults: the result plus the diff when diff mode is on (no emulated module warns)."""
        result = dict(self.result)
        if self.diff_mode and self.diff:
            result["diff"] = self.diff
        return result
