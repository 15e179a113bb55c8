# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Atomic file replacement, shared by the scripts that write (replace_file.ps1), that prove the write works on a
# host before anything changes (read_program_config.ps1's self-test) and that remove what an interrupted write
# left behind (the sweep). A script includes it with "#include atomic_replace".
#
# New bytes go to a temporary file beside the target, created with the target's DACL (a private key's temporary
# copy is never readable by more accounts than the key itself), read back, then swapped in with [IO.File]::Replace
# (Win32 ReplaceFile), which keeps the original's DACL and attributes. ReplaceFile is always given a backup name,
# the caller's or an internal one removed after success: only with a backup is every documented failure
# recoverable (1176 then leaves both files as they were; 1177 leaves the original under the backup name, from where
# it is put back). Access denied (5), sharing violations (32) and ERROR_UNABLE_TO_REMOVE_REPLACED (1175), which
# antivirus or the indexer opening the fresh file cause, are retried. A backup name is never $null: PowerShell
# passes $null to a .NET string parameter as "", which File.Replace refuses (PowerShell/PowerShell#11515).
#
# Names this library makes beside a file N (Get-TemporaryPath), and only these, are swept:
#   .N.<8 hex>.tmp          the new content on its way in
#   .N.<8 hex>.bak.tmp      the internal backup ReplaceFile makes when the caller keeps none
#   .N.<8 hex>.selftest.tmp a self-test's scratch file, and ..N.<8 hex>.selftest.tmp.<8 hex>[.bak].tmp its own

Function Get-Sha256Hex([byte[]]$Bytes) {
    (Get-FileHash -InputStream ([IO.MemoryStream]::new($Bytes)) -Algorithm SHA256).Hash.ToLowerInvariant()
}

Function Get-TemporaryPath([string]$Path, [string]$Suffix) {
    # '.<name>.<8 hex>.<suffix>' beside the file.
    $name = '.{0}.{1}.{2}' -f [IO.Path]::GetFileName($Path), [Guid]::NewGuid().ToString('N').Substring(0, 8), $Suffix
    [IO.Path]::Combine([IO.Path]::GetDirectoryName($Path), $name)
}

Function Get-TemporaryNamePattern([string]$Name) {
    # Every name Get-TemporaryPath and Test-AtomicReplace give beside a file called $Name.
    '^(\.{0}\.[0-9a-f]{{8}}(\.bak|\.selftest)?|\.\.{0}\.[0-9a-f]{{8}}\.selftest\.tmp\.[0-9a-f]{{8}}(\.bak)?)\.tmp$' -f [regex]::Escape($Name)
}

Function Remove-FileQuietly([string]$Path) {
    # Delete one of our own files; $false when it cannot be (a later sweep removes it).
    try {
        [IO.File]::Delete($Path)
        $true
    }
    catch {
        $false
    }
}

Function Get-FileDacl([string]$Path) {
    # The file's DACL only (an owner other than ours could not be given to a new file). .NET Framework has it on
    # File; PowerShell 7's .NET has it as an extension method instead.
    $access = [Security.AccessControl.AccessControlSections]::Access
    if ($PSVersionTable.PSEdition -eq 'Core') {
        return [IO.FileSystemAclExtensions]::GetAccessControl([IO.FileInfo]::new($Path), $access)
    }
    [IO.File]::GetAccessControl($Path, $access)
}

Function Write-NewFile([string]$Path, [byte[]]$Bytes, [Security.AccessControl.FileSecurity]$Security) {
    # CreateNew never overwrites. With $Security the file is born with that DACL; without, it inherits the folder's.
    if ($Security -and $PSVersionTable.PSEdition -eq 'Core') {
        $stream = [IO.FileSystemAclExtensions]::Create([IO.FileInfo]::new($Path), [IO.FileMode]::CreateNew,
            [Security.AccessControl.FileSystemRights]::Write, [IO.FileShare]::None, 4096, [IO.FileOptions]::None, $Security)
    }
    elseif ($Security) {
        $stream = [IO.FileStream]::new($Path, [IO.FileMode]::CreateNew, [Security.AccessControl.FileSystemRights]::Write,
            [IO.FileShare]::None, 4096, [IO.FileOptions]::None, $Security)
    }
    else {
        $stream = [IO.File]::Open($Path, [IO.FileMode]::CreateNew, [IO.FileAccess]::Write, [IO.FileShare]::None)
    }
    try {
        $stream.Write($Bytes, 0, $Bytes.Length)
        $stream.Flush($true)
    }
    finally {
        $stream.Dispose()
    }
}

Function Get-Win32Failure([Management.Automation.ErrorRecord]$ErrorRecord) {
    # A failed .NET file call: its message, and the Win32 error .NET keeps in the HRESULT (0x8007xxxx).
    $exception = $ErrorRecord.Exception
    if ($exception.InnerException) {
        $exception = $exception.InnerException
    }
    @{ code = $exception.HResult -band 0xFFFF; message = $exception.Message; attempts = 1 }
}

Function Invoke-ReplaceFile([string]$Replacement, [string]$Path, [string]$Backup) {
    # [IO.File]::Replace, retried while Windows reports what a scanner holding a file causes (5, 32, 1175).
    # Returns $null once $Path holds the replacement, else the last failure.
    $attempt = 1
    while ($true) {
        try {
            [IO.File]::Replace($Replacement, $Path, $Backup)
            return $null
        }
        catch {
            $failure = Get-Win32Failure $_
            $failure.attempts = $attempt
        }
        if ($attempt -ge 5 -or @(5, 32, 1175) -notcontains $failure.code) {
            return $failure
        }
        Start-Sleep -Milliseconds (100 * $attempt)
        $attempt++
    }
}

Function Repair-FailedReplace([string]$Path, [string]$Temporary, [string]$Backup) {
    # After ReplaceFile failed for good: $Path must exist again. Returns what state the files are in.
    if ([IO.File]::Exists($Path)) {
        if (Remove-FileQuietly $Temporary) {
            return "$Path was not changed."
        }
        return "$Path was not changed; the temporary file $Temporary could not be removed (a later run removes it)."
    }
    if ([IO.File]::Exists($Backup)) {
        try {
            [IO.File]::Move($Backup, $Path)
        }
        catch {
            return "$Path is missing: its previous content is at $Backup and the new content at $Temporary. Move $Backup back to $Path."
        }
        $null = Remove-FileQuietly $Temporary
        return "ReplaceFile had moved $Path to $Backup; it was put back, so $Path holds its previous content and nothing was changed."
    }
    try {
        [IO.File]::Move($Temporary, $Path)
    }
    catch {
        return "$Path is missing and no backup of it exists; the new content is at $Temporary. Move it to $Path."
    }
    "$Path was missing and no backup of it existed, so the new content was moved in from $Temporary: $Path holds the new content."
}

Function Set-FileAtomically([string]$Path, [byte[]]$Bytes, [string]$Sha256, [string]$BackupPath) {
    # $Bytes at $Path, whole or not at all: a new file is moved in, an existing one replaced (its previous content
    # kept at $BackupPath when given). Throws saying what state the files are in.
    $exists = [IO.File]::Exists($Path)
    $security = $null
    if ($exists) {
        $security = Get-FileDacl $Path
    }
    $temporary = Get-TemporaryPath $Path 'tmp'
    try {
        Write-NewFile $temporary $Bytes $security
        $readBack = Get-Sha256Hex ([IO.File]::ReadAllBytes($temporary))
    }
    catch {
        $null = Remove-FileQuietly $temporary
        throw
    }
    if ($readBack -ne $Sha256) {
        $null = Remove-FileQuietly $temporary
        throw "the temporary copy of $Path does not read back as written. Nothing was changed."
    }
    if (-not $exists) {
        try {
            [IO.File]::Move($temporary, $Path)
        }
        catch {
            $null = Remove-FileQuietly $temporary
            throw
        }
        return
    }
    $backup = $BackupPath
    if ($backup) {
        $null = [IO.Directory]::CreateDirectory([IO.Path]::GetDirectoryName($backup))
    }
    else {
        $backup = Get-TemporaryPath $Path 'bak.tmp'
    }
    $failure = Invoke-ReplaceFile $temporary $Path $backup
    if ($failure) {
        $state = Repair-FailedReplace $Path $temporary $backup
        $message = ('replacing {0} failed after {1} attempt(s): {2} (Win32 error {3}). {4} Antivirus or the search ' +
            'indexer holding new files open is the usual cause: exclude {5} from scanning, then run again.') -f $Path,
            $failure.attempts, $failure.message.Trim().TrimEnd('.'), $failure.code, $state, [IO.Path]::GetDirectoryName($Path)
        throw $message
    }
    if (-not $BackupPath) {
        $null = Remove-FileQuietly $backup
    }
}

Function Remove-StaleTemporaryFile([string]$Folder, [string[]]$Names) {
    # Delete what interrupted writes of these files left in $Folder: only names this library makes, and only when
    # older than 10 minutes (a live write lasts seconds). Returns the paths removed.
    $folderInfo = [IO.DirectoryInfo]::new($Folder)
    if (-not $folderInfo.Exists) {
        return
    }
    $patterns = @(foreach ($name in $Names) { Get-TemporaryNamePattern $name })
    $cutoff = [DateTime]::UtcNow.AddMinutes(-10)
    foreach ($file in $folderInfo.GetFiles()) {
        $ours = @($patterns | Where-Object { $file.Name -match $_ }).Count -gt 0
        if ($ours -and $file.LastWriteTimeUtc -lt $cutoff -and (Remove-FileQuietly $file.FullName)) {
            $file.FullName
        }
    }
}

Function Read-WrittenRecord([string]$Path) {
    # The SHA-256 a record of what the collection wrote names; $null when there is none or it cannot be read.
    $info = [IO.FileInfo]::new($Path)
    if (-not $info.Exists -or $info.Length -gt 4096) {
        return $null
    }
    try {
        $record = [IO.File]::ReadAllText($Path) | ConvertFrom-Json
    }
    catch {
        return $null
    }
    if ($record.sha256 -is [string] -and $record.sha256 -match '^[0-9a-f]{64}$') {
        return $record.sha256
    }
    $null
}

Function Write-WrittenRecord([string]$Path, [string]$Target, [string]$Sha256) {
    # Record, atomically, that the collection wrote $Target with this SHA-256.
    $json = [ordered]@{ path = $Target; sha256 = $Sha256; written_utc = [DateTime]::UtcNow.ToString('o') } |
        ConvertTo-Json -Compress
    $bytes = [Text.UTF8Encoding]::new($false).GetBytes($json)
    Set-FileAtomically $Path $bytes (Get-Sha256Hex $bytes) ''
}

Function Test-AtomicReplace([string]$Folder, [string]$Name) {
    # Prove in $Folder what Set-FileAtomically does for $Name: create a scratch file, replace it keeping a backup,
    # replace it without one, read it back each time, then remove everything. Returns @{ ok; step; error; left }.
    $scratchName = '.{0}.{1}.selftest.tmp' -f $Name, [Guid]::NewGuid().ToString('N').Substring(0, 8)
    $scratch = [IO.Path]::Combine($Folder, $scratchName)
    $backup = Get-TemporaryPath $scratch 'bak.tmp'
    $steps = @('create a scratch file', 'replace it keeping a backup', 'replace it without a backup')
    $result = @{ ok = $true; folder = $Folder; step = $null; error = $null; left = @() }
    $previous = $null
    try {
        for ($round = 0; $round -lt 3; $round++) {
            $result.step = $steps[$round]
            $bytes = [Text.UTF8Encoding]::new($false).GetBytes("netwrix.threat_prevention self-test, step $round")
            $sha256 = Get-Sha256Hex $bytes
            $keep = ''
            if ($round -eq 1) {
                $keep = $backup
            }
            Set-FileAtomically $scratch $bytes $sha256 $keep
            if ((Get-Sha256Hex ([IO.File]::ReadAllBytes($scratch))) -ne $sha256) {
                throw "$scratch does not read back as written."
            }
            if ($keep -and (Get-Sha256Hex ([IO.File]::ReadAllBytes($keep))) -ne (Get-Sha256Hex $previous)) {
                throw "the backup $keep does not hold the previous content."
            }
            $previous = $bytes
        }
        $result.step = 'remove the scratch files'
    }
    catch {
        $result.ok = $false
        $result.error = $_.Exception.Message
    }
    $result.left = @(foreach ($file in [IO.Directory]::GetFiles($Folder, "*$scratchName*")) {
            if (-not (Remove-FileQuietly $file)) {
                $file
            }
        })
    if ($result.ok -and $result.left.Count -gt 0) {
        $result.ok = $false
        $result.error = 'the scratch files could not be removed.'
    }
    if ($result.ok) {
        $result.step = $null
    }
    $result
}
