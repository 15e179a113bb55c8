# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The host boundary: the only place that names ansible.windows modules.

Everything above this file speaks in product terms (service, config file, agent list); everything
below it is a module call over WinRM/PSRP. Each method is one remote round trip, so reading the
callers tells you what an operation costs on a real network.

FOR INTERNAL COLLECTION USE ONLY: this module may change in any release.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import re
import secrets
import typing as t
from dataclasses import dataclass, field
from pathlib import Path

from ansible.errors import AnsibleConnectionFailure

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._errors import TPError, one_line

_SCRIPTS = Path(__file__).with_name("_scripts")
# A script line "#include <name>" stands for the shared functions in _scripts/lib/<name>.ps1. win_powershell runs
# one script text, so the functions are put in at that line before it is sent; a script that includes nothing is
# sent as it is on disk.
SECURE_STRING_MAX = 65536  # characters: the most a .NET SecureString holds
MAX_FILE_BYTES = 1024 * 1024  # no file the collection reads from a host (configs, certificates, exports) is larger
_INCLUDE = re.compile(r"^#include (?P<name>[a-z_]+)$", re.MULTILINE)


@dataclass(frozen=True)
class ServiceInfo:
    """A Windows service as ansible.windows.win_service_info describes it."""

    name: str
    display_name: str
    state: str  # win_service_info vocabulary: started, stopped, paused, start_pending, ...
    start_mode: str  # auto, delayed, manual, disabled
    path: str  # the command line the service control manager starts
    accepts_stop: bool  # a running service that refuses SERVICE_CONTROL_STOP is False; a stopped one is True
    started_ms: int | None = None  # when its process started (Unix ms), when known

    def as_dict(self) -> dict[str, t.Any]:
        return {"name": self.name, "display_name": self.display_name, "state": self.state,
                "start_mode": self.start_mode, "path": self.path, "accepts_stop": self.accepts_stop}


@dataclass(frozen=True)
class RemoteFile:
    """A file's bytes as read from the host, with the hash the host computed."""

    path: str
    content: bytes | None = field(repr=False)  # None when the file does not exist
    sha256: str | None
    last_write_ms: int | None = None  # when it was last written (Unix ms)
    written_sha256: str | None = None  # what the collection recorded writing there, when it keeps a record


@dataclass(frozen=True)
class FolderFile:
    """One named file of a folder: whether it exists, its hash, and its bytes when they were asked for."""

    requested: str
    name: str  # as it is on disk (names match case-insensitively)
    path: str
    exists: bool
    sha256: str | None
    content: bytes | None = field(default=None, repr=False)  # may be a private key: keep it out of any repr
    too_large: bool = False  # larger than MAX_FILE_BYTES: hashed on the host, never read


@dataclass(frozen=True)
class SecretCleanup:
    """What one move_secret call deleted that earlier runs had left, and what it could not delete (host paths)."""

    swept: tuple[str, ...] = ()
    leftovers: tuple[str, ...] = ()

    @classmethod
    def of(cls, result: dict[str, t.Any]) -> SecretCleanup:
        """From move_secret.ps1's result."""
        return cls(swept=tuple(result.get("swept") or ()), leftovers=tuple(result.get("leftovers") or ()))


@dataclass(frozen=True)
class SecretExport:
    """A SecretMgr export, in controller memory only; never put it in a result or a message."""

    content: bytes = field(repr=False)
    landed: str  # where SecretMgr wrote it (it has been deleted there unless cleanup lists it)
    landed_private: bool  # only SYSTEM and Administrators could open it there
    cleanup: SecretCleanup


@dataclass(frozen=True)
class Resolved:
    """What a host's resolver answered for a name: its addresses, or why there were none."""

    name: str
    addresses: tuple[str, ...]
    error: str | None = None


@dataclass(frozen=True)
class ProgramConfig:
    """A program's service (if installed) and its config file, read in one call."""

    service: ServiceInfo | None
    config: RemoteFile
    removed: tuple[str, ...] = ()  # stale temporary files of the collection removed beside the config
    self_test: dict[str, t.Any] | None = None  # the atomic replace proven in the config's folder: ok, step, error, left
    companion: RemoteFile | None = None  # a file beside the config, when asked for (an agent's CertsInfo\ca-crt.pem)
    resolved: Resolved | None = None  # the address a write would put there, resolved from this host, when asked for


@dataclass(frozen=True)
class EmState:
    """What an agent needs of an Enterprise Manager, read in one call: service, listening ports, CA, addresses."""

    service: ServiceInfo | None
    listening: tuple[int, ...]
    ca: RemoteFile | None
    addresses: tuple[str, ...]
    computer_name: str


@dataclass(frozen=True)
class FolderRead:
    """Named files of a folder, with what a sweep removed there and the self-test's outcome (when asked for)."""

    files: list[FolderFile]
    removed: tuple[str, ...] = ()
    self_test: dict[str, t.Any] | None = None


class WindowsHost:
    """Runs ansible.windows modules on the task's host through the calling action plugin."""

    def __init__(self, execute_module: t.Callable[..., dict[str, t.Any]], host_name: str) -> None:
        self._execute_module = execute_module
        self.name = host_name
        self.calls = 0

    def service(self, name: str) -> ServiceInfo | None:
        """Look up one service by name; None when it is not installed."""
        result = self._call("ansible.windows.win_service_info", {"name": name})
        services = result.get("services") or []
        if not result.get("exists") or not services:
            return None
        raw = services[0]
        return ServiceInfo(
            name=raw["name"], display_name=raw.get("display_name") or raw["name"], state=raw["state"],
            start_mode=raw["start_mode"], path=raw.get("path") or "",
            accepts_stop="stop" in (raw.get("controls_accepted") or []) or raw["state"] != "started",
        )

    def set_service(self, name: str, state: str | None = None, start_mode: str | None = None) -> dict[str, t.Any]:
        """Ask the service control manager for a state and/or start mode."""
        args: dict[str, t.Any] = {"name": name}
        if state:
            args["state"] = state
        if start_mode:
            args["start_mode"] = start_mode
        return self._call("ansible.windows.win_service", args)

    def wait_for_port(self, port: int, timeout: int) -> float:
        """Wait until something listens on the port on the host itself; return the seconds waited."""
        args = {"host": "127.0.0.1", "port": port, "state": "started", "timeout": timeout, "sleep": 1}
        result = self._call("ansible.windows.win_wait_for", args)
        return float(result.get("elapsed", 0.0))

    def read_program_config(self, service_name: str | None, config_path: str | None, suffix: str,
                            record_suffix: str | None = None, self_test: bool = False, companion_file: str | None = None,
                            resolve_name: str | None = None) -> ProgramConfig:
        """Read a service record and its .NET config file together (one round trip).

        The same call removes the collection's stale temporary files beside the config and, with
        ``self_test``, proves the atomic replace in its folder (both skipped in check mode); with
        ``record_suffix`` it reads what the collection recorded writing (see ``replace_file``); with
        ``companion_file`` it returns that file of the config's folder too, and with ``resolve_name``
        what the host's resolver answers for that name.
        """
        parameters = {"ServiceName": service_name or "", "ConfigPath": config_path or "", "ConfigSuffix": suffix,
                      "MaxBytes": MAX_FILE_BYTES, **_given(RecordSuffix=record_suffix, SelfTest=self_test,
                                                           CompanionFile=companion_file, ResolveName=resolve_name)}
        result = self._script("read_program_config", parameters)
        raw_config = result["config"]
        service = _service_record(result.get("service"))
        path = raw_config.get("path") or ""
        content = (self._capped(path, raw_config.get("content")) or b"") if raw_config.get("exists") else None
        config = RemoteFile(path=path, content=content, sha256=raw_config.get("sha256"),
                            last_write_ms=raw_config.get("last_write_ms"), written_sha256=raw_config.get("written_sha256"))
        raw_resolved = result.get("resolved")
        resolved = None if not raw_resolved else Resolved(
            name=raw_resolved["name"], addresses=tuple(_bare_ip(address) for address in raw_resolved.get("addresses") or ()),
            error=one_line(raw_resolved["error"]) if raw_resolved.get("error") else None)
        return ProgramConfig(service=service, config=config, removed=tuple(result.get("removed") or ()),
                             self_test=result.get("self_test"), companion=self._small_file(result.get("companion")),
                             resolved=resolved)

    def read_em_state(self, service_name: str, ports: tuple[int, ...]) -> EmState:
        """The EM service, which of ``ports`` listen, its CA certificate and the host's addresses (one round trip)."""
        result = self._script("read_em_state", {"ServiceName": service_name, "Ports": list(ports), "MaxBytes": MAX_FILE_BYTES})
        return EmState(service=_service_record(result.get("service")),
                       listening=tuple(int(port) for port in result.get("listening") or ()),
                       ca=self._small_file(result.get("ca")),
                       addresses=tuple(_bare_ip(address) for address in result.get("addresses") or ()),
                       computer_name=str(result.get("computer_name") or ""))

    def _small_file(self, raw: dict[str, t.Any] | None) -> RemoteFile | None:
        """A file a read script returned whole (a certificate), or None when it was not asked for."""
        if not raw:
            return None
        content = self._capped(raw["path"], raw.get("content")) if raw.get("exists") else None
        return RemoteFile(path=raw["path"], content=content,
                          sha256=hashlib.sha256(content).hexdigest() if content is not None else None)

    def replace_file(self, path: str, content: bytes, expected_sha256: str | None, backup_path: str | None,
                     secret: bool = False, record_path: str | None = None, restart: ServiceInfo | None = None,
                     stale_ok: bool = False) -> dict[str, t.Any]:
        """Atomically replace (or create) a file that still holds what was read, and restart its service (one call).

        Returns ``backup_file`` (the backup kept, or None) and, when ``record_path`` was given and the
        record of what was written could not be kept there, ``record_error``. ``secret`` content
        travels as a SecureString (win_powershell's sensitive_parameters), so the module masks it in
        its own invocation record as well. With ``restart`` (the service as it was read), that service
        is restarted after the write, and the previous bytes are put back when it will not run:
        ``restart`` in the result says what happened (see replace_file.ps1). When the file or the
        service is no longer as read, nothing is changed: that fails, or with ``stale_ok`` comes back
        as ``stale`` (the reason) for a caller whose read is from an earlier task and can read again.
        """
        encoded = base64.b64encode(content).decode("ascii")
        parameters = {"Path": path, "Sha256": hashlib.sha256(content).hexdigest(), "ExpectedSha256": expected_sha256 or "",
                      "BackupPath": backup_path or "", **_given(RecordPath=record_path)}
        if restart:
            parameters.update(RestartService=restart.name, ServiceState=restart.state)
        if secret:
            result = self._script("replace_file", parameters, [{"name": "SecretContentBase64", "value": encoded}])
        else:
            result = self._script("replace_file", {**parameters, "ContentBase64": encoded})
        if result.get("stale"):
            if not stale_ok:
                raise TPError(f"{self.name}: {one_line(str(result['stale']))}")
            return {"stale": one_line(str(result["stale"]))}
        return {"backup_file": result.get("backup_file"), "record_error": result.get("record_error"),
                "restart": result.get("restart")}

    def read_files(self, folder: str, names: tuple[str, ...], include_content: bool) -> list[FolderFile]:
        """Hashes (and, when asked, bytes) of named files of a folder, matched case-insensitively."""
        return self.read_folder(folder, names, include_content).files

    def read_folder(self, folder: str, names: tuple[str, ...], include_content: bool = False, sweep: bool = False,
                    self_test: bool = False) -> FolderRead:
        """read_files for a folder the collection writes into: also remove what interrupted writes of these files
        left there (``sweep``) and prove the atomic replace there (``self_test``); neither happens in check mode."""
        parameters = {"Folder": folder, "Names": list(names), "IncludeContent": include_content,
                      "MaxBytes": MAX_FILE_BYTES, **_given(Sweep=sweep, SelfTest=self_test)}
        result = self._script("read_files", parameters)
        files = [FolderFile(requested=raw["requested"], name=raw["name"], path=raw["path"], exists=bool(raw["exists"]),
                            sha256=raw.get("sha256"), too_large=bool(raw.get("too_large")),
                            content=self._capped(raw["path"], raw.get("content")))
                 for raw in result.get("files") or []]
        return FolderRead(files=files, removed=tuple(result.get("removed") or ()), self_test=result.get("self_test"))

    def _capped(self, path: str, encoded: str | None) -> bytes | None:
        """File bytes sent by a script, refused on the controller too when larger than the cap."""
        if not encoded:
            return None
        if len(encoded) > MAX_FILE_BYTES * 4 // 3 + 4:
            raise TPError(f"{self.name}: {path} came back larger than {MAX_FILE_BYTES} bytes, which no file the "
                          f"collection reads should be. Nothing was changed; check the file.")
        return base64.b64decode(encoded)

    def export_secret(self, secretmgr: str, work_root: str, other_locations: tuple[str, ...],
                      timeout: int = 120) -> SecretExport:
        """Run SecretMgr.exe -e in a private folder; the export is read and deleted on the host.

        Its HMAC, keyed with a random key sent as a SecureString, shows that it arrived whole; a plain
        digest of the export would stand in the module's invocation record (the Application event log).
        """
        key = secrets.token_bytes(32)
        result = self._move_secret({"Mode": "Export", "SecretMgr": secretmgr, "WorkRoot": work_root,
                                    "OtherLocations": list(other_locations), "TimeoutSeconds": timeout}, key)
        content = base64.b64decode(result["content"])
        cleanup = SecretCleanup.of(result)
        if not hmac.compare_digest(hmac.new(key, content, hashlib.sha256).hexdigest(), str(result.get("hmac"))):
            raise TPError(f"{self.name}: the secret export arrived damaged (HMAC mismatch). Run again; if it repeats, "
                          f"suspect the WinRM path.", leftovers=list(cleanup.leftovers))
        return SecretExport(content=content, landed=result["landed"], landed_private=bool(result.get("landed_private")),
                            cleanup=cleanup)

    def import_secret(self, secretmgr: str, work_root: str, other_locations: tuple[str, ...], export: SecretExport,
                      secret_file: str, marker_path: str, marker: dict[str, t.Any], timeout: int = 120) -> SecretCleanup:
        """Run SecretMgr.exe -i on the export in a private folder and record the import (see export_secret)."""
        encoded = base64.b64encode(export.content).decode("ascii")
        if len(encoded) > SECURE_STRING_MAX:
            raise TPError(f"{self.name}: the secret export is {len(export.content)} bytes, more than a SecureString can "
                          f"carry to the import. Nothing was sent or changed on {self.name}.", leftovers=[])
        key = secrets.token_bytes(32)
        result = self._move_secret(
            {"Mode": "Import", "SecretMgr": secretmgr, "WorkRoot": work_root, "OtherLocations": list(other_locations),
             "TimeoutSeconds": timeout, "ExportHmac": hmac.new(key, export.content, hashlib.sha256).hexdigest(),
             "SecretFile": secret_file, "MarkerPath": marker_path, "Marker": json.dumps(marker, sort_keys=True)},
            key, [{"name": "Export", "value": encoded}])
        return SecretCleanup.of(result)

    def sweep_secret_exports(self, secretmgr: str, work_root: str, other_locations: tuple[str, ...]) -> SecretCleanup:
        """Delete what interrupted secret moves left on the host (older than 10 minutes); nothing else is done."""
        return SecretCleanup.of(self._move_secret({"Mode": "Sweep", "SecretMgr": secretmgr, "WorkRoot": work_root,
                                                  "OtherLocations": list(other_locations)}))

    def _move_secret(self, parameters: dict[str, t.Any], key: bytes | None = None,
                     sensitive: list[dict[str, str]] | None = None) -> dict[str, t.Any]:
        """One move_secret.ps1 call. On failure, TPError's ``leftovers`` lists what the script could not delete, or is
        None when the script never reported (its clean-up may not have run)."""
        secure = [*(sensitive or []), *([{"name": "Key", "value": base64.b64encode(key).decode("ascii")}] if key else [])]
        args: dict[str, t.Any] = {"script": _script_text("move_secret"), "parameters": parameters, "error_action": "stop"}
        if secure:
            args["sensitive_parameters"] = secure
        result = self._call("ansible.windows.win_powershell", args)
        outcome = result.get("result") or {}
        if result.get("failed"):
            leftovers = outcome.get("leftovers")
            raise TPError(f"{self.name}: {_script_error(result) or 'the move_secret script failed without a message'}",
                          leftovers=None if leftovers is None else list(leftovers))
        return outcome

    def read_em_info(self, folder: str) -> dict[str, t.Any]:
        """Version, config bytes, host-local extras and PowerShell facts of the EM installed in ``folder``."""
        result = self._script("read_em_info", {"Folder": folder, "MaxBytes": MAX_FILE_BYTES})
        return {**result, "config": self._capped(f"{folder}\\SIEnterpriseManager.exe.config", result.get("config"))}

    _status_executable: str | None = None  # "powershell.exe" once agent_status found PowerShell 7 running modules here

    def agent_status(self, module_path: str, port: int) -> list[dict[str, t.Any]]:
        """The agents the Enterprise Manager on this host lists: per agent, property name -> its text.

        The script flattens Get-SIAgentStatus's objects on the host, so depth 2 holds them whatever their shape.
        The EM's module is a .NET Framework module: where modules run under PowerShell 7 the script refuses
        before loading it, and the call is made again, once, in powershell.exe (kept for this host from then on).
        """
        args: dict[str, t.Any] = {"script": _script_text("get_agent_status"),
                                  "parameters": {"ModulePath": module_path, "Port": port},
                                  "error_action": "stop", "depth": 2}
        if self._status_executable:
            args["executable"] = self._status_executable
        result = self._call("ansible.windows.win_powershell", args)
        if result.get("failed") and "needs Windows PowerShell 5.1" in _script_error(result) and "executable" not in args:
            self._status_executable = "powershell.exe"
            result = self._call("ansible.windows.win_powershell", {**args, "executable": self._status_executable})
        self._raise_script_errors("get_agent_status", result)
        output = list(result.get("output") or [])
        printed = one_line(result.get("host_out") or "")
        if not output and printed:
            raise TPError(f"{self.name}: Get-SIAgentStatus returned no agent objects and printed this to the console "
                          f"instead: '{printed[:200]}{'...' if len(printed) > 200 else ''}'. Check that the account "
                          f"Ansible uses on this host holds the Threat Prevention administrator role, and that "
                          f"{module_path} is the PowerShell module of this EM's version. Nothing was changed.")
        return output

    def _script(self, name: str, parameters: dict[str, t.Any],
                sensitive: list[dict[str, str]] | None = None) -> dict[str, t.Any]:
        args: dict[str, t.Any] = {"script": _script_text(name), "parameters": parameters, "error_action": "stop"}
        for item in sensitive or []:
            if len(item["value"]) > SECURE_STRING_MAX:
                # win_powershell turns each value into a SecureString before the script starts; more would fail there.
                raise TPError(f"{self.name}: {item['name']} for the {name} script is {len(item['value'])} characters long, "
                              f"more than the {SECURE_STRING_MAX} a SecureString holds (about 48 KiB of file data). "
                              f"Nothing was sent or changed; check the size of the file being moved.")
        if sensitive:
            args["sensitive_parameters"] = sensitive
        result = self._call("ansible.windows.win_powershell", args)
        self._raise_script_errors(name, result)
        outcome = result.get("result") or {}
        mode = outcome.get("language_mode") if isinstance(outcome, dict) else None
        if mode and mode != "FullLanguage":
            raise TPError(f"{self.name}: PowerShell runs in {mode} mode here (a WDAC or AppLocker policy), and the "
                          f"collection's scripts need FullLanguage mode to use .NET. Allow them on this host (a policy "
                          f"rule for the account Ansible connects with, or signed scripts trusted by the policy), then "
                          f"run again. Nothing was changed.", language_mode=mode)
        return outcome

    def _raise_script_errors(self, name: str, result: dict[str, t.Any]) -> None:
        if result.get("failed"):
            raise TPError(f"{self.name}: {_script_error(result) or 'the ' + name + ' script failed without a message'}")

    def _call(self, module: str, args: dict[str, t.Any]) -> dict[str, t.Any]:
        self.calls += 1
        try:
            result = self._execute_module(module_name=module, module_args=args)
        except OSError as error:
            # The HTTP layer beneath pywinrm/pypsrp lost a connection that was open: to Ansible the host is unreachable.
            raise AnsibleConnectionFailure(f"{self.name}: the connection was lost ({error})") from None
        if result.get("failed") and module != "ansible.windows.win_powershell":
            raise TPError(f"{self.name}: {result.get('msg') or module + ' failed without a message'}")
        if result.get("skipped"):
            raise TPError(f"{self.name}: {module} was skipped ({result.get('msg', 'no reason given')})")
        return result


@functools.lru_cache(maxsize=None)
def _script_text(name: str) -> str:
    """The script as win_powershell receives it: its file, with each ``#include`` replaced by that library."""
    text = (_SCRIPTS / f"{name}.ps1").read_text(encoding="utf-8")
    return _INCLUDE.sub(lambda match: (_SCRIPTS / "lib" / f"{match.group('name')}.ps1").read_text(encoding="utf-8").rstrip("\n"),
                        text)


def _service_record(raw: dict[str, t.Any] | None) -> ServiceInfo | None:
    """A service as lib/service_record.ps1 describes it; a running service that refuses a stop is hardened."""
    if not raw:
        return None
    return ServiceInfo(name=raw["name"], display_name=raw["display_name"], state=raw["state"],
                       start_mode=raw["start_mode"], path=raw["path"],
                       accepts_stop=bool(raw["accepts_stop"]) or raw["state"] != "started", started_ms=raw.get("started_ms"))


def _bare_ip(address: str) -> str:
    """IPAddressToString writes a link-local IPv6 address with its zone ("fe80::1%12"): the zone is the host's own."""
    return str(address).split("%", 1)[0]


def _given(**values: t.Any) -> dict[str, t.Any]:
    """The optional script parameters that are set; the script's own defaults stand for the others."""
    return {name: value for name, value in values.items() if value}


def _script_error(result: dict[str, t.Any]) -> str:
    """The script's own error text; else whatever the module or Ansible said (a crash has no error record)."""
    for error in result.get("error") or []:
        message = (error.get("exception") or {}).get("message") or error.get("output")
        if message:
            return one_line(message)
    return " ".join(str(result[key]).strip() for key in ("msg", "module_stderr") if result.get(key))
