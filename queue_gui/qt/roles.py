"""The item-data roles of queue-gui's Qt models, defined once.

A view or a panel asks a row for its item with ``index.data(ItemRole)``
whatever model it shows: the queue, the history, or a stand-in model in a
test. Each role has one number, so two models never mean different things
by the same role.
"""

from qtpy.QtCore import Qt

#: The row's item dict, as the manager sent it (a history item has its ``result``).
ItemRole = Qt.UserRole + 1
#: The item's ``item_uid`` (not unique in the history: a stopped plan runs again).
UidRole = Qt.UserRole + 2
#: True for the queue's pinned running item (row 0).
IsRunningRole = Qt.UserRole + 3
#: ``(fraction or None, text)`` of the running item's progress, else None.
ProgressRole = Qt.UserRole + 4
#: A history attempt's ``exit_status`` string.
ExitStatusRole = Qt.UserRole + 5
#: A saved run's index row (a dict), in the runs table.
RunRole = Qt.UserRole + 6
