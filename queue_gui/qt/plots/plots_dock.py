"""The "Plots" dock: a tab per figure, the newest raised, a status line below.

The dock owns the plot model (:class:`~queue_gui.data.builder.PlotBuilder`
on the window's :class:`~queue_gui.data.runs.LiveData`) and its
:class:`~queue_gui.qt.plots.painter.Painter`. Live documents reach it
through the ``LiveData`` the window feeds; :meth:`PlotsDock.show_run`
draws a saved run from its documents with the same builder.
"""

import logging

from qtpy.QtCore import QSize, Qt, Signal
from qtpy.QtWidgets import QHBoxLayout, QLabel, QStackedWidget, QTabWidget, QVBoxLayout, QWidget

from queue_gui.data.builder import MAX_RUNS, PlotBuilder

from .painter import Painter

logger = logging.getLogger(__name__)

EMPTY_TEXT = "No plots yet: run a scan"


class PlotsDock(QWidget):
    """Live plots of the runs a :class:`LiveData` routes.

    Parameters
    ----------
    live_data : queue_gui.data.runs.LiveData
    max_runs : int
        Runs compared in one figure.

    Attributes
    ----------
    builder : queue_gui.data.builder.PlotBuilder
        The model: ``builder.figures`` is a bluesky-widgets ``FigureList``.
    painter : queue_gui.qt.plots.painter.Painter
    tabs : QTabWidget
        One tab per figure, titled with the figure's short title.
    """

    #: The status line's text changed (cursor read-out or a problem).
    status_changed = Signal(str)

    def __init__(self, live_data, max_runs=MAX_RUNS, parent=None):
        super().__init__(parent)
        self.setObjectName("plots_dock")
        self.live_data = live_data
        self.builder = PlotBuilder(live_data, max_runs=max_runs)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("plot_tabs")
        self.tabs.setDocumentMode(True)
        self.tabs.setTabsClosable(True)
        self.tabs.setMovable(True)
        self.tabs.tabCloseRequested.connect(self._slot_close_tab)
        # The read-out belongs to the figure under the mouse: another tab clears it.
        self.tabs.currentChanged.connect(lambda _: self._show_cursor(""))
        self.empty = QLabel(EMPTY_TEXT, self)
        self.empty.setObjectName("plots_empty")
        self.empty.setAlignment(Qt.AlignCenter)
        self.empty.setStyleSheet("color: palette(mid); font-size: 14px;")
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.tabs)
        self.cursor_label = QLabel(self)
        self.cursor_label.setObjectName("plots_cursor")
        self.problem_label = QLabel(self)
        self.problem_label.setObjectName("plots_problem")
        self.problem_label.setStyleSheet("color: #b03030;")
        self.problem_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        status = QHBoxLayout()
        status.setContentsMargins(6, 2, 6, 2)
        status.addWidget(self.cursor_label, 1)
        status.addWidget(self.problem_label, 0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.stack, 1)
        layout.addLayout(status)
        self.painter = Painter(self.builder.figures, self)
        self.painter.figure_added.connect(self._slot_figure_added)
        self.painter.figure_removed.connect(self._slot_figure_removed)
        self.painter.figure_activated.connect(self._slot_raise)
        live_data.on_problem(self._show_problem)

    def sizeHint(self):  # noqa: N802 (Qt override)
        return QSize(560, 420)  # the docks share out the window by their hints: plots need room

    # ------------------------------------------------------------ API
    def show_run(self, documents):
        """Draw a saved run from its documents (``[name, doc]`` pairs) and raise its first figure.

        The run joins the figures like a live one, so it is compared with
        the recent runs of the same kind. A run already shown is raised,
        not drawn twice. Returns the run's figures (empty when it has
        nothing to plot).
        """
        uid = next((doc.get("uid") for name, doc in documents if name == "start" and isinstance(doc, dict)), None)
        if uid is None:
            self._show_problem("the run has no start document: nothing to plot")
            return []
        figures = self.builder.figures_of(uid)
        if not figures:
            self.live_data.consume(documents, live=False)
            figures = self.builder.figures_of(uid)
        if figures:
            self._slot_raise(self.painter.view_of(figures[0]))
        return figures

    def figure_views(self):
        """The figure views, in tab order."""
        return [self.tabs.widget(i) for i in range(self.tabs.count())]

    def current_view(self):
        return self.tabs.currentWidget()

    # ------------------------------------------------------------ slots
    def _slot_figure_added(self, view):
        index = self.tabs.addTab(view, view.figure.short_title or view.figure.title)
        self.tabs.setTabToolTip(index, view.figure.title)
        view.cursor_moved.connect(self._show_cursor)
        self.stack.setCurrentWidget(self.tabs)

    def _slot_figure_removed(self, view):
        index = self.tabs.indexOf(view)
        if index >= 0:
            self.tabs.removeTab(index)
        if self.tabs.count() == 0:
            self.stack.setCurrentWidget(self.empty)

    def _slot_raise(self, view):
        if view is not None and self.tabs.indexOf(view) >= 0:
            self.tabs.setCurrentWidget(view)

    def _slot_close_tab(self, index):
        view = self.tabs.widget(index)
        if view is not None:
            self.builder.figures.remove(view.figure)  # the model decides; the tab follows

    def _show_cursor(self, text):
        self.cursor_label.setText(text)
        self.status_changed.emit(text)

    def _show_problem(self, message):
        self.problem_label.setText(_elide(message))
        self.problem_label.setToolTip(message)
        self.status_changed.emit(message)


def _elide(text, limit=90):
    return text if len(text) <= limit else text[: limit - 1] + "…"
