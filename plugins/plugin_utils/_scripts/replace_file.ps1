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
# With RestartService, the service that reads the file is restarted in the same round trip
# (lib/service_restart.ps1), and when it will not run again the previous bytes are put back and, if it was
# running, it is started on them. ServiceState is the state the controller read: a service found otherwise, gone,
# disabled or no longer accepting a stop means the read is stale, exactly as a file that changed does.
#
# A stale read changes nothing and is a result, not an error: @{ stale = <why> }. The controller decides whether
# to read again (its read came from an earlier task) or to fail (it read in this task).
#
# Result: @{ sha256; backup_file } (record_error when the record could not be written; restart with RestartService:
# @{ restarted; error; restored; restore_error; started_again; start_again_error }), or @{ stale }
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
    [string]$RecordPath,
    # The service to restart after the write (it must accept a stop); empty restarts nothing.
    [string]$RestartService,
    # That service's state when the controller read it (win_service's words: started, stopped).
    [string]$ServiceState,
    # How long each of the stop and the start may take.
    [int]$ServiceTimeoutSeconds = 120
)
$ErrorActionPreference = 'Stop'

#include atomic_replace
#include service_record
#include service_restart

Function Get-StaleReason {
    # Why what the controller read no longer holds, or $null. $original: the file's bytes now (read by the caller).
    if ($ExpectedSha256) {
        if (-not $exists) {
            return "$Path no longer exists; it was removed after it was read."
        }
        if ((Get-Sha256Hex $original) -ne $ExpectedSha256) {
            return "$Path changed after it was read (another process edited it)."
        }
    }
    elseif ($exists) {
        return "$Path appeared after it was read."
    }
    if (-not $RestartService) {
        return $null
    }
    $service = Get-ServiceRecord $RestartService
    if (-not $service) {
        return "the service '$RestartService' is no longer installed; it was removed after its file was read."
    }
    if ($service.state -ne $ServiceState -or $service.start_mode -eq 'disabled') {
        return "the service '$($service.name)' is $($service.state) ($($service.start_mode)), not as it was when its file was read."
    }
    if ($service.state -eq 'started' -and -not $service.accepts_stop) {
        return "the service '$($service.name)' no longer accepts a stop (it was hardened after its file was read)."
    }
    $null
}

Function Restart-OrRestore {
    # Restart the service on the new file; when it will not run, put the previous bytes back (with their record) and
    # start it on them if it was running. Never throws: the outcome says what happened at each step.
    $outcome = @{ restarted = $false; error = $null; restored = $false; restore_error = $null; started_again = $false
        start_again_error = $null }
    try {
        Stop-ServiceWithin $controller $ServiceTimeoutSeconds
        Start-ServiceWithin $controller $ServiceTimeoutSeconds
        $outcome.restarted = $true
        return $outcome
    }
    catch {
        $outcome.error = $_.Exception.Message
    }
    try {
        if ($RecordPath) {
            [IO.File]::Delete($RecordPath)
        }
        $previousSha256 = Get-Sha256Hex $original
        $null = Set-FileAtomically $Path $original $previousSha256 ''
        if ($RecordPath) {
            $null = Write-WrittenRecord $RecordPath $Path $previousSha256
        }
        $outcome.restored = $true
    }
    catch {
        $outcome.restore_error = $_.Exception.Message
        return $outcome
    }
    if ($ServiceState -eq 'started') {
        try {
            Start-ServiceWithin $controller $ServiceTimeoutSeconds
            $outcome.started_again = $true
        }
        catch {
            $outcome.start_again_error = $_.Exception.Message
        }
    }
    $outcome
}

if ($RestartService -and -not $ExpectedSha256) {
    throw "RestartService needs ExpectedSha256: without the file's previous bytes a failed restart could not be undone."
}
$exists = Test-Path -LiteralPath $Path -PathType Leaf
$original = $null
if ($ExpectedSha256 -and $exists) {
    $original = [IO.File]::ReadAllBytes($Path)
}
$stale = Get-StaleReason
if ($stale) {
    $Ansible.Changed = $false
    $Ansible.Result = @{ stale = "$stale Nothing was changed; run again." }
    return
}
$controller = $null
if ($RestartService) {
    Add-Type -AssemblyName System.ServiceProcess
    $controller = [ServiceProcess.ServiceController]::new($RestartService)
    $dependents = Get-RunningDependentService $controller
    if ($dependents) {
        throw "the service '$RestartService' has running dependent services ($($dependents -join ', ')), which a restart would stop. Nothing was changed."
    }
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
if ($controller) {
    $result.restart = Restart-OrRestore
}
$Ansible.Result = $result
