; Inno Setup script for TimeForged (per-user install, no administrator rights).
; packaging/build.ps1 runs: ISCC /DAppVersion=<version> /DSourceDir=<dist\timeforged> /DOutputDir=<dist>
#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#ifndef SourceDir
  #define SourceDir "..\..\dist\timeforged"
#endif
#ifndef OutputDir
  #define OutputDir "..\..\dist"
#endif

[Setup]
AppId={{6B8E4C2A-5F1D-4E8B-9A43-2C7D1E0F9B31}
AppName=TimeForged
AppVersion={#AppVersion}
AppPublisher=TimeForged
DefaultDirName={localappdata}\Programs\TimeForged
DefaultGroupName=TimeForged
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
OutputDir={#OutputDir}
OutputBaseFilename=TimeForged-{#AppVersion}-setup
SetupIconFile=..\icons\timeforged.ico
UninstallDisplayIcon={app}\TimeForged.exe
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
CloseApplications=yes

[Tasks]
Name: "startatlogin"; Description: "Start TimeForged when I log in"; GroupDescription: "Start:"
Name: "desktopicon"; Description: "Create a desktop shortcut"; GroupDescription: "Shortcuts:"; Flags: unchecked

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: recursesubdirs createallsubdirs ignoreversion

[Icons]
Name: "{userprograms}\TimeForged"; Filename: "{app}\TimeForged.exe"
Name: "{userdesktop}\TimeForged"; Filename: "{app}\TimeForged.exe"; Tasks: desktopicon

[Registry]
; The same value the app's own "start at login" setting writes (desktop/autostart.py).
Root: HKCU; Subkey: "Software\Microsoft\Windows\CurrentVersion\Run"; ValueType: string; \
  ValueName: "TimeForged"; ValueData: """{app}\TimeForged.exe"" app --autostart"; \
  Tasks: startatlogin; Flags: uninsdeletevalue

[Run]
Filename: "{app}\TimeForged.exe"; Description: "Start TimeForged now"; \
  Flags: nowait postinstall skipifsilent

[UninstallRun]
Filename: "{cmd}"; Parameters: "/C taskkill /IM TimeForged.exe /F"; Flags: runhidden; \
  RunOnceId: "StopTimeForged"

[UninstallDelete]
Type: filesandordirs; Name: "{app}"

[Code]
// The data (database, settings, rules) lives in %LOCALAPPDATA%\TimeForged; ask before
// deleting it. Silent uninstalls keep it.
procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
var
  DataDir: String;
begin
  if CurUninstallStep = usPostUninstall then
  begin
    RegDeleteValue(HKEY_CURRENT_USER, 'Software\Microsoft\Windows\CurrentVersion\Run', 'TimeForged');
    DataDir := ExpandConstant('{localappdata}\TimeForged');
    if DirExists(DataDir) and not UninstallSilent then
      if MsgBox('Keep your TimeForged data (tracked time, settings and rules) in ' + DataDir +
                '?' + #13#10#13#10 + 'Choose No to delete it for good.',
                mbConfirmation, MB_YESNO or MB_DEFBUTTON1) = IDNO then
        DelTree(DataDir, True, True, True);
  end;
end;
