; Inno Setup 6 script: FirmDesk's per-user installer, made from the one-folder bundle (dist\FirmDesk\).
;
; Installs without administrator rights into %LOCALAPPDATA%\Programs\FirmDesk, adds Start-menu and desktop
; shortcuts, registers an uninstaller (Settings → Apps), and on uninstall removes only what it installed:
; the user's data folder %LOCALAPPDATA%\FirmDesk (local cache, return-reason drafts, kept attachments, logs,
; the demo server's data) stays. Build and sign: docs/windows.md.
;
;   iscc installer\firmdesk.iss                          unsigned, version 0.1.0
;   iscc /DAppVersion=0.2.0 /DSIGN "/Ssigntool=signtool sign /sha1 <thumbprint> /fd SHA256 /tr http://timestamp.digicert.com /td SHA256 $f" installer\firmdesk.iss

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "FirmDesk"
#define AppTitle "FirmDesk 注册会计师年检"
#define AppExe "FirmDesk.exe"
#define BundleDir "..\dist\FirmDesk"

[Setup]
; The AppId ties upgrades and the uninstaller together: never change it.
AppId={{6F0E2C1B-5C7A-4B8E-9B1D-3A0F6C2E7D41}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppTitle} {#AppVersion}
AppPublisher=FirmDesk
; Per user, no UAC prompt: {localappdata}\Programs is where per-user programs live (as {autopf} would map it).
PrivilegesRequired=lowest
DefaultDirName={localappdata}\Programs\{#AppName}
DefaultGroupName={#AppTitle}
DisableProgramGroupPage=yes
DisableDirPage=auto
UsePreviousAppDir=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir=..\dist\installer
OutputBaseFilename=FirmDesk-{#AppVersion}-setup
SetupIconFile=..\resources\firmdesk.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppTitle}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; A running FirmDesk holds its files: ask to close it (Restart Manager) rather than fail half-way.
CloseApplications=yes
RestartApplications=no
#ifdef SIGN
; The sign tool is named "signtool" on the ISCC command line (/Ssigntool=...); both setup and uninstaller are signed.
SignTool=signtool
SignedUninstaller=yes
#endif

[Languages]
; Inno Setup ships Chinese Simplified as a contributed translation: put ChineseSimplified.isl beside this
; script (docs/windows.md says where it comes from); without it the wizard is in English.
#if FileExists(AddBackslash(SourcePath) + "ChineseSimplified.isl")
Name: "chs"; MessagesFile: "ChineseSimplified.isl"
#else
Name: "en"; MessagesFile: "compiler:Default.isl"
#endif

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppTitle}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"
Name: "{group}\FirmDesk 演示"; Filename: "{app}\{#AppExe}"; Parameters: "demo"; WorkingDir: "{app}"
Name: "{group}\{cm:UninstallProgram,{#AppName}}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppTitle}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

; No [UninstallDelete]: the uninstaller removes exactly the files listed above. The data folder is not one of
; them, so it stays; the message below says where it is.

[Code]
procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
var
  DataDir: String;
begin
  DataDir := ExpandConstant('{localappdata}\FirmDesk');
  if (CurUninstallStep = usPostUninstall) and DirExists(DataDir) and not UninstallSilent() then
    MsgBox('FirmDesk 已卸载。您的数据（本地缓存、退回草稿、离线附件、日志）保留在：' + #13#10 + DataDir + #13#10 +
      '重新安装后可继续使用；如不再需要，可手动删除该文件夹。', mbInformation, MB_OK);
end;
