# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The .NET Framework file calls (and the PowerShell around them) that the collection's writing scripts make.

Each function stands for one call as Windows PowerShell 5.1 makes it on NTFS, failures included. A failed
.NET method call raises ``DotNetError``: PowerShell's text for it ('Exception calling "Replace" with "3"
argument(s): "..."', a MethodInvocationException) and the HRESULT of the .NET exception inside, which a script
reads to learn the Win32 error (IOException and UnauthorizedAccessException carry 0x8007xxxx).

Sources, per behaviour:

- PowerShell passes ``$null`` to a .NET ``string`` parameter as ``""``; only the literal ``[NullString]::Value``
  in the call arrives as null, and a ``[string]`` variable holding it is ``""`` again (PowerShell/PowerShell#11515,
  #4616, #21234). ``dotnet_string`` is that conversion: ``None`` stands for ``$null``, ``NULL_STRING`` for
  ``[NullString]::Value``.
- ``File.Replace(source, destination, backup)`` calls ``ReplaceFile(destination, source, backup,
  REPLACEFILE_WRITE_THROUGH)``; each name goes through ``Path.GetFullPath`` first, which refuses ``""`` with
  ArgumentException "The path is not of a legal form.", and a null backup is passed as NULL ("no backup").
  .NET reference source, mscorlib/system/io/file.cs (InternalReplace) and path.cs (Arg_PathIllegal).
- A Win32 error becomes an exception in ``__Error.WinIOError`` with no path: 5 is UnauthorizedAccessException
  "Access to the path is denied.", 32 IOException "The process cannot access the file because it is being used
  by another process.", 2/3 FileNotFound/DirectoryNotFound, anything else IOException with the system message
  for the code and HRESULT 0x80070000 | code (mscorlib/system/io/__error.cs). The system messages for
  1175-1177 are those of winerror.h (System Error Codes 1000-1299).
- ReplaceFile's after-state per error (learn.microsoft.com, ReplaceFileW, Return value): 1175 and any other
  error, both files keep their names and no backup exists; 1176 with a backup the same, without one "the
  replaced file no longer exists and the replacement file exists under its original name"; 1177 the replacement
  keeps its name, "the file to be replaced still exists with a different name", the backup name when one was
  given. Without a backup the lab names it ``~RF<hex>.TMP``, a name the caller cannot know (the real name is not
  documented; a Stack Overflow answer on question 6728314 says 1177 cannot happen without a backup at all).
- ReplaceFile opens the replacement with no sharing (ReplaceFileW, lpReplacementFileName), so a file another
  process holds open fails; the ``locked`` fault gives 32 for the replaced file. On success the result keeps
  the replaced file's DACL ("preserves ... DACLs", Remarks) and the backup is the original file, renamed.
- ``new FileStream(path, CreateNew, FileSystemRights, FileShare, bufferSize, FileOptions, FileSecurity)``
  creates the file with that DACL in the same call (FileStream constructor, .NET Framework 4.x); a DACL read
  with ``GetAccessControl(path, Access)`` from a file whose entries are all inherited gives a new file in the
  same folder what it would inherit anyway (automatic inheritance recomputes inherited ACEs: "Automatic
  Propagation of Inheritable ACEs"), so the lab records a DACL of the new file only when the source file has
  one of its own. A file the collection creates is owned by BUILTIN\\Administrators, the default owner of
  objects an administrator creates ("System objects: Default owner for objects created by members of the
  Administrators group").
- ``File.GetAccessControl`` and the FileStream constructor taking a FileSecurity exist in .NET Framework only;
  .NET 5 and later (PowerShell 7, the Core edition) have ``FileSystemAclExtensions.GetAccessControl`` and
  ``FileSystemAclExtensions.Create`` instead (learn.microsoft.com, FileSystemAclExtensions), which Windows
  PowerShell 5.1 lacks. Calling the other edition's API fails as PowerShell reports a missing method, overload
  or type.
- ``File.Move`` refuses an existing destination ("Cannot create a file when that file already exists.", the
  system message for 183) and a missing source ("Could not find file '<source>'."); a rename keeps the file's
  security descriptor (MoveFileEx on one volume). ``File.Delete`` of a missing file is no error.
- ``$PSCmdlet.ShouldProcess(target, action)`` is false under -WhatIf (win_powershell's check mode) and then
  writes 'What if: Performing the operation "<action>" on target "<target>".' to the host.
"""

from __future__ import annotations

import ntpath
import os
import typing as t
import uuid
from dataclasses import dataclass, replace

from tplab import acl
from tplab.estate import Host
from tplab.twins._run import ScriptError, ScriptRun, is_locked

ERROR_ACCESS_DENIED = 5
ERROR_SHARING_VIOLATION = 32
ERROR_UNABLE_TO_REMOVE_REPLACED = 1175
ERROR_UNABLE_TO_MOVE_REPLACEMENT = 1176
ERROR_UNABLE_TO_MOVE_REPLACEMENT_2 = 1177
_WIN32_EXCEPTIONS = {
    2: ("FileNotFoundException", "Unable to find the specified file."),
    3: ("DirectoryNotFoundException", "Could not find a part of the path."),
    ERROR_ACCESS_DENIED: ("UnauthorizedAccessException", "Access to the path is denied."),
    ERROR_SHARING_VIOLATION: ("IOException", "The process cannot access the file because it is being used by another process."),
    ERROR_UNABLE_TO_REMOVE_REPLACED: ("IOException", "Unable to remove the file to be replaced."),
    ERROR_UNABLE_TO_MOVE_REPLACEMENT: ("IOException", "Unable to move the replacement file to the file to be replaced. "
                                                      "The file to be replaced has retained its original name."),
    ERROR_UNABLE_TO_MOVE_REPLACEMENT_2: ("IOException", "Unable to move the replacement file to the file to be replaced. "
                                                        "The file to be replaced has been renamed using the backup name."),
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


def win32_error(method: str, arguments: int, code: int) -> DotNetError:
    """__Error.WinIOError(code, "") for a call that failed with this Win32 error."""
    exception, message = _WIN32_EXCEPTIONS[code]
    return DotNetError(method, arguments, exception, message, (0x80070000 | code) - (1 << 32))


def should_process(run: ScriptRun, target: str, action: str) -> bool:
    """$PSCmdlet.ShouldProcess(target, action): false under -WhatIf, which says so on the host."""
    if run.check_mode:
        run.host_out.append(f'What if: Performing the operation "{action}" on target "{target}".')
        return False
    return True


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


def exists(run: ScriptRun, path: str) -> bool:
    """[IO.File]::Exists."""
    run.dotnet()
    return run.host.path(path).is_file()


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
    local = run.host.path(path)
    method, arguments = ((".ctor", 7) if not extension else ("Create", 7)) if security is not None else ("Open", 4)
    if local.exists():
        raise DotNetError(method, arguments, "IOException", f"The file '{path}' already exists.", -2147024816)
    with open(local, "xb") as stream:
        if security is not None and security.own is not None:
            acl.set_descriptor(run.host, path, replace(security.own, owner=acl.ADMINISTRATORS))
        if run.host.faults().get("partial_write"):
            stream.write(data[: len(data) // 2])
            stream.flush()
            raise DotNetError("Write", 3, "IOException", "There is not enough space on the disk.", -2147024784)
        stream.write(data)


def delete(run: ScriptRun, path: str) -> None:
    """[IO.File]::Delete: a missing file is no error; a file held open without sharing is."""
    run.dotnet()
    if is_locked(run.host, path):
        raise DotNetError("Delete", 1, "IOException", f"The process cannot access the file '{path}' because it is being "
                                                      f"used by another process.", -2147024864)
    local = run.host.path(path)
    if local.is_file():
        local.unlink()
        _forget(run.host, path)


def move(run: ScriptRun, source: str, destination: str) -> None:
    """[IO.File]::Move: a rename that keeps the file's security descriptor."""
    run.dotnet()
    if not run.host.path(source).is_file():
        raise DotNetError("Move", 2, "FileNotFoundException", f"Could not find file '{source}'.", -2147024894)
    if run.host.path(destination).exists():
        raise DotNetError("Move", 2, "IOException", "Cannot create a file when that file already exists.", -2147024713)
    os.rename(run.host.path(source), run.host.path(destination))
    _carry(run.host, source, destination)


def create_directory(run: ScriptRun, path: str) -> None:
    """[IO.Directory]::CreateDirectory: the folder and any missing parents; an existing one is no error."""
    run.dotnet()
    run.host.path(path).mkdir(parents=True, exist_ok=True)


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
        raise win32_error("Replace", 3, 3)
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


def _copy_own(host: Host, source: str, destination: str) -> None:
    if acl.has_own(host, source):
        acl.set_descriptor(host, destination, acl.descriptor(host, source))


def _carry(host: Host, source: str, destination: str) -> None:
    """A renamed file takes its own descriptor with it."""
    _copy_own(host, source, destination)
    _forget(host, source)


def _forget(host: Host, path: str) -> None:
    if acl.has_own(host, path):
        acl.forget(host, path)
