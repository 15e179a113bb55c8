# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Read what the migration preflight and report need from an Enterprise Manager host, in one round
# trip: the product version of SIEnterpriseManager.exe, the bytes of SIEnterpriseManager.exe.config
# (the controller extracts the SQL server and database names and nothing else), the host-local
# things the vendor's migration procedure leaves to a person, and what would expose secrets moved
# through PowerShell on this host: its language mode and its PowerShell logging policies. Changes
# nothing; SupportsShouldProcess lets it run in check mode.
#
# Result: @{ version; config (base64 or $null); config_too_large; pwned_store; file_action_output; licenses;
#            services; epe_rest_site; powershell = @{ edition; version }; powershell_logging = @{ module_logging;
#            transcription; script_block_logging } }, or only @{ language_mode } outside FullLanguage mode.
[CmdletBinding(SupportsShouldProcess)]
param (
    # The EM install folder (...\SIEnterpriseManager).
    [Parameter(Mandatory = $true)]
    [string]$Folder,
    [string]$Executable = 'SIEnterpriseManager.exe',
    # Services that sit beside the EM on some installs (Reporting, Scheduler, the Reporting Module), by name or display name.
    [string[]]$ServicePatterns = @('SIReportingService', 'SISchedulerService', 'StealthDEFEND*'),
    # A config larger than this is not read (an EM config is a few KiB).
    [int]$MaxBytes = 1048576
)
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

#include language_guard

$exe = [IO.Path]::Combine($Folder, $Executable)
$version = $null
if (Test-Path -LiteralPath $exe -PathType Leaf) {
    $version = (Get-Item -LiteralPath $exe).VersionInfo.ProductVersion
}
$configPath = "$exe.config"
$config = $null
$configTooLarge = $false
if (Test-Path -LiteralPath $configPath -PathType Leaf) {
    if ((Get-Item -LiteralPath $configPath).Length -gt $MaxBytes) {
        $configTooLarge = $true
    }
    else {
        $config = [Convert]::ToBase64String([IO.File]::ReadAllBytes($configPath))
    }
}

# The vendor documents these services by display name ("StealthDEFEND Web Service"), the KB articles by name.
$found = @(foreach ($pattern in $ServicePatterns) {
        Get-Service -Name $pattern -ErrorAction SilentlyContinue
        Get-Service -DisplayName $pattern -ErrorAction SilentlyContinue
    })
$services = @($found | Sort-Object -Property Name -Unique | ForEach-Object { $_.Name })

$epeRest = $false
if (Get-Module -ListAvailable -Name WebAdministration) {
    Import-Module -Name WebAdministration
    $epeRest = [bool](Get-Website -Name 'EPE_REST' -ErrorAction SilentlyContinue)
}

# Module logging records every cmdlet's parameters (event 4103), including the module arguments the exec wrapper
# reads with ConvertFrom-Json; transcription writes the session's input and output to files. Both would record
# private keys and the secret export while they move. Script block logging (4104) records script text only.
$policies = [ordered]@{
    module_logging = @('ModuleLogging', 'EnableModuleLogging')
    transcription = @('Transcription', 'EnableTranscripting')
    script_block_logging = @('ScriptBlockLogging', 'EnableScriptBlockLogging')
}
$logging = @{}
foreach ($name in $policies.Keys) {
    $logging[$name] = $false
    foreach ($root in 'HKLM:\SOFTWARE\Policies\Microsoft\Windows\PowerShell', 'HKLM:\SOFTWARE\Policies\Microsoft\PowerShellCore') {
        $key, $value = $policies[$name]
        $item = Get-ItemProperty -LiteralPath "$root\$key" -Name $value -ErrorAction SilentlyContinue
        if ($item -and [int]$item.$value -eq 1) {
            $logging[$name] = $true
        }
    }
}

$output = [IO.Path]::Combine($Folder, 'output\file')
$Ansible.Result = @{
    version = $version
    config = $config
    config_too_large = $configTooLarge
    pwned_store = (Test-Path -LiteralPath ([IO.Path]::Combine($Folder, 'PwnedStore')) -PathType Container)
    file_action_output = @(Get-ChildItem -LiteralPath $output -File -Recurse -ErrorAction SilentlyContinue).Count
    licenses = @(Get-ChildItem -LiteralPath $Folder -Filter '*.lic' -File -ErrorAction SilentlyContinue | ForEach-Object { $_.Name })
    services = $services
    epe_rest_site = $epeRest
    powershell = @{ edition = [string]$PSVersionTable.PSEdition; version = [string]$PSVersionTable.PSVersion }
    powershell_logging = $logging
}
