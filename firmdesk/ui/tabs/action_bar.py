"""A tab's actions: one QAction each, shown in the tab's tool bar and its right-click menu, enabled when they apply."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QToolBar, QWidget

#: Says why an action does not apply now (shown as its tooltip), or None when it does.
Availability = Callable[[], str | None]


@dataclass
class TabAction:
    action: QAction
    available: Availability
    tooltip: str  # what the action does (shown while it is enabled)
    needs_server: bool = False  # 申请, 撤回 …: also disabled while the server gate says no (offline)


class ActionBar(QToolBar):
    """The tab's buttons; `refresh()` re-checks which apply (after a selection, a check, new data).

    The one place that decides whether an action is enabled: an action added with `needs_server=True`
    is disabled while the server gate (`set_server_gate`, e.g. offline) gives a reason, whatever the
    selection; otherwise its own `available()` decides. Call `refresh()` when the gate's answer changes.
    """

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setMovable(False)
        self.setFloatable(False)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        # Its look: resources/firmdesk.qss. Re-polished, as the tool bar's layout read its spacing already.
        self.setProperty("role", "tab_actions")
        self.style().unpolish(self)
        self.style().polish(self)
        self._actions: dict[str, TabAction] = {}
        self._server_gate: Availability = lambda: None

    def set_server_gate(self, gate: Availability) -> None:
        """Why the server actions cannot run now (the whole reason is their tooltip), or None; re-checks at once."""
        self._server_gate = gate
        self.refresh()

    def add(
        self,
        key: str,
        text: str,
        run: Callable[[], None],
        *,
        available: Availability = lambda: None,
        tooltip: str = "",
        primary: bool = False,
        needs_server: bool = False,
    ) -> QAction:
        action = QAction(text, self)
        action.setObjectName(f"{self.objectName()}_{key}")
        action.triggered.connect(lambda _checked=False: self._run(key, run))
        self.addAction(action)
        button = self.widgetForAction(action)
        if button is not None:
            button.setObjectName(f"{action.objectName()}_button")
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # reachable with Tab, pressed with Space
            if primary:
                button.setProperty("primary", True)
        self._actions[key] = TabAction(action, available, tooltip or text, needs_server)
        self._update(self._actions[key])
        return action

    def action(self, key: str) -> QAction:
        return self._actions[key].action

    def keys(self) -> list[str]:
        return list(self._actions)

    def refresh(self) -> None:
        for entry in self._actions.values():
            self._update(entry)

    def context_menu(self, parent: QWidget) -> QMenu:
        """The same actions (and their enabled states) as a menu, with the tool bar's separators."""
        self.refresh()
        menu = QMenu(parent)
        menu.setObjectName(f"{self.objectName()}_menu")
        menu.setToolTipsVisible(True)
        for action in self.actions():
            if action.isSeparator():
                menu.addSeparator()
            elif action in (entry.action for entry in self._actions.values()):
                menu.addAction(action)
        return menu

    def _run(self, key: str, run: Callable[[], None]) -> None:
        # A shortcut or a stale menu may fire an action that no longer applies: check once more.
        entry = self._actions[key]
        self._update(entry)
        if entry.action.isEnabled():
            run()

    def server_blocked(self, key: str) -> bool:
        """True when `key` needs the server and the gate says no (offline)."""
        return self._actions[key].needs_server and self._server_gate() is not None

    def _update(self, entry: TabAction) -> None:
        gate = self._server_gate() if entry.needs_server else None
        if gate is not None:  # offline wins over the selection
            entry.action.setEnabled(False)
            entry.action.setToolTip(gate)
            entry.action.setStatusTip(gate)
            return
        why_not = entry.available()
        entry.action.setEnabled(why_not is None)
        entry.action.setToolTip(entry.tooltip if why_not is None else f"{entry.tooltip}（{why_not}）")
        # The menu's status tip: what it does, or only why not (the status bar says it while hovering).
        entry.action.setStatusTip(entry.tooltip if why_not is None else f"不可用：{why_not}")
