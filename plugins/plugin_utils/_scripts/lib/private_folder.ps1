# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Folders and files only SYSTEM and Administrators may open, made and removed without following a link.
# A folder made under C:\ProgramData inherits "Users may create files and folders"; New-Item followed by Set-Acl leaves
# it open between the two; Remove-Item -Recurse in Windows PowerShell 5.1 follows junctions (PowerShell#621). So each
# folder or file is created with its protected DACL in the same call, an existing folder is used only when its owner
# and DACL show that no one else can have put anything in it, and deletion names each path and never recurses.

Function Get-PrivateSid {
    'S-1-5-18', 'S-1-5-32-544'  # NT AUTHORITY\SYSTEM, BUILTIN\Administrators
}

Function New-PrivateSecurity([bool]$Folder) {
    # Owned by Administrators, whatever the policy for objects an administrator creates says; inheritance from the
    # parent blocked; SYSTEM and Administrators full control (inherited by a folder's contents).
    if ($Folder) {
        $security = New-Object -TypeName Security.AccessControl.DirectorySecurity
        $inheritance = 'ContainerInherit, ObjectInherit'
    }
    else {
        $security = New-Object -TypeName Security.AccessControl.FileSecurity
        $inheritance = 'None'
    }
    $security.SetOwner((New-Object -TypeName Security.Principal.SecurityIdentifier -ArgumentList 'S-1-5-32-544'))
    $security.SetAccessRuleProtection($true, $false)
    foreach ($sid in Get-PrivateSid) {
        $identity = New-Object -TypeName Security.Principal.SecurityIdentifier -ArgumentList $sid
        $security.AddAccessRule((New-Object -TypeName Security.AccessControl.FileSystemAccessRule -ArgumentList @(
                    $identity, 'FullControl', $inheritance, 'None', 'Allow')))
    }
    $security
}

Function Test-ReparsePoint([string]$Path) {
    # GetAttributes reads the entry itself, so a junction or symbolic link shows as one rather than as its target.
    ([IO.File]::GetAttributes($Path) -band [IO.FileAttributes]::ReparsePoint) -ne 0
}

Function Get-OtherPrincipal($Security) {
    # The SIDs besides SYSTEM and Administrators that an Allow entry (own or inherited) lets in.
    $admins = Get-PrivateSid
    $Security.GetAccessRules($true, $true, [Security.Principal.SecurityIdentifier]) |
        Where-Object { $_.AccessControlType -eq 'Allow' -and $admins -notcontains $_.IdentityReference.Value } |
        ForEach-Object { $_.IdentityReference.Value } | Sort-Object -Unique
}

Function Get-AccountName([string]$Sid) {
    try {
        (New-Object -TypeName Security.Principal.SecurityIdentifier -ArgumentList $Sid).Translate(
            [Security.Principal.NTAccount]).Value
    }
    catch {
        $Sid  # an account that no longer exists, or a domain that does not answer
    }
}

Function Assert-PrivateFolder([string]$Path) {
    # What New-PrivateFolder makes, and nothing else: a folder (not a link), owned by SYSTEM or Administrators, whose
    # protected DACL lets no one else in. Anything less means another account may own it or have put something in it.
    if (Test-ReparsePoint -Path $Path) {
        throw ("$Path is a junction or symbolic link, not a folder this collection made, so it was not used and nothing " +
            "was changed. Find out who made it and where it points; remove the link itself (rmdir `"$Path`" removes " +
            "only the link), then run again.")
    }
    $security = [IO.Directory]::GetAccessControl($Path)
    $owner = $security.GetOwner([Security.Principal.SecurityIdentifier]).Value
    $others = @(Get-OtherPrincipal -Security $security)
    if ((Get-PrivateSid) -notcontains $owner -or -not $security.AreAccessRulesProtected -or $others.Count -gt 0) {
        $found = @("owner $(Get-AccountName -Sid $owner)")
        if (-not $security.AreAccessRulesProtected) {
            $found += 'permissions inherited from its parent'
        }
        if ($others.Count -gt 0) {
            $found += "access for $(($others | ForEach-Object { Get-AccountName -Sid $_ }) -join ', ')"
        }
        throw ("$Path already exists but is not private ($($found -join '; ')): another account may own it or have put " +
            "files or links in it, so it was not used and nothing was changed. Check what it holds, then move it aside " +
            "or delete it (without following links), or choose another folder (tp_secret's state_folder): the " +
            "collection creates the folder itself, open only to SYSTEM and Administrators.")
    }
}

Function Use-PrivateFolder([string]$Path) {
    # CreateDirectory applies the descriptor as it creates the folder, in one step; a folder that already exists is
    # returned unchanged, so it is checked either way (another account may have made it first).
    if (-not [IO.Directory]::Exists($Path)) {
        $null = [IO.Directory]::CreateDirectory($Path, (New-PrivateSecurity -Folder $true))
    }
    Assert-PrivateFolder -Path $Path
}

Function New-PrivateFolder([string]$Path) {
    # A folder of a new name, inside a private folder, created with the private descriptor.
    if ([IO.Directory]::Exists($Path) -or [IO.File]::Exists($Path)) {
        throw "$Path already exists; it cannot be a new private folder. Nothing was changed; run again."
    }
    $null = [IO.Directory]::CreateDirectory($Path, (New-PrivateSecurity -Folder $true))
}

Function New-PrivateFile([string]$Path) {
    # An empty file with the private descriptor, created in one step (CreateNew fails when the name exists). A program
    # that later overwrites it in place keeps that descriptor.
    $stream = New-Object -TypeName IO.FileStream -ArgumentList @($Path, [IO.FileMode]::CreateNew,
        [Security.AccessControl.FileSystemRights]::Write, [IO.FileShare]::None, 4096, [IO.FileOptions]::None,
        (New-PrivateSecurity -Folder $false))
    $stream.Dispose()
}

Function Test-PrivateFile([string]$Path) {
    # True when only SYSTEM and Administrators may open the file, by its own entries or inherited ones.
    @(Get-OtherPrincipal -Security ([IO.File]::GetAccessControl($Path))).Count -eq 0
}

Function Remove-KnownItem([string]$Path, [switch]$Folder) {
    # One file or folder named by its path: File.Delete removes a file (a link itself, never its target);
    # Directory.Delete without recursion removes an empty folder (a junction itself, never what it points to) and fails
    # while the folder holds anything. A file just written may be held open for a moment by an antivirus scan, so a
    # failed delete is retried. Returns the path when it is still there; never throws.
    for ($attempt = 1; $attempt -le 5; $attempt++) {
        try {
            if ($Folder) {
                if (-not [IO.Directory]::Exists($Path)) {
                    return
                }
                [IO.Directory]::Delete($Path)
            }
            else {
                if (-not [IO.File]::Exists($Path)) {
                    return
                }
                [IO.File]::SetAttributes($Path, [IO.FileAttributes]::Normal)
                [IO.File]::Delete($Path)
            }
            return
        }
        catch {
            if ($attempt -lt 5) {
                Start-Sleep -Milliseconds (200 * $attempt)
            }
        }
    }
    $Path
}
