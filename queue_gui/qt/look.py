"""The colours of the window, defined once: every view of a state paints it alike.

Exit statuses read in the same colour in the history list, the details of
an attempt and the runs table; the colours are dark enough to read on white
and on a light selection, and told apart at a glance (green, red, orange,
grey). Each colour is a ``#rrggbb`` string, usable in HTML and style sheets;
a model wraps it in a ``QColor``.
"""

from qtpy.QtGui import QColor

from queue_gui.wire import ExitStatus

GREEN = "#2e7d32"
RED = "#c62828"
ORANGE = "#e65100"
GREY = "#757575"
BLUE = "#1565c0"

#: Text of a refusal or of an input that cannot be used.
ERROR_COLOR = RED

#: Text colour per history exit status (a plan interrupted by stop, abort or halt reads orange).
STATUS_COLORS = {
    ExitStatus.COMPLETED.value: GREEN,
    ExitStatus.FAILED.value: RED,
    ExitStatus.STOPPED.value: ORANGE,
    ExitStatus.ABORTED.value: ORANGE,
    ExitStatus.HALTED.value: ORANGE,
    ExitStatus.UNKNOWN.value: GREY,
}

#: Text and colour per exit status of a run's stop document; None is a run still open.
RUN_STATUS_LOOK = {
    "success": ("completed", GREEN),
    "abort": ("aborted", ORANGE),
    "fail": ("failed", RED),
    "interrupted": ("interrupted", GREY),
    None: ("running", BLUE),
}

#: The queue's running and paused row, and its instructions.
RUNNING_FOREGROUND = QColor("#1b5e20")
RUNNING_BACKGROUND = QColor("#dcedc8")
PAUSED_FOREGROUND = QColor("#8a4b00")
PAUSED_BACKGROUND = QColor("#ffe0b2")
INSTRUCTION_FOREGROUND = QColor("#455a64")


def status_color(status):
    """The ``#rrggbb`` colour of a history exit status; grey for one it does not know."""
    return STATUS_COLORS.get(status, GREY)
