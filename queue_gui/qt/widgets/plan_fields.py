"""The plan editor's per-parameter input fields.

Split out of :mod:`.plan_editor` to keep that module a manageable size: each
widget here edits one plan parameter and reads back the JSON value a queue
item carries. What a parameter is (:mod:`queue_gui.plan_parameters`) and how
typed literals become values (:mod:`queue_gui.plan_literals`) are plain
Python modules of their own.
"""

from __future__ import annotations

import inspect

from qtpy.QtCore import QRegularExpression, Qt, Signal
from qtpy.QtGui import QRegularExpressionValidator
from qtpy.QtWidgets import (
    QComboBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from queue_gui.plan_literals import format_literal, parse_literal, to_json
from queue_gui.plan_parameters import annotation_text, param_kind

from ..look import ERROR_COLOR

#: A field left empty (so that ``None`` typed by the user stays a value).
EMPTY = object()

_P = inspect.Parameter


# ----------------------------------------------------------------- fields
class Field(QWidget):
    """One parameter's editor with the message shown under it.

    Subclasses implement ``read`` (the value, :data:`EMPTY`, or ``ValueError``
    saying why the input is unusable), ``write`` and ``clear``.
    """

    changed = Signal()

    def __init__(self, param: dict, editor: QWidget, parent=None):
        super().__init__(parent)
        self.param, self.name, self.editor = param, param["name"], editor
        kind = param_kind(param)
        self.required = "default" not in param and kind not in (_P.VAR_POSITIONAL, _P.VAR_KEYWORD)
        self.error_label = QLabel(self)
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(f"color: {ERROR_COLOR};")
        self.error_label.hide()
        # Rows never take the form's spare height: a tall device list would
        # otherwise float in the middle of a stretched row.
        self.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Maximum)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(editor)
        layout.addWidget(self.error_label)
        tip = [param.get("description") or "", f"type: {annotation_text(param)}" if annotation_text(param) else ""]
        tip.append(f"default: {param['default']}" if "default" in param else "required")
        editor.setToolTip("\n".join(line for line in tip if line))

    def check(self) -> bool:
        """Show why the current input is unusable (live feedback); True if usable."""
        try:
            self.read()
        except ValueError as exc:
            self.set_error(str(exc))
            return False
        self.set_error("")
        return True

    def set_error(self, msg: str) -> None:
        self.error_label.setText(msg)
        self.error_label.setVisible(bool(msg))
        selector = self.editor.metaObject().className()
        self.editor.setStyleSheet(f"{selector} {{ border: 1px solid {ERROR_COLOR}; }}" if msg else "")

    def error(self) -> str:
        return self.error_label.text()

    def _on_edited(self, *_):
        self.check()
        self.changed.emit()


class LiteralField(Field):
    """A Python literal, checked with ``ast.literal_eval`` as the user types."""

    def __init__(self, param: dict, devices=(), parent=None, placeholder=""):
        super().__init__(param, QLineEdit(), parent)
        self.devices = devices
        if not placeholder:
            placeholder = f"default: {param['default']}" if "default" in param else "required"
        self.editor.setPlaceholderText(placeholder)
        self.editor.textChanged.connect(self._on_edited)

    def read(self):
        text = self.editor.text().strip()
        return to_json(parse_literal(text, self.devices)) if text else EMPTY

    def write(self, value):
        self.editor.setText(format_literal(value, self.devices))

    def clear(self):
        self.editor.clear()


class ArgsField(LiteralField):
    """``*args`` as a comma separated literal: ``motor, -1, 1`` (devices bare)."""

    def __init__(self, param: dict, devices=(), parent=None, hint=None):
        if hint is None:
            hint = "e.g. motor, -1, 1   (device names without quotes)" if devices else "values, comma separated"
        super().__init__(param, devices, parent, placeholder=hint)
        if hint:
            self.editor.setToolTip(f"{self.editor.toolTip()}\n{hint}".strip())

    def read(self):
        text = self.editor.text().strip()
        if not text:
            return EMPTY
        value = parse_literal(text, self.devices)
        return to_json(list(value) if isinstance(value, tuple) else [value])

    def write(self, value):
        self.editor.setText(", ".join(format_literal(v, self.devices) for v in value))


class KwargsField(LiteralField):
    """``**kwargs`` (and ``md``) as a dict literal."""

    def read(self):
        value = super().read()
        if value is not EMPTY and value is not None and not isinstance(value, dict):
            raise ValueError("expected a dict such as {'key': 1}")
        return value


class NumberField(LiteralField):
    """A number; the validator refuses letters, empty means the default."""

    def __init__(self, param: dict, parent=None):
        super().__init__(param, (), parent)
        annotation = annotation_text(param)
        default = str(param.get("default", ""))
        self.integer = "int" in annotation and "float" not in annotation
        self.integer |= not annotation and default.lstrip("-").isdigit()
        pattern = r"[-+]?\d*" if self.integer else r"[-+]?(\d+\.?\d*|\.\d*)?([eE][-+]?\d*)?"
        self.editor.setValidator(QRegularExpressionValidator(QRegularExpression(pattern), self.editor))

    def read(self):
        expected = "an integer" if self.integer else "a number"
        try:
            value = super().read()
        except ValueError:
            raise ValueError(f"expected {expected}") from None
        wanted = int if self.integer else (int, float)
        if value is not EMPTY and (isinstance(value, bool) or not isinstance(value, wanted)):
            raise ValueError(f"expected {expected}")
        return value

    def write(self, value):
        self.editor.setText("" if value is None else repr(value))


class DeviceListField(Field):
    """A checkable list of devices; clicking anywhere on a row ticks it."""

    def __init__(self, param: dict, names, parent=None):
        super().__init__(param, QListWidget(), parent)
        for name in names:
            self._add(name)
        rows, row_height = min(max(len(names), 1), 6), max(self.editor.sizeHintForRow(0), 18)
        self.editor.setFixedHeight(rows * row_height + 2 * self.editor.frameWidth() + 2)
        self._pressed_state = None
        self.editor.itemPressed.connect(lambda item: setattr(self, "_pressed_state", item.checkState()))
        self.editor.itemClicked.connect(self._toggle_unless_checkbox_did)
        self.editor.itemChanged.connect(self._on_edited)

    def _add(self, name):
        item = QListWidgetItem(name, self.editor)
        item.setFlags(Qt.ItemIsEnabled | Qt.ItemIsSelectable | Qt.ItemIsUserCheckable)
        item.setCheckState(Qt.Unchecked)
        return item

    def _toggle_unless_checkbox_did(self, item):
        if item.checkState() == self._pressed_state:
            item.setCheckState(Qt.Unchecked if item.checkState() == Qt.Checked else Qt.Checked)

    def _items(self):
        return [self.editor.item(row) for row in range(self.editor.count())]

    def read(self):
        return [i.text() for i in self._items() if i.checkState() == Qt.Checked] or EMPTY

    def write(self, value):
        wanted = [value] if isinstance(value, str) else [str(v) for v in value]
        known = {item.text() for item in self._items()}
        for name in wanted:
            if name not in known:
                self._add(name).setToolTip("not a device of the profile")
        for item in self._items():
            item.setCheckState(Qt.Checked if item.text() in wanted else Qt.Unchecked)

    def clear(self):
        self.write([])


class DeviceComboField(Field):
    """One device out of a combo box; the first entry means "not set"."""

    def __init__(self, param: dict, names, parent=None):
        super().__init__(param, QComboBox(), parent)
        self.editor.addItem("(default)" if "default" in param else "(choose a device)", None)
        for name in names:
            self.editor.addItem(name, name)
        self.editor.currentIndexChanged.connect(self._on_edited)

    def read(self):
        return self.editor.currentData() or EMPTY

    def write(self, value):
        if self.editor.findData(value) < 0:
            self.editor.addItem(str(value), value)
        self.editor.setCurrentIndex(self.editor.findData(value))

    def clear(self):
        self.editor.setCurrentIndex(0)
