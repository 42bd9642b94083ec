# Builds TimeForged on Windows: dist\timeforged\ (PyInstaller one folder: TimeForged.exe,
# windowed, and timeforged-cli.exe for the command line) and dist\TimeForged-<v>-setup.exe
# (Inno Setup 6: ISCC.exe on PATH or in its default folder).
#   powershell -ExecutionPolicy Bypass -File packaging\build.ps1 [-BundleOnly]
param([switch]$BundleOnly)
$ErrorActionPreference = "Stop"
$Root = Split-Path -Parent $PSScriptRoot
Set-Location $Root
$Python = if ($env:PYTHON) { $env:PYTHON } elseif (Test-Path ".venv\Scripts\python.exe") { ".venv\Scripts\python.exe" } else { "python" }
$Dist = if ($env:DIST_DIR) { $env:DIST_DIR } else { Join-Path $Root "dist" }
$Work = if ($env:WORK_DIR) { $env:WORK_DIR } else { Join-Path $Root "build\pyinstaller" }

$Version = & $Python -c "import tomllib; print(tomllib.load(open('pyproject.toml', 'rb'))['project']['version'])"
if ($LASTEXITCODE -ne 0) { throw "could not read the version from pyproject.toml" }
Write-Host "build: TimeForged $Version on Windows"

& $Python -m PyInstaller --noconfirm --log-level WARN --distpath $Dist --workpath $Work packaging\timeforged.spec
if ($LASTEXITCODE -ne 0) { throw "PyInstaller failed" }
if ($BundleOnly) { exit 0 }

$Iscc = (Get-Command ISCC.exe -ErrorAction SilentlyContinue).Source
if (-not $Iscc) {
    $Iscc = @("${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe", "$env:ProgramFiles\Inno Setup 6\ISCC.exe",
              "$env:LOCALAPPDATA\Programs\Inno Setup 6\ISCC.exe") | Where-Object { Test-Path $_ } | Select-Object -First 1
}
if (-not $Iscc) { throw "Inno Setup 6 (ISCC.exe) not found: choco install innosetup" }
& $Iscc "/DAppVersion=$Version" "/DSourceDir=$Dist\timeforged" "/DOutputDir=$Dist" packaging\windows\timeforged.iss
if ($LASTEXITCODE -ne 0) { throw "ISCC failed" }
Write-Host "build: $Dist\TimeForged-$Version-setup.exe"
