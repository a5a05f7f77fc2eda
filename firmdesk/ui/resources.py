"""Where the app's resources are (source tree or PyInstaller bundle): icon, style sheet, fonts."""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtGui import QFont, QFontDatabase, QIcon
from PySide6.QtWidgets import QApplication

#: Qt's own texts (file dialogs' 查找范围/打开/取消, message boxes' standard buttons, the context menus of
#: line edits): the translations PySide6 ships, in Simplified Chinese whatever the system's language.
QT_CATALOGS = ("qtbase", "qt")
QT_LOCALE = "zh_CN"

#: Preferred UI fonts, first found wins: Windows, then the Linux CJK fonts, then anything.
FONT_FAMILIES = [
    "Microsoft YaHei UI",
    "Microsoft YaHei",
    "PingFang SC",
    "Noto Sans CJK SC",
    "WenQuanYi Micro Hei",
    "Source Han Sans SC",
    "Segoe UI",
    "sans-serif",
]


def resource_dir() -> Path:
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


def resource_path(name: str) -> Path:
    return resource_dir() / name


@cache
def app_icon() -> QIcon:
    icon = QIcon()
    for name in ("firmdesk.svg", "firmdesk-256.png", "firmdesk.ico"):
        path = resource_path(name)
        if path.exists():
            icon.addFile(str(path))
    return icon


def style_sheet() -> str:
    path = resource_path("firmdesk.qss")
    return path.read_text(encoding="utf-8") if path.exists() else ""


def install_qt_translations(app: QApplication) -> list[QTranslator]:
    """Load Qt's zh_CN catalogues from PySide6's translations folder (the bundle keeps only zh_CN and en)."""
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    installed: list[QTranslator] = getattr(app, "_firmdesk_translators", [])
    if installed:
        return installed
    for catalog in QT_CATALOGS:
        translator = QTranslator(app)
        if translator.load(QLocale(QT_LOCALE), catalog, "_", folder) and app.installTranslator(translator):
            installed.append(translator)
    app._firmdesk_translators = installed  # type: ignore[attr-defined]  # kept alive with the app
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    return installed


def apply_look(app: QApplication) -> None:
    """Fusion style, the CJK font list, the window icon, the style sheet and Qt's own texts in Chinese."""
    install_qt_translations(app)
    app.setStyle("Fusion")
    available = set(QFontDatabase.families())
    families = [f for f in FONT_FAMILIES if f in available] or ["sans-serif"]
    font = QFont()
    font.setFamilies(families)
    font.setPointSizeF(9.5 if sys.platform == "win32" else 10)
    font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    app.setFont(font)
    app.setWindowIcon(app_icon())
    app.setStyleSheet(style_sheet())
