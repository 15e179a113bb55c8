# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Move the EM's four certificate files from the old EM to the new one: the logic behind tp_certs.

The files are read on the old EM into this process's memory, validated here (key pairs, chain,
dates, default versus customer-supplied) before anything is written, and written on the new EM
one by one with the atomic replace script, the previous files kept in a backup folder beside
them. Nothing but names and SHA-256 digests ever leaves this module: not in results, not in diffs,
not in messages. A second run finds the same digests on both sides and changes nothing.

FOR INTERNAL COLLECTION USE ONLY: this module may change in any release.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from datetime import datetime, timezone

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._certificates import (
    DEFAULT_SET, CertificateFacts, CertificateSetError, CustomerSuppliedCertificates, expiry_warnings, file_digests,
    validate_default_set)
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._errors import TPError
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._self_test import require_atomic_replace
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._service import (
    em_install_folder, refuse_unless_stopped, trusted_install_folder)
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._windows_host import FolderFile, WindowsHost

CERTS_FOLDER = "CertsInfo"


@dataclass(frozen=True)
class CertsRequest:
    """Where the files are on each side, and how careful to be."""

    source_host: str
    service_name: str
    source_folder: str | None = None
    folder: str | None = None
    validate_only: bool = False
    backup: bool = True
    require_stopped: bool = True


def _is_private_key(name: str) -> bool:
    return name.lower().endswith("-key.pem")


def read_source(old: WindowsHost, request: CertsRequest) -> tuple[str, dict[str, bytes]]:
    """The old EM's CertsInfo folder and the files found there (canonical name -> bytes)."""
    folder = request.source_folder or em_install_folder(old, request.service_name)[1] + "\\" + CERTS_FOLDER
    found = old.read_files(folder, DEFAULT_SET, include_content=True)
    too_large = [entry.path for entry in found if entry.too_large]
    if too_large:
        raise TPError(f"{old.name}: {', '.join(too_large)} larger than 1 MiB, which no certificate or key is; check the "
                      f"old EM's CertsInfo folder. Nothing was changed.")
    return folder, {entry.requested: t.cast(bytes, entry.content) for entry in found if entry.exists}


def validate(old_name: str, folder: str, files: dict[str, bytes]) -> list[CertificateFacts]:
    """Validate the set; a refusal names the old EM's folder and says that nothing was changed."""
    try:
        return validate_default_set(files)
    except CustomerSuppliedCertificates as error:
        raise TPError(f"{old_name}: {folder}: {error}", customer_supplied=True) from None
    except CertificateSetError as error:
        raise TPError(f"{old_name}: {folder}: {error}", customer_supplied=False) from None


def plan(digests: dict[str, str], target: list[FolderFile]) -> list[dict[str, t.Any]]:
    """Per file: its digest on the old EM, on the new EM, and what to do."""
    on_target = {entry.requested: entry for entry in target}
    rows = []
    for name in DEFAULT_SET:
        current = on_target[name]
        action = "unchanged" if current.sha256 == digests[name] else ("replace" if current.exists else "create")
        rows.append({"name": name, "path": current.path, "sha256": digests[name], "previous_sha256": current.sha256,
                     "action": action})
    return rows


def transfer(new: WindowsHost, open_source: t.Callable[[], t.ContextManager[WindowsHost]], request: CertsRequest,
             check_mode: bool, diff_mode: bool) -> dict[str, t.Any]:
    """The whole of tp_certs."""
    with open_source() as old:
        source_folder, files = read_source(old, request)
        facts = validate(old.name, source_folder, files)
    digests = file_digests(files)
    service, install = em_install_folder(new, request.service_name)
    folder = request.folder or trusted_install_folder(new, install, "folder") + "\\" + CERTS_FOLDER
    # Every run sweeps what an interrupted write left in CertsInfo (a cut temporary key file); the preflight
    # (validate_only, on a real run) also proves there that the atomic replace works.
    target = new.read_folder(folder, DEFAULT_SET, sweep=True, self_test=request.validate_only)
    if request.validate_only and not check_mode:
        require_atomic_replace(new.name, target.self_test, folder, f"the certificate files in {folder}", changed=False)
    rows = plan(digests, target.files)
    changes = [row for row in rows if row["action"] != "unchanged"]
    result: dict[str, t.Any] = {
        "changed": bool(changes) and not request.validate_only, "source_folder": source_folder, "folder": folder,
        "files": rows, "certificates": [vars(fact) for fact in facts], "customer_supplied": False, "backup_folder": None,
        "removed_temporary_files": list(target.removed), "warnings": expiry_warnings(facts, datetime.now(timezone.utc)),
    }
    if not changes or request.validate_only:
        return result
    if request.require_stopped and not check_mode:
        refuse_unless_stopped(new, service.name, service.state, "its certificates are replaced", result)
    if diff_mode:
        result["diff"] = _diff(folder, rows)
    if check_mode:
        return result
    result["backup_folder"] = _write(new, folder, changes, files, request.backup)
    try:
        _verify(new, folder, digests)
    except TPError as error:
        raise TPError(error.message, **{**result, **error.result}) from None
    return result


def _write(new: WindowsHost, folder: str, changes: list[dict[str, t.Any]], files: dict[str, bytes], backup: bool) -> str | None:
    backup_folder = f"{folder}\\backup-{datetime.now(timezone.utc).strftime('%Y%m%d-%H%M%S')}" if backup else None
    done: list[str] = []
    for row in changes:
        keep = f"{backup_folder}\\{row['name']}" if backup_folder and row["previous_sha256"] else None
        try:
            new.replace_file(row["path"], files[row["name"]], row["previous_sha256"], keep, secret=_is_private_key(row["name"]))
        except TPError as error:
            written = ", ".join(done) or "none"
            raise TPError(f"{error.message} While writing {row['name']} (already replaced: {written}); the new EM stays "
                          f"stopped and the old EM is untouched. Fix the cause, then run again.", changed=bool(done),
                          backup_folder=backup_folder) from None
        done.append(row["name"])
    return backup_folder


def _verify(new: WindowsHost, folder: str, digests: dict[str, str]) -> None:
    """SHA-256 of every file as it is now on the new EM, against what was read on the old one."""
    wrong = [entry.requested for entry in new.read_files(folder, DEFAULT_SET, include_content=False)
             if entry.sha256 != digests[entry.requested]]
    if wrong:
        raise TPError(f"{new.name}: after writing, {', '.join(wrong)} in {folder} do not match the old EM's files "
                      f"(SHA-256). Run again; if it persists, something else writes to that folder.", changed=True)


def _diff(folder: str, rows: list[dict[str, t.Any]]) -> dict[str, str]:
    """Names and digests only: never the content of a certificate or key."""
    def line(name: str, digest: str | None) -> str:
        return f"{name}  {'sha256:' + digest if digest else '(absent)'}\n"
    return {"before_header": folder, "after_header": folder,
            "before": "".join(line(row["name"], row["previous_sha256"]) for row in rows),
            "after": "".join(line(row["name"], row["sha256"]) for row in rows)}
