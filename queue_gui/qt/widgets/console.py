"""The worker's console output, bounded, searchable, and polite about scrolling.

Entries arrive as ``{"time", "msg", "uid"}`` dicts (the manager's console
stream, the same ``msg`` that ``console_output_update`` serves). ``msg`` is a
piece of a text stream: it may hold several lines, or end mid-line, so it is
appended verbatim rather than one paragraph per entry.
"""

from __future__ import annotations

from qtpy.QtCore import QEvent, Qt, Signal
from qtpy.QtGui import QColor, QFont, QFontDatabase, QFontInfo, QKeySequence, QTextCursor, QTextDocument
from qtpy.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QShortcut,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

_MATCH_COLOR = QColor("#ffe082")
_NOT_FOUND_STYLE = "QLineEdit { background: #ffcdd2; }"


def monospace_font() -> QFont:
    """The platform's fixed-width font, or any monospace one when the platform has none.

    Minimal platform themes (offscreen, some window managers) answer the
    "fixed font" query with a proportional font; tracebacks then lose their
    alignment, so fall back to the generic ``monospace`` family.
    """
    font = QFontDatabase.systemFont(QFontDatabase.FixedFont)
    if QFontInfo(font).fixedPitch():
        return font
    # fontconfig's "monospace" may be a family Qt does not report as fixed
    # (it happened with Noto Sans Mono); ask the font database itself.
    database = QFontDatabase()
    fixed = [family for family in database.families() if database.isFixedPitch(family)]
    preferred = [family for family in PREFERRED_MONOSPACE if family in fixed]
    font = QFont((preferred or fixed or ["monospace"])[0])
    font.setStyleHint(QFont.TypeWriter)
    return font


#: Fixed-width families that read well, in order of preference.
PREFERRED_MONOSPACE = ("DejaVu Sans Mono", "Liberation Mono", "Noto Mono", "Noto Sans Mono", "Nimbus Mono PS", "Courier New")


class ConsoleWidget(QWidget):
    """Read-only console output with search and a Clear button.

    Parameters
    ----------
    parent : QWidget, optional
    max_lines : int
        Lines kept; older ones are dropped so a long session cannot grow the
        GUI's memory without bound.

    Signals
    -------
    cleared()
        The user cleared the view (the manager's own buffer is untouched).
    """

    cleared = Signal()

    def __init__(self, parent=None, *, max_lines: int = 5000):
        super().__init__(parent)
        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        self.text.setMaximumBlockCount(max_lines)
        self.text.setLineWrapMode(QPlainTextEdit.NoWrap)
        self.text.setFont(monospace_font())
        self.text.setUndoRedoEnabled(False)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Find (Ctrl+F; Enter: next, Shift+Enter: previous)")
        self.search.setClearButtonEnabled(True)
        self.search.installEventFilter(self)
        self.search.textChanged.connect(self._slot_search_changed)
        self.status_label = QLabel(self)
        self.clear_button = QPushButton("Clear", self)
        self.clear_button.clicked.connect(self.clear)
        shortcut = QShortcut(QKeySequence(QKeySequence.Find), self)
        shortcut.setContext(Qt.WidgetWithChildrenShortcut)
        shortcut.activated.connect(self.focus_search)
        bar = QHBoxLayout()
        bar.addWidget(self.search, 1)
        bar.addWidget(self.status_label)
        bar.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.text, 1)
        layout.addLayout(bar)

    # ------------------------------------------------------------ Qt overrides
    def eventFilter(self, watched, event):
        """Enter in the search field finds the next match, Shift+Enter the previous."""
        if watched is self.search and event.type() == QEvent.KeyPress:
            if event.key() in (Qt.Key_Return, Qt.Key_Enter):
                self.find(backward=bool(event.modifiers() & Qt.ShiftModifier))
                return True
            if event.key() == Qt.Key_Escape:
                self.text.setFocus()
                return True
        return super().eventFilter(watched, event)

    # ------------------------------------------------------------ public
    def append_entry(self, entry: dict) -> None:
        """Append one console entry; follow the end only if the user was there.

        The text goes in through a document cursor, so the user's selection
        and the position they scrolled to stay where they were.
        """
        msg = str(entry.get("msg", ""))
        if not msg:
            return
        bar = self.text.verticalScrollBar()
        at_bottom = bar.value() >= bar.maximum() - 1
        previous = bar.value()
        cursor = QTextCursor(self.text.document())
        cursor.movePosition(QTextCursor.End)
        cursor.insertText(msg)
        bar.setValue(bar.maximum() if at_bottom else min(previous, bar.maximum()))

    def clear(self) -> None:
        """Empty the view."""
        self.text.clear()
        self._show_match(None)
        self.cleared.emit()

    def focus_search(self) -> None:
        """Put the cursor in the search field with its text selected (Ctrl+F)."""
        self.search.setFocus(Qt.ShortcutFocusReason)
        self.search.selectAll()

    def find(self, backward: bool = False) -> bool:
        """Select and highlight the next (or previous) match, wrapping around.

        Returns
        -------
        bool
            Whether the text was found; "not found" is shown otherwise.
        """
        needle = self.search.text()
        if not needle:
            self._show_match(None)
            return False
        flags = QTextDocument.FindBackward if backward else QTextDocument.FindFlags()
        document = self.text.document()
        match = document.find(needle, self.text.textCursor(), flags)
        if match.isNull():
            start = QTextCursor(document)
            start.movePosition(QTextCursor.End if backward else QTextCursor.Start)
            match = document.find(needle, start, flags)
        self._show_match(None if match.isNull() else match)
        return not match.isNull()

    # ------------------------------------------------------------ internals
    def _show_match(self, match):
        """Select and highlight ``match``, or report that there is none."""
        if match is None:
            self.text.setExtraSelections([])
            searching = bool(self.search.text())
            self.status_label.setText("not found" if searching else "")
            self.search.setStyleSheet(_NOT_FOUND_STYLE if searching else "")
            return
        highlight = QTextEdit.ExtraSelection()
        highlight.cursor = match
        highlight.format.setBackground(_MATCH_COLOR)
        self.text.setExtraSelections([highlight])
        self.text.setTextCursor(match)
        self.text.ensureCursorVisible()
        self.status_label.setText("")
        self.search.setStyleSheet("")

    def _slot_search_changed(self, _text):
        # Search as the user types, from the start of the current match, so
        # extending the word keeps the same hit instead of jumping past it.
        cursor = self.text.textCursor()
        cursor.setPosition(cursor.selectionStart())
        self.text.setTextCursor(cursor)
        self.find()
