#!powershell
# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

#AnsibleRequires -CSharpUtil Ansible.Basic

# Test support for the integration targets: lay out a stand-in of Threat Prevention on a Windows host
# that has none, under one root folder, read it back, and remove it again. Files are written byte for byte (and
# protected with DPAPI in machine scope when asked, as Secret.dpapi is); services are registered,
# stopped, for executables that are never started (compiled with a product version when one is
# given, so that VersionInfo.ProductVersion reads it); a stub SecretMgr.exe is compiled that moves
# Secret.dpapi as the product's does (-e exports it unprotected, -i protects it again); a stub of the
# EM's PowerShell module answers Connect-SIEnterpriseManager and Get-SIAgentStatus with typed
# objects (the status an enum), as a binary cmdlet would. state=query changes nothing: it lists what is
# under the root and returns the bytes of the files named in read (unprotected with DPAPI when asked),
# so that a target can compare a file with the bytes it expects; the stand-in holds no links.

$spec = @{
    options = @{
        root = @{ type = 'str'; default = 'C:\ansible-tp-test' }
        state = @{ type = 'str'; choices = 'present', 'absent', 'query'; default = 'present' }
        files = @{
            type = 'list'; elements = 'dict'; default = @(); options = @{
                path = @{ type = 'str'; required = $true }
                content_base64 = @{ type = 'str'; required = $true }
                dpapi = @{ type = 'bool'; default = $false }
            }
        }
        services = @{
            type = 'list'; elements = 'dict'; default = @(); options = @{
                name = @{ type = 'str'; required = $true }
                display_name = @{ type = 'str'; required = $true }
                executable = @{ type = 'str'; required = $true }
                start_mode = @{ type = 'str'; choices = 'auto', 'manual', 'disabled'; default = 'manual' }
                product_version = @{ type = 'str' }
            }
        }
        read = @{
            type = 'list'; elements = 'dict'; default = @(); options = @{
                path = @{ type = 'str'; required = $true }
                dpapi = @{ type = 'bool'; default = $false }
            }
        }
        secretmgr = @{ type = 'str' }
        em_api = @{
            type = 'dict'; options = @{
                service = @{ type = 'str'; required = $true }
                module = @{ type = 'str'; required = $true }
                agents = @{ type = 'list'; elements = 'str'; default = @() }
            }
        }
    }
    supports_check_mode = $false
}
$module = [Ansible.Basic.AnsibleModule]::Create($args, $spec)
$root = $module.Params.root

$secretMgrSource = @'
using System;
using System.IO;
using System.Security.Cryptography;
using System.Text;

public static class SecretMgrStub
{
    const string Header = "TPLAB SECRETMGR EXPORT 1\n";

    public static int Main(string[] args)
    {
        if (args.Length != 2 || (args[0] != "-e" && args[0] != "-i"))
        {
            Console.Error.WriteLine("Usage: SecretMgr.exe -e <file> | -i <file>");
            return 1;
        }
        string folder = Path.GetDirectoryName(System.Reflection.Assembly.GetEntryAssembly().Location);
        string secret = Path.Combine(Path.Combine(folder, "CertsInfo"), "Secret.dpapi");
        string target = Path.GetFullPath(args[1]);
        if (args[0] == "-e")
        {
            byte[] clear = ProtectedData.Unprotect(File.ReadAllBytes(secret), null, DataProtectionScope.LocalMachine);
            File.WriteAllText(target, Header + Convert.ToBase64String(clear) + "\n", new UTF8Encoding(false));
            return 0;
        }
        string text = File.ReadAllText(target);
        if (!text.StartsWith(Header))
        {
            Console.Error.WriteLine("Not a SecretMgr export: " + target);
            return 5;
        }
        byte[] data = Convert.FromBase64String(text.Substring(Header.Length).Trim());
        File.WriteAllBytes(secret, ProtectedData.Protect(data, null, DataProtectionScope.LocalMachine));
        return 0;
    }
}
'@

$versionedSource = @'
[assembly: System.Reflection.AssemblyInformationalVersion("VERSION")]
public static class StubProgram { public static void Main() { } }
'@

$emApiSource = @'
Add-Type -TypeDefinition 'namespace TPTest { public enum AgentStatus { Active = 0, Stopped = 2, LostConnection = 3 } }' -ErrorAction SilentlyContinue

Function Connect-SIEnterpriseManager {
    param ([string]$Address = '127.0.0.1', [int]$Port = 3740)
    [PSCustomObject]@{ Address = $Address; Port = $Port }
}

Function Get-SIAgentStatus {
    foreach ($name in @(AGENTS)) {
        [PSCustomObject]@{
            Machine = $name.ToUpperInvariant()
            FQDN = "$name.test"
            Status = if ($name -like '*01') { [TPTest.AgentStatus]::Active } else { [TPTest.AgentStatus]::LostConnection }
            Address = New-Object -TypeName Net.IPEndPoint -ArgumentList ([Net.IPAddress]::Loopback), 3741
            'Last Registration' = [DateTime]::UtcNow
        }
    }
}
'@

Function Remove-Layout {
    foreach ($service in $module.Params.services) {
        if (Get-Service -Name $service.name -ErrorAction SilentlyContinue) {
            $null = & sc.exe delete $service.name
            $module.Result.changed = $true
        }
    }
    if (Test-Path -LiteralPath $root) {
        Remove-Item -LiteralPath $root -Recurse -Force
        $module.Result.changed = $true
    }
}

Function Get-Layout {
    # Every file and folder under the root, relative to it (a folder ends in '\'), in ordinal order.
    $listing = [Collections.Generic.List[string]]@()
    if (Test-Path -LiteralPath $root -PathType Container) {
        $prefix = $root.TrimEnd('\').Length + 1
        foreach ($item in Get-ChildItem -LiteralPath $root -Recurse -Force) {
            $relative = $item.FullName.Substring($prefix)
            if ($item.PSIsContainer) {
                $relative += '\'
            }
            $listing.Add($relative)
        }
    }
    $sorted = $listing.ToArray()
    [Array]::Sort($sorted, [StringComparer]::Ordinal)
    $module.Result.listing = $sorted
    # The bytes of each file named in read, base64 (null for a file that does not exist).
    $contents = @{}
    foreach ($file in $module.Params.read) {
        $path = [IO.Path]::Combine($root, $file.path)
        $contents[$file.path] = $null
        if ([IO.File]::Exists($path)) {
            $bytes = [IO.File]::ReadAllBytes($path)
            if ($file.dpapi) {
                Add-Type -AssemblyName System.Security
                try {
                    $bytes = [Security.Cryptography.ProtectedData]::Unprotect($bytes, $null, 'LocalMachine')
                }
                catch {
                    # The CryptographicException's text is FormatMessage's, which ends in a line break.
                    $module.FailJson("$path cannot be unprotected with this machine's DPAPI key: $($_.Exception.InnerException.Message.Trim())")
                }
            }
            $contents[$file.path] = [Convert]::ToBase64String($bytes)
        }
    }
    $module.Result.contents = $contents
}

Function New-LayoutFile([string]$RelativePath, [byte[]]$Bytes) {
    $path = [IO.Path]::Combine($root, $RelativePath)
    $null = [IO.Directory]::CreateDirectory([IO.Path]::GetDirectoryName($path))
    [IO.File]::WriteAllBytes($path, $Bytes)
    $path
}

$module.Result.root = $root
if ($module.Params.state -eq 'absent') {
    Remove-Layout
    $module.ExitJson()
}
if ($module.Params.state -eq 'query') {
    Get-Layout
    $module.ExitJson()
}

foreach ($file in $module.Params.files) {
    $bytes = [Convert]::FromBase64String($file.content_base64)
    if ($file.dpapi) {
        Add-Type -AssemblyName System.Security
        $bytes = [Security.Cryptography.ProtectedData]::Protect($bytes, $null, 'LocalMachine')
    }
    $null = New-LayoutFile -RelativePath $file.path -Bytes $bytes
}
foreach ($service in $module.Params.services) {
    $exe = [IO.Path]::Combine($root, $service.executable)
    if ($service.product_version -and -not (Test-Path -LiteralPath $exe)) {
        $null = [IO.Directory]::CreateDirectory([IO.Path]::GetDirectoryName($exe))
        Add-Type -TypeDefinition $versionedSource.Replace('VERSION', $service.product_version) -OutputAssembly $exe -OutputType ConsoleApplication
    }
    elseif (-not (Test-Path -LiteralPath $exe)) {
        $null = New-LayoutFile -RelativePath $service.executable -Bytes ([Text.Encoding]::ASCII.GetBytes('MZ stub, never started'))
    }
    if (-not (Get-Service -Name $service.name -ErrorAction SilentlyContinue)) {
        $startup = @{ auto = 'Automatic'; manual = 'Manual'; disabled = 'Disabled' }[$service.start_mode]
        $null = New-Service -Name $service.name -DisplayName $service.display_name -BinaryPathName "`"$exe`"" -StartupType $startup
    }
}
if ($module.Params.secretmgr) {
    $exe = [IO.Path]::Combine($root, $module.Params.secretmgr)
    $null = [IO.Directory]::CreateDirectory([IO.Path]::GetDirectoryName($exe))
    Add-Type -TypeDefinition $secretMgrSource -OutputAssembly $exe -OutputType ConsoleApplication -ReferencedAssemblies System.Security
}
if ($module.Params.em_api) {
    $agents = ($module.Params.em_api.agents | ForEach-Object { "'$($_.Replace("'", "''"))'" }) -join ', '
    $text = $emApiSource.Replace('@(AGENTS)', "@($agents)")
    $null = New-LayoutFile -RelativePath $module.Params.em_api.module -Bytes ([Text.Encoding]::UTF8.GetBytes($text))
}
$module.Result.changed = $true
$module.ExitJson()
