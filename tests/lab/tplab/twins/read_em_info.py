# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Twin of read_em_info.ps1."""

from __future__ import annotations

import base64
import fnmatch
import typing as t

from tplab.twins._run import ScriptRun

SCRIPT_SHA256 = "f5888bfd02de9c46a9325428311a6bf909ed34cc35d57679fba55031c47bf43a"


def read_em_info(run: ScriptRun, params: dict[str, t.Any]) -> None:
    """Twin of read_em_info.ps1."""
    run.changed = False
    folder = params["Folder"]
    exe = f"{folder}\\{params.get('Executable') or 'SIEnterpriseManager.exe'}"
    system = run.host.system()
    config = run.host.path(exe + ".config")
    output = run.host.path(f"{folder}\\output\\file")
    patterns = params.get("ServicePatterns") or ["SIReportingService", "SISchedulerService", "StealthDEFEND*"]
    run.result = {
        "version": system["product_version"] if run.host.path(exe).is_file() else None,
        "config": base64.b64encode(config.read_bytes()).decode("ascii") if config.is_file() else None,
        "pwned_store": run.host.path(f"{folder}\\PwnedStore").is_dir(),
        "file_action_output": sum(1 for entry in output.rglob("*") if entry.is_file()) if output.is_dir() else 0,
        "licenses": sorted(entry.name for entry in run.host.path(folder).iterdir()
                           if entry.is_file() and entry.name.lower().endswith(".lic")),
        "services": [name for pattern in patterns for name in system["services"] if fnmatch.fnmatch(name.lower(), pattern.lower())],
        "epe_rest_site": "EPE_REST" in system.get("iis_sites", []),
    }
