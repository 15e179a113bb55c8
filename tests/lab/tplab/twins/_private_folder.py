# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Twin of _scripts/lib/private_folder.ps1: folders and files only SYSTEM and Administrators may open.

Modelled with tplab.acl (owner, protected flag, readers and writers per path), through the System.IO
calls of tplab.twins._windows_io, whose docstring gives the source of each .NET and Win32 behaviour
(CreateDirectory with a DirectorySecurity, the FileStream taking a FileSecurity, File.Delete and
Directory.Delete on links and folders, GetAttributes). What is this library's own, and its sources:

- DirectorySecurity / FileSecurity, SetAccessRuleProtection($true, $false) and FullControl Allow
  rules for S-1-5-18 and S-1-5-32-544: a protected descriptor that lets in only SYSTEM and
  Administrators (learn.microsoft.com: ObjectSecurity.SetAccessRuleProtection).
- ``SetOwner(Administrators)`` in that descriptor: what is created is owned by Administrators,
  whatever the policy "System objects: Default owner for objects created by members of the
  Administrators group" says, because an elevated administrator's token, and SYSTEM's, carry
  Administrators as a group they may assign as owner ("Owner of a New Object", learn.microsoft.com
  aa379299). A token that may not (a filtered, non-elevated one) would get ERROR_INVALID_OWNER: not
  modelled, the lab's logons are elevated.
- ``GetAccessControl``, ``GetOwner``, ``AreAccessRulesProtected``, ``GetAccessRules($true, $true,
  ...)``: the path's own descriptor or what it inherits (tplab.acl.descriptor). ``Translate`` of a
  SID that names no account throws IdentityNotMappedException: the script shows the SID.
- Remove-KnownItem catches whatever File.Delete or Directory.Delete throws (a sharing violation, a
  folder not empty) and tries again, five attempts in all.
- ``Start-Sleep`` between attempts takes no lab time: ``start_sleep`` is where a test acts as
  another process would meanwhile (an antivirus scan letting go of a file).
- ``[IO.File]::SetAttributes(..., Normal)`` before a delete is not modelled: the lab keeps no file
  attributes, so there are no read-only files.
"""

from __future__ import annotations

from tplab import acl
from tplab.twins import _windows_io as io
from tplab.twins._run import ScriptError, ScriptRun

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
    if io.is_reparse_point(run, path):
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


def use_private_folder(run: ScriptRun, path: str) -> None:
    """Use-PrivateFolder: create it when missing; check it either way."""
    if not io.directory_exists(run, path):
        io.create_directory(run, path, private_descriptor())
    assert_private_folder(run, path)


def new_private_folder(run: ScriptRun, path: str) -> None:
    """New-PrivateFolder: a folder of a new name, created with the private descriptor."""
    if io.directory_exists(run, path) or io.exists(run, path):
        raise ScriptError(f"{path} already exists; it cannot be a new private folder. Nothing was changed; run again.")
    io.create_directory(run, path, private_descriptor())


def new_private_file(run: ScriptRun, path: str) -> None:
    """New-PrivateFile: an empty file with the private descriptor, made in one step (FileMode.CreateNew)."""
    io.create_new_empty(run, path, private_descriptor())


def is_private_file(run: ScriptRun, path: str) -> bool:
    """Test-PrivateFile: only SYSTEM and Administrators may open it, by its own entries or inherited ones."""
    return not other_principals(acl.descriptor(run.host, path))


def start_sleep(milliseconds: int) -> None:
    """Start-Sleep between two attempts: no lab time passes."""
    del milliseconds


def remove_known_item(run: ScriptRun, path: str, folder: bool = False) -> str | None:
    """Remove-KnownItem: delete one file or (empty) folder by its path, retried; the path when it is still there."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            if not (io.directory_exists(run, path) if folder else io.exists(run, path)):
                return None
            (io.delete_directory if folder else io.delete)(run, path)
            return None
        except ScriptError:
            if attempt < ATTEMPTS:
                start_sleep(200 * attempt)
    return path
