# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Replace a file atomically, only if it still holds what the controller read, keeping a backup when asked.
# The write itself is Set-FileAtomically (lib/atomic_replace.ps1): a temporary file beside the target with the
# target's DACL, read back, then swapped in with ReplaceFile, retried and repaired so that the target is never
# lost. Private keys arrive as SecretContentBase64 (a SecureString, from the module's sensitive_parameters),
# anything else as ContentBase64. With RecordPath, what was written (its SHA-256) is recorded there too, so that
# a later run can tell the collection's write from the program rewriting its own file.
#
# Result: @{ sha256; backup_file } (and record_error when the record could not be written)
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
    [string]$BackupPath,
    # Where to record what was written (JSON with its SHA-256); empty records nothing.
    [string]$RecordPath
)
$ErrorActionPreference = 'Stop'

#include atomic_replace

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

# A record must never name bytes the file does not hold: it goes before the write and comes back after it, so a
# run cut off in between leaves no record (and the next run falls back to comparing times).
if ($RecordPath) {
    [IO.File]::Delete($RecordPath)
}
Set-FileAtomically $Path $bytes $Sha256 $BackupPath
$result = @{ sha256 = $Sha256; backup_file = $null }
if ($exists -and $BackupPath) {
    $result.backup_file = $BackupPath
}
if ($RecordPath) {
    try {
        Write-WrittenRecord $RecordPath $Path $Sha256
    }
    catch {
        $result.record_error = $_.Exception.Message
    }
}
$Ansible.Result = $result
