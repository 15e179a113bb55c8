# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Executable, install folder and config file from a service's command line.

This is how custom (``D:\\myagent``), x86 and legacy STEALTHbits installs are found without
configuration, so each shape the service control manager may store is pinned here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils import _service_path
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._service_path import (
    config_path, executable_path, install_folder)

NTP = r"C:\Program Files\Netwrix\Netwrix Threat Prevention\SIWindowsAgent"
LEGACY = r"C:\Program Files\STEALTHbits\StealthINTERCEPT\SIWindowsAgent"
X86 = r"C:\Program Files (x86)\Netwrix\Netwrix Threat Prevention\SIWindowsAgent"

CASES = [
    pytest.param(rf'"{NTP}\SIWindowsAgent.exe"', rf"{NTP}\SIWindowsAgent.exe", NTP, id="quoted"),
    pytest.param(rf"{NTP}\SIWindowsAgent.exe", rf"{NTP}\SIWindowsAgent.exe", NTP, id="unquoted-with-spaces"),
    pytest.param(rf'"{NTP}\SIWindowsAgent.exe" -service -log "C:\x y\l.txt"', rf"{NTP}\SIWindowsAgent.exe", NTP,
                 id="quoted-with-arguments"),
    pytest.param(rf"{NTP}\SIWindowsAgent.exe -service", rf"{NTP}\SIWindowsAgent.exe", NTP, id="unquoted-with-arguments"),
    pytest.param(rf'"{LEGACY}\SIWindowsAgent.exe"', rf"{LEGACY}\SIWindowsAgent.exe", LEGACY, id="legacy-stealthbits"),
    pytest.param(r"D:\myagent\SIWindowsAgent.exe", r"D:\myagent\SIWindowsAgent.exe", r"D:\myagent", id="custom-folder"),
    pytest.param(rf"{X86}\SIWindowsAgent.exe", rf"{X86}\SIWindowsAgent.exe", X86, id="program-files-x86"),
    pytest.param(rf"{NTP}\SIWINDOWSAGENT.EXE /svc", rf"{NTP}\SIWINDOWSAGENT.EXE", NTP, id="upper-case-EXE"),
    pytest.param(rf'  "{NTP}\SIWindowsAgent.exe"  ', rf"{NTP}\SIWindowsAgent.exe", NTP, id="surrounding-blanks"),
    pytest.param(r"C:\Agents\v1.exe.d\SIWindowsAgent.exe", r"C:\Agents\v1.exe.d\SIWindowsAgent.exe", r"C:\Agents\v1.exe.d",
                 id="dot-exe-inside-a-folder-name"),
    pytest.param(r"C:\Tools\agent", r"C:\Tools\agent", r"C:\Tools", id="no-exe-suffix"),
]


@pytest.mark.parametrize(("binary_path", "executable", "folder"), CASES)
def test_executable_and_folder(binary_path: str, executable: str, folder: str) -> None:
    """The executable is the quoted part or the text up to the first '.exe' that ends a word."""
    assert executable_path(binary_path) == executable
    assert install_folder(binary_path) == folder


@pytest.mark.parametrize(("binary_path", "executable", "folder"), CASES)
def test_config_is_beside_the_executable(binary_path: str, executable: str, folder: str) -> None:
    """.NET reads '<executable>.config'; the executable's own spelling (e.g. '.EXE') is kept."""
    del folder
    assert config_path(binary_path) == executable + ".config"


def test_config_suffix_can_be_given() -> None:
    """The console's file is documented as '.exe.Config'; the suffix is the caller's."""
    assert config_path(r'"C:\TP\SIWinConsole\SIWinConsole.exe"', ".Config") == r"C:\TP\SIWinConsole\SIWinConsole.exe.Config"


def test_unquoted_path_is_cut_where_windows_would_try_first() -> None:
    """Unquoted, 'C:\\my.exe files\\a.exe' means C:\\my.exe (CreateProcess tries that first): no guessing further."""
    assert executable_path(r"C:\my.exe files\a.exe") == r"C:\my.exe"


def test_unterminated_quote_takes_the_rest() -> None:
    """A command line with an opening quote only is read as if the quote closed at the end."""
    assert executable_path(rf'"{NTP}\SIWindowsAgent.exe') == rf"{NTP}\SIWindowsAgent.exe"


def test_read_script_cuts_unquoted_paths_the_same_way() -> None:
    """The read scripts derive the executable on the host with their own copy of this rule (lib/service_record.ps1);
    they must agree, or tp_agent_config would edit a file in another folder than tp_service reports."""
    script = (Path(_service_path.__file__).parent / "_scripts" / "lib" / "service_record.ps1").read_text(encoding="utf-8")
    match = re.search(r"\$commandLine -match '([^']+)'", script)
    assert match is not None, "the read script no longer matches unquoted command lines with -match '...'"
    assert match.group(1) == _service_path._UNQUOTED_EXE.pattern  # pylint: disable=protected-access
    assert _service_path._UNQUOTED_EXE.flags & re.IGNORECASE  # PowerShell's -match is case-insensitive
