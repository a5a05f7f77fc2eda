"""Where the app's resources are (source tree or PyInstaller bundle): icon, style sheet, fonts."""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

from PySide6.QtGui import QFont, QFontDatabase, QIcon
from PySide6.QtWidgets import QApplication

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


def apply_look(app: QApplication) -> None:
    """Fusion style, the CJK font list, the window icon and the style sheet."""
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
