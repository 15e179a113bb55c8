# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Twin of replace_file.ps1 (with lib/atomic_replace.ps1, lib/service_record.ps1 and lib/service_restart.ps1,
twinned by ``_atomic_replace``, ``_service_record`` and ``_service_restart``).

What it models, and where that comes from:
- the expected-SHA-256 check reads the file with ReadAllBytes, which fails with the sharing-violation text
  under the ``locked`` fault; a file that changed, vanished or appeared since the read is a stale read, returned
  as ``stale`` with nothing changed (the script's own rule, not Windows'); the SecureString
  (SecretContentBase64) and the plain parameter are one value;
- with RestartService, the service record (Get-CimInstance Win32_Service) must still be in the state the
  controller read, enabled, and accept a stop; otherwise the read is stale too. The lab's services have no
  dependent services, so the running-dependents refusal never applies here;
- the first .NET call after Test-Path is where ConstrainedLanguage mode stops the script (about_Language_Modes:
  method calls on non-core types are refused);
- the record (RecordPath) is deleted before the write and written after it with the same library; a record
  that cannot be written is reported, not thrown, because the file was already replaced;
- the restart, and the restore of the previous bytes when it fails, as ``_service_restart`` describes.
"""

from __future__ import annotations

import base64
import typing as t

from tplab.twins import _atomic_replace as library
from tplab.twins import _service_record as record
from tplab.twins import _service_restart as control
from tplab.twins import _windows_io as io
from tplab.twins._run import ScriptError, ScriptRun, read_all_bytes, sha256_hex

SCRIPT_SHA256 = "57abab7ab67091d7635e9332952071c23ae7dae5b1f32e0e9399f64fec97400e"


def replace_file(run: ScriptRun, params: dict[str, t.Any]) -> None:
    """Twin of replace_file.ps1 (never runs in check mode: the script has no SupportsShouldProcess)."""
    path, expected, service_name = params["Path"], params.get("ExpectedSha256") or "", params.get("RestartService") or ""
    if service_name and not expected:
        raise ScriptError("RestartService needs ExpectedSha256: without the file's previous bytes a failed restart could "
                          "not be undone.")
    exists = run.host.path(path).is_file()
    original, stale = _stale_reason(run, params, exists)
    if stale:
        run.changed = False
        run.result = {"stale": f"{stale} Nothing was changed; run again."}
        return
    run.dotnet()  # Marshal.SecureStringToBSTR / Convert.FromBase64String
    data = base64.b64decode(params.get("SecretContentBase64") or params["ContentBase64"])
    if sha256_hex(data) != params["Sha256"]:
        raise ScriptError(f"the content for {path} arrived damaged (SHA-256 mismatch). Nothing was changed; run again.")
    record_path = params.get("RecordPath") or ""
    if record_path:
        io.delete(run, record_path)
    library.set_file_atomically(run, path, data, params["Sha256"], params.get("BackupPath") or "")
    result: dict[str, t.Any] = {"sha256": params["Sha256"], "backup_file": None}
    if exists and params.get("BackupPath"):
        result["backup_file"] = params["BackupPath"]
    if record_path:
        try:
            library.write_written_record(run, record_path, path, params["Sha256"])
        except ScriptError as error:
            result["record_error"] = error.message
    if service_name:
        result["restart"] = control.restart_or_restore(run, service_name, params.get("ServiceState") or "", path,
                                                       t.cast(bytes, original), record_path)
    run.result = result


def _stale_reason(run: ScriptRun, params: dict[str, t.Any], exists: bool) -> tuple[bytes | None, str | None]:
    """Get-StaleReason: the bytes read for the check, and why the controller's read no longer holds (or None)."""
    path, expected, service_name = params["Path"], params.get("ExpectedSha256") or "", params.get("RestartService") or ""
    original = None
    if expected:
        if not exists:
            return None, f"{path} no longer exists; it was removed after it was read."
        run.dotnet()  # [IO.File]::ReadAllBytes
        original = read_all_bytes(run, path)
        if sha256_hex(original) != expected:
            return original, f"{path} changed after it was read (another process edited it)."
    elif exists:
        return None, f"{path} appeared after it was read."
    if not service_name:
        return original, None
    service = record.service_record(run, service_name)
    if service is None:
        return original, f"the service '{service_name}' is no longer installed; it was removed after its file was read."
    if service["state"] != (params.get("ServiceState") or "") or service["start_mode"] == "disabled":
        return original, (f"the service '{service['name']}' is {service['state']} ({service['start_mode']}), not as it "
                          f"was when its file was read.")
    if not service["accepts_stop"] and service["state"] == "started":
        return original, f"the service '{service['name']}' no longer accepts a stop (it was hardened after its file was read)."
    return original, None
