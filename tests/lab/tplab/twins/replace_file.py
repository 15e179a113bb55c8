# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Twin of replace_file.ps1."""

from __future__ import annotations

import base64
import ntpath
import os
import typing as t
import uuid

from tplab.estate import Host
from tplab.twins._run import ScriptError, ScriptRun, is_locked, read_all_bytes, sha256_hex

SCRIPT_SHA256 = "1bab100009c586788ffdb6335ddf22d0bd66902bcfeaef34705d57b20005f8f3"


def replace_file(run: ScriptRun, params: dict[str, t.Any]) -> None:
    """Twin of replace_file.ps1 (never runs in check mode: the script has no SupportsShouldProcess)."""
    path, expected = params["Path"], params.get("ExpectedSha256") or ""
    local = run.host.path(path)
    exists = local.is_file()
    if expected:
        if not exists:
            raise ScriptError(f"{path} no longer exists; it was removed after it was read. Nothing was changed; run again.")
        if sha256_hex(read_all_bytes(run, path)) != expected:
            raise ScriptError(f"{path} changed after it was read (another process edited it). Nothing was changed; run again.")
    elif exists:
        raise ScriptError(f"{path} appeared after it was read. Nothing was changed; run again.")
    data = base64.b64decode(params.get("SecretContentBase64") or params["ContentBase64"])
    if sha256_hex(data) != params["Sha256"]:
        raise ScriptError(f"the content for {path} arrived damaged (SHA-256 mismatch). Nothing was changed; run again.")
    temporary = local.with_name(f".{local.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        _write_new_file(run.host, temporary, data)
        if sha256_hex(temporary.read_bytes()) != params["Sha256"]:
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
    if is_locked(host, path):
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
