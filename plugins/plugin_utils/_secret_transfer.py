# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Move the EM's secret with SecretMgr.exe: the logic behind tp_secret.

Secret.dpapi is protected with the old host's machine key, so it is never copied: SecretMgr.exe -e
exports it on the old EM and SecretMgr.exe -i imports the export on the new one. The export is
read into this process's memory, handed to the import as a SecureString, and deleted on both hosts
by the scripts whatever happens; what a script could not delete is named in the task's message or
warnings and in ``leftovers``, so the task never says an export was deleted when it was not.

How a second run knows the secret is in place: the export's format and whether it is the same on
every run are not documented, so the export cannot be compared. Instead the import writes a small
record on the new EM (state_folder) holding SHA-256 digests of the old EM's Secret.dpapi as it was
exported and of the new EM's Secret.dpapi as the import left it. When both still match, nothing is
exported again. Digests of DPAPI-protected files reveal nothing about the secret. Every run that
may change something still sweeps both EMs for what interrupted runs left.

FOR INTERNAL COLLECTION USE ONLY: this module may change in any release.
"""

from __future__ import annotations

import json
import ntpath
import typing as t
from dataclasses import dataclass
from datetime import datetime, timezone

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._cert_transfer import CERTS_FOLDER
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._errors import TPError
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._service import (
    em_install_folder, refuse_unless_stopped, trusted_install_folder)
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._windows_host import (
    FolderFile, SecretCleanup, SecretExport, WindowsHost)

SECRET_FILE = "Secret.dpapi"
MARKER_FILE = "em-secret-import.json"
TIMEOUT_RANGE = (1, 480)  # seconds; move_secret.ps1 refuses more


@dataclass(frozen=True)
class SecretRequest:
    """Where SecretMgr is, where it may put the export, and where the import record lives."""

    source_host: str
    service_name: str
    secretmgr: str = "SecretMgr.exe"
    export_locations: tuple[str, ...] = ("C:\\Windows\\SysWOW64", "C:\\Windows\\System32")
    state_folder: str = "C:\\ProgramData\\netwrix.threat_prevention"
    validate_only: bool = False
    require_stopped: bool = True
    secretmgr_timeout: int = 120


@dataclass(frozen=True)
class EmSide:
    """One EM host as tp_secret sees it."""

    service_state: str
    secretmgr: str
    secret: FolderFile


def _side(host: WindowsHost, request: SecretRequest) -> EmSide:
    service, folder = em_install_folder(host, request.service_name)
    if ntpath.isabs(request.secretmgr):
        secretmgr = request.secretmgr
    else:
        secretmgr = f"{trusted_install_folder(host, folder, 'secretmgr (an absolute path)')}\\{request.secretmgr}"
    tool = host.read_files(ntpath.dirname(secretmgr), (ntpath.basename(secretmgr),), include_content=False)[0]
    if not tool.exists:
        raise TPError(f"{host.name}: {secretmgr} was not found; the vendor places SecretMgr.exe in the Enterprise Manager's "
                      f"install folder. Set the secretmgr option if yours is elsewhere. Nothing was changed.")
    secret = host.read_files(f"{folder}\\{CERTS_FOLDER}", (SECRET_FILE,), include_content=False)[0]
    return EmSide(service_state=service.state, secretmgr=secretmgr, secret=secret)


def _recorded_import(new: WindowsHost, request: SecretRequest) -> dict[str, t.Any]:
    record = new.read_files(request.state_folder, (MARKER_FILE,), include_content=True)[0]
    if not record.exists or record.content is None:
        return {}
    try:
        return dict(json.loads(record.content.decode("utf-8-sig")))
    except (ValueError, TypeError):
        return {}  # an unreadable record proves nothing: migrate again


def in_place(record: dict[str, t.Any], source_host: str, old: EmSide, new: EmSide) -> bool:
    """The recorded import is of this old EM's current secret and is still what the new EM holds."""
    return bool(old.secret.exists and new.secret.exists and record.get("source_host") == source_host
                and record.get("source_secret_sha256") == old.secret.sha256
                and record.get("imported_sha256") == new.secret.sha256)


def transfer(new: WindowsHost, open_source: t.Callable[[], t.ContextManager[WindowsHost]], request: SecretRequest,
             check_mode: bool) -> dict[str, t.Any]:
    """The whole of tp_secret."""
    if not TIMEOUT_RANGE[0] <= request.secretmgr_timeout <= TIMEOUT_RANGE[1]:
        raise TPError(f"{new.name}: secretmgr_timeout is {request.secretmgr_timeout}; give {TIMEOUT_RANGE[0]} to "
                      f"{TIMEOUT_RANGE[1]} seconds (a run must stay younger than the 10 minutes after which another run "
                      f"sweeps its files). Nothing was changed.")
    with open_source() as old:
        old_side = _side(old, request)
        if not old_side.secret.exists:
            raise TPError(f"{old.name}: {old_side.secret.path} does not exist, so there is no secret to migrate. Check the "
                          f"old EM's install. Nothing was changed.")
        new_side = _side(new, request)
        done = in_place(_recorded_import(new, request), request.source_host, old_side, new_side)
        result: dict[str, t.Any] = {"changed": not done and not request.validate_only, "in_place": done,
                                    "marker": ntpath.join(request.state_folder, MARKER_FILE), "export_landed": None,
                                    "export_outside_private_folder": False, "swept": {}, "leftovers": {}}
        if request.validate_only or (check_mode and done):
            return result
        if done:
            for host, side in ((old, old_side), (new, new_side)):
                _cleaned(result, host, _sweep(host, side, request, result))
            return _with_warnings(result)
        if request.require_stopped and not check_mode:
            refuse_unless_stopped(new, request.service_name, new_side.service_state, "the secret is imported", result)
        if check_mode:
            return result
        export = _export(old, old_side, request, result)
    marker = {"source_host": request.source_host, "source_secret_sha256": old_side.secret.sha256,
              "imported_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "by": "netwrix.threat_prevention.tp_secret"}
    try:
        cleanup = new.import_secret(new_side.secretmgr, request.state_folder, request.export_locations, export,
                                    new_side.secret.path, result["marker"], marker, request.secretmgr_timeout)
    except TPError as error:
        left = {old.name: list(export.cleanup.leftovers), new.name: error.result.get("leftovers")}
        raise TPError(f"{error.message} {_cleanup_note(left, request)} A failed SecretMgr.exe -i may have changed the new "
                      f"EM's own Secret.dpapi; the EM stays stopped. Fix the cause, then run again.",
                      **_failed(result, error, left)) from None
    _cleaned(result, new, cleanup)
    return _with_warnings(result)


def _export(old: WindowsHost, side: EmSide, request: SecretRequest, result: dict[str, t.Any]) -> SecretExport:
    try:
        export = old.export_secret(side.secretmgr, request.state_folder, request.export_locations, request.secretmgr_timeout)
    except TPError as error:
        left = {old.name: error.result.get("leftovers")}
        raise TPError(f"{error.message} {_cleanup_note(left, request)} Nothing was changed on the new EM. Fix the cause, "
                      f"then run again.", **{**_failed(result, error, left), "changed": False}) from None
    _cleaned(result, old, export.cleanup)
    result["export_landed"] = export.landed
    outside = not export.landed.lower().startswith(request.state_folder.rstrip("\\").lower() + "\\tp-secret-")
    result["export_outside_private_folder"] = outside
    if outside:
        kept = ("It overwrote the file made for it there, which only SYSTEM and Administrators may open." if export.landed_private
                else "It did not keep the file made for it there, so other accounts could read the export until it was "
                     "deleted. Find out who could (icacls on that folder) and treat the secret as exposed to them.")
        result.setdefault("warnings", []).append(f"{old.name}: SecretMgr.exe wrote the export to {export.landed}, outside "
                                                 f"the private folder. {kept}")
    return export


def _sweep(host: WindowsHost, side: EmSide, request: SecretRequest, result: dict[str, t.Any]) -> SecretCleanup:
    try:
        return host.sweep_secret_exports(side.secretmgr, request.state_folder, request.export_locations)
    except TPError as error:
        raise TPError(f"{error.message} The secret is in place; nothing else was changed.",
                      **_failed(result, error, {host.name: error.result.get("leftovers")})) from None


def _cleaned(result: dict[str, t.Any], host: WindowsHost, cleanup: SecretCleanup) -> None:
    """Record what a call swept (a change) and what it could not delete."""
    if cleanup.swept:
        result["swept"][host.name] = list(cleanup.swept)
        result["changed"] = True
    if cleanup.leftovers:
        result["leftovers"][host.name] = list(cleanup.leftovers)


def _with_warnings(result: dict[str, t.Any]) -> dict[str, t.Any]:
    for host, paths in result["leftovers"].items():
        result.setdefault("warnings", []).append(
            f"{host}: could not delete {', '.join(paths)}. These may hold the secret export: delete them as an "
            f"administrator, one by one (Remove-Item -Recurse follows links); a run 10 minutes from now tries again.")
    return result


def _failed(result: dict[str, t.Any], error: TPError, left: dict[str, list[str] | None]) -> dict[str, t.Any]:
    """The result of a failed call: what the error carries (not its raw leftovers), and what was left, by host."""
    extra = {key: value for key, value in error.result.items() if key != "leftovers"}
    leftovers = {**result["leftovers"], **{host: paths for host, paths in left.items() if paths}}
    return {**result, **extra, "leftovers": leftovers}


def _cleanup_note(left: dict[str, list[str] | None], request: SecretRequest) -> str:
    """Say what became of the export on each host: never "deleted" unless the script said nothing was left."""
    notes = [f"Could not delete on {host}: {', '.join(paths)}; these may hold the secret: delete them as an "
             f"administrator." for host, paths in left.items() if paths]
    unknown = [host for host, paths in left.items() if paths is None]
    if unknown:
        folders = ", ".join(dict.fromkeys([request.state_folder, *request.export_locations, "C:\\Windows\\SysWOW64",
                                           "SecretMgr.exe's folder"]))
        notes.append(f"Whether an export was left on {' and '.join(unknown)} is not known (the script did not report): "
                     f"look for tp-secret-* in {folders} there and delete what you find.")
    clean = [host for host, paths in left.items() if paths == []]
    if clean:
        notes.append(f"No export was left on {' or '.join(clean)}.")
    return " ".join(notes)
