# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Twin of replace_file.ps1 (with lib/atomic_replace.ps1, twinned by ``_atomic_replace``).

What it models, and where that comes from (the .NET and Win32 behaviours in ``_windows_io``):
- the expected-SHA-256 check reads the file with ReadAllBytes, which fails with the sharing-violation text
  under the ``locked`` fault; the SecureString (SecretContentBase64) and the plain parameter are one value;
- the first .NET call after Test-Path is where ConstrainedLanguage mode stops the script (about_Language_Modes:
  method calls on non-core types are refused);
- the record (RecordPath) is deleted before the write and written after it with the same library; a record
  that cannot be written is reported, not thrown, because the file was already replaced.
"""

from __future__ import annotations

import base64
import typing as t

from tplab.twins import _atomic_replace as library
from tplab.twins import _windows_io as io
from tplab.twins._run import ScriptError, ScriptRun, read_all_bytes, sha256_hex

SCRIPT_SHA256 = "ea8d6feb56078754590e0757d09356d3eca5e4c6864346badbb4c305a3c0bf4b"


def replace_file(run: ScriptRun, params: dict[str, t.Any]) -> None:
    """Twin of replace_file.ps1 (never runs in check mode: the script has no SupportsShouldProcess)."""
    path, expected = params["Path"], params.get("ExpectedSha256") or ""
    exists = run.host.path(path).is_file()
    if expected:
        if not exists:
            raise ScriptError(f"{path} no longer exists; it was removed after it was read. Nothing was changed; run again.")
        run.dotnet()  # [IO.File]::ReadAllBytes
        if sha256_hex(read_all_bytes(run, path)) != expected:
            raise ScriptError(f"{path} changed after it was read (another process edited it). Nothing was changed; run again.")
    elif exists:
        raise ScriptError(f"{path} appeared after it was read. Nothing was changed; run again.")
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
    run.result = result
