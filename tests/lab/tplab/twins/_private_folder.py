# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Twin of _scripts/lib/private_folder.ps1: folders and files only SYSTEM and Administrators may open.

Modelled with tplab.acl (owner, protected flag, readers and writers per path) and with links in
the host's tree standing for NTFS reparse points (tplab.twins._dotnet_files). Sources:

- DirectorySecurity / FileSecurity, SetAccessRuleProtection($true, $false) and FullControl Allow
  rules for S-1-5-18 and S-1-5-32-544: a protected descriptor that lets in only SYSTEM and
  Administrators (learn.microsoft.com: ObjectSecurity.SetAccessRuleProtection).
- ``Directory.CreateDirectory(path, DirectorySecurity)`` (.NET Framework only): each missing folder
  of the path is created with that descriptor by the CreateDirectoryW call itself; an existing
  folder is returned as it is, descriptor unchanged (the .NET Framework reference source,
  Directory.InternalCreateDirectory, passes the security attributes to each CreateDirectoryW; the
  docs: "If the directory already exists, this method does not create a new directory").
- ``SetOwner(Administrators)`` in that descriptor: what is created is owned by Administrators,
  whatever the policy "System objects: Default owner for objects created by members of the
  Administrators group" says, because an elevated administrator's token, and SYSTEM's, carry
  Administrators as a group they may assign as owner ("Owner of a New Object", learn.microsoft.com
  aa379299). A token that may not (a filtered, non-elevated one) would get ERROR_INVALID_OWNER: not
  modelled, the lab's logons are elevated.
- ``FileStream(path, FileMode.CreateNew, FileSystemRights, FileShare, int, FileOptions,
  FileSecurity)`` (.NET Framework only): the file is created with the descriptor; an existing name
  fails with IOException "The file '<path>' already exists." (ERROR_FILE_EXISTS).
- ``GetAccessControl``, ``GetOwner``, ``AreAccessRulesProtected``, ``GetAccessRules($true, $true,
  ...)``: the path's own descriptor or what it inherits (tplab.acl.descriptor). ``Translate`` of a
  SID that names no account throws IdentityNotMappedException: the script shows the SID.
- ``File.Delete`` removes the entry itself, a link and never its target (DeleteFileW: "If the path
  points to a symbolic link, the symbolic link is deleted, not the target"); a file another process
  holds open without sharing (the ``locked`` fault) is a sharing violation. ``Directory.Delete(path)``
  without recursion is RemoveDirectoryW: it removes an empty folder or a junction itself ("removes a
  directory junction, even if the contents of the target are not empty") and fails on a folder that
  holds anything (ERROR_DIR_NOT_EMPTY).
- ``Start-Sleep`` between attempts takes no lab time: ``start_sleep`` is where a test acts as
  another process would meanwhile (an antivirus scan letting go of a file).
- ``[IO.File]::SetAttributes(..., Normal)`` before a delete is not modelled: the lab keeps no file
  attributes, so there are no read-only files.
"""

from __future__ import annotations

import os

from tplab import acl, winpath
from tplab.twins._dotnet_files import is_directory, is_file, is_reparse_point
from tplab.twins._run import ScriptError, ScriptRun, is_locked

ATTEMPTS = 5


def private_descriptor() -> acl.Descriptor:
    """New-PrivateSecurity, as the created object carries it."""
    return acl.Descriptor(owner=acl.ADMINISTRATORS, protected=True, readers=acl.ADMINS_ONLY, writers=acl.ADMINS_ONLY)


def other_principals(descriptor: acl.Descriptor) -> list[str]:
    """Get-OtherPrincipal: SIDs besides SYSTEM and Administrators that the DACL lets in, sorted, each once."""
    return sorted(set(descriptor.readers + descriptor.writers) - set(acl.ADMINS_ONLY))


def account_name(sid: str) -> str:
    return acl.NAMES.get(sid, sid)


def assert_private_folder(run: ScriptRun, path: str) -> None:
    """Assert-PrivateFolder: not a link, owned by SYSTEM or Administrators, a protected DACL for them alone."""
    if is_reparse_point(run.host, path):
        raise ScriptError(f"{path} is a junction or symbolic link, not a folder this collection made, so it was not used "
                          f"and nothing was changed. Find out who made it and where it points; remove the link itself "
                          f"(rmdir \"{path}\" removes only the link), then run again.")
    descriptor = acl.descriptor(run.host, path)
    others = other_principals(descriptor)
    if descriptor.owner not in acl.ADMINS_ONLY or not descriptor.protected or others:
        found = [f"owner {account_name(descriptor.owner)}"]
        if not descriptor.protected:
            found.append("permissions inherited from its parent")
        if others:
            found.append(f"access for {', '.join(account_name(sid) for sid in others)}")
        raise ScriptError(f"{path} already exists but is not private ({'; '.join(found)}): another account may own it or "
                          f"have put files or links in it, so it was not used and nothing was changed. Check what it "
                          f"holds, then move it aside or delete it (without following links), or choose another folder "
                          f"(tp_secret's state_folder): the collection creates the folder itself, open only to SYSTEM "
                          f"and Administrators.")


def _create_directory(run: ScriptRun, path: str) -> None:
    """Directory.CreateDirectory(path, DirectorySecurity): every missing folder of the path, with the descriptor."""
    drive, parts = winpath.split_windows_path(path)
    for length in range(1, len(parts) + 1):
        folder = f"{drive}:\\" + "\\".join(parts[:length])
        local = run.host.path(folder)
        if not is_directory(local):
            local.mkdir()
            acl.set_descriptor(run.host, folder, private_descriptor())


def use_private_folder(run: ScriptRun, path: str) -> None:
    """Use-PrivateFolder: create it when missing; check it either way."""
    if not is_directory(run.host.path(path)):
        _create_directory(run, path)
    assert_private_folder(run, path)


def new_private_folder(run: ScriptRun, path: str) -> None:
    """New-PrivateFolder: a folder of a new name, created with the private descriptor."""
    local = run.host.path(path)
    if is_directory(local) or is_file(local):
        raise ScriptError(f"{path} already exists; it cannot be a new private folder. Nothing was changed; run again.")
    _create_directory(run, path)


def new_private_file(run: ScriptRun, path: str) -> None:
    """New-PrivateFile: an empty file with the private descriptor, made in one step (FileMode.CreateNew)."""
    try:
        with open(run.host.path(path), "xb"):
            pass
    except FileExistsError:
        raise ScriptError(f'Exception calling ".ctor" with "7" argument(s): "The file \'{path}\' already '
                          f'exists."') from None
    acl.set_descriptor(run.host, path, private_descriptor())


def is_private_file(run: ScriptRun, path: str) -> bool:
    """Test-PrivateFile: only SYSTEM and Administrators may open it, by its own entries or inherited ones."""
    return not other_principals(acl.descriptor(run.host, path))


def start_sleep(milliseconds: int) -> None:
    """Start-Sleep between two attempts: no lab time passes."""
    del milliseconds


def remove_known_item(run: ScriptRun, path: str, folder: bool = False) -> str | None:
    """Remove-KnownItem: delete one file or (empty) folder by its path, retried; the path when it is still there."""
    for attempt in range(1, ATTEMPTS + 1):
        local = run.host.path(path)
        if not (is_directory(local) if folder else is_file(local)):
            return None
        if _deleted(run, path, folder):
            return None
        if attempt < ATTEMPTS:
            start_sleep(200 * attempt)
    return path


def _deleted(run: ScriptRun, path: str, folder: bool) -> bool:
    """One File.Delete or Directory.Delete; False where Windows throws (sharing violation, folder not empty)."""
    local = run.host.path(path)
    if local.is_symlink():
        os.unlink(local)  # the link itself; its target is not touched
    elif folder:
        if any(local.iterdir()):
            return False
        local.rmdir()
    else:
        if is_locked(run.host, path):
            return False
        local.unlink()
    acl.forget(run.host, path)
    return True
