# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lab emulation of ansible.windows.win_powershell, for the collection's own scripts.

There is no PowerShell in the lab, so a script runs only if it has a Python twin bound to its
exact text (tplab.twins); any other script fails with a message saying so. Everything around the
script follows the real module: check mode skips a script unless it declares
SupportsShouldProcess, a terminating error sets ``failed`` and fills ``error``, and ``result``,
``output`` and the other streams come back under their documented keys.
"""

from __future__ import annotations

import re
import typing as t

from ansible.module_utils.basic import AnsibleModule

from tplab.module_support import NOT_EMULATED, lab_host, unsupported_options
from tplab.twins import ScriptError, ScriptRun, twin_for
from tplab.winpath import WindowsPathError

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
EMULATED = {"depth", "error_action", "parameters", "script", "sensitive_parameters"}
# The real module's fallback test for SupportsShouldProcess (win_powershell.ps1).
SHOULD_PROCESS = re.compile(r"\[CmdletBinding\((?:[\w=\$]+,\s*)?SupportsShouldProcess(?:=\$true)?(?:,\s*[\w=\$]+)?\)\]",
                            re.IGNORECASE)


def convert_output(value: t.Any, depth: int) -> t.Any:
    """The real module's Convert-OutputObject: containers deeper than ``depth`` become their [string] form."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if depth < 0:
        return _as_string(value)
    if isinstance(value, list):
        return [convert_output(item, depth - 1) for item in value]
    return {key: convert_output(item, depth - 1) for key, item in value.items()}


def _as_string(value: t.Any) -> str:
    """PowerShell's [string] of a value: an array joins its items' strings with spaces."""
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(_as_string(item) if not isinstance(item, list) else "System.Object[]" for item in value)
    if isinstance(value, dict):
        return "System.Collections.Hashtable"
    return str(value)


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


def main() -> None:
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True,
                           mutually_exclusive=[["path", "script"]], required_one_of=[["path", "script"]])
    params = module.params
    unsupported = unsupported_options(params, EMULATED, {k: v.get("default") for k, v in ARGUMENT_SPEC.items()})
    if unsupported:
        module.fail_json(msg=f"win_powershell option(s) {', '.join(unsupported)} {NOT_EMULATED}")
    estate, host = lab_host("win_powershell")
    script = params["script"]
    if module.check_mode and not SHOULD_PROCESS.search(script):
        module.exit_json(changed=True, msg="skipped, running in check mode")
    twin = twin_for(script)
    if twin is None:
        module.fail_json(msg="the lab cannot run this PowerShell script: no twin in tests/lab/tplab/twins.py matches its "
                             "text (a new or edited script needs its twin written or reviewed)")
    _name, run_twin = twin
    run = ScriptRun(estate=estate, host=host, check_mode=module.check_mode)
    result: dict[str, t.Any] = {"host_out": "", "host_err": "", "warning": [], "verbose": [], "debug": [], "information": [],
                                "error": []}
    parameters = dict(params["parameters"] or {})
    for item in params["sensitive_parameters"] or []:
        if item.get("username") or item.get("password"):
            module.fail_json(msg=f"win_powershell sensitive_parameters with username/password {NOT_EMULATED}")
        parameters[item["name"]] = item.get("value")  # a SecureString in PowerShell; the twin reads its text
    try:
        run_twin(run, parameters)
    except ScriptError as error:
        result.update(failed=True, error=[error_record(error)])
    except WindowsPathError as error:  # .NET: NotSupportedException / ArgumentException for such a path
        result.update(failed=True, error=[error_record(ScriptError(f"The given path's format is not supported. ({error})"))])
    depth = params["depth"]
    result.update(result=convert_output(run.result, depth), output=convert_output(run.output, depth), changed=run.changed)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
