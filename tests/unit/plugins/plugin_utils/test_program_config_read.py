# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The host boundary's side of read_program_config.ps1 and replace_file.ps1, and the library both include."""

from __future__ import annotations

import base64
import typing as t
from pathlib import Path

import pytest

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._errors import TPError
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._windows_host import (
    MAX_FILE_BYTES, WindowsHost, _script_text)

SCRIPTS = Path(__file__).resolve().parents[4] / "plugins" / "plugin_utils" / "_scripts"
CONFIG = r"C:\Agent\SIWindowsAgent.exe.config"


def answering(result: dict[str, t.Any]) -> t.Callable[..., dict[str, t.Any]]:
    """An _execute_module whose win_powershell call returns this $Ansible.Result."""
    return lambda module_name, module_args: {"changed": False, "failed": False, "result": result, "error": []}


def program_result(content: bytes) -> dict[str, t.Any]:
    return {"language_mode": "FullLanguage", "service": None, "removed": [], "self_test": None,
            "config": {"path": CONFIG, "exists": True, "content": base64.b64encode(content).decode("ascii"),
                       "sha256": "ab" * 32, "last_write_ms": 5, "written_sha256": "cd" * 32}}


def test_an_oversized_config_is_refused_on_the_controller_too() -> None:
    """A host that sends more than the cap anyway (a script that skipped its own check) is refused here."""
    host = WindowsHost(answering(program_result(b"x" * (MAX_FILE_BYTES + 4096))), "agent01")
    with pytest.raises(TPError, match=r"agent01: .*SIWindowsAgent\.exe\.config came back larger than 1048576 bytes"):
        host.read_program_config("SIWindowsAgent", None, ".config")


def test_the_record_removed_files_and_an_empty_config_come_through() -> None:
    host = WindowsHost(answering({**program_result(b""), "removed": [CONFIG + ".x"]}), "agent01")
    program = host.read_program_config("SIWindowsAgent", None, ".config", ".tp-written.json")
    assert program.config.content == b"" and program.config.written_sha256 == "cd" * 32
    assert program.removed == (CONFIG + ".x",)


def test_constrained_language_mode_fails_with_guidance() -> None:
    host = WindowsHost(answering({"language_mode": "ConstrainedLanguage"}), "agent01")
    with pytest.raises(TPError) as raised:
        host.read_program_config("SIWindowsAgent", None, ".config")
    assert raised.value.message.startswith("agent01: PowerShell runs in ConstrainedLanguage mode")
    assert "WDAC or AppLocker" in raised.value.message and "Nothing was changed" in raised.value.message


@pytest.mark.parametrize("name", ["replace_file", "read_program_config"])
def test_both_scripts_include_the_atomic_replace_library(name: str) -> None:
    """One library, so the preflight's self-test proves exactly the functions the write uses."""
    assert "#include atomic_replace" in (SCRIPTS / f"{name}.ps1").read_text(encoding="utf-8")
    assert "Function Set-FileAtomically" in _script_text(name)
