# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The EM read scripts as Windows runs them: drives that do not exist, oversized files, display names,
PowerShell logging policies and ConstrainedLanguage mode (twins of read_files.ps1 and read_em_info.ps1)."""

from __future__ import annotations

import typing as t

import pytest

from tplab import twins
from tplab.estate import Estate, Host
from tplab.windows import registry
from tplab.windows.network import admin_session

EM_FOLDER = "C:\\Program Files\\Netwrix\\Netwrix Threat Prevention\\SIEnterpriseManager"


def run_script(estate: Estate, host: str, name: str, params: dict[str, t.Any], language_mode: str = "FullLanguage") -> t.Any:
    run = twins.ScriptRun(estate=estate, host=estate.host(host), check_mode=False, session=admin_session(estate, host),
                          language_mode=language_mode)
    twins.TWINS[name](run, params)
    return run.result


def set_registry(host: Host, key: str, values: dict[str, t.Any]) -> None:
    with host.editing_system() as system:
        system.setdefault("registry", {})[key] = values


def test_a_folder_on_a_drive_the_host_lacks_reads_as_not_there(estate: Estate) -> None:
    """Path.Combine needs no drive; Join-Path would throw DriveNotFoundException in Windows PowerShell 5.1."""
    assert not estate.host("new-em").path("Q:\\").exists()
    result = run_script(estate, "new-em", "read_files", {"Folder": "Q:\\CertsInfo", "Names": ["Ca-crt.pem"]})
    assert result["files"] == [{"requested": "Ca-crt.pem", "name": "Ca-crt.pem", "path": "Q:\\CertsInfo\\Ca-crt.pem",
                                "exists": False, "too_large": False, "sha256": None, "content": None}]


def test_a_file_over_the_cap_is_hashed_but_never_read(estate: Estate) -> None:
    host = estate.host("old-em")
    host.path(f"{EM_FOLDER}\\CertsInfo\\Ca-crt.pem").write_bytes(b"A" * 2048)
    result = run_script(estate, "old-em", "read_files", {"Folder": f"{EM_FOLDER}\\CertsInfo", "Names": ["Ca-crt.pem"],
                                                         "IncludeContent": True, "MaxBytes": 1024})
    entry = result["files"][0]
    assert entry["too_large"] is True and entry["content"] is None and entry["sha256"]


def test_services_beside_the_em_are_found_by_display_name_too(estate: Estate) -> None:
    """The vendor documents the Reporting Module's services by display name ("StealthDEFEND Web Service")."""
    with estate.host("old-em").editing_system() as system:
        system["services"]["SDWebSvc"] = {"display_name": "StealthDEFEND Web Service", "path": "C:\\sd.exe",
                                          "program": "other", "start_mode": "auto", "state": "stopped"}
    assert run_script(estate, "old-em", "read_em_info", {"Folder": EM_FOLDER})["services"] == ["SDWebSvc"]


@pytest.mark.parametrize(("key", "value", "reported"), [
    ("ModuleLogging", "EnableModuleLogging", "module_logging"),
    ("Transcription", "EnableTranscripting", "transcription"),
    ("ScriptBlockLogging", "EnableScriptBlockLogging", "script_block_logging"),
])
def test_powershell_logging_policies_are_reported(estate: Estate, key: str, value: str, reported: str) -> None:
    host = estate.host("new-em")
    assert not any(run_script(estate, "new-em", "read_em_info", {"Folder": EM_FOLDER})["powershell_logging"].values())
    set_registry(host, f"{registry.POWERSHELL_POLICIES}\\{key}", {value: 1})
    logging = run_script(estate, "new-em", "read_em_info", {"Folder": EM_FOLDER})["powershell_logging"]
    assert logging == {name: name == reported for name in logging}


@pytest.mark.parametrize("script", ["read_files", "read_em_info"])
def test_constrained_language_mode_is_reported_before_any_dotnet_call(estate: Estate, script: str) -> None:
    params = {"Folder": EM_FOLDER, "Names": ["Ca-crt.pem"]} if script == "read_files" else {"Folder": EM_FOLDER}
    assert run_script(estate, "new-em", script, params, "ConstrainedLanguage") == {"language_mode": "ConstrainedLanguage"}
