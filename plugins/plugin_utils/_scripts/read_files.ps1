# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Read named files of one folder in one round trip: their SHA-256 always, their bytes only when
# asked (certificate comparisons need hashes alone, so private keys leave a host only when they
# must). Names match case-insensitively, as NTFS does, and come back as they are on disk.
# Changes nothing; SupportsShouldProcess lets it run in check mode.
#
# Result: @{ folder; files = @( @{ requested; name; path; exists; sha256; content (base64 or $null) } ) }
[CmdletBinding(SupportsShouldProcess)]
param (
    [Parameter(Mandatory = $true)]
    [string]$Folder,
    [Parameter(Mandatory = $true)]
    [string[]]$Names,
    [bool]$IncludeContent = $false
)
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

$onDisk = @()
if (Test-Path -LiteralPath $Folder -PathType Container) {
    $onDisk = @(Get-ChildItem -LiteralPath $Folder -File -Force)
}

$files = foreach ($requested in $Names) {
    $item = $onDisk | Where-Object { $_.Name -ieq $requested } | Select-Object -First 1
    $entry = @{ requested = $requested; name = $requested; path = (Join-Path $Folder $requested); exists = $false
        sha256 = $null; content = $null
    }
    if ($item) {
        $bytes = [IO.File]::ReadAllBytes($item.FullName)
        $entry.sha256 = (Get-FileHash -InputStream ([IO.MemoryStream]::new($bytes)) -Algorithm SHA256).Hash.ToLowerInvariant()
        $entry.name = $item.Name
        $entry.path = $item.FullName
        $entry.exists = $true
        if ($IncludeContent) {
            $entry.content = [Convert]::ToBase64String($bytes)
        }
    }
    $entry
}

$Ansible.Result = @{ folder = $Folder; files = @($files) }
