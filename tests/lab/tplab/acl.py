# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""NTFS security descriptors of an emulated host, as far as the collection's scripts depend on them.

A file or folder has an owner and a DACL. The lab keeps, per path, who owns it, whether its DACL
is protected (inheritance from the parent blocked, as SetAccessRuleProtection($true, ...) does),
and which principals may read it and may create or write in it. A path without an entry inherits
its parent's readers and writers (NTFS inheritance), which is how a folder made with New-Item under
C:\\ProgramData ends up writable by every user. The defaults below are those of a fresh Windows
Server install (Users may create folders in ProgramData and in C:\\Users\\Public and may read
System32 and SysWOW64; only SYSTEM and Administrators may write under Program Files). The root of
the system drive lets Users create folders in it and write in every folder below it (``icacls C:\\``
on Windows Server: ``BUILTIN\\Users:(CI)(AD)`` and ``BUILTIN\\Users:(CI)(IO)(WD)``), so a folder an
administrator makes in C:\\ (C:\\ansible-tp-test, C:\\Tools) is writable by every user; the lab
reduces that to Users among the writers of C:\\ and of what inherits from it.

Stored in hosts/<host>/acl.json, with the rest of the host's state, so check mode's byte-for-byte
comparison covers it too.
"""

from __future__ import annotations

import json
import typing as t
from dataclasses import asdict, dataclass

from tplab import winpath
from tplab.estate import Host, write_json_atomic

SYSTEM = "S-1-5-18"
ADMINISTRATORS = "S-1-5-32-544"
USERS = "S-1-5-32-545"
TRUSTED_INSTALLER = "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464"
NAMES = {SYSTEM: "NT AUTHORITY\\SYSTEM", ADMINISTRATORS: "BUILTIN\\Administrators", USERS: "BUILTIN\\Users",
         TRUSTED_INSTALLER: "NT SERVICE\\TrustedInstaller"}
ADMINS_ONLY = (SYSTEM, ADMINISTRATORS)


@dataclass(frozen=True)
class Descriptor:
    """Owner and DACL of one path, reduced to what the scripts check."""

    owner: str
    protected: bool
    readers: tuple[str, ...]
    writers: tuple[str, ...]

    def allows_only_admins(self) -> bool:
        return set(self.readers) <= set(ADMINS_ONLY) and set(self.writers) <= set(ADMINS_ONLY)


# Where a fresh install starts: the nearest of these above a path decides what it inherits.
DEFAULTS: dict[str, Descriptor] = {
    "C:\\": Descriptor(TRUSTED_INSTALLER, True, (SYSTEM, ADMINISTRATORS, USERS), (SYSTEM, ADMINISTRATORS, USERS)),
    "C:\\ProgramData": Descriptor(SYSTEM, True, (SYSTEM, ADMINISTRATORS, USERS), (SYSTEM, ADMINISTRATORS, USERS)),
    "C:\\Program Files": Descriptor(TRUSTED_INSTALLER, True, (SYSTEM, ADMINISTRATORS, USERS), ADMINS_ONLY),
    "C:\\Program Files (x86)": Descriptor(TRUSTED_INSTALLER, True, (SYSTEM, ADMINISTRATORS, USERS), ADMINS_ONLY),
    "C:\\Windows": Descriptor(TRUSTED_INSTALLER, True, (SYSTEM, ADMINISTRATORS, USERS), ADMINS_ONLY),
    "C:\\Users\\Public": Descriptor(SYSTEM, True, (SYSTEM, ADMINISTRATORS, USERS), (SYSTEM, ADMINISTRATORS, USERS)),
    "D:\\": Descriptor(ADMINISTRATORS, True, (SYSTEM, ADMINISTRATORS, USERS), (SYSTEM, ADMINISTRATORS, USERS)),
}


def _key(windows_path: str) -> str:
    drive, parts = winpath.split_windows_path(windows_path)
    return f"{drive}:\\" + "\\".join(part.lower() for part in parts)


def _entries(host: Host) -> dict[str, dict[str, t.Any]]:
    path = host.root / "acl.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def _parents(windows_path: str) -> list[str]:
    """The path and each folder above it, nearest first, in key form."""
    drive, parts = winpath.split_windows_path(windows_path)
    return [f"{drive}:\\" + "\\".join(part.lower() for part in parts[:length]) for length in range(len(parts), -1, -1)]


def descriptor(host: Host, windows_path: str) -> Descriptor:
    """The path's own descriptor, or what it inherits from the nearest folder above it that has one."""
    entries = _entries(host)
    defaults = {_key(path): value for path, value in DEFAULTS.items()}
    own = _key(windows_path)
    for key in _parents(windows_path):
        found = _stored(entries[key]) if key in entries else defaults.get(key)
        if found is not None:  # what a child inherits: the same principals, inheritance not blocked
            return found if key == own else Descriptor(found.owner, False, found.readers, found.writers)
    return DEFAULTS["C:\\"]


def _stored(entry: dict[str, t.Any]) -> Descriptor:
    return Descriptor(owner=entry["owner"], protected=entry["protected"], readers=tuple(entry["readers"]),
                      writers=tuple(entry["writers"]))


def has_own(host: Host, windows_path: str) -> bool:
    """True when the path has a descriptor of its own (set when it was created or changed)."""
    return _key(windows_path) in _entries(host)


def set_descriptor(host: Host, windows_path: str, value: Descriptor) -> None:
    with host.estate.lock(f"acl-{host.name}"):
        entries = _entries(host)
        entries[_key(windows_path)] = asdict(value)
        write_json_atomic(host.root / "acl.json", entries)


def forget(host: Host, windows_path: str) -> None:
    """A deleted path takes its descriptor with it (and so do the paths below it)."""
    key = _key(windows_path)
    with host.estate.lock(f"acl-{host.name}"):
        entries = {path: value for path, value in _entries(host).items() if path != key and not path.startswith(key + "\\")}
        write_json_atomic(host.root / "acl.json", entries)
