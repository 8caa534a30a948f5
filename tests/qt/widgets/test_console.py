"""The console: bounded, appends a text stream, searches, clears, and scrolls politely."""

import pytest
from qtpy.QtCore import Qt
from qtpy.QtGui import QFont, QFontDatabase, QFontInfo
from qtpy.QtWidgets import QApplication

from queue_gui.qt.widgets.console import ConsoleWidget


@pytest.fixture
def console(qtbot):
    widget = ConsoleWidget(max_lines=100)
    widget.resize(500, 200)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def feed(console, *messages):
    for number, msg in enumerate(messages):
        console.append_entry({"time": 1700000000.0 + number, "msg": msg, "uid": f"uid-{number}"})


def test_default_bound_is_5000_lines(qtbot):
    widget = ConsoleWidget()
    qtbot.addWidget(widget)
    assert widget.text.maximumBlockCount() == 5000
    assert widget.text.isReadOnly()


def test_the_console_asks_for_a_fixed_width_font(qtbot):
    """What the console asks for, whatever fonts this machine has.

    Which font the font system then draws with (``QFontInfo``) depends on the
    machine: a family the font database calls fixed-pitch may resolve to one
    Qt does not (Noto Sans Mono did), and a machine may have no fixed-pitch
    family at all. Neither is the console's to fix, so neither is tested.
    """
    widget = ConsoleWidget()
    qtbot.addWidget(widget)
    font = widget.text.font()
    system = QFontDatabase.systemFont(QFontDatabase.FixedFont)
    if QFontInfo(system).fixedPitch():
        assert font.family() == system.family(), "the platform's own fixed font, when it is one"
    else:
        database = QFontDatabase()
        fixed = [family for family in database.families() if database.isFixedPitch(family)]
        assert font.family() in (fixed or ["monospace"]), "a family the font database calls fixed-pitch"
        assert font.styleHint() == QFont.TypeWriter


def test_entries_are_a_text_stream(console):
    feed(console, "first\nsecond\n", "third, ", "continued\n")
    assert console.text.toPlainText() == "first\nsecond\nthird, continued\n"


def test_only_the_last_max_lines_are_kept(console):
    feed(console, *(f"line {i}\n" for i in range(250)))
    lines = console.text.toPlainText().splitlines()
    assert console.text.blockCount() <= 100
    assert lines[-1] == "line 249"
    assert "line 0" not in lines and len(lines) >= 98


def test_follows_new_output_only_when_already_at_the_bottom(console):
    feed(console, *(f"line {i}\n" for i in range(80)))
    bar = console.text.verticalScrollBar()
    assert bar.maximum() > 0 and bar.value() == bar.maximum()
    feed(console, "more\n")
    assert bar.value() == bar.maximum()
    bar.setValue(0)
    feed(console, "even more\n", "and more\n")
    assert bar.value() == 0


def test_ctrl_f_focuses_search_and_enter_walks_the_matches(qtbot, console):
    feed(console, "alpha\nneedle one\nbeta\nneedle two\ngamma\n")
    console.activateWindow()
    console.text.setFocus()
    qtbot.keyClick(console.text, Qt.Key_F, Qt.ControlModifier)
    assert QApplication.focusWidget() is console.search
    qtbot.keyClicks(console.search, "needle")
    cursor = console.text.textCursor()
    assert cursor.selectedText() == "needle" and cursor.blockNumber() == 1
    assert len(console.text.extraSelections()) == 1
    qtbot.keyClick(console.search, Qt.Key_Return)
    assert console.text.textCursor().blockNumber() == 3
    qtbot.keyClick(console.search, Qt.Key_Return)  # wraps around
    assert console.text.textCursor().blockNumber() == 1
    qtbot.keyClick(console.search, Qt.Key_Return, Qt.ShiftModifier)  # previous, wrapping backwards
    assert console.text.textCursor().blockNumber() == 3
    assert console.status_label.text() == ""


def test_missing_text_says_not_found(qtbot, console):
    feed(console, "alpha\n")
    qtbot.keyClicks(console.search, "omega")
    assert console.status_label.text() == "not found"
    assert console.text.extraSelections() == []


def test_clear_button_empties_the_view(qtbot, console):
    feed(console, "something\n")
    with qtbot.waitSignal(console.cleared, timeout=1000):
        qtbot.mouseClick(console.clear_button, Qt.LeftButton)
    assert console.text.toPlainText() == ""
    feed(console, "after\n")
    assert console.text.toPlainText() == "after\n"
