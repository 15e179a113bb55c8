# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Prove, in one round trip, what an agent needs of the Enterprise Manager it is about to be pointed at: that the
# EM service runs, which of the given ports listen on this host, the CA certificate in its CertsInfo (public; the
# controller compares it with the agent's own ca-crt.pem), and this host's IP addresses (the controller checks that
# the address written to agents resolves to one of them). Changes nothing; SupportsShouldProcess lets it run in
# check mode.
#
# Result: @{ language_mode; service = $null | @{ name; display_name; state; start_mode; path; accepts_stop; started_ms }
#            listening = @( ports ); ca = $null | @{ path; exists; content (base64) }; addresses = @( IP addresses );
#            computer_name }, or only @{ language_mode } outside FullLanguage mode.
[CmdletBinding(SupportsShouldProcess)]
param (
    [Parameter(Mandatory = $true)]
    [string]$ServiceName,
    # The CA certificate, relative to the EM's install folder.
    [string]$CaFile = 'CertsInfo\Ca-crt.pem',
    # The ports to report on (3741 for agents, 3740 for consoles).
    [int[]]$Ports = @(3741, 3740),
    # A certificate is a few KiB; a larger file is not sent.
    [int]$MaxBytes = 1048576
)
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

#include language_guard

#include service_record

$service = Get-ServiceRecord $ServiceName
$ca = $null
if ($service) {
    $caPath = [IO.Path]::Combine([IO.Path]::GetDirectoryName((Get-ServiceExecutable $service.path)), $CaFile)
    $ca = @{ path = $caPath; exists = $false; content = $null }
    $caInfo = [IO.FileInfo]::new($caPath)
    if ($caInfo.Exists -and $caInfo.Length -le $MaxBytes) {
        $ca.content = [Convert]::ToBase64String([IO.File]::ReadAllBytes($caPath))
        $ca.exists = $true
    }
}

# Listening sockets of every process (the EM's own listeners among them); no elevation needed.
$listeners = @([Net.NetworkInformation.IPGlobalProperties]::GetIPGlobalProperties().GetActiveTcpListeners() |
        ForEach-Object { $_.Port })
$listening = @($Ports | Where-Object { $listeners -contains $_ })

$addresses = @([Net.NetworkInformation.NetworkInterface]::GetAllNetworkInterfaces() |
        Where-Object { $_.OperationalStatus -eq 'Up' -and $_.NetworkInterfaceType -ne 'Loopback' } |
        ForEach-Object { $_.GetIPProperties().UnicastAddresses } |
        ForEach-Object { $_.Address.IPAddressToString })

$Ansible.Result = @{ language_mode = 'FullLanguage'; service = $service; listening = $listening; ca = $ca
    addresses = $addresses; computer_name = [Environment]::MachineName
}
