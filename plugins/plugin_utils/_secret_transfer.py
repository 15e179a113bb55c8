# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Move the EM's secret with SecretMgr.exe: the logic behind tp_secret.

Secret.dpapi is protected with the old host's machine key, so it is never copied: SecretMgr.exe -e
exports it on the old EM and SecretMgr.exe -i imports the export on the new one. The export is
read into this process's memory, handed to the import as a SecureString, and deleted on both hosts
by the scripts whatever happens.

How a second run knows the secret is in place: the export's format and whether it is the same on
every run are not documented, so the export cannot be compared. Instead the import writes a small
record on the new EM (state_folder) holding SHA-256 digests of the old EM's Secret.dpapi as it was
exported and of the new EM's Secret.dpapi as the import left it. When both still match, nothing is
exported again. Digests of DPAPI-protected files reveal nothing about the secret.

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
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._service import em_install_folder, refuse_unless_stopped
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._windows_host import FolderFile, WindowsHost

SECRET_FILE = "Secret.dpapi"
MARKER_FILE = "em-secret-import.json"


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


@dataclass(frozen=True)
class EmSide:
    """One EM host as tp_secret sees it."""

    service_state: str
    secretmgr: str
    secret: FolderFile


def _side(host: WindowsHost, request: SecretRequest) -> EmSide:
    service, folder = em_install_folder(host, request.service_name)
    secretmgr = request.secretmgr if ntpath.isabs(request.secretmgr) else f"{folder}\\{request.secretmgr}"
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
    with open_source() as old:
        old_side = _side(old, request)
        if not old_side.secret.exists:
            raise TPError(f"{old.name}: {old_side.secret.path} does not exist, so there is no secret to migrate. Check the "
                          f"old EM's install. Nothing was changed.")
        new_side = _side(new, request)
        done = in_place(_recorded_import(new, request), request.source_host, old_side, new_side)
        result: dict[str, t.Any] = {"changed": not done and not request.validate_only, "in_place": done,
                                    "marker": ntpath.join(request.state_folder, MARKER_FILE), "export_landed": None}
        if done or request.validate_only:
            return result
        if request.require_stopped and not check_mode:
            refuse_unless_stopped(new, request.service_name, new_side.service_state, "the secret is imported", result)
        if check_mode:
            return result
        try:
            export = old.export_secret(old_side.secretmgr, request.state_folder, request.export_locations)
        except TPError as error:
            raise TPError(f"{error.message} Any export was deleted; nothing was changed on the new EM. Fix the cause, then "
                          f"run again.", **{**result, "changed": False}) from None
    marker = {"source_host": request.source_host, "source_secret_sha256": old_side.secret.sha256,
              "imported_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "by": "netwrix.threat_prevention.tp_secret"}
    try:
        new.import_secret(new_side.secretmgr, request.state_folder, request.export_locations, export,
                          new_side.secret.path, result["marker"], marker)
    except TPError as error:
        raise TPError(f"{error.message} The export was deleted on both hosts. A failed SecretMgr.exe -i may have "
                      f"changed the new EM's own Secret.dpapi; the EM stays stopped. Fix the cause, then run again.",
                      **result) from None
    result["export_landed"] = export.landed
    return result
