# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Replace a file atomically, keeping a backup, and only if it still holds what the controller read.
# The new bytes go to a temporary file in the same folder, are verified, and then swapped in with
# File.Replace (ReplaceFile), which keeps the original's ACL and attributes and moves the original
# to the backup path in the same operation. A failure at any point leaves the original untouched.
# Private keys arrive as SecretContentBase64 (a SecureString, from the module's sensitive_parameters),
# anything else as ContentBase64.
#
# Result: @{ sha256; backup_file }
[CmdletBinding()]
param (
    [Parameter(Mandatory = $true)]
    [string]$Path,
    [string]$ContentBase64,
    [SecureString]$SecretContentBase64,
    # SHA-256 of the new content; proves the bytes arrived intact.
    [Parameter(Mandatory = $true)]
    [string]$Sha256,
    # SHA-256 of the file as the controller read it; empty when the file must not exist yet.
    [string]$ExpectedSha256,
    # Where to keep the previous file (its folder is created); empty keeps no backup.
    [string]$BackupPath
)
$ErrorActionPreference = 'Stop'

Function Get-Sha256Hex([byte[]]$Bytes) {
    (Get-FileHash -InputStream ([IO.MemoryStream]::new($Bytes)) -Algorithm SHA256).Hash.ToLowerInvariant()
}

$exists = Test-Path -LiteralPath $Path -PathType Leaf
if ($ExpectedSha256) {
    if (-not $exists) {
        throw "$Path no longer exists; it was removed after it was read. Nothing was changed; run again."
    }
    if ((Get-Sha256Hex ([IO.File]::ReadAllBytes($Path))) -ne $ExpectedSha256) {
        throw "$Path changed after it was read (another process edited it). Nothing was changed; run again."
    }
}
elseif ($exists) {
    throw "$Path appeared after it was read. Nothing was changed; run again."
}

if ($SecretContentBase64) {
    $pointer = [Runtime.InteropServices.Marshal]::SecureStringToBSTR($SecretContentBase64)
    try {
        $ContentBase64 = [Runtime.InteropServices.Marshal]::PtrToStringBSTR($pointer)
    }
    finally {
        [Runtime.InteropServices.Marshal]::ZeroFreeBSTR($pointer)
    }
}
$bytes = [Convert]::FromBase64String($ContentBase64)
if ((Get-Sha256Hex $bytes) -ne $Sha256) {
    throw "the content for $Path arrived damaged (SHA-256 mismatch). Nothing was changed; run again."
}

$folder = [IO.Path]::GetDirectoryName($Path)
$temporary = Join-Path $folder ('.{0}.{1}.tmp' -f [IO.Path]::GetFileName($Path), [Guid]::NewGuid().ToString('N').Substring(0, 8))
try {
    $stream = [IO.File]::Open($temporary, [IO.FileMode]::CreateNew, [IO.FileAccess]::Write, [IO.FileShare]::None)
    try {
        $stream.Write($bytes, 0, $bytes.Length)
        $stream.Flush($true)
    }
    finally {
        $stream.Dispose()
    }
    if ((Get-Sha256Hex ([IO.File]::ReadAllBytes($temporary))) -ne $Sha256) {
        throw "the temporary copy of $Path does not read back as written. Nothing was changed."
    }
    if ($exists) {
        $backup = $null
        if ($BackupPath) {
            $backup = $BackupPath
            $null = New-Item -ItemType Directory -Path ([IO.Path]::GetDirectoryName($BackupPath)) -Force
        }
        [IO.File]::Replace($temporary, $Path, $backup)
    }
    else {
        [IO.File]::Move($temporary, $Path)
    }
}
finally {
    if (Test-Path -LiteralPath $temporary) {
        Remove-Item -LiteralPath $temporary -Force
    }
}

$Ansible.Result = @{ sha256 = $Sha256; backup_file = if ($exists -and $BackupPath) { $BackupPath } else { $null } }
