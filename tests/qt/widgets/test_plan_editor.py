"""The plan editor, driven as a user would: pick a plan, tick, type, click.

The descriptions are the real ones of the built-in simulated profile, and
every emitted item is bound to the plan's signature the way the manager binds
it, so a passing test means the manager would accept the item's shape.
"""

import pytest
from qtpy.QtCore import Qt

from queue_gui.manager.validation import signature_from_description
from queue_gui.qt.widgets.plan_editor import PlanEditor
from queue_gui.qt.widgets.plan_fields import EMPTY, DeviceListField


@pytest.fixture(scope="module")
def description():
    from queue_gui.worker.describe import describe_profile
    from queue_gui.worker.profile import load_profile

    return describe_profile(load_profile(None))


@pytest.fixture
def editor(qtbot, description):
    widget = PlanEditor()
    widget.set_description(description["plans"], description["devices"])
    widget.resize(520, 640)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def choose(editor, plan):
    editor.plan_combo.setCurrentIndex(editor.plan_combo.findText(plan))
    assert editor.current_plan() == plan


def tick(qtbot, editor, *names, parameter="detectors"):
    """Click device rows the way a user does (on the name, not only on the box)."""
    field = editor.fields[parameter]
    assert isinstance(field, DeviceListField)
    for name in names:
        (item,) = field.editor.findItems(name, Qt.MatchExactly)
        field.editor.scrollToItem(item)
        qtbot.mouseClick(field.editor.viewport(), Qt.LeftButton, pos=field.editor.visualItemRect(item).center())


def type_into(qtbot, editor, parameter, text):
    line = editor.fields[parameter].editor
    line.selectAll()
    qtbot.keyClick(line, Qt.Key_Delete)
    qtbot.keyClicks(line, text)


def add(qtbot, editor):
    with qtbot.waitSignal(editor.add_requested, timeout=1000) as blocker:
        qtbot.mouseClick(editor.add_button, Qt.LeftButton)
    return blocker.args[0]


def bound(description, item):
    """Bind like the manager does; fails the test if the shape does not fit."""
    plan = description["plans"][item["name"]]
    return signature_from_description(plan).bind(*item["args"], **item["kwargs"]).arguments


def test_plans_are_sorted_and_described(editor, description):
    names = [editor.plan_combo.itemText(i) for i in range(editor.plan_combo.count())]
    assert names == sorted(description["plans"])
    choose(editor, "count")
    assert editor.description_label.text() == "Take one or more readings from detectors."
    index = editor.plan_combo.findText("count")
    assert editor.plan_combo.itemData(index, Qt.ToolTipRole) == description["plans"]["count"]["description"]


def test_count_with_two_detectors_and_num(qtbot, editor, description):
    choose(editor, "count")
    tick(qtbot, editor, "det1", "det2")
    type_into(qtbot, editor, "num", "3")
    item = add(qtbot, editor)
    # Hardening #13: what has a default is given by name, as a scientist writes it.
    assert item == {"item_type": "plan", "name": "count", "args": [["det1", "det2"]], "kwargs": {"num": 3}}
    assert bound(description, item) == {"detectors": ["det1", "det2"], "num": 3}


def test_ticking_twice_unticks_and_empty_defaults_are_omitted(qtbot, editor):
    choose(editor, "count")
    tick(qtbot, editor, "det1", "det2", "det2")
    assert add(qtbot, editor)["args"] == [["det1"]]


def test_a_gap_sends_later_positionals_by_keyword(qtbot, editor, description):
    choose(editor, "count")
    tick(qtbot, editor, "det1")
    type_into(qtbot, editor, "delay", "0.5")
    item = add(qtbot, editor)
    assert (item["args"], item["kwargs"]) == ([["det1"]], {"delay": 0.5})
    assert bound(description, item) == {"detectors": ["det1"], "delay": 0.5}


def test_scan_with_star_args_literal_and_keyword_num(qtbot, editor, description):
    choose(editor, "scan")
    tick(qtbot, editor, "det1")
    type_into(qtbot, editor, "args", "motor, -1, 1")
    type_into(qtbot, editor, "num", "5")
    item = add(qtbot, editor)
    assert item == {"item_type": "plan", "name": "scan", "args": [["det1"], "motor", -1, 1], "kwargs": {"num": 5}}
    assert bound(description, item) == {"detectors": ["det1"], "args": ("motor", -1, 1), "num": 5}


def test_callables_are_not_offered_and_md_is_advanced(editor):
    choose(editor, "scan")
    assert "per_step" not in editor.fields
    assert editor.fields["md"].parentWidget() is editor.advanced_box
    assert not editor.advanced_box.isVisible()
    editor.advanced_button.click()
    assert editor.fields["md"].isVisible()


def test_invalid_literal_is_marked_while_typing_and_nothing_is_sent(qtbot, editor):
    choose(editor, "count")
    tick(qtbot, editor, "det1")
    type_into(qtbot, editor, "delay", "[0.1, ")
    field = editor.fields["delay"]
    assert field.error_label.isVisible() and "not a Python literal" in field.error()
    assert "border" in field.editor.styleSheet()
    with qtbot.assertNotEmitted(editor.add_requested):
        qtbot.mouseClick(editor.add_button, Qt.LeftButton)
    assert editor.error_label.isVisible()
    type_into(qtbot, editor, "delay", "[0.1, 0.2]")
    assert not field.error_label.isVisible() and field.editor.styleSheet() == ""


def test_unknown_bare_name_in_star_args_is_refused(qtbot, editor):
    choose(editor, "scan")
    tick(qtbot, editor, "det1")
    type_into(qtbot, editor, "args", "motr, -1, 1")
    assert "'motr' is not a device" in editor.fields["args"].error()
    with qtbot.assertNotEmitted(editor.add_requested):
        qtbot.mouseClick(editor.add_button, Qt.LeftButton)


def test_number_fields_refuse_letters(qtbot, editor):
    choose(editor, "count")
    qtbot.keyClicks(editor.fields["num"].editor, "x3y")
    assert editor.fields["num"].editor.text() == "3"


def test_required_field_left_empty_is_marked_and_nothing_is_sent(qtbot, editor):
    choose(editor, "count")
    type_into(qtbot, editor, "num", "2")
    with qtbot.assertNotEmitted(editor.add_requested):
        qtbot.mouseClick(editor.add_button, Qt.LeftButton)
    assert "required" in editor.fields["detectors"].error()
    assert editor.fields["detectors"].error_label.isVisible()
    assert editor.fields["num"].error() == ""


def test_update_is_enabled_only_while_editing(qtbot, editor):
    assert not editor.update_button.isEnabled()
    editor.edit_item({"item_uid": "u-1", "item_type": "plan", "name": "count", "args": [["det1"]], "kwargs": {}})
    assert editor.update_button.isEnabled() and editor.mode_label.isVisible()
    qtbot.mouseClick(editor.reset_button, Qt.LeftButton)
    assert not editor.update_button.isEnabled()
    assert editor.fields["detectors"].read() is EMPTY  # Reset also emptied the form


def test_edit_item_round_trip_keeps_the_uid(qtbot, editor, description):
    item = {
        "item_uid": "6c1f2a1e-uid",
        "item_type": "plan",
        "name": "count",
        "args": [["det2"]],
        "kwargs": {"num": 4, "md": {"sample": "Si"}},
        "meta": {"note": "kept"},
        "user": "alice",
        "user_group": "primary",
    }
    editor.edit_item(item)
    assert editor.current_plan() == "count"
    assert editor.fields["detectors"].read() == ["det2"]
    assert editor.fields["num"].editor.text() == "4"
    type_into(qtbot, editor, "num", "7")
    with qtbot.waitSignal(editor.update_requested, timeout=1000) as blocker:
        qtbot.mouseClick(editor.update_button, Qt.LeftButton)
    updated = blocker.args[0]
    assert updated["item_uid"] == "6c1f2a1e-uid"
    assert (updated["name"], updated["args"], updated["kwargs"]) == ("count", [["det2"]], {"num": 7, "md": {"sample": "Si"}})
    assert (updated["meta"], updated["user"]) == ({"note": "kept"}, "alice")
    assert bound(description, updated)["num"] == 7


def test_editing_the_seed_scan_keeps_its_arguments(qtbot, editor):
    seed = ["det1", "det2"], "motor", -1, 1, 10
    editor.edit_item({"item_uid": "s", "name": "scan", "args": list(seed), "kwargs": {}})
    assert editor.fields["args"].editor.text() == "motor, -1, 1, 10"
    with qtbot.waitSignal(editor.update_requested, timeout=1000) as blocker:
        qtbot.mouseClick(editor.update_button, Qt.LeftButton)
    assert blocker.args[0]["args"] == [["det1", "det2"], "motor", -1, 1, 10]


def test_refusal_naming_a_parameter_is_shown_at_its_field(editor):
    choose(editor, "count")
    msg = "unknown device 'det9' in parameter 'detectors' of plan 'count'"
    editor.show_error(msg)
    assert editor.fields["detectors"].error() == msg
    assert editor.fields["detectors"].error_label.isVisible()
    assert not editor.error_label.isVisible()
    editor.show_error("plan 'count': missing a required argument: 'detectors'")
    assert "missing" in editor.fields["detectors"].error()
    editor.clear_error()
    assert editor.fields["detectors"].error() == "" and not editor.error_label.isVisible()


def test_refusal_naming_no_field_goes_to_the_general_label(editor):
    choose(editor, "count")
    editor.show_error("plan 'count': got an unexpected keyword argument 'nmu'")
    assert editor.error_label.isVisible() and "nmu" in editor.error_label.text()
    assert all(field.error() == "" for field in editor.fields.values())


def test_a_refusal_about_an_advanced_field_opens_and_scrolls_to_it(qtbot, editor):
    choose(editor, "count")
    editor.resize(420, 260)  # a short dock: the form has to scroll
    editor.show_error("plan 'count': value of parameter 'md' must be a dict")
    assert editor.advanced_box.isVisible()
    qtbot.waitUntil(lambda: not editor.fields["md"].error_label.visibleRegion().isEmpty(), timeout=1000)
    assert "must be a dict" in editor.error_text()


@pytest.mark.parametrize(
    "plan, shown",
    [("grid_scan", "motor2, -1, 1, 11"), ("list_scan", "list of positions"), ("mv", "motor, position"), ("scan", "points go in num")],
)
def test_the_motors_hint_shows_the_pattern_of_the_chosen_plan(editor, plan, shown):
    """Hardening #12: the hint was scan's whatever the plan."""
    choose(editor, plan)
    field = editor.fields["args"]
    assert shown in field.editor.placeholderText()


def test_count_with_num_and_delay_reads_as_typed(qtbot, editor, description):
    """Hardening #13: stored as args [['det1'], 50, 0.2] and shown as count(['det1'], 50, 0.2) before."""
    from queue_gui.qt.formatting import item_text

    choose(editor, "count")
    tick(qtbot, editor, "det1")
    type_into(qtbot, editor, "num", "50")
    type_into(qtbot, editor, "delay", "0.2")
    item = add(qtbot, editor)
    assert (item["args"], item["kwargs"]) == ([["det1"]], {"num": 50, "delay": 0.2})
    assert item_text(item) == "count(['det1'], num=50, delay=0.2)"
    assert bound(description, item) == {"detectors": ["det1"], "num": 50, "delay": 0.2}
