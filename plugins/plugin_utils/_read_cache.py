# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The preflight's read of a program's config, kept for the write later in the same run.

A repoint needs one read and one write. The preflight already reads the service and the file, so
it leaves that read here, and the repoint of the same host, later in the same ansible-playbook run,
takes it instead of reading again: a repointed agent costs two remote calls, one that needs nothing
costs one. Nothing here is trusted blindly: the write carries the read's SHA-256 and service state,
and the host refuses (as a stale read) when either no longer holds; the repoint then reads again.

The folder is the run's own controller temp folder (``C.DEFAULT_LOCAL_TMP``, private to the user
and removed when the run ends), so a read never outlives its run, and every fork of the run sees
it. Config files of agents and consoles hold no credentials. An entry is taken once: after the
repoint has used it, the file has been rewritten and the read is old.

FOR INTERNAL COLLECTION USE ONLY: this module may change in any release.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import typing as t
from dataclasses import asdict, dataclass

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._windows_host import (
    ProgramConfig, RemoteFile, Resolved, ServiceInfo)


@dataclass(frozen=True)
class ReadKey:
    """What a read was asked for: a read is reused only by a request that would have read exactly the same."""

    host: str
    service_name: str | None
    path: str | None
    suffix: str
    record_suffix: str | None
    companion_file: str | None
    resolve_name: str | None

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode("utf-8")).hexdigest()[:32]


def keep(folder: str, key: ReadKey, program: ProgramConfig) -> None:
    """Leave the read for a later task of this run (atomically: a fork never sees half an entry)."""
    os.makedirs(folder, mode=0o700, exist_ok=True)
    path = os.path.join(folder, key.digest() + ".json")
    temporary = f"{path}.{os.getpid()}.tmp"
    with open(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as handle:
        json.dump({"key": asdict(key), "program": _encode(program)}, handle)
    os.replace(temporary, path)


def take(folder: str, key: ReadKey) -> ProgramConfig | None:
    """The read a preflight of this run left for this request, removed as it is taken; None when there is none."""
    path = os.path.join(folder, key.digest() + ".json")
    claimed = f"{path}.{os.getpid()}.taken"
    try:
        os.replace(path, claimed)  # two tasks on one host cannot both take it
    except FileNotFoundError:
        return None
    try:
        with open(claimed, encoding="utf-8") as handle:
            entry = json.load(handle)
    except (OSError, ValueError):
        return None
    finally:
        os.unlink(claimed)
    if entry.get("key") != asdict(key):
        return None
    try:
        return _decode(entry["program"])
    except (KeyError, TypeError, ValueError):
        return None


def _encode(program: ProgramConfig) -> dict[str, t.Any]:
    """The parts a write needs; the sweep's list and the self-test were the preflight's to report."""
    return {"service": asdict(program.service) if program.service else None, "config": _encode_file(program.config),
            "companion": _encode_file(program.companion) if program.companion else None,
            "resolved": asdict(program.resolved) if program.resolved else None}


def _encode_file(remote: RemoteFile) -> dict[str, t.Any]:
    raw = asdict(remote)
    raw["content"] = None if remote.content is None else base64.b64encode(remote.content).decode("ascii")
    return raw


def _decode(raw: dict[str, t.Any]) -> ProgramConfig:
    resolved = raw["resolved"]
    return ProgramConfig(service=ServiceInfo(**raw["service"]) if raw["service"] else None, config=_decode_file(raw["config"]),
                         companion=_decode_file(raw["companion"]) if raw["companion"] else None,
                         resolved=Resolved(name=resolved["name"], addresses=tuple(resolved["addresses"]), error=resolved["error"])
                         if resolved else None)


def _decode_file(raw: dict[str, t.Any]) -> RemoteFile:
    content = raw.pop("content")
    return RemoteFile(content=None if content is None else base64.b64decode(content, validate=True), **raw)
