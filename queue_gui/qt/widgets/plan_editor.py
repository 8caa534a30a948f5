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

import copy
import inspect
import re

from qtpy.QtCore import QSignalBlocker, Qt, QTimer, Signal
from qtpy.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from queue_gui.manager.validation import signature_from_description
from queue_gui.plan_args import pattern_hint
from queue_gui.plan_parameters import (
    ArgumentProblem,
    annotation_text,
    arrange_arguments,
    field_kind,
    param_kind,
)
from queue_gui.wire import ItemType

from ..look import ERROR_COLOR
from .plan_fields import (
    EMPTY,
    ArgsField,
    DeviceComboField,
    DeviceListField,
    Field,
    KwargsField,
    LiteralField,
    NumberField,
)

#: Where a refusal names a parameter: "in parameter 'detectors'",
#: "missing a required argument: 'detectors'", "keyword argument 'nmu'".
PREFERRED_FIRST_PLAN = "count"
_NAMED_PARAMETER = re.compile(r"(?:parameter|argument):?\s+'(\w+)'")


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
        self.error_label.setStyleSheet(f"color: {ERROR_COLOR};")
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
            # First time: start with the plan most scientists queue first.
            preferred = current or PREFERRED_FIRST_PLAN
            self.plan_combo.setCurrentIndex(max(self.plan_combo.findText(preferred), 0))
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
        except ArgumentProblem as problem:
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
            annotation = annotation_text(param)
            wants_readable = "Readable" in annotation and "Movable" not in annotation
            return DeviceComboField(param, readable if wants_readable else movable)
        if kind == "args":
            properties = self._plans.get(self.current_plan(), {}).get("properties") or {}
            hint = pattern_hint(properties.get("args_pattern"))
            return ArgsField(param, self._devices if param.get("convert_device_names") else (), hint=hint)
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
            elif kinds.get(name) == inspect.Parameter.VAR_KEYWORD:
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
