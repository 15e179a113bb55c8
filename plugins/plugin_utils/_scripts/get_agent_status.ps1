# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# List the agents an Enterprise Manager knows, through its own PowerShell API (the Agents grid of
# the Administration Console). The account running this must hold the Threat Prevention
# administrator role. Changes nothing; SupportsShouldProcess lets it run in check mode.
#
# Output: one hashtable per agent, property name -> [string] of its value. The vendor does not say
# what Get-SIAgentStatus writes; whatever it is (typed objects with enum and nested values, one
# list of them, DataRows, one DataTable), win_powershell would expand it into nested dictionaries,
# so it is flattened here: collections are unrolled one level (a DataTable into its rows), and each
# row becomes its properties' [string] forms (a dictionary by its keys, a DataRow by its columns).
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

# The module is a .NET Framework assembly; PowerShell 7 runs on .NET and may not load it. The caller
# recognises this text and runs the script again with powershell.exe.
if ($PSVersionTable.PSEdition -eq 'Core') {
    throw "get_agent_status needs Windows PowerShell 5.1: the Enterprise Manager's PowerShell module is a .NET Framework module, and this is PowerShell $($PSVersionTable.PSVersion) (Core)."
}

Import-Module -Name $ModulePath
$null = Connect-SIEnterpriseManager -Address $Address -Port $Port
Get-SIAgentStatus | ForEach-Object { $_ } | ForEach-Object {
    $agent = $_
    $row = @{}
    if ($agent -is [System.Collections.IDictionary]) {
        foreach ($key in $agent.Keys) {
            $row[[string]$key] = [string]$agent[$key]
        }
    }
    elseif ($agent -is [System.Data.DataRow]) {
        foreach ($column in $agent.Table.Columns) {
            $row[$column.ColumnName] = [string]$agent[$column]
        }
    }
    else {
        foreach ($property in $agent.PSObject.Properties) {
            $row[$property.Name] = [string]$property.Value
        }
    }
    $row
}
