# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# List the agents an Enterprise Manager knows, through its own PowerShell API (the Agents grid of
# the Administration Console). The account running this must hold the Threat Prevention
# administrator role. Changes nothing; SupportsShouldProcess lets it run in check mode.
#
# Output: the objects Get-SIAgentStatus emits, one per agent, with their properties as they are.
[CmdletBinding(SupportsShouldProcess)]
param (
    # SI.SIMonitor.PowerShell.dll in the Enterprise Manager's install folder.
    [Parameter(Mandatory = $true)]
    [string]$ModulePath,
    [string]$Address = '127.0.0.1',
    [int]$Port = 3740
)
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

Import-Module -Name $ModulePath
$null = Connect-SIEnterpriseManager -Address $Address -Port $Port
Get-SIAgentStatus
