# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible's PowerShell exec wrapper, as the emulated host runs it.

ansible-core (executor/powershell/module_manifest.py, 2.21) sends every module, temporary folder
and file transfer to a Windows host as bootstrap_wrapper.ps1 plus input: a JSON line naming the
exec wrapper, a line of four NUL characters, the exec manifest (scripts and actions, as JSON),
and for transfers another NUL line followed by the data. The manifest's actions run in order:
``become_wrapper.ps1`` switches the account the rest runs as, ``module_wrapper.ps1`` runs the
module with its arguments (the ``complex_args`` variable), ``powershell_mkdtemp.ps1`` and
``powershell_expand_user.ps1`` serve the non-pipelined path (ANSIBLE_KEEP_REMOTE_FILES), and
``winrm_put_file.ps1`` / ``psrp_put_file.ps1`` write base64 chunks to a file and answer with its
SHA-1. Anything else (async, coverage) fails with a message saying the lab does not emulate it.

The bootstrap's ``PwshPath`` is ``ansible_pwsh_interpreter`` (``powershell`` unless set): the exec
wrapper runs itself again in that PowerShell when it is not the one running it (exec_wrapper.ps1,
"respawn"), so ``pwsh`` makes modules run in PowerShell 7 (Core) whichever transport brought them,
and fails with the wrapper's own message where PowerShell 7 is not installed.

With PowerShell module logging enabled by policy, the exec wrapper's ConvertFrom-Json of the
manifest is logged (event 4103) with the module arguments in clear, SecureString parameters
included: the lab writes that event, so a test can show what such a policy exposes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import ntpath
import traceback
import typing as t
from dataclasses import dataclass, replace

from tplab.windows import eventlog, registry
from tplab.windows.basic import AnsibleModule, ModuleExit
from tplab.windows.modules import MODULES, fqcn_of
from tplab.windows.modules.win_powershell import EDITIONS
from tplab.windows.pstypes import json_value
from tplab.windows.session import Session

SEPARATOR = "\0\0\0\0"


@dataclass(frozen=True)
class Outcome:
    """What a command leaves behind: its exit code and both output streams."""

    rc: int
    stdout: str
    stderr: str = ""


def failure(message: str) -> Outcome:
    return Outcome(1, json.dumps({"failed": True, "msg": message}))


def _split(lines: list[str]) -> tuple[list[str], list[str]]:
    """The lines before the first NUL separator line, and those after it."""
    for index, line in enumerate(lines):
        if line == SEPARATOR:
            return lines[:index], lines[index + 1:]
    return lines, []


def run_bootstrap(session: Session, arguments: list[str], lines: list[str]) -> Outcome:
    """bootstrap_wrapper.ps1: input from the pipeline, or from the file named by its first argument."""
    if arguments:
        path = session.host.path(arguments[0])
        if not path.is_file():
            return failure(f"Could not find file '{arguments[0]}'")
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    head, rest = _split(lines)
    bootstrap = json.loads("\n".join(head))
    if bootstrap.get("name") != "exec_wrapper":
        return failure(f"the lab does not emulate the bootstrap of {bootstrap.get('name')!r}")
    manifest_lines, data = _split(rest)
    manifest = json.loads("\n".join(manifest_lines))
    _log_module_arguments(session, "\n".join(manifest_lines))
    pwsh_path = (bootstrap.get("params") or {}).get("PwshPath")
    if pwsh_path:
        edition = EDITIONS.get(pwsh_path.replace("/", "\\").rsplit("\\", 1)[-1].lower())
        installed = (session.host.system().get("powershell") or {}).get("pwsh_installed")
        if edition is None or (edition == "Core" and not installed):
            return failure(f"Could not find the specified PowerShell interpreter '{pwsh_path}'.")
        session = replace(session, edition=edition)
    return _run_actions(session, manifest, data)


def _run_actions(session: Session, manifest: dict[str, t.Any], data: list[str]) -> Outcome:
    for action in manifest["actions"]:
        name, params = action["name"], action.get("params") or {}
        if name == "become_wrapper.ps1":
            session = session.become(str(params.get("BecomeUser") or "SYSTEM"))
            continue
        if name == "module_wrapper.ps1":
            return _run_module(session, params)
        if name == "powershell_mkdtemp.ps1":
            return _mkdtemp(session, params["Directory"], params["Name"])
        if name == "powershell_expand_user.ps1":
            return _expand_user(session, params["Path"])
        if name in ("winrm_put_file.ps1", "psrp_put_file.ps1"):
            return _put_file(session, params["Path"], data)
        return failure(f"the lab does not emulate the exec wrapper action {name}")
    return failure("the exec manifest has no action to run")


def _run_module(session: Session, params: dict[str, t.Any]) -> Outcome:
    arguments = next((item["Value"] for item in params.get("Variables") or [] if item["Name"] == "complex_args"), {})
    return run_module(session, fqcn_of(params["Script"]), arguments)


def run_module(session: Session, fqcn: str, arguments: dict[str, t.Any]) -> Outcome:
    """module_wrapper.ps1: one module run with its arguments; the outcome's stdout is the result's JSON."""
    session.estate.record_call(session.host.name, fqcn.rsplit(".", 1)[-1])
    module = MODULES.get(fqcn)
    if module is None:
        return failure(f"the lab does not emulate the module {fqcn}; emulate it in tests/lab/tplab/windows/modules "
                       f"before the collection relies on it")
    try:
        ansible_module = AnsibleModule(module.SPEC, arguments, session)
        module.run(ansible_module)
        ansible_module.exit_json()
    except ModuleExit as ended:
        return Outcome(ended.rc, json.dumps(json_value(ended.result)))
    except Exception:  # pylint: disable=broad-exception-caught
        # A crash of the emulation: the module process dies and Ansible reports MODULE FAILURE with stderr.
        return Outcome(1, "", traceback.format_exc())
    raise AssertionError("exit_json always raises")


def _mkdtemp(session: Session, directory: str, name: str) -> Outcome:
    session.estate.record_call(session.host.name, "mkdtemp")
    path = ntpath.join(session.expand(directory), name)
    session.host.path(path).mkdir(parents=True)
    return Outcome(0, path)


def _expand_user(session: Session, path: str) -> Outcome:
    if path == "~":
        return Outcome(0, session.profile)
    return Outcome(0, session.profile + path[1:] if path.startswith("~\\") else path)


def _put_file(session: Session, path: str, chunks: list[str]) -> Outcome:
    """File.Create, then each base64 chunk decoded and appended; the answer is the file's SHA-1."""
    session.estate.record_call(session.host.name, "put_file")
    data = b"".join(base64.b64decode(chunk) for chunk in chunks if chunk)
    target = session.host.path(path)
    if not target.parent.is_dir():
        return Outcome(1, "", f"Could not find a part of the path '{path}'.")
    target.write_bytes(data)
    return Outcome(0, json.dumps({"sha1": hashlib.sha1(data).hexdigest()}))  # noqa: S324 - the protocol's own check


def _log_module_arguments(session: Session, manifest_text: str) -> None:
    """Module logging (event 4103) records ConvertFrom-Json's input: the whole manifest, arguments in clear."""
    if registry.module_logging_enabled(session.host):
        eventlog.write(session.host, "Microsoft-Windows-PowerShell/Operational", "PowerShell", "CommandInvocation(ConvertFrom-Json): "
                       f"\"ConvertFrom-Json\"\r\nParameterBinding(ConvertFrom-Json): name=\"InputObject\"; value=\"{manifest_text}\"",
                       event_id=4103)
