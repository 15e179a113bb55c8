# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Read named files of one folder in one round trip: their SHA-256 always, their bytes only when
# asked (certificate comparisons need hashes alone, so private keys leave a host only when they
# must). Names match case-insensitively, as NTFS does, and come back as they are on disk. A file
# larger than MaxBytes is reported as too large and its bytes are never read.
# For a folder the collection writes into (the new EM's CertsInfo), Sweep removes what an interrupted
# write of these files left behind (stale temporary files of the atomic replace, older than 10 minutes),
# and SelfTest proves there, with scratch files, that the atomic replace works on this host before
# anything changes. Both only happen on a real run: check mode passes -WhatIf, and ShouldProcess says no.
#
# Result: @{ folder; files = @( @{ requested; name; path; exists; too_large; sha256; content (base64 or $null) } );
#            removed (paths swept); self_test ($null, or @{ ok; folder; step; error; left }) },
#         or only @{ language_mode } outside FullLanguage mode.
[CmdletBinding(SupportsShouldProcess)]
param (
    [Parameter(Mandatory = $true)]
    [string]$Folder,
    [Parameter(Mandatory = $true)]
    [string[]]$Names,
    [bool]$IncludeContent = $false,
    # Certificates and keys are a few KiB; nothing larger is read.
    [int]$MaxBytes = 1048576,
    [bool]$Sweep = $false,
    [bool]$SelfTest = $false
)
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

#include language_guard

#include atomic_replace

$removed = @()
if ($Sweep -and $PSCmdlet.ShouldProcess($Folder, 'Remove stale temporary files of the collection')) {
    $removed = @(Remove-StaleTemporaryFile $Folder $Names)
}
$onDisk = @()
if (Test-Path -LiteralPath $Folder -PathType Container) {
    $onDisk = @(Get-ChildItem -LiteralPath $Folder -File -Force)
}

$files = foreach ($requested in $Names) {
    $item = $onDisk | Where-Object { $_.Name -ieq $requested } | Select-Object -First 1
    # Path.Combine is string work: unlike Join-Path it does not throw when the folder's drive does not exist.
    $entry = @{ requested = $requested; name = $requested; path = [IO.Path]::Combine($Folder, $requested); exists = $false
        too_large = $false; sha256 = $null; content = $null
    }
    if ($item) {
        $entry.name = $item.Name
        $entry.path = $item.FullName
        $entry.exists = $true
        if ($item.Length -gt $MaxBytes) {
            $entry.too_large = $true
            $entry.sha256 = (Get-FileHash -LiteralPath $item.FullName -Algorithm SHA256).Hash.ToLowerInvariant()
        }
        else {
            $bytes = [IO.File]::ReadAllBytes($item.FullName)
            $entry.sha256 = (Get-FileHash -InputStream ([IO.MemoryStream]::new($bytes)) -Algorithm SHA256).Hash.ToLowerInvariant()
            if ($IncludeContent) {
                $entry.content = [Convert]::ToBase64String($bytes)
            }
        }
    }
    $entry
}

$selfTestResult = $null
if ($SelfTest -and $PSCmdlet.ShouldProcess($Folder, 'Prove the atomic replace with scratch files')) {
    $selfTestResult = Test-AtomicReplace $Folder $Names[0]
}

$Ansible.Result = @{ folder = $Folder; files = @($files); removed = $removed; self_test = $selfTestResult }
