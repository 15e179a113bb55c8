# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Read a Threat Prevention program's service record and its .NET config file in one round trip,
# so that an agent which already points at the right Enterprise Manager costs one remote call.
# The same call, except in check mode (-WhatIf): removes the collection's own stale temporary files
# beside the config (left by an interrupted write), and with SelfTest proves in the config's folder
# that the atomic replace works, before anything is changed. Run by the win_powershell module;
# SupportsShouldProcess lets it run in check mode.
#
# Result: @{ language_mode
#            service = $null | @{ name; display_name; state; start_mode; path; accepts_stop; started_ms }
#            config  = @{ path; exists; content (base64); sha256 (lower-case hex); last_write_ms; written_sha256 }
#            removed = @( paths of stale temporary files removed )
#            self_test = $null | @{ ok; folder; step; error; left }
#            companion = $null | @{ path; exists; content (base64) }
#            resolved = $null | @{ name; addresses; error } },
#         or only @{ language_mode } outside FullLanguage mode.
# started_ms (when the service's process started) and last_write_ms (when the file was last written)
# are Unix milliseconds: a file written after the process started has not been read by it yet.
# written_sha256 is what the collection recorded writing (RecordSuffix), or $null.
[CmdletBinding(SupportsShouldProcess)]
param (
    # The service whose executable the config file belongs to; may be empty when ConfigPath is given.
    [string]$ServiceName,
    # An explicit config file; when empty, "<service executable><ConfigSuffix>" is read.
    [string]$ConfigPath,
    [string]$ConfigSuffix = '.config',
    # "<config><RecordSuffix>" is where replace_file.ps1 records what it wrote; empty reads no record.
    [string]$RecordSuffix,
    # Prove the atomic replace in the config's folder (skipped in check mode).
    [bool]$SelfTest = $false,
    # A file in the config's folder to return too (an agent's CertsInfo\ca-crt.pem); empty returns none.
    [string]$CompanionFile,
    # A host name to resolve from this host (the address a write would put in the config); empty resolves none.
    [string]$ResolveName,
    # A config is a few KiB; a larger file is refused without being sent.
    [int]$MaxBytes = 1048576
)
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

#include language_guard

#include atomic_replace
#include service_record

$service = $null
if ($ServiceName) {
    $service = Get-ServiceRecord $ServiceName
}
if (-not $ConfigPath -and $service) {
    $ConfigPath = (Get-ServiceExecutable $service.path) + $ConfigSuffix
}

$config = @{ path = $ConfigPath; exists = $false; content = $null; sha256 = $null; last_write_ms = $null; written_sha256 = $null }
$removed = @()
$selfTestResult = $null
if ($ConfigPath) {
    $folder = [IO.Path]::GetDirectoryName($ConfigPath)
    $names = @([IO.Path]::GetFileName($ConfigPath))
    if ($RecordSuffix) {
        $names += [IO.Path]::GetFileName($ConfigPath + $RecordSuffix)
    }
    if ($PSCmdlet.ShouldProcess($folder, 'Remove stale temporary files of the collection')) {
        $removed = @(Remove-StaleTemporaryFile $folder $names)
    }
    $info = [IO.FileInfo]::new($ConfigPath)
    $tooLarge = ("$ConfigPath is larger than $MaxBytes bytes, the most the collection reads from a host (a Threat " +
        "Prevention config file is a few KiB). Nothing was changed; check that this is the right file.")
    if ($info.Exists) {
        if ($info.Length -gt $MaxBytes) {
            throw $tooLarge
        }
        $bytes = [IO.File]::ReadAllBytes($ConfigPath)
        if ($bytes.Length -gt $MaxBytes) {
            throw $tooLarge
        }
        $info.Refresh()
        $config.sha256 = Get-Sha256Hex $bytes
        $config.exists = $true
        $config.content = [Convert]::ToBase64String($bytes)
        $config.last_write_ms = ([DateTimeOffset]$info.LastWriteTimeUtc).ToUnixTimeMilliseconds()
        if ($RecordSuffix) {
            $config.written_sha256 = Read-WrittenRecord ($ConfigPath + $RecordSuffix)
        }
        if ($SelfTest -and $PSCmdlet.ShouldProcess($folder, 'Prove the atomic replace with scratch files')) {
            $selfTestResult = Test-AtomicReplace $folder $names[0]
        }
    }
}

$companion = $null
if ($CompanionFile -and $ConfigPath) {
    $companionPath = [IO.Path]::Combine([IO.Path]::GetDirectoryName($ConfigPath), $CompanionFile)
    $companion = @{ path = $companionPath; exists = $false; content = $null }
    $companionInfo = [IO.FileInfo]::new($companionPath)
    if ($companionInfo.Exists -and $companionInfo.Length -le $MaxBytes) {
        $companion.content = [Convert]::ToBase64String([IO.File]::ReadAllBytes($companionPath))
        $companion.exists = $true
    }
}

# What this host's resolver answers for the address, as the program will ask it: an IP address comes back as itself.
$resolved = $null
if ($ResolveName) {
    $resolved = @{ name = $ResolveName; addresses = @(); error = $null }
    try {
        $resolved.addresses = @([Net.Dns]::GetHostAddresses($ResolveName) | ForEach-Object { $_.IPAddressToString })
    }
    catch {
        $reason = $_.Exception
        if ($reason.InnerException) {
            $reason = $reason.InnerException
        }
        $resolved.error = $reason.Message
    }
}

$Ansible.Result = @{ language_mode = 'FullLanguage'; service = $service; config = $config; removed = $removed
    self_test = $selfTestResult; companion = $companion; resolved = $resolved
}
