# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""System.IO as Windows PowerShell 5.1 (.NET Framework 4.x) calls it on NTFS: the one model every twin uses.

Each public function stands for one .NET call as a script makes it, failures included; a twin calls it where
its script makes that call, with the same arguments. A failed .NET method call raises ``DotNetError``, a
``ScriptError`` whose text is PowerShell's ('Exception calling "Replace" with "3" argument(s): "..."', a
MethodInvocationException), whose error id is the inner exception's type name (IOException, ...), and which
keeps the HRESULT of that exception: a script reads it to learn the Win32 error (IOException and
UnauthorizedAccessException carry 0x8007xxxx). A symbolic link in the host's tree stands for an NTFS reparse
point (a junction or a link).

Sources, per behaviour:

- PowerShell passes ``$null`` to a .NET ``string`` parameter as ``""``; only the literal ``[NullString]::Value``
  in the call arrives as null, and a ``[string]`` variable holding it is ``""`` again (PowerShell/PowerShell#11515,
  #4616, #21234). ``dotnet_string`` is that conversion: ``None`` stands for ``$null``, ``NULL_STRING`` for
  ``[NullString]::Value``.
- A Win32 error becomes an exception in ``__Error.WinIOError(code, path)`` (mscorlib/system/io/__error.cs): 2
  FileNotFoundException, 3 DirectoryNotFoundException, 5 UnauthorizedAccessException, 32 IOException (sharing
  violation), each with a text that names the path when the call passed one ("Could not find file '<path>'.")
  and a generic one when it did not ("Unable to find the specified file."); 80 and 183 with a path their own
  texts; anything else IOException with the system message for the code, and HRESULT 0x80070000 | code. The
  system messages (112, 145, 183, 267, 1175-1177) are those of winerror.h (System Error Codes), and end, as on
  Windows, in the CRLF FormatMessage gives them: .NET Framework's ``Win32Native.GetMessage`` does not trim it
  (.NET Core does).
- ``File.Exists`` / ``Directory.Exists``: an entry with the directory attribute (a junction too, even one whose
  target is gone) is a directory, any other entry (a link to a file too) a file.
- ``Directory.GetFiles(path, pattern)`` / ``GetDirectories``: the folder's own entries (not recursive) whose
  names match the pattern, case-insensitively; an entry with the directory attribute (a junction too) is a
  directory, any other entry a file (learn.microsoft.com, .NET Framework 4.8 Directory.GetFiles and
  FindFirstFileExW). A missing folder is DirectoryNotFoundException for the folder's full path with a separator
  appended ("Could not find a part of the path 'C:\\x\\'."): FileSystemEnumerableIterator.CommonInit hands
  ``SearchData.fullPath``, which always ends in a separator, to WinIOError (mscorlib/system/io/
  filesystemenumerable.cs, directory.cs).
- ``File.GetAttributes``: the entry's own attributes, so a link shows ReparsePoint instead of its target's
  attributes (GetFileAttributesExW: "If the path points to a symbolic link, the function returns attributes for
  the symbolic link").
- ``File.GetLastWriteTimeUtc``: a file's or a folder's own last write time (the .NET docs: "the file or
  directory").
- ``File.WriteAllBytes``: creates or truncates the file and writes the bytes (a truncated file keeps its DACL);
  a disk that fills up (the ``partial_write`` fault) leaves half of them written and throws "There is not enough
  space on the disk." (ERROR_DISK_FULL, System Error Codes), reported for the method the script called
  (WriteAllBytes, or Write on a stream it opened itself).
- ``File.Replace(source, destination, backup)`` calls ``ReplaceFile(destination, source, backup,
  REPLACEFILE_WRITE_THROUGH)``; each name goes through ``Path.GetFullPath`` first, which refuses ``""`` with
  ArgumentException "The path is not of a legal form.", and a null backup is passed as NULL ("no backup"); a
  failure is ``WinIOError()`` without a path. .NET reference source, mscorlib/system/io/file.cs
  (InternalReplace) and path.cs (Arg_PathIllegal). A replace without a backup is the same call: it meets the
  same ``replace_fails`` faults and leaves the files as documented for "no backup".
- ReplaceFile's after-state per error (learn.microsoft.com, ReplaceFileW, Return value): 1175 and any other
  error, both files keep their names and no backup exists; 1176 with a backup the same, without one "the
  replaced file no longer exists and the replacement file exists under its original name"; 1177 the replacement
  keeps its name, "the file to be replaced still exists with a different name", the backup name when one was
  given. Without a backup the lab names it ``~RF<hex>.TMP``, a name the caller cannot know (the real name is not
  documented; a Stack Overflow answer on question 6728314 says 1177 cannot happen without a backup at all).
- ReplaceFile opens the replacement with no sharing (ReplaceFileW, lpReplacementFileName), so a file another
  process holds open fails; the ``locked`` fault gives 32 for the replaced file. A backup in a folder that does
  not exist is 3 (DirectoryNotFoundException). On success the result keeps the replaced file's DACL
  ("preserves ... DACLs", Remarks) and the backup is the original file, renamed.
- ``new FileStream(path, CreateNew, FileSystemRights, FileShare, bufferSize, FileOptions, FileSecurity)``
  creates the file with that DACL in the same call (FileStream constructor, .NET Framework 4.x); an existing
  name fails with IOException "The file '<path>' already exists." (ERROR_FILE_EXISTS). A DACL read with
  ``GetAccessControl(path, Access)`` from a file whose entries are all inherited gives a new file in the same
  folder what it would inherit anyway (automatic inheritance recomputes inherited ACEs: "Automatic Propagation
  of Inheritable ACEs"), so the lab records a DACL of the new file only when the source file has one of its
  own. A file the collection creates is owned by BUILTIN\\Administrators, the default owner of objects an
  administrator creates ("System objects: Default owner for objects created by members of the Administrators
  group"), and so is one created with a descriptor whose owner is set to Administrators.
- ``File.GetAccessControl`` and the FileStream constructor taking a FileSecurity exist in .NET Framework only;
  .NET 5 and later (PowerShell 7, the Core edition) have ``FileSystemAclExtensions.GetAccessControl`` and
  ``FileSystemAclExtensions.Create`` instead (learn.microsoft.com, FileSystemAclExtensions), which Windows
  PowerShell 5.1 lacks. Calling the other edition's API fails as PowerShell reports a missing method, overload
  or type.
- ``File.Move`` first checks that the source is a file ("Could not find file '<source>'."), then one MoveFileW,
  whose failure is ``WinIOError()`` without a path: an existing destination is 183 ("Cannot create a file when
  that file already exists."), a destination folder that does not exist 3 ("Could not find a part of the
  path."); a rename on one volume keeps the file's security descriptor (file.cs InternalMove; MoveFileExW).
- ``File.Delete`` removes the entry itself, a link and never its target (DeleteFileW: "If the path points to a
  symbolic link, the symbolic link is deleted, not the target"); a missing file is no error (File.Delete docs);
  a directory is UnauthorizedAccessException ("path is a directory", File.Delete docs); a file another process
  holds open without sharing (the ``locked`` fault) is a sharing violation that names the file.
- ``Directory.Delete(path)`` without recursion is RemoveDirectoryW: it removes an empty folder or a junction
  itself ("removes a directory junction, even if the contents of the target are not empty") and fails on a
  folder that holds anything (ERROR_DIR_NOT_EMPTY); a missing path is DirectoryNotFoundException, a file 267
  (ERROR_DIRECTORY) (directory.cs Delete and DeleteHelper).
- ``Directory.CreateDirectory(path[, DirectorySecurity])``: each missing folder of the path is created, with
  that descriptor by the CreateDirectoryW call itself; an existing folder is returned as it is, descriptor
  unchanged (the .NET Framework reference source, Directory.InternalCreateDirectory, passes the security
  attributes to each CreateDirectoryW; the docs: "If the directory already exists, this method does not create
  a new directory"); a file in the way is 183 with its path ('Cannot create "<path>" because a file or
  directory with the same name already exists.', IO.IO_AlreadyExists_Name). The overload with a
  DirectorySecurity is .NET Framework only; the lab does not model calling it from PowerShell 7.
- ``$PSCmdlet.ShouldProcess(target, action)`` is false under -WhatIf (win_powershell's check mode) and then
  writes 'What if: Performing the operation "<action>" on target "<target>".' to the host.
"""

from __future__ import annotations

import fnmatch
import ntpath
import os
import typing as t
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from tplab import acl, winpath
from tplab.estate import Host
from tplab.twins._run import ScriptError, ScriptRun, is_locked

ERROR_FILE_NOT_FOUND = 2
ERROR_PATH_NOT_FOUND = 3
ERROR_ACCESS_DENIED = 5
ERROR_SHARING_VIOLATION = 32
ERROR_FILE_EXISTS = 80
ERROR_DISK_FULL = 112
ERROR_DIR_NOT_EMPTY = 145
ERROR_ALREADY_EXISTS = 183
ERROR_DIRECTORY = 267
ERROR_UNABLE_TO_REMOVE_REPLACED = 1175
ERROR_UNABLE_TO_MOVE_REPLACEMENT = 1176
ERROR_UNABLE_TO_MOVE_REPLACEMENT_2 = 1177
# WinIOError(code, ""): the call passed no path.
_WITHOUT_PATH = {
    ERROR_FILE_NOT_FOUND: ("FileNotFoundException", "Unable to find the specified file."),
    ERROR_PATH_NOT_FOUND: ("DirectoryNotFoundException", "Could not find a part of the path."),
    ERROR_ACCESS_DENIED: ("UnauthorizedAccessException", "Access to the path is denied."),
    ERROR_SHARING_VIOLATION: ("IOException", "The process cannot access the file because it is being used by another process."),
}
# WinIOError(code, path): the text names the path.
_WITH_PATH = {
    ERROR_FILE_NOT_FOUND: ("FileNotFoundException", "Could not find file '{path}'."),
    ERROR_PATH_NOT_FOUND: ("DirectoryNotFoundException", "Could not find a part of the path '{path}'."),
    ERROR_ACCESS_DENIED: ("UnauthorizedAccessException", "Access to the path '{path}' is denied."),
    ERROR_SHARING_VIOLATION: ("IOException", "The process cannot access the file '{path}' because it is being used by another "
                                             "process."),
    ERROR_FILE_EXISTS: ("IOException", "The file '{path}' already exists."),
    ERROR_ALREADY_EXISTS: ("IOException", 'Cannot create "{path}" because a file or directory with the same name already '
                                          'exists.'),
}
# Any other code: IOException with the system's message for it.
_SYSTEM_MESSAGES = {
    ERROR_DISK_FULL: "There is not enough space on the disk.",
    ERROR_DIR_NOT_EMPTY: "The directory is not empty.",
    ERROR_ALREADY_EXISTS: "Cannot create a file when that file already exists.",
    ERROR_DIRECTORY: "The directory name is invalid.",
    ERROR_UNABLE_TO_REMOVE_REPLACED: "Unable to remove the file to be replaced.",
    ERROR_UNABLE_TO_MOVE_REPLACEMENT: "Unable to move the replacement file to the file to be replaced. The file to be "
                                      "replaced has retained its original name.",
    ERROR_UNABLE_TO_MOVE_REPLACEMENT_2: "Unable to move the replacement file to the file to be replaced. The file to be "
                                        "replaced has been renamed using the backup name.",
}
COR_E_ARGUMENT = -2147024809  # 0x80070057


class _NullString:
    def __repr__(self) -> str:
        return "[NullString]::Value"


NULL_STRING = _NullString()
PowerShellString = t.Union[str, None, _NullString]  # a string, $null, or [NullString]::Value


def dotnet_string(value: PowerShellString) -> str | None:
    """What a .NET ``string`` parameter receives for this PowerShell argument."""
    if value is NULL_STRING:
        return None
    return "" if value is None else t.cast(str, value)


class DotNetError(ScriptError):
    """A .NET method that threw, as PowerShell reports it; ``hresult`` is the inner exception's HResult."""

    def __init__(self, method: str, arguments: int, exception: str, message: str, hresult: int) -> None:
        super().__init__(f'Exception calling "{method}" with "{arguments}" argument(s): "{message}"', exception)
        self.inner_message = message
        self.hresult = hresult

    @property
    def win32(self) -> int:
        """``$exception.HResult -band 0xFFFF``."""
        return self.hresult & 0xFFFF


def win32_error(method: str, arguments: int, code: int, path: str = "") -> DotNetError:
    """__Error.WinIOError(code, path) for a call that failed with this Win32 error."""
    named = (_WITH_PATH if path else _WITHOUT_PATH).get(code)
    exception, message = (named[0], named[1].format(path=path)) if named else ("IOException", _SYSTEM_MESSAGES[code] + "\r\n")
    return DotNetError(method, arguments, exception, message, (0x80070000 | code) - (1 << 32))


def should_process(run: ScriptRun, target: str, action: str) -> bool:
    """$PSCmdlet.ShouldProcess(target, action): false under -WhatIf, which says so on the host."""
    if run.check_mode:
        run.host_out.append(f'What if: Performing the operation "{action}" on target "{target}".')
        return False
    return True


def _is_directory(local: Path) -> bool:
    """The directory attribute: a folder, or a link to one (a junction whose target is gone still has it)."""
    return local.is_dir() or (local.is_symlink() and not local.is_file())


def _is_file(local: Path) -> bool:
    """An entry without the directory attribute (a link to a file counts)."""
    return (local.is_symlink() and not _is_directory(local)) or local.is_file()


def exists(run: ScriptRun, path: str) -> bool:
    """[IO.File]::Exists."""
    run.dotnet()
    return _is_file(run.host.path(path))


def directory_exists(run: ScriptRun, path: str) -> bool:
    """[IO.Directory]::Exists."""
    run.dotnet()
    return _is_directory(run.host.path(path))


def get_files(run: ScriptRun, folder: str, pattern: str) -> list[str]:
    """[IO.Directory]::GetFiles(folder, pattern)."""
    return _entries(run, folder, pattern, "GetFiles", _is_file)


def get_directories(run: ScriptRun, folder: str, pattern: str) -> list[str]:
    """[IO.Directory]::GetDirectories(folder, pattern)."""
    return _entries(run, folder, pattern, "GetDirectories", _is_directory)


def _entries(run: ScriptRun, folder: str, pattern: str, method: str, wanted: t.Callable[[Path], bool]) -> list[str]:
    """Windows paths of the folder's matching entries, in NTFS (name) order."""
    run.dotnet()
    local = run.host.path(folder)
    if not local.is_dir():
        raise win32_error(method, 2, ERROR_PATH_NOT_FOUND, folder.rstrip("\\") + "\\")
    names = sorted((entry.name for entry in local.iterdir()
                    if wanted(entry) and fnmatch.fnmatch(entry.name.lower(), pattern.lower())), key=str.lower)
    return [f"{folder.rstrip(chr(92))}\\{name}" for name in names]


def is_reparse_point(run: ScriptRun, path: str) -> bool:
    """([IO.File]::GetAttributes(path) -band [IO.FileAttributes]::ReparsePoint) -ne 0."""
    run.dotnet()
    return run.host.path(path).is_symlink()


def last_write_utc(run: ScriptRun, path: str) -> datetime:
    """[IO.File]::GetLastWriteTimeUtc: the entry's own time, a folder's too."""
    run.dotnet()
    return datetime.fromtimestamp(run.host.path(path).lstat().st_mtime, timezone.utc)


@dataclass(frozen=True)
class FileSecurity:
    """What GetAccessControl(path, Access) returns, as far as the lab models it: the file's own DACL, if any."""

    own: acl.Descriptor | None  # None: every entry is inherited from the folder


def get_access_control(run: ScriptRun, path: str, extension: bool) -> FileSecurity:
    """``[IO.File]::GetAccessControl(path, Access)``, or with ``extension`` ``[IO.FileSystemAclExtensions]``'s."""
    run.dotnet()
    if extension and run.edition != "Core":
        raise ScriptError("Unable to find type [IO.FileSystemAclExtensions].", "TypeNotFound")
    if not extension and run.edition == "Core":
        raise ScriptError("Method invocation failed because [System.IO.File] does not contain a method named "
                          "'GetAccessControl'.", "MethodNotFound")
    return FileSecurity(acl.descriptor(run.host, path) if acl.has_own(run.host, path) else None)


def _open_new(run: ScriptRun, path: str, method: str, arguments: int, descriptor: acl.Descriptor | None) -> t.BinaryIO:
    """A FileStream opened FileMode.CreateNew, born with ``descriptor`` when one is given."""
    local = run.host.path(path)
    if local.exists() or local.is_symlink():
        raise win32_error(method, arguments, ERROR_FILE_EXISTS, path)
    stream = open(local, "xb")  # the caller closes it
    if descriptor is not None:
        acl.set_descriptor(run.host, path, descriptor)
    return stream


def _write(run: ScriptRun, stream: t.BinaryIO, data: bytes, method: str, arguments: int) -> None:
    """The bytes written through the stream; ``partial_write`` fills the disk half way."""
    if run.host.faults().get("partial_write"):
        stream.write(data[: len(data) // 2])
        stream.flush()
        raise win32_error(method, arguments, ERROR_DISK_FULL)
    stream.write(data)


def create_new(run: ScriptRun, path: str, data: bytes, security: FileSecurity | None, extension: bool = False) -> None:
    """A FileStream opened CreateNew, then Write, Flush($true) and Dispose.

    With ``security`` the stream comes from ``[IO.FileStream]::new`` (7 arguments) or, with ``extension``,
    ``[IO.FileSystemAclExtensions]::Create``, and the file is born with that DACL; without, from
    ``[IO.File]::Open``. The ``partial_write`` fault fills the disk half way through the Write.
    """
    run.dotnet()
    if security is not None and extension and run.edition != "Core":
        raise ScriptError("Unable to find type [IO.FileSystemAclExtensions].", "TypeNotFound")
    if security is not None and not extension and run.edition == "Core":
        raise ScriptError('Cannot find an overload for "new" and the argument count: "7".', "MethodCountCouldNotFindBest")
    method, arguments = ((".ctor", 7) if not extension else ("Create", 7)) if security is not None else ("Open", 4)
    own = security.own if security is not None else None
    born = replace(own, owner=acl.ADMINISTRATORS) if own is not None else None
    with _open_new(run, path, method, arguments, born) as stream:
        _write(run, stream, data, "Write", 3)


def create_new_empty(run: ScriptRun, path: str, descriptor: acl.Descriptor) -> None:
    """``New-Object IO.FileStream(path, CreateNew, ..., FileSecurity)`` (7 arguments), disposed at once."""
    run.dotnet()
    _open_new(run, path, ".ctor", 7, descriptor).close()


def write_all_bytes(run: ScriptRun, path: str, data: bytes) -> None:
    """[IO.File]::WriteAllBytes: the file created or truncated, then written."""
    run.dotnet()
    with open(run.host.path(path), "wb") as stream:
        _write(run, stream, data, "WriteAllBytes", 2)


def delete(run: ScriptRun, path: str) -> None:
    """[IO.File]::Delete: the entry itself (a link, never its target); a missing file is no error."""
    run.dotnet()
    local = run.host.path(path)
    if _is_directory(local):
        raise win32_error("Delete", 1, ERROR_ACCESS_DENIED, path)
    if is_locked(run.host, path):
        raise win32_error("Delete", 1, ERROR_SHARING_VIOLATION, path)
    if _is_file(local):
        local.unlink()
        _forget(run.host, path)


def delete_directory(run: ScriptRun, path: str) -> None:
    """[IO.Directory]::Delete(path): an empty folder, or a junction itself (never what it points to)."""
    run.dotnet()
    local = run.host.path(path)
    if local.is_symlink():
        local.unlink()
    elif not local.exists():
        raise win32_error("Delete", 1, ERROR_PATH_NOT_FOUND, path)
    elif not local.is_dir():
        raise win32_error("Delete", 1, ERROR_DIRECTORY, path)
    elif any(local.iterdir()):
        raise win32_error("Delete", 1, ERROR_DIR_NOT_EMPTY, path)
    else:
        local.rmdir()
    acl.forget(run.host, path)


def move(run: ScriptRun, source: str, destination: str) -> None:
    """[IO.File]::Move: a rename that keeps the file's security descriptor."""
    run.dotnet()
    host = run.host
    if not _is_file(host.path(source)):
        raise win32_error("Move", 2, ERROR_FILE_NOT_FOUND, source)
    target = host.path(destination)
    if not target.parent.is_dir():
        raise win32_error("Move", 2, ERROR_PATH_NOT_FOUND)
    if target.exists() or target.is_symlink():
        raise win32_error("Move", 2, ERROR_ALREADY_EXISTS)
    os.rename(host.path(source), target)
    _carry(host, source, destination)


def create_directory(run: ScriptRun, path: str, descriptor: acl.Descriptor | None = None) -> None:
    """[IO.Directory]::CreateDirectory(path[, DirectorySecurity]): every missing folder of the path, with the descriptor."""
    run.dotnet()
    drive, parts = winpath.split_windows_path(path)
    for length in range(1, len(parts) + 1):
        folder = f"{drive}:\\" + "\\".join(parts[:length])
        local = run.host.path(folder)
        if _is_directory(local):
            continue
        if _is_file(local):
            raise win32_error("CreateDirectory", 1 if descriptor is None else 2, ERROR_ALREADY_EXISTS, folder)
        local.mkdir()
        if descriptor is not None:
            acl.set_descriptor(run.host, folder, descriptor)


def replace_file(run: ScriptRun, source: str, destination: str, backup: str | None) -> None:
    """[IO.File]::Replace(source, destination, backup), that is ReplaceFile(destination, source, backup).

    The ``replace_fails`` fault ({code, times}) makes the next ``times`` calls on the host fail with ``code``,
    leaving the files as ReplaceFileW documents for that error (each call uses one up).
    """
    run.dotnet()
    for name in (source, destination, backup):
        if name == "":
            raise DotNetError("Replace", 3, "ArgumentException", "The path is not of a legal form.", COR_E_ARGUMENT)
    host = run.host
    if backup is not None and not host.path(ntpath.dirname(backup)).is_dir():
        raise win32_error("Replace", 3, ERROR_PATH_NOT_FOUND)
    if is_locked(host, destination):
        raise win32_error("Replace", 3, ERROR_SHARING_VIOLATION)
    code = _take_replace_failure(host)
    if code is not None:
        _after_failure(host, source, destination, backup, code)
        raise win32_error("Replace", 3, code)
    if backup is not None:
        if host.path(backup).exists():  # ReplaceFile replaces an existing backup file
            host.path(backup).unlink()
        os.link(host.path(destination), host.path(backup))  # the original, under the backup name
        _copy_own(host, destination, backup)
    os.replace(host.path(source), host.path(destination))
    _forget(host, source)  # the result keeps the replaced file's DACL, which stays recorded under its name


def _after_failure(host: Host, source: str, destination: str, backup: str | None, code: int) -> None:
    """Leave the files as ReplaceFileW documents after this error."""
    if code == ERROR_UNABLE_TO_MOVE_REPLACEMENT and backup is None:
        host.path(destination).unlink()
        _forget(host, destination)
    elif code == ERROR_UNABLE_TO_MOVE_REPLACEMENT_2:
        _copy_own(host, destination, source)  # the replacement has taken on the replaced file's attributes
        renamed = backup if backup is not None else ntpath.join(ntpath.dirname(destination), f"~RF{uuid.uuid4().hex[:6]}.TMP")
        if host.path(renamed).exists():
            host.path(renamed).unlink()
        os.rename(host.path(destination), host.path(renamed))
        _carry(host, destination, renamed)


def _take_replace_failure(host: Host) -> int | None:
    fault = host.faults().get("replace_fails")
    if not fault or int(fault.get("times", 0)) <= 0:
        return None
    host.estate.set_fault(host.name, "replace_fails", {**fault, "times": int(fault["times"]) - 1})
    return int(fault["code"])


def _copy_own(host: Host, original: str, copy: str) -> None:
    """The copy gets the original's own descriptor, if it has one."""
    if acl.has_own(host, original):
        acl.set_descriptor(host, copy, acl.descriptor(host, original))


def _carry(host: Host, source: str, destination: str) -> None:
    """A renamed file takes its own descriptor with it."""
    _copy_own(host, source, destination)
    _forget(host, source)


def _forget(host: Host, path: str) -> None:
    if acl.has_own(host, path):
        acl.forget(host, path)
