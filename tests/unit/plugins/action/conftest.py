# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared fakes for the action plugin tests: a Windows host behind ``_execute_module``.

The action plugins are built the way ansible.windows tests its own actions: a real ActionModule
with a MagicMock task, connection and play context, and ``_execute_module`` replaced on the
instance. ``FakeWindows`` answers every ansible.windows module the collection calls with results
shaped like the real modules' (win_service_info, win_service, win_wait_for, win_powershell), keeps
services and files as state so a test can look at the host afterwards, and records every call as
``(module_name, module_args)``.

win_powershell calls are told apart by the script text (each script's own parameter names), and the
parameters sent must be ones the script declares: a renamed parameter fails here, not on a host.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import re
import typing as t
from dataclasses import dataclass, field
from unittest.mock import MagicMock

import pytest

from ansible.plugins.action import ActionBase

AGENT_EXE = r"C:\Program Files\Netwrix\Netwrix Threat Prevention\SIWindowsAgent\SIWindowsAgent.exe"
AGENT_CONFIG = AGENT_EXE + ".config"
EM_FOLDER = r"C:\Program Files\Netwrix\Netwrix Threat Prevention\SIEnterpriseManager"

# The real win_powershell's test for SupportsShouldProcess; scripts without it are skipped in check mode.
_SHOULD_PROCESS = re.compile(r"\[CmdletBinding\([^)]*SupportsShouldProcess", re.IGNORECASE)
_PARAM_BLOCK = re.compile(r"^param \((.*?)^\)", re.MULTILINE | re.DOTALL)


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

    def tick(self) -> int:
        self.clock += 1
        return self.clock

    # ---- set-up helpers -------------------------------------------------------------------------
    def add_service(self, name: str, path: str, **kwargs: t.Any) -> Service:
        service = Service(name=name, path=path, **kwargs)
        self.services[name.lower()] = service
        return service

    # ---- what the tests read back ---------------------------------------------------------------
    def kinds(self) -> list[str]:
        """The calls as short names: module names, and script names for win_powershell."""
        return [self._kind(module, args) for module, args in self.calls]

    def args_of(self, kind: str) -> list[dict[str, t.Any]]:
        """The module args (or, for scripts, the script parameters) of every call of one kind."""
        return [args.get("parameters", args) if module.endswith("win_powershell") else args
                for module, args in self.calls if self._kind(module, args) == kind]

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
        if "$ConfigSuffix" in script:
            return "read_program_config"
        if "$ExpectedSha256" in script:
            return "replace_file"
        if "Get-SIAgentStatus" in script:
            return "get_agent_status"
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
        assert set(args) <= {"script", "parameters", "error_action", "depth"}, args
        assert args.get("error_action") == "stop", "scripts must stop on their first error"
        script, parameters = args["script"], args.get("parameters") or {}
        declared = set(re.findall(r"\$(\w+)", _PARAM_BLOCK.search(script).group(1)))  # type: ignore[union-attr]
        assert set(parameters) <= declared, f"parameters {set(parameters) - declared} are not declared by the script"
        if self.check_mode and not _SHOULD_PROCESS.search(script):
            return {"changed": True, "msg": "skipped, running in check mode"}  # what the real module does
        kind = self._kind("ansible.windows.win_powershell", args)
        if kind in self.script_failures:
            return _script_error(self.script_failures[kind])
        outcome: dict[str, t.Any] = {"changed": False, "result": {}, "output": [], "error": [], "host_out": "",
                                     "host_err": "", "warning": [], "verbose": [], "debug": [], "information": []}
        try:
            if kind == "read_program_config":
                outcome["result"] = self._read_program_config(parameters)
            elif kind == "replace_file":
                outcome["result"] = self._replace_file(parameters)
                outcome["changed"] = True
            else:
                outcome["output"] = self._next_agent_answer()
        except _ScriptFailure as error:
            return _script_error(str(error))
        return outcome

    def _read_program_config(self, parameters: dict[str, t.Any]) -> dict[str, t.Any]:
        """read_program_config.ps1: ``@{service = ...; config = @{path; exists; content; sha256}}``."""
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
        config: dict[str, t.Any] = {"path": config_path, "exists": False, "content": None, "sha256": None}
        if config_path in self.files:
            content = self.files[config_path]
            config.update(exists=True, content=base64.b64encode(content).decode("ascii"), sha256=sha256(content),
                          last_write_ms=self.written_at.get(config_path, 0))
        described = None if service is None else {
            "name": service.name, "display_name": service.display_name or service.name, "state": service.state,
            "start_mode": service.start_mode, "path": service.path, "accepts_stop": service.accepts_stop,
            "started_ms": service.started_ms if service.state == "started" else None}
        return {"service": described, "config": config}

    def _replace_file(self, parameters: dict[str, t.Any]) -> dict[str, t.Any]:
        """replace_file.ps1: refuse a file that changed since it was read; keep the backup asked for."""
        path, expected, backup = parameters["Path"], parameters.get("ExpectedSha256"), parameters.get("BackupPath")
        exists = path in self.files
        if expected and (not exists or sha256(self.files[path]) != expected):
            raise _ScriptFailure(f"{path} changed after it was read (another process edited it). Nothing was changed; run again.")
        if not expected and exists:
            raise _ScriptFailure(f"{path} appeared after it was read. Nothing was changed; run again.")
        content = base64.b64decode(parameters["ContentBase64"])
        if sha256(content) != parameters["Sha256"]:
            raise _ScriptFailure(f"the content for {path} arrived damaged (SHA-256 mismatch). Nothing was changed; run again.")
        if exists and backup:
            self.files[backup] = self.files[path]
        self.files[path] = content
        self.written_at[path] = self.tick()
        return {"sha256": parameters["Sha256"], "backup_file": backup if exists and backup else None}

    def _next_agent_answer(self) -> list[dict[str, t.Any]]:
        return copy.deepcopy(self.agent_answers.pop(0) if len(self.agent_answers) > 1 else self.agent_answers[0])


class _ScriptFailure(Exception):
    """A terminating error inside an emulated script."""


def _script_error(message: str) -> dict[str, t.Any]:
    """A win_powershell result for a script that threw (error_action=stop)."""
    return {"changed": False, "failed": True, "result": None, "output": [], "host_out": "", "host_err": "",
            "warning": [], "verbose": [], "debug": [], "information": [],
            "error": [{"output": f"{message}\n", "error_details": None, "target_object": None,
                       "exception": {"message": message, "type": "System.Management.Automation.RuntimeException"},
                       "fully_qualified_error_id": "RuntimeException", "script_stack_trace": "at <ScriptBlock>"}]}


class RunAction(t.Protocol):
    """The ``run_action`` fixture: run one action plugin class with task args against ``windows``."""

    def __call__(self, action_class: type[ActionBase], args: dict[str, t.Any], *, check_mode: bool = False,
                 diff: bool = False, delegate_to: str | None = None) -> dict[str, t.Any]: ...


def build_action(action_class: type[ActionBase], args: dict[str, t.Any], *, check_mode: bool = False, diff: bool = False,
                 delegate_to: str | None = None) -> ActionBase:
    """A real action plugin around MagicMock task/connection/play context, as ActionBase.run uses them."""
    task = MagicMock()
    task.args = copy.deepcopy(args)
    task.action = f"netwrix.threat_prevention.{action_class.__module__.rsplit('.', 1)[-1]}"
    task.check_mode = check_mode
    task.diff = diff
    task.async_val = 0
    task.delegate_to = delegate_to
    task.no_log = False
    connection = MagicMock()
    connection._shell.tmpdir = None  # pylint: disable=protected-access
    return action_class(task, connection, MagicMock(), loader=None, templar=None, shared_loader_obj=None)


@pytest.fixture
def windows() -> FakeWindows:
    """An empty fake host; tests add services, files and agent rows."""
    return FakeWindows()


@pytest.fixture
def run_action(windows: FakeWindows, monkeypatch: pytest.MonkeyPatch) -> RunAction:
    """Run an action with ``_execute_module`` answered by ``windows``; the inventory host is agent01."""

    def run(action_class: type[ActionBase], args: dict[str, t.Any], *, check_mode: bool = False, diff: bool = False,
            delegate_to: str | None = None) -> dict[str, t.Any]:
        action = build_action(action_class, args, check_mode=check_mode, diff=diff, delegate_to=delegate_to)
        monkeypatch.setattr(action, "_execute_module", windows)
        windows.check_mode = check_mode
        return action.run(task_vars={"inventory_hostname": "agent01"})

    return run
