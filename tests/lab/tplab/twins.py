# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Python twins of the collection's PowerShell scripts, so the emulated win_powershell can run them.

There is no PowerShell here. Each twin does what its script does, step for step, against the
emulated host: the same checks, the same order, the same error texts, using the same Windows
primitives the lab emulates for every other module (files through NTFS-like paths, the service
control manager, the EM's PowerShell API). A twin is bound to one exact script text by SHA-256:
when a script changes, the lab refuses to run it until its twin is reviewed and its hash updated
(tests/lab/tests/test_twins.py names the stale one).

The twins decide nothing the collection must earn: they read and write files and report what the
product's state is; whether the outcome is right is checked by the tests against that state.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import json
import ntpath
import os
import re
import typing as t
import uuid
from dataclasses import dataclass, field

from tplab import product, programs, services, winpath
from tplab.estate import Estate, Host

SCRIPT_SHA256 = {
    "read_program_config": "0b0804e9d4fbb5ae5f0278bb52eec62cee7f653542a810c7940b4fe97ff76637",
    "replace_file": "1bab100009c586788ffdb6335ddf22d0bd66902bcfeaef34705d57b20005f8f3",
    "get_agent_status": "f6124571ea8ee6a2c524fd7e7ea08f390c2836d62b0ab2c4e51b2fc29fa8554e",
    "read_files": "cbd19d56569d7026eab326b09952200d80e1ebcae196bab9e44d1a5bd1df40fd",
    "move_secret": "2e946b54705e3f604065775c044dc65d02951b1c88a1df4a9019651879518a23",
    "read_em_info": "f5888bfd02de9c46a9325428311a6bf909ed34cc35d57679fba55031c47bf43a",
}


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


def declared_parameters(script: str) -> set[str]:
    """The parameter names a script's param() block declares ([string]$Name, [string[]]$Names, [SecureString]$X)."""
    block = script[script.index("param ("):script.index("\n)\n")]
    return set(re.findall(r"\[[\w\[\]]+\]\s*\$(\w+)", block))


def twin_for(script: str) -> tuple[str, t.Callable[[ScriptRun, dict[str, t.Any]], None]] | None:
    digest = hashlib.sha256(script.encode("utf-8")).hexdigest()
    for name, expected in SCRIPT_SHA256.items():
        if expected == digest:
            return name, TWINS[name]
    return None


def _sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_all_bytes(run: ScriptRun, windows_path: str) -> bytes:
    if _is_locked(run.host, windows_path):
        raise ScriptError(f'Exception calling "ReadAllBytes" with "1" argument(s): "The process cannot access the file '
                          f"'{windows_path}' because it is being used by another process.\"")
    path = run.host.path(windows_path)
    if not path.is_file():
        raise ScriptError(f'Exception calling "ReadAllBytes" with "1" argument(s): "Could not find file \'{windows_path}\'."')
    return path.read_bytes()


def _is_locked(host: Host, windows_path: str) -> bool:
    wanted = _path_key(windows_path)
    return any(_path_key(entry) == wanted for entry in host.faults().get("locked") or [])


def _path_key(windows_path: str) -> tuple[str, list[str]]:
    drive, parts = winpath.split_windows_path(windows_path)
    return drive, [part.lower() for part in parts]


def read_program_config(run: ScriptRun, params: dict[str, t.Any]) -> None:
    """Twin of read_program_config.ps1."""
    run.changed = False
    service_name, config_path = params.get("ServiceName") or "", params.get("ConfigPath") or ""
    service = None
    found = services.find(run.host, service_name) if service_name else None
    if found:
        name, raw = found
        running = raw["state"] == "started"
        service = {"name": name, "display_name": raw["display_name"], "state": raw["state"],
                   "start_mode": raw["start_mode"], "path": raw["path"], "accepts_stop": running and not raw.get("hardened"),
                   "started_ms": raw.get("started_ms") if running else None}
    if not config_path and service:
        config_path = product.executable(service["path"]) + (params.get("ConfigSuffix") or ".config")
    config: dict[str, t.Any] = {"path": config_path or None, "exists": False, "content": None, "sha256": None,
                                "last_write_ms": None}
    if config_path and run.host.path(config_path).is_file():
        data = _read_all_bytes(run, config_path)
        config.update(exists=True, sha256=_sha256_hex(data), content=base64.b64encode(data).decode("ascii"),
                      last_write_ms=run.host.path(config_path).stat().st_mtime_ns // 1_000_000)
    run.result = {"service": service, "config": config}


def replace_file(run: ScriptRun, params: dict[str, t.Any]) -> None:
    """Twin of replace_file.ps1 (never runs in check mode: the script has no SupportsShouldProcess)."""
    path, expected = params["Path"], params.get("ExpectedSha256") or ""
    local = run.host.path(path)
    exists = local.is_file()
    if expected:
        if not exists:
            raise ScriptError(f"{path} no longer exists; it was removed after it was read. Nothing was changed; run again.")
        if _sha256_hex(_read_all_bytes(run, path)) != expected:
            raise ScriptError(f"{path} changed after it was read (another process edited it). Nothing was changed; run again.")
    elif exists:
        raise ScriptError(f"{path} appeared after it was read. Nothing was changed; run again.")
    data = base64.b64decode(params.get("SecretContentBase64") or params["ContentBase64"])
    if _sha256_hex(data) != params["Sha256"]:
        raise ScriptError(f"the content for {path} arrived damaged (SHA-256 mismatch). Nothing was changed; run again.")
    temporary = local.with_name(f".{local.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        _write_new_file(run.host, temporary, data)
        if _sha256_hex(temporary.read_bytes()) != params["Sha256"]:
            raise ScriptError(f"the temporary copy of {path} does not read back as written. Nothing was changed.")
        if exists:
            _replace(run.host, temporary, path, params.get("BackupPath") or "")
        else:
            os.rename(temporary, local)
    finally:
        if temporary.exists():
            temporary.unlink()
    backup = params.get("BackupPath") if exists and params.get("BackupPath") else None
    run.result = {"sha256": params["Sha256"], "backup_file": backup}


def _write_new_file(host: Host, local: os.PathLike[str], data: bytes) -> None:
    """FileStream write + Flush; the partial_write fault fills the disk half way through."""
    with open(local, "xb") as stream:
        if host.faults().get("partial_write"):
            stream.write(data[: len(data) // 2])
            stream.flush()
            raise ScriptError('Exception calling "Write" with "3" argument(s): "There is not enough space on the disk."')
        stream.write(data)


def _replace(host: Host, temporary: os.PathLike[str], path: str, backup_path: str) -> None:
    """[IO.File]::Replace: the original becomes the backup and the new file takes its name, or nothing happens."""
    if _is_locked(host, path):
        raise ScriptError('Exception calling "Replace" with "3" argument(s): "The process cannot access the file because '
                          'it is being used by another process."')
    local = host.path(path)
    if backup_path:
        host.path(ntpath.dirname(backup_path)).mkdir(parents=True, exist_ok=True)
        backup = host.path(backup_path)
        if backup.exists():  # ReplaceFile replaces an existing backup file
            backup.unlink()
        os.link(local, backup)
    os.replace(temporary, local)


def get_agent_status(run: ScriptRun, params: dict[str, t.Any]) -> None:
    """Twin of get_agent_status.ps1: Import-Module, Connect-SIEnterpriseManager, Get-SIAgentStatus."""
    run.changed = False
    module_path = params["ModulePath"]
    if not run.host.path(module_path).is_file():
        raise ScriptError(f"The specified module '{module_path}' was not loaded because no valid module file was found "
                          f"in any module directory.", "Modules_ModuleNotFound,Microsoft.PowerShell.Commands.ImportModuleCommand")
    port = int(params.get("Port") or 3740)
    address = params.get("Address") or "127.0.0.1"
    if product.running_service(run.host, "enterprise_manager") is None or port not in product.listening_ports(run.host):
        raise ScriptError(f"Unable to connect to the Enterprise Manager at {address}:{port}.")
    run.output = product.agent_status_rows(run.estate, run.host)


def read_files(run: ScriptRun, params: dict[str, t.Any]) -> None:
    """Twin of read_files.ps1."""
    run.changed = False
    folder = params["Folder"]
    local = run.host.path(folder)
    on_disk = [entry for entry in local.iterdir() if entry.is_file()] if local.is_dir() else []
    files = []
    for requested in params["Names"]:
        item = next((entry for entry in on_disk if entry.name.lower() == requested.lower()), None)
        entry = {"requested": requested, "name": requested, "path": f"{folder}\\{requested}", "exists": False,
                 "sha256": None, "content": None}
        if item is not None:
            data = _read_all_bytes(run, f"{folder}\\{item.name}")
            entry.update(name=item.name, path=f"{folder}\\{item.name}", exists=True, sha256=_sha256_hex(data),
                         content=base64.b64encode(data).decode("ascii") if params.get("IncludeContent") else None)
        files.append(entry)
    run.result = {"folder": folder, "files": files}


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
            data = _read_all_bytes(run, landed)
            run.result = {"content": base64.b64encode(data).decode("ascii"), "sha256": _sha256_hex(data), "landed": landed}
        else:
            data = base64.b64decode(params["Export"])
            if _sha256_hex(data) != params["ExportSha256"]:
                raise ScriptError("the secret export arrived damaged (SHA-256 mismatch). Nothing was imported; run again.")
            run.host.path(f"{work}\\{name}").write_bytes(data)
            _secretmgr(run, params["SecretMgr"], "-i", f"{work}\\{name}", work)
            imported = _sha256_hex(_read_all_bytes(run, params["SecretFile"]))
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


TWINS: dict[str, t.Callable[[ScriptRun, dict[str, t.Any]], None]] = {
    "read_program_config": read_program_config,
    "replace_file": replace_file,
    "get_agent_status": get_agent_status,
    "read_files": read_files,
    "move_secret": move_secret,
    "read_em_info": read_em_info,
}
