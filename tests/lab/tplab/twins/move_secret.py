# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Twin of move_secret.ps1 (with lib/private_folder.ps1, twinned by tplab.twins._private_folder).

Step for step as the script, each .NET file call through its one model in tplab.twins._windows_io
(whose docstring gives the source of each behaviour: GetFiles, GetAttributes, GetLastWriteTimeUtc,
WriteAllBytes and the ``partial_write`` fault, File.Replace and File.Move with their faults). What else
Windows PowerShell 5.1 and .NET Framework do around the steps, and where that comes from:

- ``[ValidateRange(1, 480)]`` on TimeoutSeconds: binding fails before the script runs, with
  ParameterArgumentValidationError's text (about_Functions_Advanced_Parameters).
- In ConstrainedLanguage mode the first method call on a type that is not a core type
  (``[IO.Path]::Combine``) fails (about_Language_Modes; ``ScriptRun.dotnet``); the result set just
  before it, empty lists, is what the module returns. ``[Guid]::NewGuid()`` before it is allowed
  (Guid is a core type).
- ``Diagnostics.Process`` with UseShellExecute false: a missing executable fails in Start with
  Win32Exception "The system cannot find the file specified" (CreateProcessW, ERROR_FILE_NOT_FOUND).
  RedirectStandardInput plus ``StandardInput.Close()`` gives the program end-of-file at its first
  read (ProcessStartInfo.RedirectStandardInput docs). Output is decoded with the encoding given
  (StandardOutputEncoding), here the OEM code page of the host's culture, which the emulated
  program writes in (tplab.programs.OEM_CODE_PAGE).
- ``WaitForExit(milliseconds)`` returns false for a process still running when the time is up (the
  lab's programs exit at once or never, so no lab time passes); ``taskkill /PID n /T /F`` ends it
  and the processes it started (taskkill docs: "/t Ends the specified process and any child
  processes started by it"); the output read so far is what ReadToEndAsync returns once the pipes
  close.
- ``HMACSHA256`` over the bytes with the key; ``SecureStringToBSTR``/``PtrToStringBSTR`` give back
  the SecureString's text (win_powershell made it with ConvertTo-SecureString).
- ``ConvertFrom-Json`` keeps the record's key order and ``Add-Member`` appends imported_sha256;
  ``ConvertTo-Json -Compress`` writes it without spaces; ``[Text.Encoding]::UTF8.GetBytes`` adds no BOM.
- The record is moved into place with ``[IO.File]::Replace($temporary, $MarkerPath, [NullString]::Value)``
  when MarkerPath exists, else ``[IO.File]::Move``: a real null, so ReplaceFile runs without a backup
  (PowerShell/PowerShell#11515) and meets the host's ``replace_fails`` faults like any other replace.
  A failure writing it is caught and reported with the inner exception's message, trimmed of the CRLF
  .NET Framework leaves on a system message, and says that the secret was imported.
- ``$ErrorActionPreference = 'Stop'``: the first failing step ends the try; the finally block only
  calls functions that catch their own errors, so the clean-up always runs to its end.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import typing as t
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from tplab import programs
from tplab.twins import _windows_io as io
from tplab.twins import _private_folder as private
from tplab.twins._run import ScriptError, ScriptRun, read_all_bytes, sha256_hex

SCRIPT_SHA256 = "52825b820fa1d9ad51dcf1ffbad36f22d6d5104014ba777c69f50b96e6ab087a"
SYSWOW64 = "C:\\Windows\\SysWOW64"
OWN_FILE = "tp-secret-"  # followed by 32 hexadecimal digits (a GUID's 'N' form), then anything
TIMEOUT_RANGE = (1, 480)


@dataclass
class _Call:
    """The script's state: its stem and private folder, where it made files, whether SecretMgr started."""

    run: ScriptRun
    params: dict[str, t.Any]
    stem: str
    searched: list[str] = field(default_factory=list)
    folders: list[str] = field(default_factory=list)
    started: bool = False
    work_made: bool = False
    swept: list[str] = field(default_factory=list)
    leftovers: list[str] = field(default_factory=list)

    @property
    def work(self) -> str:
        return f"{self.params['WorkRoot'].rstrip(chr(92))}\\{self.stem}"


def move_secret(run: ScriptRun, params: dict[str, t.Any]) -> None:
    """Twin of move_secret.ps1 (never in check mode: the script has no SupportsShouldProcess)."""
    timeout = int(params.get("TimeoutSeconds", 120))
    _validate_range("TimeoutSeconds", timeout, *TIMEOUT_RANGE)
    result: dict[str, t.Any] = {"swept": [], "leftovers": []}
    run.result = result
    run.dotnet()  # [IO.Path]::Combine
    call = _Call(run, params, stem=f"tp-secret-{uuid.uuid4().hex}")
    work_root, mode = params["WorkRoot"], params["Mode"]
    try:
        call.searched = _searched_folders(params)
        stale_before = datetime.now(timezone.utc) - timedelta(minutes=10)
        if mode != "Sweep" or io.directory_exists(run, work_root):
            private.use_private_folder(run, work_root)
        _sweep(call, [work_root, *call.searched], stale_before)
        if mode != "Sweep":
            private.new_private_folder(run, call.work)
            call.work_made = True
            call.folders.append(call.work)
            private.assert_private_folder(run, call.work)
            if mode == "Export":
                _export(call, timeout)
            else:
                _import(call, timeout)
    finally:
        _remove_call_items(call)
        result["swept"], result["leftovers"] = list(call.swept), list(call.leftovers)


def _validate_range(name: str, value: int, low: int, high: int) -> None:
    """[ValidateRange(low, high)]: parameter binding fails before the script's first line."""
    if value < low:
        raise ScriptError(f"Cannot validate argument on parameter '{name}'. The {value} argument is less than the minimum "
                          f"allowed range of {low}. Supply an argument that is greater than or equal to {low} and then "
                          f"try the command again.", "ParameterArgumentValidationError")
    if value > high:
        raise ScriptError(f"Cannot validate argument on parameter '{name}'. The {value} argument is greater than the "
                          f"maximum allowed range of {high}. Supply an argument that is less than or equal to {high} and "
                          f"then try the command again.", "ParameterArgumentValidationError")


def _searched_folders(params: dict[str, t.Any]) -> list[str]:
    """Get-SearchedFolder: OtherLocations, SysWOW64 and SecretMgr's folder, each once, without a trailing backslash."""
    seen: dict[str, str] = {}
    for folder in [*(params.get("OtherLocations") or []), SYSWOW64, params["SecretMgr"].rsplit("\\", 1)[0]]:
        folder = folder.rstrip("\\")
        if folder and folder.lower() not in seen:
            seen[folder.lower()] = folder
    return list(seen.values())


def _is_own(name: str, folder: bool) -> bool:
    """The script's -match '^tp-secret-[0-9a-f]{32}' (files) and '...$' (folders), case-insensitively."""
    rest = name.lower()[len(OWN_FILE):] if name.lower().startswith(OWN_FILE) else ""
    guid = rest[:32]
    return len(guid) == 32 and all(char in "0123456789abcdef" for char in guid) and (not folder or rest == guid)


def _stale(call: _Call, path: str, stale_before: datetime) -> bool:
    """Test-Stale."""
    return not io.is_reparse_point(call.run, path) and io.last_write_utc(call.run, path) < stale_before


def _swept(call: _Call, path: str, folder: bool = False) -> None:
    """Remove-Swept."""
    left = private.remove_known_item(call.run, path, folder)
    (call.leftovers if left else call.swept).append(path)


def _sweep(call: _Call, folders: list[str], stale_before: datetime) -> None:
    """Invoke-Sweep: stale files of this collection's names, then its stale private folders in WorkRoot."""
    run, work_root = call.run, call.params["WorkRoot"]
    for folder in folders:
        if io.directory_exists(run, folder):
            for path in io.get_files(run, folder, "tp-secret-*"):
                if _is_own(path.rsplit("\\", 1)[1], folder=False) and _stale(call, path, stale_before):
                    _swept(call, path)
    if not io.directory_exists(run, work_root):
        return
    for folder in io.get_directories(run, work_root, "tp-secret-*"):
        if _is_own(folder.rsplit("\\", 1)[1], folder=True) and _stale(call, folder, stale_before):
            for path in io.get_files(run, folder, "tp-secret-*"):
                if _is_own(path.rsplit("\\", 1)[1], folder=False) and not io.is_reparse_point(run, path):
                    _swept(call, path)
            _swept(call, folder, folder=True)


def _remove_call_items(call: _Call) -> None:
    """Remove-CallItem: the call's files where it made them (everywhere searched once SecretMgr ran), then its folder."""
    folders = [call.work, *call.searched] if call.started else list(call.folders)
    for folder in folders:
        paths = io.get_files(call.run, folder, f"{call.stem}*") if io.directory_exists(call.run, folder) else []
        for path in paths:
            left = private.remove_known_item(call.run, path)
            if left:
                call.leftovers.append(left)
    if call.work_made:
        left = private.remove_known_item(call.run, call.work, folder=True)
        if left:
            call.leftovers.append(left)


def _tail(text: str) -> str:
    """Get-Tail: whitespace runs made one space, the last 300 characters."""
    flat = " ".join(text.split())
    return "..." + flat[-300:] if len(flat) > 300 else flat


def _detail(output: str, error: str) -> str:
    """Get-RunDetail."""
    parts = [f"{label}: {_tail(text)}" for label, text in (("error output", error), ("output", output)) if _tail(text)]
    return "; ".join(parts) or "no output"


def _secretmgr(call: _Call, switch: str, file: str, timeout: int) -> tuple[str, str]:
    """Invoke-SecretMgr: start it with stdin closed, wait, stop it (and its children) at the time-out; (stdout, stderr)."""
    call.started = True
    run = call.run
    try:
        process = programs.start(run.host, call.params["SecretMgr"], [switch, file], call.work, stdin_closed=True,
                                 user=run.session.user if run.session else None)
    except FileNotFoundError:
        raise ScriptError('Exception calling "Start" with "1" argument(s): "The system cannot find the file '
                          'specified"') from None
    exited = process.exit_code is not None
    if not exited:
        process.kill_tree()
    output, error = (process.stdout.decode(programs.OEM_CODE_PAGE), process.stderr.decode(programs.OEM_CODE_PAGE))
    if not exited:
        raise ScriptError(f"SecretMgr.exe {switch} did not exit within {timeout} seconds, so it was stopped, with any "
                          f"process it started ({_detail(output, error)}). It may be waiting for an answer or for a file "
                          f"in use. Run it by hand on this host to see what it waits for; raise secretmgr_timeout if it "
                          f"only needs longer.")
    if process.exit_code != 0:
        raise ScriptError(f"SecretMgr.exe {switch} failed (exit code {process.exit_code}; {_detail(output, error)}).")
    return output, error


def _find_export(call: _Call) -> str | None:
    """Find-Export: the first non-empty file of the call's name, private folder first."""
    run = call.run
    for folder in [call.work, *call.searched]:
        if io.directory_exists(run, folder):
            for path in io.get_files(run, folder, f"{call.stem}*"):
                if run.host.path(path).stat().st_size > 0:  # (New-Object IO.FileInfo $path).Length
                    return path
    return None


def _hmac(key_base64: str, data: bytes) -> str:
    return hmac.new(base64.b64decode(key_base64), data, hashlib.sha256).hexdigest()


def _export(call: _Call, timeout: int) -> None:
    """Export-Secret."""
    run, params = call.run, call.params
    for folder in call.searched:
        if io.directory_exists(run, folder):
            call.folders.append(folder)
            private.new_private_file(run, f"{folder}\\{call.stem}.export")
    output, error = _secretmgr(call, "-e", f"{call.work}\\{call.stem}.export", timeout)
    landed = _find_export(call)
    if landed is None:
        raise ScriptError(f"SecretMgr.exe -e reported success but wrote no export named {call.stem}* in "
                          f"{', '.join([call.work, *call.searched])} ({_detail(output, error)}).")
    data = read_all_bytes(run, landed)
    run.result.update(content=base64.b64encode(data).decode("ascii"), hmac=_hmac(params["Key"], data), landed=landed,
                      landed_private=private.is_private_file(run, landed))


def _file_sha256(run: ScriptRun, path: str) -> str | None:
    """Get-FileSha256."""
    return sha256_hex(read_all_bytes(run, path)) if io.exists(run, path) else None


def _import(call: _Call, timeout: int) -> None:
    """Import-Secret."""
    run, params = call.run, call.params
    data = base64.b64decode(params["Export"])
    if _hmac(params["Key"], data) != params["ExportHmac"]:
        raise ScriptError("the secret export arrived damaged (HMAC mismatch). Nothing was imported; run again.")
    secret_file = params["SecretFile"]
    before = _file_sha256(run, secret_file)
    io.write_all_bytes(run, f"{call.work}\\{call.stem}.export", data)
    output, error = _secretmgr(call, "-i", f"{call.work}\\{call.stem}.export", timeout)
    imported = _file_sha256(run, secret_file)
    if not imported or imported == before:
        state = "did not change" if imported else "did not write"
        raise ScriptError(f"SecretMgr.exe -i exited with code 0 but {state} {secret_file}, so the secret was not "
                          f"imported: an import protects the secret again, which gives new bytes every time. Nothing "
                          f"was recorded ({_detail(output, error)}).")
    record = {**json.loads(params["Marker"]), "imported_sha256": imported}
    temporary = f"{call.work}\\{call.stem}.record"
    try:
        io.write_all_bytes(run, temporary, json.dumps(record, separators=(",", ":")).encode("utf-8"))
        if io.exists(run, params["MarkerPath"]):
            io.replace_file(run, temporary, params["MarkerPath"], io.dotnet_string(io.NULL_STRING))
        else:
            io.move(run, temporary, params["MarkerPath"])
    except io.DotNetError as failure:
        raise ScriptError(f"SecretMgr.exe -i imported the secret into {secret_file}, but the import record "
                          f"{params['MarkerPath']} could not be written: {failure.inner_message.strip()} Run again: "
                          f"the re-run imports the same secret again and records it.") from failure
    run.result["imported_sha256"] = imported
