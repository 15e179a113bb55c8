# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Emulated ansible.windows.win_powershell, for the collection's own scripts.

There is no PowerShell in the lab, so a script runs only if it has a Python twin bound to its
exact text (tplab.twins); any other script fails with a message saying so. Everything around the
script follows the real module (ansible.windows 3.8.0, win_powershell.ps1 in the pinned wheel):

- check mode skips a script unless its param block declares SupportsShouldProcess (the module's
  fallback regular expression, which gives the same answer as its AST test for these scripts);
- each ``sensitive_parameters`` value becomes a SecureString with ConvertTo-SecureString before
  the script runs; a value longer than a SecureString can hold (65,536 characters) makes the
  module fail there, before the script starts;
- ``executable`` runs the script in a new process of that PowerShell (powershell.exe is Windows
  PowerShell 5.1, Desktop edition; pwsh.exe is PowerShell 7, Core edition, present only where
  the host has it installed);
- with WDAC/AppLocker enforcing (the host's language mode is ConstrainedLanguage) the script runs
  in ConstrainedLanguage mode;
- a terminating error sets ``failed`` and adds an ``error`` record; ``result`` and ``output`` are
  converted with Convert-OutputObject at ``depth`` (tplab.windows.pstypes), ``output`` being the
  list of pipeline objects (so each object is converted at ``depth - 1``); what the script wrote
  to the host comes back in ``host_out``.
"""

from __future__ import annotations

import re
import typing as t

from tplab.twins import ScriptError, ScriptRun, twin_for
from tplab.winpath import WindowsPathError
from tplab.windows import pstypes
from tplab.windows.basic import AnsibleModule, ModuleSpec
from tplab.windows.modules._support import NOT_EMULATED, unsupported_options

ARGUMENT_SPEC: dict[str, dict[str, t.Any]] = {
    "arguments": {"type": "list", "elements": "str"},
    "chdir": {"type": "str"},
    "creates": {"type": "str"},
    "depth": {"type": "int", "default": 2},
    "error_action": {"type": "str", "choices": ["silently_continue", "continue", "stop"], "default": "continue"},
    "executable": {"type": "str"},
    "parameters": {"type": "dict"},
    "path": {"type": "str"},
    "remote_src": {"type": "bool", "default": False},
    "removes": {"type": "str"},
    "script": {"type": "str"},
    "sensitive_parameters": {"type": "list", "elements": "dict", "options": {
        "name": {"type": "str", "required": True},
        "value": {"type": "str", "no_log": True},
        "username": {"type": "str"},
        "password": {"type": "str", "no_log": True},
    }},
}
SPEC = ModuleSpec("ansible.windows.win_powershell", ARGUMENT_SPEC, mutually_exclusive=(("path", "script"),),
                  required_one_of=(("path", "script"),))
EMULATED = {"depth", "error_action", "executable", "parameters", "script", "sensitive_parameters"}
# The real module's fallback test for SupportsShouldProcess (win_powershell.ps1).
SHOULD_PROCESS = re.compile(r"\[CmdletBinding\((?:[\w=\$]+,\s*)?SupportsShouldProcess(?:=\$true)?(?:,\s*[\w=\$]+)?\)\]",
                            re.IGNORECASE)
SECURE_STRING_MAX = 65536
EDITIONS = {"powershell.exe": "Desktop", "powershell": "Desktop", "pwsh.exe": "Core", "pwsh": "Core"}


def error_record(error: ScriptError) -> dict[str, t.Any]:
    """A terminating error as the real module reports it in ``error``."""
    return {
        "output": f"{error.message}\n", "error_details": None,
        "exception": {"message": error.message, "type": "System.Management.Automation.RuntimeException", "help_link": None,
                      "source": None, "hresult": -2146233087, "inner_exception": None},
        "target_object": None,
        "category_info": {"category": "OperationStopped", "category_id": 14, "activity": "", "reason": "RuntimeException",
                          "target_name": "", "target_type": ""},
        "fully_qualified_error_id": error.error_id, "script_stack_trace": "at <ScriptBlock>, <No file>", "pipeline_iteration_info": [],
    }


def _parameters(module: AnsibleModule) -> dict[str, t.Any]:
    """The script's parameters: the plain ones, then each sensitive one as the SecureString's text."""
    parameters = dict(module.params["parameters"] or {})
    for item in module.params["sensitive_parameters"] or []:
        if item.get("username") or item.get("password"):
            module.fail_json(f"win_powershell sensitive_parameters with username/password {NOT_EMULATED}")
        value = item.get("value")
        if value is not None and len(value) > SECURE_STRING_MAX:
            module.fail_json('Unhandled exception while executing module: Exception calling "ConvertTo-SecureString": '
                             f'"Length cannot be greater than {SECURE_STRING_MAX} characters.\r\nParameter name: length"')
        parameters[item["name"]] = value
    return parameters


def _edition(module: AnsibleModule) -> str:
    """Which PowerShell runs the script: the module's own process, or the executable asked for."""
    system = module.session.host.system().get("powershell", {})
    executable = module.params["executable"]
    if not executable:
        return module.session.edition
    name = executable.replace("/", "\\").rsplit("\\", 1)[-1].lower()
    edition = EDITIONS.get(name)
    if edition is None or (edition == "Core" and not system.get("pwsh_installed")):
        module.fail_json(f"Unhandled exception while executing module: Failed to find executable '{executable}'")
    return edition


def run(module: AnsibleModule) -> None:
    params = module.params
    unsupported = unsupported_options(params, EMULATED, ARGUMENT_SPEC)
    if unsupported:
        module.fail_json(f"win_powershell option(s) {', '.join(unsupported)} {NOT_EMULATED}")
    script = params["script"]
    if module.check_mode and not SHOULD_PROCESS.search(script):
        module.result.update(changed=True, msg="skipped, running in check mode")
        return
    twin = twin_for(script)
    if twin is None:
        module.fail_json("the lab cannot run this PowerShell script: no twin in tests/lab/tplab/twins matches its text "
                         "(a new or edited script needs its twin written or reviewed)")
    _name, run_twin = twin
    parameters = _parameters(module)
    session = module.session
    script_run = ScriptRun(estate=session.estate, host=session.host, check_mode=module.check_mode, session=session,
                           edition=_edition(module), language_mode=session.language_mode)
    result: dict[str, t.Any] = {"failed": False, "warning": [], "verbose": [], "debug": [], "information": [], "error": []}
    try:
        run_twin(script_run, parameters)
    except ScriptError as error:
        result.update(failed=True, error=[error_record(error)])
    except WindowsPathError as error:  # .NET: NotSupportedException / ArgumentException for such a path
        result.update(failed=True, error=[error_record(ScriptError(f"The given path's format is not supported. ({error})"))])
    depth = params["depth"]
    result.update(host_out="".join(f"{line}\r\n" for line in script_run.host_out), host_err="",
                  result=pstypes.json_value(pstypes.convert_output({} if script_run.result is None else script_run.result, depth)),
                  output=pstypes.json_value(pstypes.convert_output(script_run.output, depth)), changed=script_run.changed)
    module.result.update(result)
