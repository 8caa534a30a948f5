"""The plan editor's per-parameter input fields and its literal conversions.

Split out of :mod:`.plan_editor` to keep that module a manageable size: this
holds the widgets that edit one plan parameter each, the conversion between
the Python literals a user types and the JSON values a queue item carries,
and :func:`arrange_arguments`, which places the fields' values into ``args``
and ``kwargs``.
"""

from __future__ import annotations

import ast
import inspect
import re
from typing import Any

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

from ..look import ERROR_COLOR

#: A field left empty (so that ``None`` typed by the user stays a value).
EMPTY = object()

_P = inspect.Parameter
_POSITIONAL = (_P.POSITIONAL_ONLY, _P.POSITIONAL_OR_KEYWORD)
_LIST_WORDS = ("Sequence", "list", "Iterable", "tuple", "Collection")
_NUMBER = re.compile(r"\b(int|float)\b")


# ----------------------------------------------------------------- values
def param_kind(param: dict):
    """The parameter's ``inspect`` kind; positional-or-keyword when undescribed."""
    try:
        return type(_P.POSITIONAL_ONLY)(int(param["kind"]["value"]))
    except (KeyError, TypeError, ValueError):
        return _P.POSITIONAL_OR_KEYWORD


def _annotation(param: dict) -> str:
    annotation = param.get("annotation") or {}
    return str(annotation.get("type", "") if isinstance(annotation, dict) else annotation)


def _number_in(text: Any) -> bool:
    try:
        float(text)
    except (TypeError, ValueError):
        return False
    return True


def field_kind(param: dict) -> str:
    """Which editor suits a parameter.

    Returns one of ``skip`` (callables cannot travel as JSON), ``advanced``
    (``md``, ``**kwargs``), ``args`` (``*args``), ``devices`` (a list of
    readable devices), ``device`` (one device), ``number`` or ``literal``.
    """
    annotation, kind = _annotation(param), param_kind(param)
    listish = any(word in annotation for word in _LIST_WORDS)
    if "Callable" in annotation:
        return "skip"
    if kind == _P.VAR_KEYWORD or param["name"] == "md":
        return "advanced"
    if kind == _P.VAR_POSITIONAL:
        return "args"
    if param.get("convert_device_names"):
        return "devices" if listish or param["name"] == "detectors" else "device"
    if _NUMBER.search(annotation) and not listish:
        return "number"
    if not annotation and _number_in(param.get("default")):
        return "number"
    return "literal"


def to_json(value: Any) -> Any:
    """Return ``value`` with tuples as lists; refuse what JSON cannot carry."""
    if isinstance(value, (list, tuple)):
        return [to_json(element) for element in value]
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise ValueError("dictionary keys must be 'quoted text'")
        return {key: to_json(element) for key, element in value.items()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise ValueError(f"{type(value).__name__} values cannot be sent to the queue")


class _BareNames(ast.NodeTransformer):
    """Turn bare device names (``motor``, ``motor.velocity``) into strings."""

    def __init__(self, devices):
        self.devices = devices

    def _name(self, node, dotted):
        if dotted.split(".")[0] in self.devices:
            return ast.copy_location(ast.Constant(dotted), node)
        if self.devices:
            raise ValueError(f"{dotted!r} is not a device; write text in quotes: '{dotted}'")
        raise ValueError(f"{dotted} is not a literal; write text in quotes: '{dotted}'")

    def visit_Name(self, node):
        return self._name(node, node.id)

    def visit_Attribute(self, node):
        return self._name(node, ast.unparse(node))


def parse_literal(text: str, devices=()) -> Any:
    """Evaluate a Python literal safely, bare ``devices`` names becoming strings."""
    try:
        tree = _BareNames(devices).visit(ast.parse(text.strip(), mode="eval"))
        return ast.literal_eval(tree)
    except SyntaxError as exc:
        raise ValueError(f"not a Python literal: {exc.msg}") from None
    except (TypeError, ValueError) as exc:
        if "malformed" in str(exc):
            raise ValueError("not a literal: use numbers, 'text', [lists], {dicts}, True, None") from None
        raise ValueError(str(exc)) from None


def format_literal(value: Any, devices=()) -> str:
    """Write ``value`` back as the literal a user would type (devices bare)."""
    if isinstance(value, str) and value.split(".")[0] in devices and value.replace(".", "_").isidentifier():
        return value
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(format_literal(v, devices) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {format_literal(v, devices)}" for k, v in value.items()) + "}"
    return repr(value)


def default_value(param: dict) -> Any:
    """The parameter's default as JSON, for a slot that must be filled before ``*args``."""
    try:
        return to_json(parse_literal(str(param["default"])))
    except (KeyError, ValueError):
        raise ValueError(f"fill this in: '{param['name']}' comes before *args") from None


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
        tip = [param.get("description") or "", f"type: {_annotation(param)}" if _annotation(param) else ""]
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
        annotation = _annotation(param)
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


# ----------------------------------------------------------------- arguments
class _FieldProblem(ValueError):
    """A value that cannot be placed; ``name`` is the field to mark."""

    def __init__(self, name: str, msg: str):
        super().__init__(msg)
        self.name = name


def arrange_arguments(parameters: list[dict], values: dict[str, Any]) -> tuple[list, dict]:
    """Place field values into ``args`` and ``kwargs`` as the plan's signature takes them.

    What has a default is given by name, as a scientist writes the call:
    ``count(['det1'], num=50, delay=0.2)``, never ``count(['det1'], 50,
    0.2)``. Required positional-or-keyword values go to ``args`` until one
    is left empty, then to ``kwargs`` (a later positional would otherwise
    take the empty one's slot). When ``*args`` has values every slot before
    it must be filled positionally, so an empty one takes its default.
    """
    args, kwargs, gap = [], {}, False
    star = any(param_kind(p) == _P.VAR_POSITIONAL and p["name"] in values for p in parameters)
    for param in parameters:
        name, kind = param["name"], param_kind(param)
        if kind in _POSITIONAL:
            by_position = star or kind == _P.POSITIONAL_ONLY or "default" not in param
            if star and name not in values:
                try:
                    args.append(default_value(param))
                except ValueError as exc:
                    raise _FieldProblem(name, str(exc)) from None
            elif name in values and by_position and not gap:
                args.append(values[name])
            elif name in values and kind == _P.POSITIONAL_ONLY:
                raise _FieldProblem(name, "fill in the positional parameters before this one")
            elif name in values:
                kwargs[name] = values[name]
            else:
                gap = True
        elif kind == _P.VAR_POSITIONAL:
            args.extend(values.get(name, []))
        elif kind == _P.VAR_KEYWORD:
            kwargs.update(values.get(name) or {})
        elif name in values:
            kwargs[name] = values[name]
    return args, kwargs
