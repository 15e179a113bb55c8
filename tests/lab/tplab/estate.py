# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An emulated estate on disk: its hosts, their system state, the lab's faults and call counters.

Layout of an estate folder:

    hosts/<host>/C/...          each host's drives: the files the collection reads and writes
    hosts/<host>/system.json    what Windows keeps outside files: services, machine key, names
    lab/estate.json             which host plays which role, lab-wide settings
    lab/faults.json             faults injected per host (see FAULT_KINDS)
    lab/calls/<host>.log        one line per remote module call (the benchmark's counter)
    inventory.yml               the Ansible inventory for the estate

Only ``hosts/`` is the estate's state; ``lab/`` is the lab's own bookkeeping, so "check mode
changed nothing" is a comparison of ``hosts/`` before and after.
"""

from __future__ import annotations

import contextlib
import fcntl
import ipaddress
import json
import os
import tempfile
import typing as t
from dataclasses import dataclass
from pathlib import Path

from tplab import winpath

FAULT_KINDS = {
    "unreachable": "the host refuses connections (WinRM down, host off)",
    "unreachable_after": "the host answers N more module calls, then refuses connections",
    "locked": "files (a list of Windows paths; the CLI defaults to the agent config) held open without sharing",
    "partial_write": "writing a file fails half way (disk full)",
    "service_start_fails": "a service (default: every Threat Prevention service) fails to start",
    "slow": "every remote call takes N extra seconds",
    "secretmgr_fails": "SecretMgr.exe writes half an export (on -e) and exits with code 1",
    "replace_fails": "the next N ReplaceFile calls fail with a Win32 error ({code: 1175|1176|1177|32|5, times: N}), "
                     "leaving the files as Windows documents for that error",
    "secretmgr_misbehaves": "SecretMgr.exe exits 0 without doing anything (noop), writes its error to stdout and exits 1 "
                            "(stdout_error), waits for an answer on stdin (prompt), or never exits (hang)",
    "blocks_agents": "on an EM: a firewall drops the agent port from these agents (a list of host names); they never "
                     "register there, while every remote call still works",
}


@dataclass(frozen=True)
class Host:
    """One emulated Windows host of an estate."""

    estate: Estate
    name: str

    @property
    def root(self) -> Path:
        return self.estate.root / "hosts" / self.name

    @property
    def role(self) -> str:
        return self.estate.roles()[self.name]

    def path(self, windows_path: str) -> Path:
        """The local file behind a Windows path on this host."""
        return winpath.resolve(self.root, windows_path)

    def system(self) -> dict[str, t.Any]:
        return json.loads((self.root / "system.json").read_text(encoding="utf-8"))

    @contextlib.contextmanager
    def editing_system(self) -> t.Iterator[dict[str, t.Any]]:
        """Read-modify-write system.json under this host's lock, replaced atomically."""
        with self.estate.lock(self.name):
            system = self.system()
            yield system
            write_json_atomic(self.root / "system.json", system)

    def faults(self) -> dict[str, t.Any]:
        return self.estate.faults().get(self.name, {})

    def names(self) -> set[str]:
        """Every name and address this host answers to, in canonical form."""
        system = self.system()
        return {canonical_name(name) for name in (self.name, system["computer_name"], system["fqdn"], *system["addresses"])}


def _stamp(path: Path) -> list[int]:
    """What tells one version of a file from the next: write_json_atomic replaces it, so its inode and time change."""
    status = path.stat()
    return [status.st_ino, status.st_mtime_ns, status.st_size]


class Estate:
    """An estate folder, read and written by the generator, the CLI and the emulated modules."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).resolve()

    @property
    def lab(self) -> Path:
        return self.root / "lab"

    def exists(self) -> bool:
        return (self.lab / "estate.json").is_file()

    def config(self) -> dict[str, t.Any]:
        return json.loads((self.lab / "estate.json").read_text(encoding="utf-8"))

    def roles(self) -> dict[str, str]:
        return self.config()["roles"]

    def setting(self, name: str) -> t.Any:
        return self.config()["settings"][name]

    def host(self, name: str) -> Host:
        if name not in self.roles():
            raise KeyError(f"no host '{name}' in the estate at {self.root}")
        return Host(self, name)

    def hosts(self, role: str | None = None) -> list[Host]:
        return [Host(self, name) for name, host_role in self.roles().items() if role in (None, host_role)]

    def resolve_name(self, name: str) -> Host | None:
        """The lab's DNS: a host name, FQDN or IP address to the host that has it (the first, in estate order)."""
        found = self._name_index().get(canonical_name(name))
        return Host(self, found) if found else None

    def _name_index(self) -> dict[str, str]:
        """Every name and address to its host, kept in lab/name-index.json until a host's system.json changes.

        Each remote call runs in a fresh fork of ansible-playbook, so an index in memory would be rebuilt on every
        call; reading every host's system.json per lookup made a 1,000-agent run quadratic.
        """
        hosts = self.hosts()
        signature = [[host.name, *_stamp(host.root / "system.json")] for host in hosts]
        path = self.lab / "name-index.json"
        try:
            kept = json.loads(path.read_text(encoding="utf-8"))
            if kept["signature"] == signature:
                return t.cast(dict[str, str], kept["index"])
        except (OSError, ValueError, KeyError):
            pass
        index: dict[str, str] = {}
        for host in hosts:
            for known in host.names():
                index.setdefault(known, host.name)
        write_json_atomic(path, {"signature": signature, "index": index})
        return index

    # Faults ---------------------------------------------------------------------------------
    def faults(self) -> dict[str, dict[str, t.Any]]:
        path = self.lab / "faults.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}

    def set_fault(self, host: str, kind: str, value: t.Any) -> None:
        if kind not in FAULT_KINDS:
            raise KeyError(f"unknown fault '{kind}'; known: {', '.join(FAULT_KINDS)}")
        if kind == "locked" and not (isinstance(value, list) and all(isinstance(path, str) for path in value)):
            raise ValueError("the locked fault takes a list of Windows paths")
        if kind == "unreachable_after":
            value = {"calls": int(value), "counted_before": len(self.calls(host))}  # "N more" calls from now
        self.host(host)
        with self.lock("faults"):
            faults = self.faults()
            faults.setdefault(host, {})[kind] = value
            write_json_atomic(self.lab / "faults.json", faults)

    def clear_faults(self, host: str | None = None) -> None:
        with self.lock("faults"):
            faults = {} if host is None else {name: kinds for name, kinds in self.faults().items() if name != host}
            write_json_atomic(self.lab / "faults.json", faults)

    # Call counter ---------------------------------------------------------------------------
    def record_call(self, host: str, module: str) -> None:
        folder = self.lab / "calls"
        folder.mkdir(exist_ok=True)
        with open(folder / f"{host}.log", "a", encoding="utf-8") as log:
            log.write(module + "\n")

    def calls(self, host: str) -> list[str]:
        path = self.lab / "calls" / f"{host}.log"
        return path.read_text(encoding="utf-8").splitlines() if path.is_file() else []

    def reset_calls(self) -> None:
        for log in (self.lab / "calls").glob("*.log"):
            log.unlink()

    @contextlib.contextmanager
    def lock(self, name: str) -> t.Iterator[None]:
        """A cross-process lock: forks of ansible-playbook act on the estate at the same time."""
        folder = self.lab / "locks"
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / f"{name}.lock", "w", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def canonical_name(name: str) -> str:
    """Host names compare case-insensitively; IP addresses by value (fd00::0:10 is fd00::10)."""
    try:
        return ipaddress.ip_address(name.strip("[]")).compressed
    except ValueError:
        return name.lower().rstrip(".")


def write_json_atomic(path: Path, data: t.Any) -> None:
    """Write JSON so that a concurrent reader sees the old file or the new one, never half of one."""
    write_bytes_atomic(path, (json.dumps(data, indent=2, sort_keys=True) + "\n").encode("utf-8"))


def write_bytes_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
