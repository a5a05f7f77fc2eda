"""An image preview: zoom in/out (buttons, Ctrl+wheel, keys), fit to the window, rotate by quarter turns."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QImageReader, QKeySequence, QPainter, QPixmap, QShortcut, QWheelEvent
from PySide6.QtWidgets import (
    QFrame,
    QGraphicsPixmapItem,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from firmdesk.ui import palette

MIN_ZOOM = 0.05
MAX_ZOOM = 16.0
ZOOM_STEP = 1.25


def read_image(path: Path) -> QImage:
    """The image at `path` with its EXIF orientation applied (scans from phones are often rotated)."""
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)
    return reader.read()


class ImageCanvas(QGraphicsView):
    """The view itself; `zoom` is the scale of one image pixel, `fit_mode` follows the window's size."""

    zoom_changed = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("imageCanvas")
        self._scene = QGraphicsScene(self)
        self._item = QGraphicsPixmapItem()
        self._item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self._scene.addItem(self._item)
        self.setScene(self._scene)
        self.setRenderHints(QPainter.RenderHint.SmoothPixmapTransform | QPainter.RenderHint.Antialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setBackgroundBrush(QColor(palette.IMAGE_BACKDROP))
        self._zoom = 1.0
        self._rotation = 0
        self.fit_mode = True

    @property
    def zoom(self) -> float:
        return self._zoom

    @property
    def rotation(self) -> int:
        return self._rotation

    def has_image(self) -> bool:
        return not self._item.pixmap().isNull()

    def set_image(self, image: QImage) -> None:
        self._item.setPixmap(QPixmap.fromImage(image))
        self._rotation = 0
        self._item.setRotation(0)
        self._update_scene_rect()
        self.fit()

    def clear(self) -> None:
        self._item.setPixmap(QPixmap())

    def _update_scene_rect(self) -> None:
        self._item.setTransformOriginPoint(self._item.boundingRect().center())
        self._scene.setSceneRect(self._item.sceneBoundingRect())

    def _apply(self) -> None:
        self.resetTransform()
        self.scale(self._zoom, self._zoom)
        self.zoom_changed.emit(self._zoom)

    def set_zoom(self, zoom: float) -> None:
        self.fit_mode = False
        self._zoom = max(MIN_ZOOM, min(MAX_ZOOM, zoom))
        self._apply()

    def zoom_in(self) -> None:
        self.set_zoom(self._zoom * ZOOM_STEP)

    def zoom_out(self) -> None:
        self.set_zoom(self._zoom / ZOOM_STEP)

    def actual_size(self) -> None:
        self.set_zoom(1.0)

    def fit(self) -> None:
        """Scales the whole image into the window (never above 100 %, small scans stay sharp)."""
        self.fit_mode = True
        rect: QRectF = self._item.sceneBoundingRect()
        view = self.viewport().rect()
        if rect.isEmpty() or view.isEmpty():
            self._zoom = 1.0
        else:
            self._zoom = min(1.0, (view.width() - 8) / rect.width(), (view.height() - 8) / rect.height())
            self._zoom = max(MIN_ZOOM, self._zoom)
        self._apply()
        self.centerOn(rect.center())

    def rotate_by(self, degrees: int) -> None:
        self._rotation = (self._rotation + degrees) % 360
        self._item.setRotation(self._rotation)
        self._update_scene_rect()
        if self.fit_mode:
            self.fit()

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            if event.angleDelta().y() > 0:
                self.zoom_in()
            elif event.angleDelta().y() < 0:
                self.zoom_out()
            event.accept()
            return
        super().wheelEvent(event)

    def resizeEvent(self, event: object) -> None:  # type: ignore[override]
        super().resizeEvent(event)  # type: ignore[arg-type]
        if self.fit_mode:
            self.fit()


def toolbar_button(parent: QWidget, bar: QHBoxLayout, name: str, text: str, tip: str, slot: object) -> QToolButton:
    """A viewer toolbar's button, added to `bar` (image and PDF viewers)."""
    b = QToolButton(parent)
    b.setObjectName(name)
    b.setText(text)
    b.setToolTip(tip)
    b.clicked.connect(slot)
    bar.addWidget(b)
    return b


class ImageView(QWidget):
    """The canvas with its toolbar: 放大, 缩小, 适应窗口, 原始大小, 向左/向右旋转 and the zoom percentage."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("imageView")
        self.canvas = ImageCanvas(self)
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)

        button = partial(toolbar_button, self, bar)

        self.zoom_out_button = button("zoomOutButton", "缩小", "缩小（Ctrl+-）", self.canvas.zoom_out)
        self.zoom_in_button = button("zoomInButton", "放大", "放大（Ctrl++）", self.canvas.zoom_in)
        self.fit_button = button("fitButton", "适应窗口", "适应窗口（Ctrl+0）", self.canvas.fit)
        self.actual_button = button("actualSizeButton", "原始大小", "原始大小（Ctrl+1）", self.canvas.actual_size)
        self.rotate_left_button = button(
            "rotateLeftButton", "向左旋转", "逆时针旋转 90°（Ctrl+L）", lambda: self.canvas.rotate_by(-90)
        )
        self.rotate_right_button = button(
            "rotateRightButton", "向右旋转", "顺时针旋转 90°（Ctrl+R）", lambda: self.canvas.rotate_by(90)
        )
        bar.addStretch(1)
        self.zoom_label = QLabel(self)
        self.zoom_label.setObjectName("zoomLabel")
        bar.addWidget(self.zoom_label)
        self.canvas.zoom_changed.connect(lambda z: self.zoom_label.setText(f"{z * 100:.0f}%"))

        for keys, slot in (
            (QKeySequence.StandardKey.ZoomIn, self.canvas.zoom_in),
            (QKeySequence.StandardKey.ZoomOut, self.canvas.zoom_out),
            ("Ctrl+=", self.canvas.zoom_in),
            ("Ctrl+0", self.canvas.fit),
            ("Ctrl+1", self.canvas.actual_size),
            ("Ctrl+L", lambda: self.canvas.rotate_by(-90)),
            ("Ctrl+R", lambda: self.canvas.rotate_by(90)),
        ):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.canvas, 1)

    def set_image(self, image: QImage) -> None:
        self.canvas.set_image(image)

    def clear(self) -> None:
        self.canvas.clear()
