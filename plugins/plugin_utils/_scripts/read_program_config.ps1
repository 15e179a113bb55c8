# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Read a Threat Prevention program's service record and its .NET config file in one round trip,
# so that an agent which already points at the right Enterprise Manager costs one remote call.
# Changes nothing. Run by the win_powershell module; SupportsShouldProcess lets it run in
# check mode.
#
# Result: @{ service = $null | @{ name; display_name; state; start_mode; path; accepts_stop; started_ms }
#            config  = @{ path; exists; content (base64); sha256 (lower-case hex); last_write_ms } }
# started_ms (when the service's process started) and last_write_ms (when the file was last written)
# are Unix milliseconds: a file written after the process started has not been read by it yet.
[CmdletBinding(SupportsShouldProcess)]
param (
    # The service whose executable the config file belongs to; may be empty when ConfigPath is given.
    [string]$ServiceName,
    # An explicit config file; when empty, "<service executable><ConfigSuffix>" is read.
    [string]$ConfigPath,
    [string]$ConfigSuffix = '.config'
)
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

$service = $null
if ($ServiceName) {
    $wqlName = $ServiceName.Replace('\', '\\').Replace("'", "\'")
    $cim = Get-CimInstance -ClassName Win32_Service -Filter "Name='$wqlName'"
    if ($cim) {
        $state = switch ($cim.State) {
            'Running' { 'started' }
            'Stopped' { 'stopped' }
            'Paused' { 'paused' }
            'Start Pending' { 'start_pending' }
            'Stop Pending' { 'stop_pending' }
            'Continue Pending' { 'continue_pending' }
            'Pause Pending' { 'pause_pending' }
            default { $cim.State.ToLowerInvariant() }
        }
        $startMode = switch ($cim.StartMode) {
            'Auto' { if ($cim.DelayedAutoStart) { 'delayed' } else { 'auto' } }
            'Manual' { 'manual' }
            'Disabled' { 'disabled' }
            default { $cim.StartMode.ToLowerInvariant() }
        }
        $startedMs = $null
        if ($cim.ProcessId) {
            $process = Get-CimInstance -ClassName Win32_Process -Filter "ProcessId=$($cim.ProcessId)"
            if ($process) {
                $startedMs = ([DateTimeOffset]$process.CreationDate).ToUnixTimeMilliseconds()
            }
        }
        $service = @{
            name = $cim.Name
            display_name = $cim.DisplayName
            state = $state
            start_mode = $startMode
            path = $cim.PathName
            accepts_stop = [bool]$cim.AcceptStop
            started_ms = $startedMs
        }
    }
}

if (-not $ConfigPath -and $service) {
    # The executable is the quoted part of the command line, or the text up to ".exe".
    $commandLine = $service.path.Trim()
    if ($commandLine.StartsWith('"')) {
        $executable = $commandLine.Substring(1).Split('"')[0]
    }
    elseif ($commandLine -match '^(.+?\.exe)(?=\s|$)') {
        $executable = $Matches[1]
    }
    else {
        $executable = $commandLine.Split(' ')[0]
    }
    $ConfigPath = $executable + $ConfigSuffix
}

$config = @{ path = $ConfigPath; exists = $false; content = $null; sha256 = $null; last_write_ms = $null }
if ($ConfigPath -and (Test-Path -LiteralPath $ConfigPath -PathType Leaf)) {
    $bytes = [IO.File]::ReadAllBytes($ConfigPath)
    $config.sha256 = (Get-FileHash -InputStream ([IO.MemoryStream]::new($bytes)) -Algorithm SHA256).Hash.ToLowerInvariant()
    $config.exists = $true
    $config.content = [Convert]::ToBase64String($bytes)
    $config.last_write_ms = ([DateTimeOffset](Get-Item -LiteralPath $ConfigPath).LastWriteTimeUtc).ToUnixTimeMilliseconds()
}

$Ansible.Result = @{ service = $service; config = $config }
