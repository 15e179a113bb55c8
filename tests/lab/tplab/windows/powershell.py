# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""powershell.exe on an emulated host: decode what it is asked to run, and run it.

The winrm plugin sends a command line (``powershell -NoProfile -NonInteractive -ExecutionPolicy
Unrestricted -EncodedCommand <UTF-16LE base64> [-EncodedArguments <CLIXML>]``) and stdin; the psrp
plugin decodes the same command line itself and sends the script, its arguments and the input
lines. Both end here. Ansible's bootstrap_wrapper.ps1 goes to the exec wrapper; the few one-line
commands Ansible's PowerShell shell plugin builds (remove a temporary folder, test a path) are
emulated; anything else fails, naming the command, so that nothing runs unnoticed.

What is sent differs between the cores the collection supports, and the lab accepts what each sends:
ansible-core 2.21 strips bootstrap_wrapper.ps1's comments and blank lines in ``_get_powershell_script``
(executor/powershell/module_manifest.py) and names the manifest file of a non-pipelined run with
``-EncodedArguments`` (the script's ``$InputFile``); 2.19 and 2.20 send the file as it is with each line
trimmed (``_encode_script`` in plugins/shell/powershell.py) and pipe the manifest file in with
``type <file> | powershell ... -EncodedCommand <bootstrap>`` (``build_module_command``).
"""

from __future__ import annotations

import base64
import re
import shlex
import xml.etree.ElementTree as ET

from ansible.executor.powershell.module_manifest import _get_powershell_script

from tplab.windows.exec_wrapper import Outcome, run_bootstrap
from tplab.windows.session import Session

_REMOVE = re.compile(r"^Remove-Item\s+(?P<path>'(?:[^']|'')*'|\S+)\s+-Force(?P<recurse>\s+-Recurse)?;?\s*$")
# 2.21's one-line test, and the first line of 2.19/2.20's If (Test-Path ...) { $res = 0 } Else { $res = 1 }; Exit $res.
_EXISTS = re.compile(r"^(?:exit -not \(Test-Path -LiteralPath |If \(Test-Path )(?P<path>'(?:[^']|'')*'|\S+)\)\s*$")
# What 2.19/2.20's _encode_script puts around a script unless told not to (strict_mode, preserve_rc).
_STRICT_MODE = "Set-StrictMode -Version Latest"
_PRESERVE_RC = "If (-not $?) { If (Get-Variable LASTEXITCODE"
_CLIXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
# ansible-core 2.19/2.20's non-pipelined module run: the manifest file piped into the bootstrap.
_TYPE_PIPE = re.compile(r"^type (?P<path>'(?:[^']|'')*'|\S+) \| (?P<command>.+)$")


def bootstrap_text() -> str:
    """bootstrap_wrapper.ps1 as ansible-core sends it (2.21: comments and blank lines stripped)."""
    return _get_powershell_script("bootstrap_wrapper.ps1").decode("utf-8")


def _trimmed(script: str) -> str:
    """Each line stripped and blank lines dropped, as 2.19's ``_encode_script`` does before encoding."""
    return "\n".join(line.strip() for line in script.splitlines() if line.strip())


def _unwrapped(script: str) -> str:
    """The script without the strict-mode line and exit-code line that 2.19/2.20's ``_encode_script`` adds."""
    lines = _trimmed(script).splitlines()
    if lines and lines[0] == _STRICT_MODE:
        lines = lines[1:]
    if lines and lines[-1].startswith(_PRESERVE_RC):
        lines = lines[:-1]
    return "\n".join(lines)


def run_command_line(session: Session, command_line: str, stdin: bytes) -> Outcome:
    """What WinRS runs for the winrm plugin: a PowerShell command line with stdin."""
    if match := _TYPE_PIPE.match(command_line.strip()):
        # The bootstrap reads the file as its input, which is what an argument naming the file means here.
        return _run_powershell(session, match.group("command"), b"", input_file=_unquote(match.group("path")))
    return _run_powershell(session, command_line, stdin)


def _run_powershell(session: Session, command_line: str, stdin: bytes, input_file: str | None = None) -> Outcome:
    parts = shlex.split(command_line, posix=False)
    executable = parts[0].strip('"').replace("/", "\\").rsplit("\\", 1)[-1].lower() if parts else ""
    if executable not in ("powershell", "powershell.exe", "pwsh", "pwsh.exe") or "-EncodedCommand" not in parts:
        return Outcome(1, "", f"'{command_line[:80]}' is not a command the lab emulates")
    script = base64.b64decode(parts[parts.index("-EncodedCommand") + 1]).decode("utf-16-le")
    arguments = [input_file] if input_file else []
    if "-EncodedArguments" in parts:
        arguments = _clixml_strings(base64.b64decode(parts[parts.index("-EncodedArguments") + 1]).decode("utf-16-le"))
    text = stdin.decode("utf-8")
    return run_script(session, script, arguments, text.splitlines())


def run_script(session: Session, script: str, arguments: list[str], lines: list[str]) -> Outcome:
    """Run a script with its arguments and input lines."""
    script = _unwrapped(script)
    if script == _trimmed(bootstrap_text()):
        return run_bootstrap(session, arguments, lines)
    command = script.splitlines()[0] if script else ""
    if _TYPE_PIPE.match(command):
        # The psrp plugin of 2.19/2.20 runs that command line as a script in the runspace.
        return run_command_line(session, command, b"")
    if match := _REMOVE.match(command):
        return _remove(session, _unquote(match.group("path")), bool(match.group("recurse")))
    if match := _EXISTS.match(command):
        return Outcome(0 if session.host.path(_unquote(match.group("path"))).exists() else 1, "")
    return Outcome(1, "", f"the lab's PowerShell does not emulate this command: {command[:120]}")


def _remove(session: Session, path: str, recurse: bool) -> Outcome:
    session.estate.record_call(session.host.name, "remove")
    target = session.host.path(path)
    if target.is_dir() and recurse:
        for child in sorted(target.rglob("*"), reverse=True):
            child.rmdir() if child.is_dir() else child.unlink()
        target.rmdir()
    elif target.exists():
        target.unlink()
    return Outcome(0, "")


def _unquote(value: str) -> str:
    return value[1:-1].replace("''", "'") if value.startswith("'") else value


def _clixml_strings(clixml: str) -> list[str]:
    """The <S> values of a CLIXML document, with its _xHHHH_ escapes decoded."""
    root = ET.fromstring(clixml)
    return [_CLIXML_ESCAPE.sub(lambda match: chr(int(match.group(1), 16)), node.text or "")
            for node in root.iter() if node.tag.rsplit("}", 1)[-1] == "S"]
