"""A form that composes a queue item from the profile's plan descriptions.

The editor knows nothing of the manager: it takes the plan and device
descriptions (bluesky-queueserver's ``plans_allowed`` / ``devices_allowed``
format) as plain dicts and emits the item the user composed. The main window
sends it and hands a refusal back through :meth:`PlanEditor.show_error`, which
puts the message next to the parameter it names.

Items are shaped the way the seed's API and the queue clients show them:
positional-or-keyword values go to ``args`` while no earlier one was left
empty, keyword-only values to ``kwargs``, and ``*args`` extends ``args``.
"""

from __future__ import annotations

import ast
import copy
import inspect
import re
from typing import Any

from qtpy.QtCore import QRegularExpression, QSignalBlocker, Qt, QTimer, Signal
from qtpy.QtGui import QRegularExpressionValidator
from qtpy.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from queue_gui.manager.validation import signature_from_description
from queue_gui.wire import ItemType

#: A field left empty (so that ``None`` typed by the user stays a value).
EMPTY = object()

_P = inspect.Parameter
_POSITIONAL = (_P.POSITIONAL_ONLY, _P.POSITIONAL_OR_KEYWORD)
_LIST_WORDS = ("Sequence", "list", "Iterable", "tuple", "Collection")
_NUMBER = re.compile(r"\b(int|float)\b")
_ERROR_COLOR = "#c62828"
#: Where a refusal names a parameter: "in parameter 'detectors'",
#: "missing a required argument: 'detectors'", "keyword argument 'nmu'".
_NAMED_PARAMETER = re.compile(r"(?:parameter|argument):?\s+'(\w+)'")


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
        self.error_label.setStyleSheet(f"color: {_ERROR_COLOR};")
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
        self.editor.setStyleSheet(f"{selector} {{ border: 1px solid {_ERROR_COLOR}; }}" if msg else "")

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

    def __init__(self, param: dict, devices=(), parent=None):
        hint = "e.g. motor, -1, 1   (device names without quotes)" if devices else "values, comma separated"
        super().__init__(param, devices, parent, placeholder=hint)

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

    Positional-or-keyword values go to ``args`` until one is left empty, then
    to ``kwargs`` (a later positional would otherwise take the empty one's
    slot). When ``*args`` has values every slot before it must be filled, so
    an empty one takes its default.
    """
    args, kwargs, gap = [], {}, False
    star = any(param_kind(p) == _P.VAR_POSITIONAL and p["name"] in values for p in parameters)
    for param in parameters:
        name, kind = param["name"], param_kind(param)
        if kind in _POSITIONAL:
            if star and name not in values:
                try:
                    args.append(default_value(param))
                except ValueError as exc:
                    raise _FieldProblem(name, str(exc)) from None
            elif name in values and not gap:
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


# ----------------------------------------------------------------- editor
class PlanEditor(QWidget):
    """Compose a plan item from the profile's descriptions, or edit a queued one.

    Signals
    -------
    add_requested(dict)
        ``{"item_type": "plan", "name", "args", "kwargs"}``, to append to the queue.
    update_requested(dict)
        The same plus the edited item's ``item_uid`` (and its ``meta``,
        ``user``, ``user_group`` when it had them), to replace that item.
    """

    add_requested = Signal(dict)
    update_requested = Signal(dict)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._plans: dict = {}
        self._devices: dict = {}
        self._edited: dict | None = None
        self._extra_kwargs: dict = {}  # an edited item's values without a field
        self.fields: dict[str, Field] = {}
        self._revealing: QWidget | None = None
        self._reveal_timer = QTimer(self)
        self._reveal_timer.setSingleShot(True)
        self._reveal_timer.setInterval(0)
        self._reveal_timer.timeout.connect(self._slot_reveal)
        self._build()

    def _build(self):
        self.plan_combo = QComboBox(self)
        self.plan_combo.currentIndexChanged.connect(self._slot_plan_changed)
        self.description_label = QLabel(self)
        self.description_label.setWordWrap(True)
        self.mode_label = QLabel(self)
        self.mode_label.setWordWrap(True)
        self.mode_label.setStyleSheet("color: #1565c0;")
        self.mode_label.hide()
        self.form = QFormLayout()
        self.advanced_button = QToolButton(self)
        self.advanced_button.setText("Advanced")
        self.advanced_button.setCheckable(True)
        self.advanced_button.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        self.advanced_button.setArrowType(Qt.RightArrow)
        self.advanced_button.toggled.connect(self._slot_advanced_toggled)
        self.advanced_box = QWidget(self)
        self.advanced_form = QFormLayout(self.advanced_box)
        self.advanced_form.setContentsMargins(12, 0, 0, 0)
        self.advanced_box.hide()
        self.error_label = QLabel(self)
        self.error_label.setWordWrap(True)
        self.error_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.error_label.setStyleSheet(f"color: {_ERROR_COLOR};")
        self.error_label.hide()
        self.add_button = QPushButton("Add to queue", self)
        self.update_button = QPushButton("Update", self)
        self.update_button.setEnabled(False)
        self.reset_button = QPushButton("Reset", self)
        self.add_button.clicked.connect(self._slot_add)
        self.update_button.clicked.connect(self._slot_update)
        self.reset_button.clicked.connect(self.reset)
        self._lay_out()

    def _lay_out(self):
        # Only the plan choice and the buttons stay fixed: everything that
        # wraps scrolls, so a short dock clips no message.
        body = QWidget(self)
        body_layout = QVBoxLayout(body)
        body_layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.description_label, self.mode_label, self.error_label):
            body_layout.addWidget(widget)
        body_layout.addLayout(self.form)
        body_layout.addWidget(self.advanced_button, 0, Qt.AlignLeft)
        body_layout.addWidget(self.advanced_box)
        body_layout.addStretch(1)
        self.scroll = QScrollArea(self)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QScrollArea.NoFrame)
        self.scroll.setMinimumHeight(120)
        self.scroll.setWidget(body)
        top = QHBoxLayout()
        top.addWidget(QLabel("Plan:", self))
        top.addWidget(self.plan_combo, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.update_button)
        buttons.addStretch(1)
        buttons.addWidget(self.reset_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.scroll, 1)
        layout.addLayout(buttons)

    # ------------------------------------------------------------ public
    def current_plan(self) -> str:
        return self.plan_combo.currentText()

    def plan_names(self) -> list[str]:
        """The plans offered, sorted (empty until a description arrives)."""
        return [self.plan_combo.itemText(i) for i in range(self.plan_combo.count())]

    def error_text(self) -> str:
        """Every message shown now, general first, one per line."""
        messages = [self.error_label.text()] + [field.error() for field in self.fields.values()]
        return "\n".join(msg for msg in messages if msg)

    def set_description(self, plans: dict, devices: dict) -> None:
        """Offer the profile's plans and devices; the selected plan is kept if it still exists.

        An unchanged description is ignored, so a refresh does not wipe what
        the user is typing.
        """
        plans, devices = dict(plans or {}), dict(devices or {})
        if plans == self._plans and devices == self._devices:
            return
        current = self.current_plan()
        self._plans, self._devices = plans, devices
        with QSignalBlocker(self.plan_combo):
            self.plan_combo.clear()
            for name in sorted(plans):
                self.plan_combo.addItem(name)
                tip = plans[name].get("description", "")
                self.plan_combo.setItemData(self.plan_combo.count() - 1, tip, Qt.ToolTipRole)
            self.plan_combo.setCurrentIndex(max(self.plan_combo.findText(current), 0))
        self._rebuild_form()

    def edit_item(self, item: dict) -> None:
        """Load a queued item into the form and switch to Update mode.

        Arguments are bound to the plan's signature, so a value given by
        position or by keyword lands in the same field.
        """
        self.clear_error()
        name = item.get("name")
        if item.get("item_type", ItemType.PLAN.value) != ItemType.PLAN.value or name not in self._plans:
            self.show_error(f"cannot edit {name!r}: it is not a plan of the profile")
            return
        self._edited = copy.deepcopy(item)
        with QSignalBlocker(self.plan_combo):
            self.plan_combo.setCurrentIndex(self.plan_combo.findText(name))
        self._rebuild_form()
        self._fill(item.get("args") or [], item.get("kwargs") or {})
        self._set_edit_mode(True)

    def compose(self) -> dict | None:
        """The item the form describes, or None after marking what is wrong."""
        values, usable = {}, True
        for field in self.fields.values():
            if not field.check():
                usable = False
            elif field.read() is not EMPTY:
                values[field.name] = field.read()
            elif field.required:
                field.set_error("required: enter a value")
                usable = False
        plan = self._plans.get(self.current_plan())
        if plan is None or not usable:
            self._show_general("Choose a plan first." if plan is None else "Fix the marked fields.")
            marked = [field for field in self.fields.values() if field.error()]
            self._reveal(marked[0] if marked else self.error_label)
            return None
        try:
            args, kwargs = arrange_arguments(plan.get("parameters", []), values)
        except _FieldProblem as problem:
            if problem.name in self.fields:
                self.fields[problem.name].set_error(str(problem))
            self._show_general(f"{problem.name}: {problem}")
            return None
        for key, value in self._extra_kwargs.items():
            kwargs.setdefault(key, value)
        self._show_general("")
        return {"item_type": ItemType.PLAN.value, "name": self.current_plan(), "args": args, "kwargs": kwargs}

    def reset(self) -> None:
        """Empty every field, leave Update mode and clear the messages."""
        for field in self.fields.values():
            field.clear()
        self._extra_kwargs = {}
        self._set_edit_mode(False)
        self.clear_error()

    def show_error(self, msg: str) -> None:
        """Show a refusal next to the parameter it names, else above the form."""
        self.clear_error()
        for name in _NAMED_PARAMETER.findall(msg):
            if name in self.fields:
                self.fields[name].set_error(msg)
                self._reveal(self.fields[name])
                return
        self._show_general(msg)
        self._reveal(self.error_label)

    def clear_error(self) -> None:
        """Remove refusals; fields keep the live check of what they hold."""
        self._show_general("")
        for field in self.fields.values():
            field.check()

    # ------------------------------------------------------------ internals
    def _reveal(self, widget):
        """Scroll ``widget`` into view once the layout has made room for its message."""
        if widget.parentWidget() is self.advanced_box:
            self.advanced_button.setChecked(True)
        self._revealing = widget
        self._reveal_timer.start()

    def _slot_reveal(self):
        # A field may have been replaced by a new plan's form in the meantime.
        widget, self._revealing = self._revealing, None
        if widget is self.error_label or any(widget is field for field in self.fields.values()):
            self.scroll.ensureWidgetVisible(widget)

    def _show_general(self, msg):
        self.error_label.setText(msg)
        self.error_label.setVisible(bool(msg))

    def _set_edit_mode(self, editing):
        if not editing:
            self._edited = None
        uid = str((self._edited or {}).get("item_uid", ""))
        self.mode_label.setText(f"Editing queue item {uid[:8]}: Update changes it, Add queues a copy.")
        self.mode_label.setVisible(editing)
        self.update_button.setEnabled(editing)

    def _rebuild_form(self):
        for form in (self.form, self.advanced_form):
            while form.rowCount():
                form.removeRow(0)
        self.fields, self._extra_kwargs = {}, {}
        plan = self._plans.get(self.current_plan(), {})
        description = plan.get("description") or ""
        self.description_label.setText(description.split("\n\n")[0])
        self.description_label.setToolTip(description)
        for param in plan.get("parameters", []):
            kind = field_kind(param)
            if kind == "skip":
                continue
            field = self._make_field(kind, param)
            label = QLabel(f"<b>{param['name']}</b>" if field.required else param["name"])
            label.setToolTip(field.editor.toolTip())
            (self.advanced_form if kind == "advanced" else self.form).addRow(label, field)
            self.fields[param["name"]] = field
        self.advanced_button.setVisible(self.advanced_form.rowCount() > 0)

    def _make_field(self, kind, param):
        readable = [n for n, d in self._devices.items() if d.get("is_readable", True)]
        movable = [n for n, d in self._devices.items() if d.get("is_movable", False)]
        if kind == "devices":
            return DeviceListField(param, readable)
        if kind == "device":
            annotation = _annotation(param)
            wants_readable = "Readable" in annotation and "Movable" not in annotation
            return DeviceComboField(param, readable if wants_readable else movable)
        if kind == "args":
            return ArgsField(param, self._devices if param.get("convert_device_names") else ())
        if kind == "advanced":
            return KwargsField(param)
        return NumberField(param) if kind == "number" else LiteralField(param)

    def _fill(self, args, kwargs):
        plan = self._plans[self.current_plan()]
        try:
            arguments = signature_from_description(plan).bind_partial(*args, **kwargs).arguments
        except TypeError as exc:
            self.show_error(f"the item does not fit plan {plan.get('name')!r}: {exc}")
            arguments = dict(kwargs)
        kinds = {p["name"]: param_kind(p) for p in plan.get("parameters", [])}
        for name, value in arguments.items():
            field = self.fields.get(name)
            if field is not None:
                field.write(value)
                field.check()
                if field.parentWidget() is self.advanced_box:
                    self.advanced_button.setChecked(True)
            elif kinds.get(name) == _P.VAR_KEYWORD:
                self._extra_kwargs.update(value)
            else:
                self._extra_kwargs[name] = value

    def _slot_plan_changed(self, _index):
        self.clear_error()
        self._rebuild_form()

    def _slot_advanced_toggled(self, shown):
        self.advanced_box.setVisible(shown)
        self.advanced_button.setArrowType(Qt.DownArrow if shown else Qt.RightArrow)

    def _slot_add(self):
        item = self.compose()
        if item is not None:
            self.add_requested.emit(item)

    def _slot_update(self):
        item = self.compose()
        if item is None or self._edited is None:
            return
        item["item_uid"] = self._edited.get("item_uid")
        for key in ("meta", "user", "user_group"):
            if key in self._edited:
                item[key] = copy.deepcopy(self._edited[key])
        self.update_requested.emit(item)
