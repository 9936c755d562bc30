# VhostLog targets for PowerShell users: .\build.ps1 [all|build|generate|verify|check|golden-accept]
# On Linux with the Debian packages present this runs what `make` runs. Where
# gcc, git or the kernel headers are missing (e.g. Windows), only the .NET
# parts run (build, translator, golden and diagnostic tests), and it says so.
param([ValidateSet('all', 'build', 'generate', 'verify', 'check', 'golden-accept')][string]$Target = 'all')
$ErrorActionPreference = 'Stop'
Set-Location $PSScriptRoot

function Test-Native {
    $tools = @('gcc', 'git', 'clang-format', 'sparse')
    $missing = $tools | Where-Object { -not (Get-Command $_ -ErrorAction SilentlyContinue) }
    $headers = Test-Path '/usr/src/linux-headers-6.12.117+deb12-amd64'
    if ($missing -or -not $headers) {
        Write-Warning "native toolchain incomplete (missing: $($missing -join ', ')$(if (-not $headers) { ' kernel headers' })): running only the .NET parts"
        return $false
    }
    return $true
}

function Invoke-Step([string]$exe, [string[]]$arguments) {
    & $exe @arguments
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
}

$signoff = 'VhostLog Generator <generator@vhostlog.example>'
switch ($Target) {
    'build' { Invoke-Step dotnet @('build', 'VhostLog.slnx', '-c', 'Release', '-nologo', '-v', 'q') }
    'generate' { Invoke-Step dotnet @('run', '--project', 'generator/Cli', '-c', 'Release', '--', 'generate', '--signoff', $signoff) }
    'verify' { Invoke-Step dotnet @('run', '--project', 'generator/Cli', '-c', 'Release', '--', 'verify') }
    'golden-accept' {
        $env:VHOSTLOG_ACCEPT_GOLDEN = '1'
        Invoke-Step dotnet @('test', 'tests/VhostLog.Tests.csproj', '-c', 'Release', '--filter', 'FullyQualifiedName~Golden')
    }
    'check' {
        if (Test-Native) {
            Invoke-Step bash @('tests/run-tests.sh')
        } else {
            Invoke-Step dotnet @('test', 'tests/VhostLog.Tests.csproj', '-c', 'Release', '--filter', 'FullyQualifiedName~Translator')
        }
    }
    'all' {
        Invoke-Step dotnet @('build', 'VhostLog.slnx', '-c', 'Release', '-nologo', '-v', 'q')
        if (Test-Native) {
            Invoke-Step dotnet @('run', '--project', 'generator/Cli', '-c', 'Release', '--', 'generate', '--signoff', $signoff)
            Invoke-Step dotnet @('run', '--project', 'generator/Cli', '-c', 'Release', '--', 'verify')
        }
    }
}
