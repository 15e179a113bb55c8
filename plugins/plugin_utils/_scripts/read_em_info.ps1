# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Read what the migration preflight and report need from an Enterprise Manager host, in one round
# trip: the product version of SIEnterpriseManager.exe, the bytes of SIEnterpriseManager.exe.config
# (the controller extracts the SQL server and database names and nothing else), and the host-local
# things the vendor's migration procedure leaves to a person. Changes nothing; SupportsShouldProcess
# lets it run in check mode.
#
# Result: @{ version; config (base64 or $null); pwned_store; file_action_output; licenses; services; epe_rest_site }
[CmdletBinding(SupportsShouldProcess)]
param (
    # The EM install folder (...\SIEnterpriseManager).
    [Parameter(Mandatory = $true)]
    [string]$Folder,
    [string]$Executable = 'SIEnterpriseManager.exe',
    # Services that sit beside the EM on some installs (Reporting, Scheduler, the Reporting Module).
    [string[]]$ServicePatterns = @('SIReportingService', 'SISchedulerService', 'StealthDEFEND*')
)
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

$exe = Join-Path $Folder $Executable
$version = $null
if (Test-Path -LiteralPath $exe -PathType Leaf) {
    $version = (Get-Item -LiteralPath $exe).VersionInfo.ProductVersion
}
$configPath = "$exe.config"
$config = $null
if (Test-Path -LiteralPath $configPath -PathType Leaf) {
    $config = [Convert]::ToBase64String([IO.File]::ReadAllBytes($configPath))
}

$pwned = Join-Path $Folder 'PwnedStore'
$output = Join-Path $Folder 'output\file'
$services = @(foreach ($pattern in $ServicePatterns) {
        Get-Service -Name $pattern -ErrorAction SilentlyContinue | ForEach-Object { $_.Name }
    })
$epeRest = $false
if (Get-Module -ListAvailable -Name WebAdministration) {
    Import-Module -Name WebAdministration
    $epeRest = [bool](Get-Website -Name 'EPE_REST' -ErrorAction SilentlyContinue)
}

$Ansible.Result = @{
    version = $version
    config = $config
    pwned_store = (Test-Path -LiteralPath $pwned -PathType Container)
    file_action_output = @(Get-ChildItem -LiteralPath $output -File -Recurse -ErrorAction SilentlyContinue).Count
    licenses = @(Get-ChildItem -LiteralPath $Folder -Filter '*.lic' -File -ErrorAction SilentlyContinue | ForEach-Object { $_.Name })
    services = $services
    epe_rest_site = $epeRest
}
