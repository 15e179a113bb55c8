# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Map Windows paths on an emulated host to files under its directory, the way NTFS resolves them.

``C:\\Program Files\\X`` on host ``agent01`` is ``<estate>/hosts/agent01/C/Program Files/X``. Names
are case-insensitive but case-preserving, as on Windows: an existing entry is found whatever the
case of the path asking for it, and a new entry keeps the case it was given.
"""

from __future__ import annotations

import re
from pathlib import Path

_DRIVE = re.compile(r"^([A-Za-z]):[\\/]+(.*)$")  # "C:foo" is relative to the drive's current folder


class WindowsPathError(ValueError):
    """The path is not an absolute Windows path (drive letter and all)."""


def split_windows_path(path: str) -> tuple[str, list[str]]:
    """Return the drive letter and the path's components; ``.`` and empty parts dropped."""
    match = _DRIVE.match(path.strip())
    if not match:
        raise WindowsPathError(f"'{path}' is not an absolute Windows path")
    parts = [part for part in re.split(r"[\\/]+", match.group(2)) if part not in ("", ".")]
    if ".." in parts:
        raise WindowsPathError(f"'{path}' climbs with '..', which the lab does not resolve")
    return match.group(1).upper(), parts


def resolve(host_root: Path, path: str) -> Path:
    """The file under host_root that the Windows path names, matching existing names case-insensitively."""
    drive, parts = split_windows_path(path)
    current = host_root / drive
    for part in parts:
        current = _child(current, part)
    return current


def _child(folder: Path, name: str) -> Path:
    exact = folder / name
    if exact.exists() or not folder.is_dir():
        return exact
    lowered = name.lower()
    for entry in folder.iterdir():
        if entry.name.lower() == lowered:
            return entry
    return exact
