# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Twin of plugins/plugin_utils/_scripts/lib/atomic_replace.ps1, for the twins of the scripts that include it.

One function per PowerShell function, step for step, through the .NET calls of ``_windows_io`` (whose docstring
gives the source of each modelled Windows behaviour). The library's own choices, mirrored here: ReplaceFile is
always given a backup name (the caller's, or an internal one removed after success); access denied, sharing
violations and ERROR_UNABLE_TO_REMOVE_REPLACED are retried up to five attempts, 100 ms x attempt apart; after a
failure the target is made to exist again (from the backup, else from the temporary file) and the temporary file
is removed only when the target exists.
"""

from __future__ import annotations

import json
import ntpath
import re
import time
import typing as t
import uuid
from datetime import datetime, timedelta, timezone

from tplab.twins import _windows_io as io
from tplab.twins._run import ScriptError, ScriptRun, read_all_bytes, sha256_hex

ATTEMPTS = 5
TRANSIENT = (io.ERROR_ACCESS_DENIED, io.ERROR_SHARING_VIOLATION, io.ERROR_UNABLE_TO_REMOVE_REPLACED)
STALE_AFTER = timedelta(minutes=10)
SELF_TEST_STEPS = ("create a scratch file", "replace it keeping a backup", "replace it without a backup")


def temporary_path(path: str, suffix: str) -> str:
    """Get-TemporaryPath: '.<name>.<8 hex>.<suffix>' beside the file."""
    return ntpath.join(ntpath.dirname(path), f".{ntpath.basename(path)}.{uuid.uuid4().hex[:8]}.{suffix}")


def temporary_name_pattern(name: str) -> re.Pattern[str]:
    """Get-TemporaryNamePattern, matched as -match does (case-insensitively)."""
    escaped = re.escape(name)
    return re.compile(rf"^(\.{escaped}\.[0-9a-f]{{8}}(\.bak|\.selftest)?|\.\.{escaped}\.[0-9a-f]{{8}}\.selftest\.tmp"
                      rf"\.[0-9a-f]{{8}}(\.bak)?)\.tmp$", re.IGNORECASE)


def remove_quietly(run: ScriptRun, path: str) -> bool:
    """Remove-FileQuietly."""
    try:
        io.delete(run, path)
    except ScriptError:
        return False
    return True


def set_file_atomically(run: ScriptRun, path: str, data: bytes, sha256: str, backup_path: str) -> None:
    """Set-FileAtomically."""
    core = run.edition == "Core"  # $PSVersionTable.PSEdition: which .NET API carries file ACLs
    exists = io.exists(run, path)
    security = io.get_access_control(run, path, extension=core) if exists else None
    temporary = temporary_path(path, "tmp")
    try:
        io.create_new(run, temporary, data, security, extension=core)
        read_back = sha256_hex(read_all_bytes(run, temporary))
    except ScriptError:
        remove_quietly(run, temporary)
        raise
    if read_back != sha256:
        remove_quietly(run, temporary)
        raise ScriptError(f"the temporary copy of {path} does not read back as written. Nothing was changed.")
    if not exists:
        try:
            io.move(run, temporary, path)
        except ScriptError:
            remove_quietly(run, temporary)
            raise
        return
    backup = backup_path
    if backup:
        io.create_directory(run, ntpath.dirname(backup))
    else:
        backup = temporary_path(path, "bak.tmp")
    failure = _replace_with_retries(run, temporary, path, backup)
    if failure is not None:
        error, attempts = failure
        state = _repair(run, path, temporary, backup)
        raise ScriptError(f"replacing {path} failed after {attempts} attempt(s): {error.inner_message.strip().rstrip('.')} (Win32 "
                          f"error {error.win32}). {state} Antivirus or the search indexer holding new files open is the "
                          f"usual cause: exclude {ntpath.dirname(path)} from scanning, then run again.")
    if not backup_path:
        remove_quietly(run, backup)


def _replace_with_retries(run: ScriptRun, replacement: str, path: str, backup: str) -> tuple[io.DotNetError, int] | None:
    """Invoke-ReplaceFile: None once replaced, else the last failure and the attempts made."""
    attempt = 1
    while True:
        try:
            io.replace_file(run, replacement, path, io.dotnet_string(backup))
            return None
        except io.DotNetError as error:
            failure = error
        if attempt >= ATTEMPTS or failure.win32 not in TRANSIENT:
            return failure, attempt
        time.sleep(0.1 * attempt)
        attempt += 1


def _repair(run: ScriptRun, path: str, temporary: str, backup: str) -> str:
    """Repair-FailedReplace."""
    if io.exists(run, path):
        if remove_quietly(run, temporary):
            return f"{path} was not changed."
        return f"{path} was not changed; the temporary file {temporary} could not be removed (a later run removes it)."
    if io.exists(run, backup):
        try:
            io.move(run, backup, path)
        except ScriptError:
            return (f"{path} is missing: its previous content is at {backup} and the new content at {temporary}. Move "
                    f"{backup} back to {path}.")
        remove_quietly(run, temporary)
        return (f"ReplaceFile had moved {path} to {backup}; it was put back, so {path} holds its previous content and "
                f"nothing was changed.")
    try:
        io.move(run, temporary, path)
    except ScriptError:
        return f"{path} is missing and no backup of it exists; the new content is at {temporary}. Move it to {path}."
    return (f"{path} was missing and no backup of it existed, so the new content was moved in from {temporary}: {path} "
            f"holds the new content.")


def remove_stale_temporary_files(run: ScriptRun, folder: str, names: list[str]) -> list[str]:
    """Remove-StaleTemporaryFile."""
    run.dotnet()
    local = run.host.path(folder)
    if not local.is_dir():
        return []
    patterns = [temporary_name_pattern(name) for name in names]
    cutoff = (datetime.now(timezone.utc) - STALE_AFTER).timestamp()
    removed = []
    for entry in sorted(local.iterdir()):
        if not entry.is_file():
            continue
        path = ntpath.join(folder, entry.name)
        ours = any(pattern.search(entry.name) for pattern in patterns)
        if ours and entry.stat().st_mtime < cutoff and remove_quietly(run, path):
            removed.append(path)
    return removed


def read_written_record(run: ScriptRun, path: str) -> str | None:
    """Read-WrittenRecord."""
    run.dotnet()
    local = run.host.path(path)
    if not local.is_file() or local.stat().st_size > 4096:
        return None
    try:
        record = json.loads(read_all_bytes(run, path).decode("utf-8-sig"))
    except (ScriptError, ValueError):
        return None
    sha256 = record.get("sha256") if isinstance(record, dict) else None
    return sha256 if isinstance(sha256, str) and re.fullmatch("[0-9a-fA-F]{64}", sha256) else None


def write_written_record(run: ScriptRun, path: str, target: str, sha256: str) -> None:
    """Write-WrittenRecord (ConvertTo-Json -Compress of an ordered hashtable, UTF-8 without BOM)."""
    written = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"  # DateTime.ToString('o')
    data = json.dumps({"path": target, "sha256": sha256, "written_utc": written}, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")
    set_file_atomically(run, path, data, sha256_hex(data), "")


def test_atomic_replace(run: ScriptRun, folder: str, name: str) -> dict[str, t.Any]:
    """Test-AtomicReplace."""
    scratch_name = f".{name}.{uuid.uuid4().hex[:8]}.selftest.tmp"
    scratch = ntpath.join(folder, scratch_name)
    backup = temporary_path(scratch, "bak.tmp")
    result: dict[str, t.Any] = {"ok": True, "folder": folder, "step": None, "error": None, "left": []}
    previous = b""
    try:
        for round_number, step in enumerate(SELF_TEST_STEPS):
            result["step"] = step
            data = f"netwrix.threat_prevention self-test, step {round_number}".encode("utf-8")
            keep = backup if round_number == 1 else ""
            set_file_atomically(run, scratch, data, sha256_hex(data), keep)
            if sha256_hex(read_all_bytes(run, scratch)) != sha256_hex(data):
                raise ScriptError(f"{scratch} does not read back as written.")
            if keep and sha256_hex(read_all_bytes(run, keep)) != sha256_hex(previous):
                raise ScriptError(f"the backup {keep} does not hold the previous content.")
            previous = data
        result["step"] = "remove the scratch files"
    except ScriptError as error:
        result.update(ok=False, error=error.message)
    local = run.host.path(folder)
    leftovers = sorted(entry.name for entry in local.iterdir() if scratch_name.lower() in entry.name.lower())
    result["left"] = [path for path in (ntpath.join(folder, entry) for entry in leftovers) if not remove_quietly(run, path)]
    if result["ok"] and result["left"]:
        result.update(ok=False, error="the scratch files could not be removed.")
    if result["ok"]:
        result["step"] = None
    return result
