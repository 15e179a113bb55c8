# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# One service's record from the service control manager, in the words win_service uses (started, auto, ...),
# with when its process started (Unix milliseconds): a file written after that has not been read by it yet.
# Included (#include service_record) by the scripts that read a service and its files in one round trip.
function Get-ServiceRecord {
    param ([string]$Name)
    $wqlName = $Name.Replace('\', '\\').Replace("'", "\'")
    $cim = Get-CimInstance -ClassName Win32_Service -Filter "Name='$wqlName'"
    if (-not $cim) {
        return $null
    }
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
    @{
        name = $cim.Name
        display_name = $cim.DisplayName
        state = $state
        start_mode = $startMode
        path = $cim.PathName
        accepts_stop = [bool]$cim.AcceptStop
        started_ms = $startedMs
    }
}

# The executable of a service's command line: the quoted part, or the text up to ".exe".
function Get-ServiceExecutable {
    param ([string]$CommandLine)
    $commandLine = $CommandLine.Trim()
    if ($commandLine.StartsWith('"')) {
        return $commandLine.Substring(1).Split('"')[0]
    }
    if ($commandLine -match '^(.+?\.exe)(?=\s|$)') {
        return $Matches[1]
    }
    $commandLine.Split(' ')[0]
}
