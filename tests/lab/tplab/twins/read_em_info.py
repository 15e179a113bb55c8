# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Twin of read_em_info.ps1.

What it models, and where that comes from:
- the ConstrainedLanguage guard: ``$ExecutionContext.SessionState.LanguageMode`` is readable in
  every language mode (about_Language_Modes), and the hashtable it returns is allowed there;
- ``[IO.Path]::Combine`` is string work only: it needs no drive to exist (.NET reference source,
  Path.Combine), unlike Join-Path, which resolves the drive and throws DriveNotFoundException;
- ``(Get-Item exe).VersionInfo.ProductVersion`` is the executable's product version (system.json);
- a config larger than MaxBytes is not read (its bytes never leave the host);
- ``Get-Service -Name`` and ``-DisplayName`` both take wildcards, compare case-insensitively, and
  with -ErrorAction SilentlyContinue return nothing for no match (Get-Service docs);
- ``Get-ItemProperty -Name V`` returns the value of an existing registry value, nothing otherwise
  (the host's registry model, tplab.windows.registry);
- ``$PSVersionTable.PSEdition`` is Desktop for Windows PowerShell 5.1 and Core for PowerShell 7.
"""

from __future__ import annotations

import base64
import fnmatch
import typing as t

from tplab.twins._run import ScriptRun
from tplab.windows import registry

SCRIPT_SHA256 = "8bade5dabb3af1f03eb6424a6cb311070b8e3f315c3f1caed4c568e3342461ae"
POLICY_ROOTS = ("HKLM:\\SOFTWARE\\Policies\\Microsoft\\Windows\\PowerShell", "HKLM:\\SOFTWARE\\Policies\\Microsoft\\PowerShellCore")
POLICIES = {"module_logging": ("ModuleLogging", "EnableModuleLogging"), "transcription": ("Transcription", "EnableTranscripting"),
            "script_block_logging": ("ScriptBlockLogging", "EnableScriptBlockLogging")}
VERSIONS = {"Desktop": "5.1.17763.6893", "Core": "7.4.6"}


def _services(run: ScriptRun, patterns: list[str]) -> list[str]:
    """Get-Service -Name P and -DisplayName P for each pattern, then the unique names, sorted."""
    names = set()
    for pattern in patterns:
        for name, service in run.host.system()["services"].items():
            if fnmatch.fnmatchcase(name.lower(), pattern.lower()) or fnmatch.fnmatchcase(service["display_name"].lower(), pattern.lower()):
                names.add(name)
    return sorted(names, key=str.lower)


def _logging(run: ScriptRun) -> dict[str, bool]:
    return {name: any(int(registry.values(run.host, f"{root}\\{key}").get(value) or 0) == 1 for root in POLICY_ROOTS)
            for name, (key, value) in POLICIES.items()}


def read_em_info(run: ScriptRun, params: dict[str, t.Any]) -> None:
    """Twin of read_em_info.ps1."""
    run.changed = False
    if run.stopped_outside_full_language():
        return
    folder = params["Folder"]
    exe = f"{folder}\\{params.get('Executable') or 'SIEnterpriseManager.exe'}"
    system = run.host.system()
    config = run.host.path(exe + ".config")
    too_large = config.is_file() and config.stat().st_size > int(params.get("MaxBytes") or 1048576)
    output = run.host.path(f"{folder}\\output\\file")
    patterns = params.get("ServicePatterns") or ["SIReportingService", "SISchedulerService", "StealthDEFEND*"]
    run.result = {
        "version": system["product_version"] if run.host.path(exe).is_file() else None,
        "config": base64.b64encode(config.read_bytes()).decode("ascii") if config.is_file() and not too_large else None,
        "config_too_large": too_large,
        "pwned_store": run.host.path(f"{folder}\\PwnedStore").is_dir(),
        "file_action_output": sum(1 for entry in output.rglob("*") if entry.is_file()) if output.is_dir() else 0,
        "licenses": sorted(entry.name for entry in run.host.path(folder).iterdir()
                           if entry.is_file() and entry.name.lower().endswith(".lic")),
        "services": _services(run, patterns),
        "epe_rest_site": "EPE_REST" in system.get("iis_sites", []),
        "powershell": {"edition": run.edition, "version": VERSIONS.get(run.edition, "")},
        "powershell_logging": _logging(run),
    }
