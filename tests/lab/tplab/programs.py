# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Programs the collection starts on an EM host, emulated: SecretMgr.exe.

What the vendor documents of SecretMgr.exe: ``-e <file>`` exports the EM's secret, ``-i <file>``
imports it; it finds ``CertsInfo\\Secret.dpapi`` by itself (beside its own executable); "by default,
myOutFile is created at C:\\Windows\\SysWOW64". Everything else is unknown, so the lab picks one
plausible answer for each and makes the unknown that matters a setting (``secretmgr_output``):

- ``working_folder``: the export goes where the path says (a relative path: the working folder);
- ``syswow64``: the export always lands in C:\\Windows\\SysWOW64 under its file name, whatever
  folder was asked for (the documented default, taken as the pessimistic rule);
- ``own_folder``: the export lands in SecretMgr's own folder under its file name (it resolves
  ``CertsInfo`` from there, so it may resolve its output there too).

An export overwrites an existing file of its name in place, so that file keeps its security
descriptor (CreateFile with CREATE_ALWAYS ignores the security attributes of an existing file).
The export holds the secret itself, unprotected (the worst case for leaks); import protects it
with the importing host's machine key.

Faults: ``secretmgr_fails`` makes either switch write half an export and exit with code 1;
``secretmgr_misbehaves`` makes it exit 0 without doing anything (``noop``), write its error to
standard output and exit 1 (``stdout_error``), ask a question and wait for the answer on
standard input (``prompt``: end-of-file on a closed input makes it give up with code 1; an input
that stays open, such as an inherited console, makes it wait for ever), or never exit (``hang``).

A console program writes in the OEM code page (437 on an en-US Windows), so its output is bytes in
that code page. Every start is logged in lab/processes.jsonl (who ran it, what became of it), the
lab's own bookkeeping: a test can tell which account ran SecretMgr and whether a process that
never exits was killed.
"""

from __future__ import annotations

import base64
import json
import ntpath
import secrets
import typing as t
from dataclasses import dataclass

from tplab import dpapi, product
from tplab.estate import Host, write_bytes_atomic

EXPORT_HEADER = b"TPLAB SECRETMGR EXPORT 1\n"
OEM_CODE_PAGE = "cp437"
PROMPT = "The output file exists or is not trusted. Continue? [y/N] "


@dataclass
class Process:
    """A started program: its exit code (None while it runs), and what it wrote to stdout and stderr so far."""

    host: Host
    pid: int
    exit_code: int | None
    stdout: bytes = b""
    stderr: bytes = b""

    def kill_tree(self) -> None:
        """TerminateProcess on it and on every process it started (taskkill /T /F): it ends with exit code 1."""
        if self.exit_code is None:
            self.exit_code = 1
            _log(self.host, {"event": "killed", "pid": self.pid})


def start(host: Host, executable: str, arguments: list[str], working_folder: str, *, stdin_closed: bool,
          user: str | None) -> Process:
    """CreateProcess and what the program then does; FileNotFoundError when the executable is not there.

    ``stdin_closed``: standard input is a pipe closed at once (end-of-file); otherwise it is inherited
    and nothing ever arrives on it.
    """
    if not host.path(executable).is_file():
        raise FileNotFoundError(executable)
    pid = 1000 + secrets.randbelow(60000)
    _log(host, {"event": "started", "pid": pid, "program": ntpath.basename(executable), "switch": arguments[:1],
                "user": user})
    code, stdout, stderr = _secretmgr(host, executable, arguments, working_folder, stdin_closed)
    if code is not None:
        _log(host, {"event": "exited", "pid": pid, "code": code})
    return Process(host, pid, code, stdout.encode(OEM_CODE_PAGE), stderr.encode(OEM_CODE_PAGE))


def _secretmgr(host: Host, executable: str, arguments: list[str], working_folder: str,
               stdin_closed: bool) -> tuple[int | None, str, str]:
    """Exit code (None: still running), stdout and stderr of the emulated SecretMgr.exe."""
    if ntpath.basename(executable).lower() != "secretmgr.exe":
        return 9009, "", f"'{executable}' is not a program the lab emulates"
    if len(arguments) != 2 or arguments[0] not in ("-e", "-i"):
        return 1, "", "Usage: SecretMgr.exe -e <file> | -i <file>"
    secret_file = f"{ntpath.dirname(executable)}\\CertsInfo\\Secret.dpapi"
    target = arguments[1] if ntpath.isabs(arguments[1]) else ntpath.join(working_folder, arguments[1])
    faults = host.faults()
    misbehaviour = faults.get("secretmgr_misbehaves")
    if misbehaviour:
        return _misbehave(str(misbehaviour), stdin_closed)
    if faults.get("secretmgr_fails"):
        if arguments[0] == "-e":
            write_bytes_atomic(host.path(_export_path(host, executable, target)), EXPORT_HEADER[:10])
        return 1, "", "SecretMgr: unexpected error (fault injected by the lab)"
    if arguments[0] == "-e":
        return _export(host, secret_file, _export_path(host, executable, target))
    return _import(host, secret_file, target)


def _misbehave(kind: str, stdin_closed: bool) -> tuple[int | None, str, str]:
    if kind == "noop":
        return 0, "", ""
    if kind == "stdout_error":
        return 1, "SecretMgr: Access to the secret store was denied (fault injected by the lab)\r\n", ""
    if kind == "prompt":
        if not stdin_closed:
            return None, PROMPT, ""
        return 1, PROMPT + "\r\nNo answer (end of input); nothing was done.\r\n", ""
    if kind == "hang":
        return None, "", ""
    raise ValueError(f"secretmgr_misbehaves takes noop, stdout_error, prompt or hang, not {kind!r}")


def _export_path(host: Host, executable: str, target: str) -> str:
    output = host.estate.setting("secretmgr_output")
    if output == "syswow64":
        return "C:\\Windows\\SysWOW64\\" + ntpath.basename(target)
    if output == "own_folder":
        return ntpath.dirname(executable) + "\\" + ntpath.basename(target)
    return target


def _export(host: Host, secret_file: str, target: str) -> tuple[int, str, str]:
    source = host.path(secret_file)
    if not source.is_file():
        return 3, "", f"Secret file not found: {secret_file}"
    try:
        secret = dpapi.unprotect(host.system()["machine_key"], source.read_bytes())
    except dpapi.DecryptError as error:
        return 4, "", f"Cannot read {secret_file}: {error}"
    write_bytes_atomic(host.path(target), EXPORT_HEADER + base64.b64encode(secret) + b"\n")
    return 0, "", ""


def _import(host: Host, secret_file: str, source: str) -> tuple[int, str, str]:
    data = host.path(source).read_bytes() if host.path(source).is_file() else None
    if data is None or not data.startswith(EXPORT_HEADER):
        return 5, "", f"Not a SecretMgr export: {source}"
    secret = base64.b64decode(data[len(EXPORT_HEADER):].strip())
    write_bytes_atomic(host.path(secret_file), dpapi.protect(host.system()["machine_key"], secret))
    return 0, "", ""


def _log(host: Host, entry: dict[str, t.Any]) -> None:
    with host.estate.lock("processes"):
        with open(host.estate.lab / "processes.jsonl", "a", encoding="utf-8") as log:
            log.write(json.dumps({"host": host.name, **entry}) + "\n")


def history(host: Host) -> list[dict[str, t.Any]]:
    """Every start, exit and kill on this host, oldest first."""
    path = host.estate.lab / "processes.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    return [entry for entry in map(json.loads, lines) if entry["host"] == host.name]


def running(host: Host) -> list[dict[str, t.Any]]:
    """The starts on this host whose process neither exited nor was killed."""
    ended = {entry["pid"] for entry in history(host) if entry["event"] != "started"}
    return [entry for entry in history(host) if entry["event"] == "started" and entry["pid"] not in ended]


def secret_of(host: Host) -> bytes | None:
    """The secret the EM on this host holds (for the lab's own status and tests)."""
    service = product.running_service(host, "enterprise_manager") or next(
        (svc for svc in host.system()["services"].values() if svc["program"] == "enterprise_manager"), None)
    if service is None:
        return None
    path = host.path(product.install_folder(t.cast(dict, service)) + "\\CertsInfo\\Secret.dpapi")
    try:
        return dpapi.unprotect(host.system()["machine_key"], path.read_bytes())
    except (OSError, dpapi.DecryptError):
        return None
