# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Move the EM's secret with SecretMgr.exe, one side per call, never leaving the export on a disk:
#   -Mode Export  runs "SecretMgr.exe -e" on the old EM into a private folder and returns the export;
#   -Mode Import  writes the export (a SecureString, from the module's sensitive_parameters) into a
#                 private folder on the new EM, runs "SecretMgr.exe -i", and records what it imported.
# The private folder is restricted to SYSTEM and Administrators and removed whatever happens. The
# vendor documents that an export lands in C:\Windows\SysWOW64 by default, so every folder in
# OtherLocations is searched and cleaned too, including exports left by an earlier run that was cut
# off. Secret.dpapi itself is never read or copied. The record (MarkerPath) holds hashes of
# Secret.dpapi files, never of the export, so a later run can tell that this import is in place.
#
# Result (Export): @{ content (base64 of the export); sha256; landed (where SecretMgr wrote it) }
# Result (Import): @{ imported_sha256 (of Secret.dpapi after the import) }
[CmdletBinding()]
param (
    [Parameter(Mandatory = $true)]
    [ValidateSet('Export', 'Import')]
    [string]$Mode,
    [Parameter(Mandatory = $true)]
    [string]$SecretMgr,
    # Parent of the private working folder.
    [Parameter(Mandatory = $true)]
    [string]$WorkRoot,
    # Other folders SecretMgr may write an export to.
    [string[]]$OtherLocations = @(),
    # Import only: the export, its SHA-256, the Secret.dpapi it replaces, and the record to write.
    [SecureString]$Export,
    [string]$ExportSha256,
    [string]$SecretFile,
    [string]$MarkerPath,
    [string]$Marker
)
$ErrorActionPreference = 'Stop'

Function Get-Sha256Hex([byte[]]$Bytes) {
    (Get-FileHash -InputStream ([IO.MemoryStream]::new($Bytes)) -Algorithm SHA256).Hash.ToLowerInvariant()
}

Function Remove-Export([string[]]$Folders) {
    foreach ($folder in $Folders) {
        if (Test-Path -LiteralPath $folder -PathType Container) {
            Get-ChildItem -LiteralPath $folder -Filter 'tp-secret-*.export' -File -Force | Remove-Item -Force
            Get-ChildItem -LiteralPath $folder -Filter 'tp-secret-*' -Directory -Force | Remove-Item -Recurse -Force
        }
    }
}

Function New-PrivateFolder([string]$Path) {
    $null = New-Item -ItemType Directory -Path $Path -Force
    $acl = New-Object -TypeName Security.AccessControl.DirectorySecurity
    $acl.SetAccessRuleProtection($true, $false)
    foreach ($sid in 'S-1-5-18', 'S-1-5-32-544') {
        $identity = New-Object -TypeName Security.Principal.SecurityIdentifier -ArgumentList $sid
        $acl.AddAccessRule((New-Object -TypeName Security.AccessControl.FileSystemAccessRule -ArgumentList @(
                    $identity, 'FullControl', 'ContainerInherit, ObjectInherit', 'None', 'Allow')))
    }
    Set-Acl -LiteralPath $Path -AclObject $acl
}

Function Invoke-SecretMgr([string]$Switch, [string]$File, [string]$WorkingDirectory) {
    $info = New-Object -TypeName Diagnostics.ProcessStartInfo -Property @{
        FileName = $SecretMgr; Arguments = ('{0} "{1}"' -f $Switch, $File); WorkingDirectory = $WorkingDirectory
        UseShellExecute = $false; CreateNoWindow = $true; RedirectStandardOutput = $true; RedirectStandardError = $true
    }
    $process = [Diagnostics.Process]::Start($info)
    $errorRead = $process.StandardError.ReadToEndAsync()  # both streams at once: a full pipe must not block it
    $null = $process.StandardOutput.ReadToEnd()
    $process.WaitForExit()
    $errorText = $errorRead.Result.Trim()
    if ($process.ExitCode -ne 0) {
        $detail = if ($errorText) { $errorText.Substring(0, [Math]::Min(200, $errorText.Length)) } else { 'no error text' }
        throw "SecretMgr.exe $Switch failed (exit code $($process.ExitCode): $detail)."
    }
}

$folders = @($WorkRoot) + $OtherLocations
Remove-Export -Folders $folders
$work = Join-Path $WorkRoot ('tp-secret-{0}' -f [Guid]::NewGuid().ToString('N'))
$name = 'tp-secret-{0}.export' -f [Guid]::NewGuid().ToString('N')
try {
    New-PrivateFolder -Path $work
    if ($Mode -eq 'Export') {
        Invoke-SecretMgr -Switch '-e' -File (Join-Path $work $name) -WorkingDirectory $work
        $landed = @($work) + $OtherLocations | ForEach-Object { Join-Path $_ $name } |
            Where-Object { Test-Path -LiteralPath $_ -PathType Leaf } | Select-Object -First 1
        if (-not $landed) {
            throw "SecretMgr.exe -e reported success but wrote no export in $((@($work) + $OtherLocations) -join ', ')."
        }
        $bytes = [IO.File]::ReadAllBytes($landed)
        $Ansible.Result = @{ content = [Convert]::ToBase64String($bytes); sha256 = (Get-Sha256Hex $bytes); landed = $landed }
    }
    else {
        $pointer = [Runtime.InteropServices.Marshal]::SecureStringToBSTR($Export)
        try {
            $bytes = [Convert]::FromBase64String([Runtime.InteropServices.Marshal]::PtrToStringBSTR($pointer))
        }
        finally {
            [Runtime.InteropServices.Marshal]::ZeroFreeBSTR($pointer)
        }
        if ((Get-Sha256Hex $bytes) -ne $ExportSha256) {
            throw "the secret export arrived damaged (SHA-256 mismatch). Nothing was imported; run again."
        }
        [IO.File]::WriteAllBytes((Join-Path $work $name), $bytes)
        Invoke-SecretMgr -Switch '-i' -File (Join-Path $work $name) -WorkingDirectory $work
        $imported = (Get-FileHash -LiteralPath $SecretFile -Algorithm SHA256).Hash.ToLowerInvariant()
        $record = $Marker | ConvertFrom-Json
        $record | Add-Member -NotePropertyName imported_sha256 -NotePropertyValue $imported -Force
        $null = New-Item -ItemType Directory -Path ([IO.Path]::GetDirectoryName($MarkerPath)) -Force
        Set-Content -LiteralPath "$MarkerPath.tmp" -Value ($record | ConvertTo-Json -Compress) -Encoding UTF8
        Move-Item -LiteralPath "$MarkerPath.tmp" -Destination $MarkerPath -Force
        $Ansible.Result = @{ imported_sha256 = $imported }
    }
}
finally {
    Remove-Export -Folders $folders
}
