# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A fake Windows host behind ``ActionBase._execute_module``: module results by module name.

``FakeWindows`` answers every ansible.windows module the collection calls with results shaped like
the real modules' (win_service_info, win_service, win_wait_for, win_powershell), keeps services and
files as state so a test can look at the host afterwards, and records every call as
``(module_name, module_args)``.

win_powershell calls are told apart by the script text (each script's own parameter names), and the
parameters sent must be ones the script declares: a renamed parameter fails here, not on a host. So
must the mandatory ones be sent, and a SecureString parameter arrive through sensitive_parameters
(as the real module requires), never through plain parameters.

It lives in a module of its own, not in conftest, so that tests import it by name like any helper.
"""

from __future__ import annotations

import base64
import copy
import fnmatch
import hashlib
import hmac
import json
import ntpath
import re
import typing as t
import uuid
from dataclasses import dataclass, field

EM_FOLDER = r"C:\Program Files\Netwrix\Netwrix Threat Prevention\SIEnterpriseManager"
EM_EXE = EM_FOLDER + r"\SIEnterpriseManager.exe"
EM_SERVICE_PATH = f'"{EM_EXE}" -service'
CERTS_FOLDER = EM_FOLDER + r"\CertsInfo"
SECRETMGR = EM_FOLDER + r"\SecretMgr.exe"
SECRET_FILE = CERTS_FOLDER + r"\Secret.dpapi"
SYSWOW64 = r"C:\Windows\SysWOW64"
OWN_NAME = re.compile(r"tp-secret-[0-9a-f]{32}", re.IGNORECASE)  # move_secret.ps1's names (followed by anything)
STALE_MS = 10 * 60 * 1000  # move_secret.ps1 sweeps what is older
# read_em_info.ps1's default ServicePatterns: services that may sit beside the EM.
EM_SIDE_SERVICES = ("SIReportingService", "SISchedulerService", "StealthDEFEND*")
# Script kinds that change the host (win_service too): what "nothing was written" is checked against.
CHANGING_KINDS = frozenset({"win_service", "replace_file", "move_secret"})

# The real win_powershell's test for SupportsShouldProcess; scripts without it are skipped in check mode.
_SHOULD_PROCESS = re.compile(r"\[CmdletBinding\([^)]*SupportsShouldProcess", re.IGNORECASE)
_PARAM_BLOCK = re.compile(r"^param \((.*?)^\)", re.MULTILINE | re.DOTALL)
_SECURE_STRING = re.compile(r"\[SecureString\]\s*\$(\w+)", re.IGNORECASE)
_MANDATORY = re.compile(r"Mandatory\s*=\s*\$true\s*\)\]\s*(?:\[(?:[^\[\]\n]|\[\])*\]\s*)*\$(\w+)", re.IGNORECASE)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Service:
    """A Windows service on the fake host; a hardened agent refuses stop requests."""

    name: str
    path: str
    state: str = "started"
    start_mode: str = "auto"
    display_name: str = ""
    hardened: bool = False
    refuse: dict[str, str] = field(default_factory=dict)  # requested win_service state -> error message
    started_ms: int | None = 0  # when its process started, on the host's clock (FakeWindows.clock)

    @property
    def accepts_stop(self) -> bool:
        return self.state == "started" and not self.hardened


@dataclass
class SecretMgr:
    """SecretMgr.exe on a fake EM host: what ``-e`` exports, where the export lands, and how it fails."""

    export: bytes = b"SecretMgr export 1\nsecret=Quartz-Halibut-7731-Obsidian\n"
    lands_in: str | None = None  # None: the file it was asked to write; else this folder (C:\Windows\SysWOW64)
    extension: str = ".export"  # the export's extension: SecretMgr may choose its own
    export_error: str | None = None  # -e exits 1 with this text, leaving half an export behind
    import_error: str | None = None  # -i exits 1 with this text
    import_noop: bool = False  # -i exits 0 and leaves Secret.dpapi as it was
    undeletable: set[str] = field(default_factory=set)  # folders where a scanner holds every file it sees


class FakeWindows:
    """A Windows host as seen through ``ActionBase._execute_module``."""

    def __init__(self) -> None:
        self.services: dict[str, Service] = {}
        self.files: dict[str, bytes] = {}
        self.listening: set[int] = set()
        self.agent_answers: list[list[dict[str, t.Any]]] = [[]]  # one list of rows per poll; the last repeats
        self.script_failures: dict[str, str] = {}  # script kind -> terminating error message
        self.check_mode = False
        self.calls: list[tuple[str, dict[str, t.Any]]] = []
        self.clock = 100  # milliseconds; each write or service start is one tick later
        self.written_at: dict[str, int] = {}  # file -> when it was last written (files set up directly: 0)
        self.refuse_writes: dict[str, str] = {}  # file -> the error replace_file throws for it (a locked file)
        self.overwrite_after_write: dict[str, bytes] = {}  # file -> what another process writes just after us
        self.overwrite_before_write: dict[str, bytes] = {}  # file -> what another process writes between our read and write
        self.self_test_failure: dict[str, t.Any] | None = None  # read_program_config's self-test result when it fails
        self.stale: dict[str, list[str]] = {}  # folder -> stale temporary files read_program_config's sweep removes
        self.versions: dict[str, str] = {}  # executable -> its ProductVersion
        self.iis_sites: set[str] = set()
        self.secretmgr = SecretMgr()
        self.secret_log: list[tuple[str, str]] = []  # ("written" | "deleted", path) of every SecretMgr export file
        self.addresses: list[str] = []  # this host's own IP addresses (read_em_state)
        self.dns: dict[str, list[str]] = {}  # what this host's resolver answers, by lower-case name

    def tick(self) -> int:
        self.clock += 1
        return self.clock

    # ---- set-up helpers -------------------------------------------------------------------------
    def add_service(self, name: str, path: str, **kwargs: t.Any) -> Service:
        service = Service(name=name, path=path, **kwargs)
        self.services[name.lower()] = service
        return service

    def install_em(self, *, state: str = "started", version: str = "7.5.0.321") -> Service:
        """An Enterprise Manager in EM_FOLDER: its service, its executable (with a product version) and SecretMgr.exe."""
        self.files[EM_EXE] = b"MZ emulated SIEnterpriseManager.exe"
        self.files[SECRETMGR] = b"MZ emulated SecretMgr.exe"
        self.versions[EM_EXE] = version
        return self.add_service("SIEnterpriseManager", EM_SERVICE_PATH, state=state,
                                display_name="Netwrix Threat Prevention Enterprise Manager")

    # ---- what the tests read back ---------------------------------------------------------------
    def kinds(self) -> list[str]:
        """The calls as short names: module names, and script names for win_powershell."""
        return [self._kind(module, args) for module, args in self.calls]

    def args_of(self, kind: str) -> list[dict[str, t.Any]]:
        """The module args (or, for scripts, the script parameters) of every call of one kind."""
        return [args.get("parameters", args) if module.endswith("win_powershell") else args
                for module, args in self.calls if self._kind(module, args) == kind]

    def sensitive_of(self, kind: str) -> list[dict[str, str]]:
        """The sensitive_parameters of every script call of one kind, as {name: value}."""
        return [{item["name"]: item["value"] for item in args.get("sensitive_parameters") or []}
                for module, args in self.calls if module.endswith("win_powershell") and self._kind(module, args) == kind]

    def writes(self) -> list[str]:
        """The calls that change the host, by kind."""
        return [kind for kind in self.kinds() if kind in CHANGING_KINDS]

    def leftover_exports(self) -> list[str]:
        """SecretMgr export files (and private folders' files) still on the host."""
        return [path for path in self.files
                if ntpath.basename(path).startswith("tp-secret-") or "\\tp-secret-" in ntpath.dirname(path)]

    def in_folder(self, folder: str) -> dict[str, str]:
        """The files directly in a folder, lower-case name -> path as stored (NTFS matches names case-insensitively)."""
        wanted = folder.rstrip("\\").lower()
        return {ntpath.basename(path).lower(): path for path in self.files if ntpath.dirname(path).lower() == wanted}

    # ---- the module dispatcher ------------------------------------------------------------------
    def __call__(self, module_name: str | None = None, module_args: dict[str, t.Any] | None = None,
                 task_vars: dict[str, t.Any] | None = None, **_kwargs: t.Any) -> dict[str, t.Any]:
        assert module_name and module_name.startswith("ansible.windows."), module_name
        args = copy.deepcopy(module_args or {})
        self.calls.append((module_name, args))
        handler = getattr(self, "_" + module_name.rsplit(".", 1)[1])
        return handler(args)

    @staticmethod
    def _kind(module: str, args: dict[str, t.Any]) -> str:
        short = module.rsplit(".", 1)[1]
        if short != "win_powershell":
            return short
        script = args["script"]
        if "GetActiveTcpListeners" in script:
            return "read_em_state"
        if "$ConfigSuffix" in script:
            return "read_program_config"
        if "$ExpectedSha256" in script:
            return "replace_file"
        if "Get-SIAgentStatus" in script:
            return "get_agent_status"
        if "$IncludeContent" in script:
            return "read_files"
        if "$OtherLocations" in script:
            return "move_secret"
        if "$ServicePatterns" in script:
            return "read_em_info"
        raise AssertionError(f"unknown script sent to win_powershell:\n{script[:300]}")

    def _service(self, name: str) -> Service | None:
        return self.services.get(name.lower())

    def _win_service_info(self, args: dict[str, t.Any]) -> dict[str, t.Any]:
        assert set(args) == {"name"}, args
        service = self._service(args["name"])
        if service is None:
            return {"changed": False, "exists": False, "services": []}
        running = service.state == "started"
        controls = ["shutdown"] if service.hardened else ["stop", "shutdown"]
        return {"changed": False, "exists": True, "services": [{
            "name": service.name, "display_name": service.display_name or service.name, "state": service.state,
            "start_mode": service.start_mode, "path": service.path, "controls_accepted": controls if running else [],
            "username": "LocalSystem", "process_id": 4242 if running else 0, "service_type": "win32_own_process",
            "dependencies": [], "dependency_of": [], "description": "",
        }]}

    def _win_service(self, args: dict[str, t.Any]) -> dict[str, t.Any]:
        assert set(args) <= {"name", "state", "start_mode"}, args
        service = self._service(args["name"])
        state = args.get("state")
        if service is None:
            return {"failed": True, "changed": False,
                    "msg": f"Service '{args['name']}' is not installed, need to set 'path' to create a new service"}
        if state in service.refuse:
            return {"failed": True, "changed": False, "msg": service.refuse[state]}
        stops = state in ("stopped", "restarted") and service.state != "stopped"
        if stops and service.hardened:
            return {"failed": True, "changed": False,
                    "msg": f"Failed to stop service '{service.name}'. Error: Provider failure"}
        if args.get("start_mode"):
            service.start_mode = args["start_mode"]
        if state in ("started", "restarted"):
            service.state, service.started_ms = "started", self.tick()
        elif state == "stopped":
            service.state = "stopped"
        return {"changed": True, "exists": True, "name": service.name, "display_name": service.display_name,
                "state": "running" if service.state == "started" else service.state, "start_mode": service.start_mode,
                "path": service.path, "can_pause_and_continue": False, "username": "LocalSystem",
                "desktop_interact": False, "dependencies": [], "depended_by": []}

    def _win_wait_for(self, args: dict[str, t.Any]) -> dict[str, t.Any]:
        assert args["host"] == "127.0.0.1" and args["state"] == "started", args
        if args["port"] in self.listening:
            return {"changed": False, "elapsed": 0.5, "wait_attempts": 1}
        return {"failed": True, "changed": False, "elapsed": float(args["timeout"]), "wait_attempts": args["timeout"],
                "msg": f"timeout while waiting for 127.0.0.1:{args['port']} to start listening"}

    def _win_powershell(self, args: dict[str, t.Any]) -> dict[str, t.Any]:
        assert set(args) <= {"script", "parameters", "sensitive_parameters", "error_action", "depth"}, args
        assert args.get("error_action") == "stop", "scripts must stop on their first error"
        script, parameters = args["script"], args.get("parameters") or {}
        block = _PARAM_BLOCK.search(script).group(1)  # type: ignore[union-attr]
        declared, secure = set(re.findall(r"\$(\w+)", block)), set(_SECURE_STRING.findall(block))
        assert set(parameters) <= declared, f"parameters {set(parameters) - declared} are not declared by the script"
        assert not secure & set(parameters), f"SecureString parameters {secure & set(parameters)} sent as plain parameters"
        sensitive = {}
        for item in args.get("sensitive_parameters") or []:
            assert set(item) == {"name", "value"} and isinstance(item["value"], str), "a SecureString is {name, value}"
            assert item["name"] in secure, f"{item['name']} is not a SecureString parameter of the script"
            sensitive[item["name"]] = item["value"]
        bound = {**parameters, **sensitive}
        missing = set(_MANDATORY.findall(block)) - set(bound)
        assert not missing, f"mandatory parameters {missing} were not sent"
        if self.check_mode and not _SHOULD_PROCESS.search(script):
            return {"changed": True, "msg": "skipped, running in check mode"}  # what the real module does
        kind = self._kind("ansible.windows.win_powershell", args)
        if kind in self.script_failures:
            return _script_error(self.script_failures[kind])
        outcome: dict[str, t.Any] = {"changed": kind in CHANGING_KINDS, "result": {}, "output": [], "error": [],
                                     "host_out": "", "host_err": "", "warning": [], "verbose": [], "debug": [],
                                     "information": []}
        handlers: dict[str, t.Callable[[dict[str, t.Any]], dict[str, t.Any]]] = {
            "read_program_config": self._read_program_config, "replace_file": self._replace_file,
            "read_files": self._read_files, "move_secret": self._move_secret, "read_em_info": self._read_em_info,
            "read_em_state": self._read_em_state}
        try:
            if kind == "get_agent_status":
                outcome["output"] = self._next_agent_answer()
            else:
                outcome["result"] = handlers[kind](bound)
        except _ScriptFailure as error:
            return _script_error(str(error), error.result)
        return outcome

    def _read_program_config(self, parameters: dict[str, t.Any]) -> dict[str, t.Any]:
        """read_program_config.ps1: ``@{language_mode; service; config; removed; self_test}``.

        Outside check mode the sweep removes ``stale[folder]``, and SelfTest reports success unless
        ``self_test_failure`` says otherwise; a file over MaxBytes is refused.
        """
        service = self._service(parameters["ServiceName"]) if parameters.get("ServiceName") else None
        config_path = parameters.get("ConfigPath") or ""
        if not config_path and service is not None:
            command = service.path.strip()
            if command.startswith('"'):
                executable = command[1:].split('"')[0]
            else:
                match = re.match(r"^(.+?\.exe)(?=\s|$)", command, re.IGNORECASE)
                executable = match.group(1) if match else command.split(" ")[0]
            config_path = executable + parameters.get("ConfigSuffix", ".config")
        config: dict[str, t.Any] = {"path": config_path, "exists": False, "content": None, "sha256": None,
                                    "written_sha256": None}
        folder = ntpath.dirname(config_path)
        removed = [] if self.check_mode else self.stale.pop(folder, [])
        self_test = None
        if config_path in self.files:
            content = self.files[config_path]
            if len(content) > parameters.get("MaxBytes", 1048576):
                raise _ScriptFailure(f"{config_path} is larger than {parameters['MaxBytes']} bytes, the most the collection "
                                     f"reads from a host. Nothing was changed; check that this is the right file.")
            config.update(exists=True, content=base64.b64encode(content).decode("ascii"), sha256=sha256(content),
                          last_write_ms=self.written_at.get(config_path, 0))
            record = self.files.get(config_path + parameters.get("RecordSuffix", "")) if parameters.get("RecordSuffix") else None
            if record is not None:
                config["written_sha256"] = json.loads(record)["sha256"]
            if parameters.get("SelfTest") and not self.check_mode:
                self_test = self.self_test_failure or {"ok": True, "folder": folder, "step": None, "error": None, "left": []}
        companion = None
        if parameters.get("CompanionFile"):
            companion = self._whole_file(ntpath.join(folder, parameters["CompanionFile"]))
        resolved = None
        if parameters.get("ResolveName"):
            name = parameters["ResolveName"]
            answer = [name] if re.search(r"^[0-9.]+$|:", name) else self.dns.get(name.lower().rstrip("."), [])
            resolved = {"name": name, "addresses": answer, "error": None if answer else "No such host is known"}
        return {"language_mode": "FullLanguage", "service": self._described(service), "config": config, "removed": removed,
                "self_test": self_test, "companion": companion, "resolved": resolved}

    def _described(self, service: Service | None) -> dict[str, t.Any] | None:
        """A service as lib/service_record.ps1 describes it."""
        return None if service is None else {
            "name": service.name, "display_name": service.display_name or service.name, "state": service.state,
            "start_mode": service.start_mode, "path": service.path, "accepts_stop": service.accepts_stop,
            "started_ms": service.started_ms if service.state == "started" else None}

    def _whole_file(self, path: str) -> dict[str, t.Any]:
        content = self.files.get(path)
        return {"path": path, "exists": content is not None,
                "content": None if content is None else base64.b64encode(content).decode("ascii")}

    def _read_em_state(self, parameters: dict[str, t.Any]) -> dict[str, t.Any]:
        """read_em_state.ps1: the EM service, which asked-for ports listen, its CA file and this host's addresses."""
        service = self._service(parameters["ServiceName"])
        ca = None
        if service is not None:
            executable = service.path.strip()[1:].split('"')[0] if service.path.strip().startswith('"') else service.path
            ca = self._whole_file(ntpath.join(ntpath.dirname(executable), parameters.get("CaFile", "CertsInfo\\Ca-crt.pem")))
        listening = [port for port in parameters.get("Ports", [3741, 3740])
                     if port in self.listening and service is not None and service.state == "started"]
        return {"language_mode": "FullLanguage", "service": self._described(service), "listening": listening, "ca": ca,
                "addresses": list(self.addresses), "computer_name": "FAKE"}

    def _replace_file(self, parameters: dict[str, t.Any]) -> dict[str, t.Any]:
        """replace_file.ps1: change nothing on a stale read; keep the backup asked for; record the write; restart.

        With RestartService the service is restarted as win_service would (``refuse["restarted"]`` makes it
        fail), and when it does not come back the previous bytes are put back and, if it was running, it is
        started again (``refuse["started"]`` makes that fail too).
        """
        path, backup = parameters["Path"], parameters.get("BackupPath")
        if path in self.overwrite_before_write:
            self.files[path] = self.overwrite_before_write.pop(path)
        exists = path in self.files
        stale = self._stale_reason(parameters, exists)
        if stale:
            return {"stale": f"{stale} Nothing was changed; run again."}
        content = base64.b64decode(parameters.get("SecretContentBase64") or parameters["ContentBase64"])
        if sha256(content) != parameters["Sha256"]:
            raise _ScriptFailure(f"the content for {path} arrived damaged (SHA-256 mismatch). Nothing was changed; run again.")
        if path in self.refuse_writes:
            raise _ScriptFailure(self.refuse_writes[path])
        original = self.files.get(path)
        record = parameters.get("RecordPath")
        self._write(path, content, record, backup if exists and backup else None)
        if path in self.overwrite_after_write:
            self.files[path] = self.overwrite_after_write[path]
        result = {"sha256": parameters["Sha256"], "backup_file": backup if exists and backup else None}
        if parameters.get("RestartService"):
            result["restart"] = self._restart_or_restore(parameters, t.cast(bytes, original), record)
        return result

    def _stale_reason(self, parameters: dict[str, t.Any], exists: bool) -> str | None:
        path, expected = parameters["Path"], parameters.get("ExpectedSha256")
        if expected and (not exists or sha256(self.files[path]) != expected):
            return f"{path} changed after it was read (another process edited it)."
        if not expected and exists:
            return f"{path} appeared after it was read."
        name = parameters.get("RestartService")
        service = self._service(name) if name else None
        if name and (service is None or service.state != parameters.get("ServiceState") or service.start_mode == "disabled"
                     or (service.state == "started" and not service.accepts_stop)):
            return f"the service '{name}' is not as it was when its file was read."
        return None

    def _write(self, path: str, content: bytes, record: str | None, backup: str | None) -> None:
        if record:
            self.files.pop(record, None)
        if backup:
            self.files[backup] = self.files[path]
        self.files[path] = content
        self.written_at[path] = self.tick()
        if record:
            self.files[record] = json.dumps({"path": path, "sha256": sha256(content)}).encode()

    def _restart_or_restore(self, parameters: dict[str, t.Any], original: bytes, record: str | None) -> dict[str, t.Any]:
        service = t.cast(Service, self._service(parameters["RestartService"]))
        outcome: dict[str, t.Any] = {"restarted": False, "error": None, "restored": False, "restore_error": None,
                                     "started_again": False, "start_again_error": None}
        if "restarted" not in service.refuse:
            service.state, service.started_ms = "started", self.tick()
            outcome["restarted"] = True
            return outcome
        outcome["error"], service.state = service.refuse["restarted"], "stopped"
        path = parameters["Path"]
        if path in self.refuse_writes:
            outcome["restore_error"] = self.refuse_writes[path]
            return outcome
        self._write(path, original, record, None)
        outcome["restored"] = True
        if parameters.get("ServiceState") == "started":
            if "started" in service.refuse:
                outcome["start_again_error"] = service.refuse["started"]
            else:
                service.state, service.started_ms = "started", self.tick()
                outcome["started_again"] = True
        return outcome

    def _read_files(self, parameters: dict[str, t.Any]) -> dict[str, t.Any]:
        """read_files.ps1: hashes (and bytes when asked) of named files, names matched case-insensitively.

        Outside check mode Sweep removes ``stale[folder]``, and SelfTest reports success unless ``self_test_failure``
        says otherwise, as for read_program_config.
        """
        folder, on_disk = parameters["Folder"], self.in_folder(parameters["Folder"])
        removed = self.stale.pop(folder, []) if parameters.get("Sweep") and not self.check_mode else []
        self_test = None
        if parameters.get("SelfTest") and not self.check_mode:
            self_test = self.self_test_failure or {"ok": True, "folder": folder, "step": None, "error": None, "left": []}
        files = []
        for requested in parameters["Names"]:
            entry: dict[str, t.Any] = {"requested": requested, "name": requested, "path": f"{folder}\\{requested}",
                                       "exists": False, "sha256": None, "content": None}
            path = on_disk.get(requested.lower())
            if path is not None:
                content = self.files[path]
                entry.update(name=ntpath.basename(path), path=path, exists=True, sha256=sha256(content))
                if parameters.get("IncludeContent"):
                    entry["content"] = base64.b64encode(content).decode("ascii")
            files.append(entry)
        return {"folder": folder, "files": files, "removed": removed, "self_test": self_test}

    def _move_secret(self, parameters: dict[str, t.Any]) -> dict[str, t.Any]:
        """move_secret.ps1: sweep stale files, run SecretMgr.exe in a private folder, delete the call's files whatever happens.

        Its result says what it swept and what it could not delete, also when it fails (as win_powershell returns
        ``$Ansible.Result`` with the error).
        """
        root = parameters["WorkRoot"]
        searched = list(dict.fromkeys(folder.rstrip("\\") for folder in [
            *(parameters.get("OtherLocations") or []), SYSWOW64, ntpath.dirname(parameters["SecretMgr"])]))
        stem = f"tp-secret-{uuid.uuid4().hex}"
        outcome: dict[str, t.Any] = {"swept": [], "leftovers": []}
        try:
            self._sweep_exports(root, searched, outcome)
            if parameters["Mode"] == "Sweep":
                return outcome
            if parameters["SecretMgr"] not in self.files:
                raise _ScriptFailure('Exception calling "Start" with "1" argument(s): "The system cannot find the file '
                                     'specified"')
            if parameters["Mode"] == "Export":
                outcome.update(self._secret_export(parameters, f"{root}\\{stem}", stem, searched))
            else:
                outcome.update(self._secret_import(parameters, f"{root}\\{stem}\\{stem}.export"))
            return outcome
        except _ScriptFailure as error:
            error.result = outcome
            raise
        finally:
            for path in [path for path in self.files if ntpath.basename(path).lower().startswith(stem)]:
                self._delete_export(path, outcome)

    def _secret_export(self, parameters: dict[str, t.Any], work: str, stem: str, searched: list[str]) -> dict[str, t.Any]:
        behaviour = self.secretmgr
        made = {f"{folder}\\{stem}.export" for folder in searched}
        self.files.update({path: b"" for path in made})  # empty files only SYSTEM and Administrators may open
        landed = f"{behaviour.lands_in or work}\\{stem}{behaviour.extension}"
        if behaviour.export_error:
            self._write_export(landed, behaviour.export[:10])  # a crashed export leaves half a file
            raise _ScriptFailure(f"SecretMgr.exe -e failed (exit code 1; error output: {behaviour.export_error}).")
        self._write_export(landed, behaviour.export)
        found = next((path for path in self.files if ntpath.dirname(path).lower() in {work.lower(), *map(str.lower, searched)}
                      and ntpath.basename(path).startswith(stem) and self.files[path]), None)
        if found is None:
            raise _ScriptFailure(f"SecretMgr.exe -e reported success but wrote no export named {stem}* in "
                                 f"{', '.join([work, *searched])} (no output).")
        content = self.files[found]
        return {"content": base64.b64encode(content).decode("ascii"), "landed": found,
                "hmac": hmac.new(base64.b64decode(parameters["Key"]), content, hashlib.sha256).hexdigest(),
                "landed_private": found.startswith(work + "\\") or found in made}

    def _secret_import(self, parameters: dict[str, t.Any], target: str) -> dict[str, t.Any]:
        data = base64.b64decode(parameters["Export"])
        if hmac.new(base64.b64decode(parameters["Key"]), data, hashlib.sha256).hexdigest() != parameters["ExportHmac"]:
            raise _ScriptFailure("the secret export arrived damaged (HMAC mismatch). Nothing was imported; run again.")
        secret_file = parameters["SecretFile"]
        before = self.files.get(secret_file)
        self._write_export(target, data)
        if self.secretmgr.import_error:
            raise _ScriptFailure(f"SecretMgr.exe -i failed (exit code 1; error output: {self.secretmgr.import_error}).")
        if not self.secretmgr.import_noop:
            # SecretMgr protects the secret with this host's machine key, beside its own executable; DPAPI is salted.
            self.files[ntpath.dirname(parameters["SecretMgr"]) + "\\CertsInfo\\Secret.dpapi"] = (
                b"DPAPI:" + sha256(data).encode() + b":" + uuid.uuid4().hex.encode())
        if self.files.get(secret_file) in (None, before):
            raise _ScriptFailure(f"SecretMgr.exe -i exited with code 0 but did not change {secret_file}, so the secret "
                                 f"was not imported: an import protects the secret again, which gives new bytes every "
                                 f"time. Nothing was recorded (no output).")
        imported = sha256(self.files[secret_file])
        record = {**json.loads(parameters["Marker"]), "imported_sha256": imported}
        self.files[parameters["MarkerPath"]] = json.dumps(record, separators=(",", ":")).encode()
        return {"imported_sha256": imported}

    def _write_export(self, path: str, content: bytes) -> None:
        self.files[path] = content
        self.secret_log.append(("written", path))

    def _sweep_exports(self, root: str, searched: list[str], outcome: dict[str, t.Any]) -> None:
        """Files of this collection's names left more than 10 minutes ago in the folders, or in a private folder of root."""
        folders = {folder.lower() for folder in (root, *searched)}
        for path in list(self.files):
            parent = ntpath.dirname(path)
            loose = parent.lower() in folders and OWN_NAME.match(ntpath.basename(path))
            private = ntpath.dirname(parent).lower() == root.lower() and OWN_NAME.fullmatch(ntpath.basename(parent))
            if (loose or private) and self.clock - self.written_at.get(path, 0) > STALE_MS:
                self._delete_export(path, outcome, swept=True)

    def _delete_export(self, path: str, outcome: dict[str, t.Any], swept: bool = False) -> None:
        if ntpath.dirname(path) in self.secretmgr.undeletable:
            outcome["leftovers"].append(path)
            return
        if self.files.pop(path):
            self.secret_log.append(("deleted", path))
        if swept:
            outcome["swept"].append(path)

    def _under(self, folder: str) -> list[str]:
        """The files anywhere below a folder."""
        return [path for path in self.files if path.lower().startswith(folder.lower() + "\\")]

    def _read_em_info(self, parameters: dict[str, t.Any]) -> dict[str, t.Any]:
        """read_em_info.ps1: version, config bytes and the host-local extras (a folder exists when it holds files)."""
        folder = parameters["Folder"]
        exe = f"{folder}\\{parameters.get('Executable', 'SIEnterpriseManager.exe')}"
        config = self.files.get(exe + ".config")
        patterns = parameters.get("ServicePatterns", EM_SIDE_SERVICES)
        return {
            "version": self.versions.get(exe) if exe in self.files else None,
            "config": base64.b64encode(config).decode("ascii") if config is not None else None,
            "pwned_store": bool(self._under(f"{folder}\\PwnedStore")),
            "file_action_output": len(self._under(f"{folder}\\output\\file")),
            "licenses": [ntpath.basename(path) for name, path in self.in_folder(folder).items() if name.endswith(".lic")],
            "services": [service.name for pattern in patterns for service in self.services.values()
                         if fnmatch.fnmatch(service.name.lower(), pattern.lower())],
            "epe_rest_site": "EPE_REST" in self.iis_sites,
        }

    def _next_agent_answer(self) -> list[dict[str, t.Any]]:
        return copy.deepcopy(self.agent_answers.pop(0) if len(self.agent_answers) > 1 else self.agent_answers[0])


class _ScriptFailure(Exception):
    """A terminating error inside an emulated script, with what the script had put in $Ansible.Result."""

    def __init__(self, message: str, result: dict[str, t.Any] | None = None) -> None:
        super().__init__(message)
        self.result = result


def _script_error(message: str, result: dict[str, t.Any] | None = None) -> dict[str, t.Any]:
    """A win_powershell result for a script that threw (error_action=stop)."""
    return {"changed": False, "failed": True, "result": result, "output": [], "host_out": "", "host_err": "",
            "warning": [], "verbose": [], "debug": [], "information": [],
            "error": [{"output": f"{message}\n", "error_details": None, "target_object": None,
                       "exception": {"message": message, "type": "System.Management.Automation.RuntimeException"},
                       "fully_qualified_error_id": "RuntimeException", "script_stack_trace": "at <ScriptBlock>"}]}
