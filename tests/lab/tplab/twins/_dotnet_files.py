# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""System.IO calls as Windows PowerShell 5.1 (.NET Framework 4.x) makes them, on an emulated host.

A symbolic link in the host's tree stands for an NTFS reparse point (a junction or a link). What is
modelled, and where it comes from:

- ``Directory.GetFiles(path, pattern)`` / ``GetDirectories``: the folder's own entries (not
  recursive) whose names match the pattern, case-insensitively; an entry with the directory
  attribute (a junction too) is a directory, any other entry a file (learn.microsoft.com, .NET
  Framework 4.8 Directory.GetFiles and FindFirstFileExW).
- ``File.GetAttributes``: the entry's own attributes, so a link shows ReparsePoint instead of its
  target's attributes (GetFileAttributesExW: "If the path points to a symbolic link, the function
  returns attributes for the symbolic link").
- ``File.GetLastWriteTimeUtc``: a file's or a folder's own last write time (the .NET docs: "the
  file or directory").
- ``File.WriteAllBytes``: creates or truncates the file and writes the bytes; a disk that fills up
  (the ``partial_write`` fault) leaves half of them written and throws "There is not enough space on
  the disk." (ERROR_DISK_FULL, System Error Codes).
- ``File.Replace`` / ``File.Move``: one rename on one volume (ReplaceFileW, MoveFileExW); a
  destination held open without sharing (the ``locked`` fault) is a sharing violation, and a missing
  destination folder a DirectoryNotFoundException.
"""

from __future__ import annotations

import fnmatch
import os
from datetime import datetime, timezone
from pathlib import Path

from tplab.estate import Host
from tplab.twins._run import ScriptError, is_locked

SHARING_VIOLATION = "The process cannot access the file because it is being used by another process."


def is_directory(local: Path) -> bool:
    """Directory.Exists: a folder, or a link to one (a junction whose target is gone still has the directory bit)."""
    return local.is_dir() or (local.is_symlink() and not local.is_file())


def is_file(local: Path) -> bool:
    """File.Exists: an entry without the directory attribute (a link to a file counts)."""
    return (local.is_symlink() and not is_directory(local)) or local.is_file()


def get_entries(host: Host, folder: str, pattern: str, directories: bool) -> list[str]:
    """Directory.GetFiles / GetDirectories: Windows paths of the matching entries, in NTFS (name) order."""
    local = host.path(folder)
    if not local.is_dir():
        raise ScriptError(f'Exception calling "GetFiles" with "2" argument(s): "Could not find a part of the path '
                          f"'{folder}'.\"")
    wanted = is_directory if directories else is_file
    names = sorted((entry.name for entry in local.iterdir() if wanted(entry) and fnmatch.fnmatch(entry.name.lower(),
                                                                                                 pattern.lower())),
                   key=str.lower)
    return [f"{folder.rstrip(chr(92))}\\{name}" for name in names]


def is_reparse_point(host: Host, path: str) -> bool:
    return host.path(path).is_symlink()


def last_write_utc(host: Host, path: str) -> datetime:
    return datetime.fromtimestamp(host.path(path).lstat().st_mtime, timezone.utc)


def write_all_bytes(host: Host, path: str, data: bytes) -> None:
    with open(host.path(path), "wb") as stream:
        if host.faults().get("partial_write"):
            stream.write(data[: len(data) // 2])
            stream.flush()
            raise ScriptError('Exception calling "WriteAllBytes" with "2" argument(s): "There is not enough space on '
                              'the disk."')
        stream.write(data)


def replace_or_move(host: Host, source: str, destination: str) -> None:
    """File.Replace when the destination exists (no backup), else File.Move: the destination appears in one step."""
    method, count = ("Replace", 3) if host.path(destination).is_file() else ("Move", 2)
    if not host.path(destination).parent.is_dir():
        raise ScriptError(f'Exception calling "{method}" with "{count}" argument(s): "Could not find a part of the path."')
    if is_locked(host, destination):
        raise ScriptError(f'Exception calling "{method}" with "{count}" argument(s): "{SHARING_VIOLATION}"')
    os.replace(host.path(source), host.path(destination))
