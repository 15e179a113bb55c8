# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Move the EM's secret with SecretMgr.exe, one side per call, never leaving the export on a disk:
#   -Mode Export  runs "SecretMgr.exe -e" on the old EM into a private folder and returns the export;
#   -Mode Import  writes the export (a SecureString, from the module's sensitive_parameters) into a private folder on
#                 the new EM, runs "SecretMgr.exe -i", checks that Secret.dpapi changed, and records what it imported;
#   -Mode Sweep   only removes what earlier runs left behind (Export and Import do that first as well).
# WorkRoot and the private folder made in it for each call admit only SYSTEM and Administrators
# (lib/private_folder.ps1). The vendor documents that an export lands in C:\Windows\SysWOW64 by default, and SecretMgr
# finds CertsInfo from its own folder, so an export may land in the private folder, in SysWOW64, in SecretMgr's folder
# or in any of OtherLocations: before the export, an empty private file of the export's name is made in each of those
# (a program that overwrites a file keeps its DACL), and afterwards every file of the call's name there is deleted,
# whatever happens. Files and folders of this collection's names older than 10 minutes are swept from those folders too
# (a run cut off leaves them; a younger one may belong to a run going on now). Secret.dpapi itself is only hashed, never
# copied or returned. The record (MarkerPath) holds hashes of Secret.dpapi files, never of the export, so a later run
# can tell that this import is in place.
#
# Result (Export): @{ content (base64 of the export); hmac (its HMAC-SHA256 keyed with Key); landed (where SecretMgr
#                     wrote it); landed_private (only SYSTEM and Administrators could open it there); leftovers }
# Result (Import): @{ imported_sha256 (of Secret.dpapi after the import); leftovers }
# Result (Sweep):  @{ swept; leftovers }
# swept: what earlier runs left and this call deleted; leftovers: this collection's files and folders that could not
# be deleted. Both are set even when the call fails.
[CmdletBinding()]
param (
    [Parameter(Mandatory = $true)]
    [ValidateSet('Export', 'Import', 'Sweep')]
    [string]$Mode,
    [Parameter(Mandatory = $true)]
    [string]$SecretMgr,
    # Parent of the private working folders; holds the record.
    [Parameter(Mandatory = $true)]
    [string]$WorkRoot,
    # Other folders SecretMgr may write an export to (SysWOW64 and SecretMgr's own folder are always searched).
    [string[]]$OtherLocations = @(),
    # A SecretMgr still running after this long is stopped. At most 8 minutes, so that a run going on is always younger
    # than what a sweep removes.
    [ValidateRange(1, 480)]
    [int]$TimeoutSeconds = 120,
    # Export and Import: the key of the HMAC that shows the export arrived whole, random for each call (base64). As a
    # SecureString it stays out of the module's invocation record, which Windows writes to the Application event log.
    [SecureString]$Key,
    # Import only: the export (base64), its HMAC, the Secret.dpapi it replaces, and the record to write (in WorkRoot:
    # it is renamed into place from the private folder, so both must be on one volume).
    [SecureString]$Export,
    [string]$ExportHmac,
    [string]$SecretFile,
    [string]$MarkerPath,
    [string]$Marker
)
$ErrorActionPreference = 'Stop'

#include private_folder

Function Get-SearchedFolder {
    # OtherLocations, the documented default location and SecretMgr's own folder, each once (names are case-insensitive).
    $seen = @{}
    foreach ($folder in @($OtherLocations) + 'C:\Windows\SysWOW64' + [IO.Path]::GetDirectoryName($SecretMgr)) {
        $folder = $folder.TrimEnd('\')
        if ($folder -and -not $seen.ContainsKey($folder)) {
            $seen[$folder] = $true
            $folder
        }
    }
}

Function ConvertFrom-SecureBase64([SecureString]$Value) {
    # The bytes a SecureString holds as base64; the plain text lives only as long as the conversion.
    $pointer = [Runtime.InteropServices.Marshal]::SecureStringToBSTR($Value)
    try {
        , [Convert]::FromBase64String([Runtime.InteropServices.Marshal]::PtrToStringBSTR($pointer))
    }
    finally {
        [Runtime.InteropServices.Marshal]::ZeroFreeBSTR($pointer)
    }
}

Function Get-Hex([byte[]]$Bytes) {
    [BitConverter]::ToString($Bytes).Replace('-', '').ToLowerInvariant()
}

Function Get-Hmac([byte[]]$Bytes) {
    $hmac = New-Object -TypeName Security.Cryptography.HMACSHA256 -ArgumentList (, (ConvertFrom-SecureBase64 -Value $Key))
    try {
        Get-Hex -Bytes $hmac.ComputeHash($Bytes)
    }
    finally {
        $hmac.Dispose()
    }
}

Function Get-FileSha256([string]$Path) {
    if (-not [IO.File]::Exists($Path)) {
        return $null
    }
    $sha256 = [Security.Cryptography.SHA256]::Create()
    try {
        Get-Hex -Bytes $sha256.ComputeHash([IO.File]::ReadAllBytes($Path))
    }
    finally {
        $sha256.Dispose()
    }
}

Function Remove-Swept([string]$Path, [switch]$Folder) {
    $left = Remove-KnownItem -Path $Path -Folder:$Folder
    if ($left) {
        $leftovers.Add($left)
    }
    else {
        $swept.Add($Path)
    }
}

Function Test-Stale([string]$Path) {
    # Not a link (this collection makes none), and last written before the cut-off.
    -not (Test-ReparsePoint -Path $Path) -and [IO.File]::GetLastWriteTimeUtc($Path) -lt $staleBefore
}

Function Invoke-Sweep([string[]]$Folders) {
    # Export files of this collection's names in each folder, and its private folders in WorkRoot with the files in
    # them. Nothing is recursed into: a private folder still holding anything else stays, and is reported.
    foreach ($folder in $Folders) {
        if ([IO.Directory]::Exists($folder)) {
            foreach ($path in [IO.Directory]::GetFiles($folder, 'tp-secret-*')) {
                if ([IO.Path]::GetFileName($path) -match $ownFile -and (Test-Stale -Path $path)) {
                    Remove-Swept -Path $path
                }
            }
        }
    }
    if (-not [IO.Directory]::Exists($WorkRoot)) {
        return
    }
    foreach ($folder in [IO.Directory]::GetDirectories($WorkRoot, 'tp-secret-*')) {
        if ([IO.Path]::GetFileName($folder) -match $ownFolder -and (Test-Stale -Path $folder)) {
            foreach ($path in [IO.Directory]::GetFiles($folder, 'tp-secret-*')) {
                if ([IO.Path]::GetFileName($path) -match $ownFile -and -not (Test-ReparsePoint -Path $path)) {
                    Remove-Swept -Path $path
                }
            }
            Remove-Swept -Path $folder -Folder
        }
    }
}

Function Remove-CallItem {
    # This call's files (every name that starts with its stem, whatever extension SecretMgr chose) wherever it made one
    # or, once SecretMgr ran, wherever SecretMgr may have written; then its private folder. Never throws.
    $folders = @($call.Folders)
    if ($call.Started) {
        $folders = @($work) + $searched
    }
    foreach ($folder in $folders) {
        try {
            $paths = @()
            if ([IO.Directory]::Exists($folder)) {
                $paths = [IO.Directory]::GetFiles($folder, "$stem*")
            }
        }
        catch {
            $leftovers.Add("$folder\$stem*")
            continue
        }
        foreach ($path in $paths) {
            $left = Remove-KnownItem -Path $path
            if ($left) {
                $leftovers.Add($left)
            }
        }
    }
    if ($call.WorkMade) {
        $left = Remove-KnownItem -Path $work -Folder
        if ($left) {
            $leftovers.Add($left)
        }
    }
}

Function Get-Tail([string]$Text) {
    # The end of a program's output, on one line: where a console tool says what went wrong.
    $flat = ($Text -replace '\s+', ' ').Trim()
    if ($flat.Length -gt 300) {
        $flat = '...' + $flat.Substring($flat.Length - 300)
    }
    $flat
}

Function Get-RunDetail($Run) {
    $parts = @()
    $errorTail, $outputTail = (Get-Tail -Text $Run.Error), (Get-Tail -Text $Run.Output)
    if ($errorTail) {
        $parts += "error output: $errorTail"
    }
    if ($outputTail) {
        $parts += "output: $outputTail"
    }
    if ($parts.Count -eq 0) {
        return 'no output'
    }
    $parts -join '; '
}

Function Start-Program([string]$FileName, [string]$Arguments) {
    # Standard input is a pipe that is closed at once, so a question gets end-of-file instead of an answer that never
    # comes; both output streams are read at the same time (a full pipe would block the program), decoded in the OEM
    # code page a console program writes in.
    $encoding = [Text.Encoding]::GetEncoding([Globalization.CultureInfo]::CurrentCulture.TextInfo.OEMCodePage)
    $info = New-Object -TypeName Diagnostics.ProcessStartInfo -Property @{
        FileName = $FileName; Arguments = $Arguments; WorkingDirectory = $work; UseShellExecute = $false
        CreateNoWindow = $true; RedirectStandardInput = $true; RedirectStandardOutput = $true
        RedirectStandardError = $true; StandardOutputEncoding = $encoding; StandardErrorEncoding = $encoding
    }
    $process = [Diagnostics.Process]::Start($info)
    $process.StandardInput.Close()
    [PSCustomObject]@{
        Process = $process; OutputRead = $process.StandardOutput.ReadToEndAsync()
        ErrorRead = $process.StandardError.ReadToEndAsync()
    }
}

Function Stop-ProcessTree([Diagnostics.Process]$Process) {
    # taskkill /T ends the process and every process it started (Process.Kill in .NET Framework ends only the one);
    # Kill is the fallback when taskkill cannot do it.
    try {
        $killer = Start-Program -FileName "$env:SystemRoot\System32\taskkill.exe" -Arguments "/PID $($Process.Id) /T /F"
        $null = $killer.Process.WaitForExit(30000)
        $killer.Process.Dispose()
    }
    catch {
        $null = $_  # taskkill is missing or refused: Kill below
    }
    if (-not $Process.WaitForExit(10000)) {
        $Process.Kill()
        $null = $Process.WaitForExit(10000)
    }
}

Function Invoke-SecretMgr([string]$Switch, [string]$File) {
    $call.Started = $true
    $started = Start-Program -FileName $SecretMgr -Arguments ('{0} "{1}"' -f $Switch, $File)
    $process = $started.Process
    try {
        $exited = $process.WaitForExit($TimeoutSeconds * 1000)
        if (-not $exited) {
            Stop-ProcessTree -Process $process
        }
        $null = [Threading.Tasks.Task]::WaitAll(@($started.OutputRead, $started.ErrorRead), 10000)
        $run = [PSCustomObject]@{ Output = ''; Error = '' }
        if ($started.OutputRead.IsCompleted) {
            $run.Output = $started.OutputRead.Result
        }
        if ($started.ErrorRead.IsCompleted) {
            $run.Error = $started.ErrorRead.Result
        }
        if (-not $exited) {
            throw ("SecretMgr.exe $Switch did not exit within $TimeoutSeconds seconds, so it was stopped, with any " +
                "process it started ($(Get-RunDetail -Run $run)). It may be waiting for an answer or for a file in use. " +
                "Run it by hand on this host to see what it waits for; raise secretmgr_timeout if it only needs longer.")
        }
        if ($process.ExitCode -ne 0) {
            throw "SecretMgr.exe $Switch failed (exit code $($process.ExitCode); $(Get-RunDetail -Run $run))."
        }
        $run
    }
    finally {
        $process.Dispose()
    }
}

Function Find-Export {
    # The first file of the call's name that is not empty (the files made beforehand are), private folder first.
    foreach ($folder in @($work) + $searched) {
        if ([IO.Directory]::Exists($folder)) {
            foreach ($path in [IO.Directory]::GetFiles($folder, "$stem*")) {
                if ((New-Object -TypeName IO.FileInfo -ArgumentList $path).Length -gt 0) {
                    return $path
                }
            }
        }
    }
}

Function Export-Secret {
    foreach ($folder in $searched) {
        if ([IO.Directory]::Exists($folder)) {
            $call.Folders += $folder
            New-PrivateFile -Path ([IO.Path]::Combine($folder, "$stem.export"))
        }
    }
    $run = Invoke-SecretMgr -Switch '-e' -File ([IO.Path]::Combine($work, "$stem.export"))
    $landed = Find-Export
    if (-not $landed) {
        throw ("SecretMgr.exe -e reported success but wrote no export named $stem* in " +
            "$((@($work) + $searched) -join ', ') ($(Get-RunDetail -Run $run)).")
    }
    $bytes = [IO.File]::ReadAllBytes($landed)
    $result.content = [Convert]::ToBase64String($bytes)
    $result.hmac = Get-Hmac -Bytes $bytes
    $result.landed = $landed
    $result.landed_private = Test-PrivateFile -Path $landed
}

Function Import-Secret {
    $bytes = ConvertFrom-SecureBase64 -Value $Export
    if ((Get-Hmac -Bytes $bytes) -ne $ExportHmac) {
        throw "the secret export arrived damaged (HMAC mismatch). Nothing was imported; run again."
    }
    # DPAPI output is salted: protecting a secret again gives other bytes, even the same secret on the same host. So
    # an import that leaves Secret.dpapi as it was imported nothing, whatever SecretMgr's exit code says.
    $before = Get-FileSha256 -Path $SecretFile
    $file = [IO.Path]::Combine($work, "$stem.export")
    [IO.File]::WriteAllBytes($file, $bytes)
    $run = Invoke-SecretMgr -Switch '-i' -File $file
    $imported = Get-FileSha256 -Path $SecretFile
    if (-not $imported -or $imported -eq $before) {
        $state = if ($imported) { 'did not change' } else { 'did not write' }
        throw ("SecretMgr.exe -i exited with code 0 but $state $SecretFile, so the secret was not imported: an import " +
            "protects the secret again, which gives new bytes every time. Nothing was recorded ($(Get-RunDetail -Run $run)).")
    }
    $record = $Marker | ConvertFrom-Json
    $record | Add-Member -NotePropertyName imported_sha256 -NotePropertyValue $imported -Force
    $temporary = [IO.Path]::Combine($work, "$stem.record")
    try {
        [IO.File]::WriteAllBytes($temporary, [Text.Encoding]::UTF8.GetBytes(($record | ConvertTo-Json -Compress)))
        if ([IO.File]::Exists($MarkerPath)) {
            [IO.File]::Replace($temporary, $MarkerPath, [NullString]::Value)
        }
        else {
            [IO.File]::Move($temporary, $MarkerPath)
        }
    }
    catch {
        # A .NET failure is a MethodInvocationException around the IOException; .NET Framework ends the system
        # message in the CRLF FormatMessage gives it.
        $failure = if ($_.Exception.InnerException) { $_.Exception.InnerException } else { $_.Exception }
        throw ("SecretMgr.exe -i imported the secret into $SecretFile, but the import record $MarkerPath could not " +
            "be written: $($failure.Message.Trim()) Run again: the re-run imports the same secret again and records it.")
    }
    $result.imported_sha256 = $imported
}

$result = @{ swept = @(); leftovers = @() }  # until the first step, nothing was made or deleted
$Ansible.Result = $result
$stem = 'tp-secret-{0}' -f [Guid]::NewGuid().ToString('N')
$work = [IO.Path]::Combine($WorkRoot, $stem)  # the first call ConstrainedLanguage mode refuses: nothing is made
$swept = New-Object -TypeName Collections.Generic.List[string]
$leftovers = New-Object -TypeName Collections.Generic.List[string]
$ownFile, $ownFolder = '^tp-secret-[0-9a-f]{32}', '^tp-secret-[0-9a-f]{32}$'
$call = @{ Folders = @(); Started = $false; WorkMade = $false }
try {
    $searched = @(Get-SearchedFolder)
    $staleBefore = [DateTime]::UtcNow.AddMinutes(-10)
    if ($Mode -ne 'Sweep' -or [IO.Directory]::Exists($WorkRoot)) {
        Use-PrivateFolder -Path $WorkRoot
    }
    Invoke-Sweep -Folders (@($WorkRoot) + $searched)
    if ($Mode -ne 'Sweep') {
        New-PrivateFolder -Path $work
        $call.WorkMade = $true
        $call.Folders += $work
        Assert-PrivateFolder -Path $work
        if ($Mode -eq 'Export') {
            Export-Secret
        }
        else {
            Import-Secret
        }
    }
}
finally {
    Remove-CallItem
    $result.swept = @($swept)
    $result.leftovers = @($leftovers)
}
