# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Twin of move_secret.ps1."""

from __future__ import annotations

import base64
import fnmatch
import json
import os
import typing as t
import uuid

from tplab import programs
from tplab.estate import Host
from tplab.twins._run import ScriptError, ScriptRun, read_all_bytes, sha256_hex

SCRIPT_SHA256 = "2e946b54705e3f604065775c044dc65d02951b1c88a1df4a9019651879518a23"


def move_secret(run: ScriptRun, params: dict[str, t.Any]) -> None:
    """Twin of move_secret.ps1 (never in check mode: the script has no SupportsShouldProcess)."""
    folders = [params["WorkRoot"], *(params.get("OtherLocations") or [])]
    _remove_exports(run.host, folders)
    work = f"{params['WorkRoot']}\\tp-secret-{uuid.uuid4().hex}"
    name = f"tp-secret-{uuid.uuid4().hex}.export"
    try:
        run.host.path(work).mkdir(parents=True)  # the lab does not emulate ACLs (see docs/lab.md)
        if params["Mode"] == "Export":
            _secretmgr(run, params["SecretMgr"], "-e", f"{work}\\{name}", work)
            landed = next((f"{folder}\\{name}" for folder in [work, *folders[1:]]
                           if run.host.path(f"{folder}\\{name}").is_file()), None)
            if landed is None:
                raise ScriptError(f"SecretMgr.exe -e reported success but wrote no export in {', '.join(folders)}.")
            data = read_all_bytes(run, landed)
            run.result = {"content": base64.b64encode(data).decode("ascii"), "sha256": sha256_hex(data), "landed": landed}
        else:
            data = base64.b64decode(params["Export"])
            if sha256_hex(data) != params["ExportSha256"]:
                raise ScriptError("the secret export arrived damaged (SHA-256 mismatch). Nothing was imported; run again.")
            run.host.path(f"{work}\\{name}").write_bytes(data)
            _secretmgr(run, params["SecretMgr"], "-i", f"{work}\\{name}", work)
            imported = sha256_hex(read_all_bytes(run, params["SecretFile"]))
            record = json.loads(params["Marker"])
            record["imported_sha256"] = imported
            marker = run.host.path(params["MarkerPath"])
            marker.parent.mkdir(parents=True, exist_ok=True)
            os.replace(_written(marker.with_name(marker.name + ".tmp"), json.dumps(record).encode("utf-8")), marker)
            run.result = {"imported_sha256": imported}
    finally:
        _remove_exports(run.host, folders)


def _written(path: os.PathLike[str], data: bytes) -> os.PathLike[str]:
    with open(path, "wb") as stream:
        stream.write(data)
    return path


def _remove_exports(host: Host, folders: list[str]) -> None:
    """Remove-Export: every tp-secret-* export file and private folder in these folders."""
    for folder in folders:
        local = host.path(folder)
        if not local.is_dir():
            continue
        for entry in local.iterdir():
            if entry.is_file() and fnmatch.fnmatch(entry.name.lower(), "tp-secret-*.export"):
                entry.unlink()
            elif entry.is_dir() and entry.name.lower().startswith("tp-secret-"):
                for child in sorted(entry.rglob("*"), reverse=True):
                    child.unlink() if child.is_file() else child.rmdir()
                entry.rmdir()


def _secretmgr(run: ScriptRun, executable: str, switch: str, file: str, working_folder: str) -> None:
    code, error = programs.run(run.host, executable, [switch, file], working_folder)
    if code != 0:
        raise ScriptError(f"SecretMgr.exe {switch} failed (exit code {code}: {(error or 'no error text')[:200]}).")
