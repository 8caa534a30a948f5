"""Paints the running row of the queue with a progress bar at its right end.

Every other row is painted by Qt as usual. The bar shows the running
plan's point n of N (:class:`queue_gui.qt.progress.ProgressTracker`); a
plan that does not say how many points it takes gets the text alone.
"""

from qtpy.QtCore import QRect, Qt
from qtpy.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionProgressBar, QStyleOptionViewItem

from .queue_model import ProgressRole

BAR_WIDTH = 150
MIN_BAR_WIDTH = 70
#: The width a row asks for; the view gives it all its width.
MIN_ROW_WIDTH = 200
MARGIN = 4


class QueueItemDelegate(QStyledItemDelegate):
    """Default painting, plus the running item's progress (:data:`ProgressRole`).

    Rows are as wide as the view, never wider: a long call is elided at the
    right edge (its tooltip has it whole), so the view never scrolls
    sideways and the running row's bar stays in sight.
    """

    def sizeHint(self, option, index):
        hint = super().sizeHint(option, index)
        hint.setWidth(min(hint.width(), MIN_ROW_WIDTH))
        return hint

    def paint(self, painter, option, index):
        progress = index.data(ProgressRole)
        if not progress:
            super().paint(painter, option, index)
            return
        fraction, text = progress
        # A narrow queue keeps most of the row for the call's text.
        width = max(MIN_BAR_WIDTH, min(BAR_WIDTH, option.rect.width() // 3))
        bar = QRect(option.rect.right() - width - MARGIN, option.rect.top() + MARGIN, width,
                    option.rect.height() - 2 * MARGIN)
        # The text (elided by Qt) stops before the bar; the bar's strip gets
        # the row's background, or the selection's.
        text_option = QStyleOptionViewItem(option)
        text_option.rect = QRect(option.rect)
        text_option.rect.setRight(bar.left() - MARGIN)
        super().paint(painter, text_option, index)
        strip = QRect(option.rect)
        strip.setLeft(bar.left() - MARGIN)
        if option.state & QStyle.State_Selected:
            painter.fillRect(strip, option.palette.highlight())
        else:
            background = index.data(Qt.BackgroundRole)
            if background is not None:
                painter.fillRect(strip, background)
        style = option.widget.style() if option.widget is not None else QApplication.style()
        bar_option = QStyleOptionProgressBar()
        bar_option.rect = bar
        bar_option.minimum = 0
        bar_option.maximum = 1000
        bar_option.progress = int(round((fraction or 0.0) * 1000))
        bar_option.text = text
        bar_option.textVisible = True
        bar_option.textAlignment = Qt.AlignCenter
        bar_option.state = QStyle.State_Enabled | QStyle.State_Horizontal
        bar_option.palette = option.palette
        style.drawControl(QStyle.CE_ProgressBar, bar_option, painter, option.widget)
