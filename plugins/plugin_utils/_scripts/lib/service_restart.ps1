# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Stop and start a service and wait for each, with a deadline. Included (#include service_restart) by
# replace_file.ps1, which restarts an agent in the same round trip as the write that it must read.
#
# System.ServiceProcess.ServiceController is what Restart-Service uses; it is called directly because
# Restart-Service waits without a deadline, and a service that exits while it starts would hold the script
# until the WinRM operation timeout. The errors keep the words of Start-Service and Stop-Service
# ("Service 'Display (Name)' cannot be started due to the following error: ..."), which is what users search for.

Function Get-ServiceControlError([Management.Automation.ErrorRecord]$ErrorRecord) {
    # A .NET method called from PowerShell throws MethodInvocationException; the service controller's own
    # InvalidOperationException ("Cannot start service X on computer '.'.") is its inner exception.
    $exception = $ErrorRecord.Exception
    if ($exception.InnerException) {
        $exception = $exception.InnerException
    }
    $exception.Message
}

Function Stop-ServiceWithin([ServiceProcess.ServiceController]$Controller, [int]$TimeoutSeconds) {
    $Controller.Refresh()
    if ($Controller.Status -eq [ServiceProcess.ServiceControllerStatus]::Stopped) {
        return
    }
    $label = "Service '{0} ({1})'" -f $Controller.DisplayName, $Controller.ServiceName
    try {
        $Controller.Stop()
    }
    catch {
        throw "$label cannot be stopped due to the following error: $(Get-ServiceControlError $_)"
    }
    try {
        $Controller.WaitForStatus([ServiceProcess.ServiceControllerStatus]::Stopped, [TimeSpan]::FromSeconds($TimeoutSeconds))
    }
    catch {
        throw "$label did not stop within $TimeoutSeconds seconds."
    }
}

Function Start-ServiceWithin([ServiceProcess.ServiceController]$Controller, [int]$TimeoutSeconds) {
    # Running, or a terminating error: the service stopped again while starting, or the deadline passed.
    $label = "Service '{0} ({1})'" -f $Controller.DisplayName, $Controller.ServiceName
    try {
        $Controller.Start()
    }
    catch {
        throw "$label cannot be started due to the following error: $(Get-ServiceControlError $_)"
    }
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while ($true) {
        $Controller.Refresh()
        $status = $Controller.Status
        if ($status -eq [ServiceProcess.ServiceControllerStatus]::Running) {
            return
        }
        if ($status -eq [ServiceProcess.ServiceControllerStatus]::Stopped) {
            throw "$label cannot be started due to the following error: it stopped while starting (see the System event log)."
        }
        if ([DateTime]::UtcNow -gt $deadline) {
            throw "$label did not reach Running within $TimeoutSeconds seconds (it is $status)."
        }
        Start-Sleep -Milliseconds 250
    }
}

Function Get-RunningDependentService([ServiceProcess.ServiceController]$Controller) {
    # ServiceController.Stop() would stop these too and leave them stopped; Restart-Service refuses instead.
    @($Controller.DependentServices | Where-Object { $_.Status -ne [ServiceProcess.ServiceControllerStatus]::Stopped } |
        ForEach-Object { $_.ServiceName })
}
