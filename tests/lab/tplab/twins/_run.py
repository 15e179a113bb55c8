# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every twin shares: the run it acts in, the script's terminating error, and host primitives.

A twin stands for one of the collection's PowerShell scripts and does what the script does, step
for step, against the emulated host, including what Windows PowerShell 5.1 and .NET do when a step
fails. docs/lab.md lists, per script, which behaviours the twin models and where each comes from.
"""

from __future__ import annotations

import hashlib
import re
import typing as t
from dataclasses import dataclass, field

from tplab import winpath
from tplab.estate import Estate, Host
from tplab.windows.session import Session

# What PowerShell says when a script in ConstrainedLanguage mode calls a method of a non-core type.
CLM_ERROR = "Cannot invoke method. Method invocation is supported only on core types in this language mode."


class ScriptError(Exception):
    """A terminating error in the script (what `throw` or an -ErrorAction Stop failure produces)."""

    def __init__(self, message: str, error_id: str = "RuntimeException") -> None:
        super().__init__(message)
        self.message = message
        self.error_id = error_id


@dataclass
class ScriptRun:
    """What a script sees and produces: its host, check mode, $Ansible.Result and pipeline output."""

    estate: Estate
    host: Host
    check_mode: bool
    result: t.Any = None
    output: list[t.Any] = field(default_factory=list)
    changed: bool = True
    session: Session | None = None  # the logon running the script (None in the lab's own unit tests)
    host_out: list[str] = field(default_factory=list)  # what the script wrote to the host (Write-Host, console)
    edition: str = "Desktop"  # $PSVersionTable.PSEdition of the process running the script
    language_mode: str = "FullLanguage"  # $ExecutionContext.SessionState.LanguageMode

    def stopped_outside_full_language(self) -> bool:
        """The read scripts' guard: outside FullLanguage mode $Ansible.Result is only the mode, and the script returns."""
        if self.language_mode == "FullLanguage":
            return False
        self.result = {"language_mode": self.language_mode}
        return True

    def dotnet(self) -> None:
        """The script is about to call a .NET method: in ConstrainedLanguage mode that is where it fails."""
        if self.language_mode != "FullLanguage":
            raise ScriptError(CLM_ERROR, "MethodInvocationNotSupportedInConstrainedLanguage")


def declared_parameters(script: str) -> set[str]:
    """The parameter names a script's param() block declares ([string]$Name, [string[]]$Names, [SecureString]$X)."""
    block = script[script.index("param ("):script.index("\n)\n")]
    return set(re.findall(r"\[[\w\[\]]+\]\s*\$(\w+)", block))


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_all_bytes(run: ScriptRun, windows_path: str) -> bytes:
    if is_locked(run.host, windows_path):
        raise ScriptError(f'Exception calling "ReadAllBytes" with "1" argument(s): "The process cannot access the file '
                          f"'{windows_path}' because it is being used by another process.\"")
    path = run.host.path(windows_path)
    if not path.is_file():
        raise ScriptError(f'Exception calling "ReadAllBytes" with "1" argument(s): "Could not find file \'{windows_path}\'."')
    return path.read_bytes()


def is_locked(host: Host, windows_path: str) -> bool:
    wanted = path_key(windows_path)
    return any(path_key(entry) == wanted for entry in host.faults().get("locked") or [])


def path_key(windows_path: str) -> tuple[str, list[str]]:
    drive, parts = winpath.split_windows_path(windows_path)
    return drive, [part.lower() for part in parts]
