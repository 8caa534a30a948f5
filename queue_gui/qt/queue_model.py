"""The queue as a Qt list model: a mirror of the manager's queue, never its owner.

Following napari's Qt containers, the model only renders what the manager
sends: its changes through :meth:`QueueModel.follow`, or a whole queue
through :meth:`QueueModel.set_queue`, and turns a drop into one move
request by uid (``request_move``). It never reorders its own rows on a drop:
the rows change when the manager's new queue comes back. That is also why
``removeRows``/``moveRows`` are deliberately not implemented — after a move
drag, ``QAbstractItemView`` would call them to delete the source rows.

``set_queue`` updates views incrementally (remove, insert, reorder, then
``dataChanged``) so that a view keeps its selection and scroll position while
the queue runs; it stays linear in the queue length (uid -> row dicts, and
one layout change instead of many scattered row blocks).
"""
import json
import logging

from qtpy.QtCore import QAbstractListModel, QByteArray, QMimeData, QModelIndex, Qt
from qtpy.QtGui import QBrush, QFont
from qtpy.QtWidgets import QAbstractItemView, QApplication, QListView, QStyle

from .row_view import RowView

from ..queue_rows import drop_destination, index_items, is_noop, move_destination, new_runs, row_blocks
from .formatting import is_instruction, item_text, item_tooltip
from .look import (
    INSTRUCTION_FOREGROUND,
    PAUSED_BACKGROUND,
    PAUSED_FOREGROUND,
    RUNNING_BACKGROUND,
    RUNNING_FOREGROUND,
)
from .roles import IsRunningRole, ItemRole, ProgressRole, UidRole

logger = logging.getLogger(__name__)

MIME_TYPE = "application/x-queue-gui-item-uids"
RUNNING_PREFIX = "Running: "
PAUSED_PREFIX = "Paused: "
MOVE_DIRECTIONS = ("up", "down", "top", "bottom")
#: Beyond this many changes in one event (a burst joined while the GUI thread
#: was busy), ``follow`` takes the queue whole instead.
MAX_FOLLOWED_CHANGES = 64
#: Beyond this many separate blocks of removed or inserted rows, ``set_queue``
#: applies the new queue as one layout change (see ``QueueModel._relayout``).
MAX_ROW_BLOCKS = 32


#: The view the window shows the queue in.
QueueView = RowView


def configure_queue_view(view):
    """Set up a view (a ``QueueView``, or a ``QListView``) for the queue model: multi-selection and move drags.

    ``DragDrop`` with ``MoveAction`` rather than ``InternalMove``: in Qt 5.15
    both end in ``dropMimeData`` for a real drag (``QListView`` first tries
    ``moveRow``, which this model refuses), but ``InternalMove`` also ignores
    every drag event whose ``source()`` is not the view itself. A synthesized
    drop (the only kind offscreen tests can make, since ``QDrag.exec()``
    returns at once there) has no source, so it would be dropped silently.
    Drops from elsewhere are harmless: the model only accepts its own MIME
    type naming uids that are in the queue, and only as a move.
    """
    view.setSelectionMode(QAbstractItemView.ExtendedSelection)
    view.setDragDropMode(QAbstractItemView.DragDrop)
    view.setDragEnabled(True)
    view.setAcceptDrops(True)
    view.viewport().setAcceptDrops(True)
    view.setDropIndicatorShown(True)
    view.setDefaultDropAction(Qt.MoveAction)
    view.setDragDropOverwriteMode(False)
    if isinstance(view, QListView):
        # Rows share one height: a 10,000-item queue then lays out without
        # asking every row for its size hint (a RowView's rows always do).
        view.setUniformItemSizes(True)
    # Long calls are elided at the right edge (the tooltip shows them whole).
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
    view.setTextElideMode(Qt.ElideRight)


class QueueModel(QAbstractListModel):
    """Rows of the plan queue, with the running item pinned as row 0.

    Parameters
    ----------
    request_move : callable, optional
        ``request_move(uids, before_uid=None, after_uid=None, pos_dest=None)``
        asks the manager to move ``uids`` (in queue order); exactly one
        destination keyword is given. Called once per drop or keyboard move.
    parent : QObject, optional
    """

    def __init__(self, request_move=None, parent=None):
        super().__init__(parent)
        self._request_move = request_move
        self._uids = []  # row -> uid; the running uid (if any) is row 0
        self._items = {}  # uid -> item dict
        self._running_uid = None
        self._rows = None  # uid -> row, rebuilt lazily after a change
        self._look = None  # icons and fonts, made once a QApplication exists
        self._paused = False
        self._progress = None  # (fraction or None, text) of the running item

    # ------------------------------------------------------------ public API
    def set_queue(self, items, running_item=None):
        """Show the manager's queue; ``running_item`` (dict, ``None`` or ``{}``) is pinned first.

        Views keep their selection and scroll position: rows of vanished
        uids are removed, new uids inserted, the order fixed with a layout
        change that maps persistent indexes by uid, and only rows whose
        content changed get ``dataChanged``.
        """
        new_uids, new_items = index_items(items, running_item)
        old_items, old_running = self._items, self._running_uid
        # While rows are removed and inserted, views may ask for any row's data.
        self._items = {**old_items, **new_items}
        removals = row_blocks([row for row, uid in enumerate(self._uids) if uid not in new_items])
        insertions = new_runs(new_uids, old_items)
        if len(removals) + len(insertions) > MAX_ROW_BLOCKS:
            self._relayout(new_uids)
        else:
            self._remove_rows(removals)
            self._insert_runs(insertions)
            if self._uids != new_uids:
                self._relayout(new_uids)
        self._items = new_items
        self._running_uid = running_item["item_uid"] if running_item else None
        self._rows = None
        self._emit_changed(old_items, old_running)

    def follow(self, event):
        """Show the manager's ``queue`` event: follow its changes row by row, or take it whole.

        A plan starting or ending, an item added or removed costs the rows
        it touches, however long the queue (a 10,000-item queue was diffed
        whole twice per plan). A reset, a move (which :meth:`set_queue`
        shows as a reorder, keeping the selection) or anything that does not
        fit the rows shown is taken whole.
        """
        changes = event["changes"]
        if len(changes) > MAX_FOLLOWED_CHANGES or not self._follow(changes):
            self.set_queue(event["items"], event["running_item"])

    def _follow(self, changes):
        """Apply the store's changes (see ``QueueStore.take_changes``); False at the first that does not fit."""
        for change in changes:
            handler = self._FOLLOWERS.get(change[0])
            if handler is None or handler(self, *change[1:]) is False:
                return False
        return True

    def _follow_insert(self, index, items):
        row = self._offset() + index
        uids = [item["item_uid"] for item in items]
        if not items or row > len(self._uids) or any(uid in self._items for uid in uids) or len(set(uids)) != len(uids):
            return False
        self.beginInsertRows(QModelIndex(), row, row + len(items) - 1)
        self._uids[row:row] = uids
        self._items.update(zip(uids, items))
        self._rows = None
        self.endInsertRows()
        return True

    def _follow_remove(self, indices):
        offset = self._offset()
        rows = [offset + index for index in indices]
        if rows and (rows[0] < offset or rows[-1] >= len(self._uids)):
            return False
        for first, last in reversed(row_blocks(rows)):
            self._take_rows(first, last)
        return True

    def _follow_replace(self, index, item):
        row = self._offset() + index
        if row >= len(self._uids):
            return False
        old, new = self._uids[row], item["item_uid"]
        if new != old and new in self._items:
            return False
        del self._items[old]
        self._uids[row] = new
        self._items[new] = item
        self._rows = None
        self.dataChanged.emit(self.index(row), self.index(row), [])
        return True

    def _follow_clear(self):
        offset = self._offset()
        if len(self._uids) > offset:
            self._take_rows(offset, len(self._uids) - 1)
        return True

    def _follow_start(self):
        if self._running_uid is not None or not self._uids:
            return False
        self._running_uid = self._uids[0]  # the front row, now running
        self.dataChanged.emit(self.index(0), self.index(0), [])
        return True

    def _follow_run(self, item):
        if self._running_uid is not None or not self._follow_insert(0, [item]):
            return False
        self._running_uid = item["item_uid"]
        return True

    def _follow_finish(self, requeued):
        if self._running_uid is None:
            return False
        self._running_uid = None
        if requeued:  # the same item, first in the queue again
            self.dataChanged.emit(self.index(0), self.index(0), [])
        else:
            self._take_rows(0, 0)
        return True

    def _take_rows(self, first, last):
        self.beginRemoveRows(QModelIndex(), first, last)
        for uid in self._uids[first : last + 1]:
            del self._items[uid]
        del self._uids[first : last + 1]
        self._rows = None
        self.endRemoveRows()

    _FOLLOWERS = {
        "insert": _follow_insert,
        "remove": _follow_remove,
        "replace": _follow_replace,
        "clear": _follow_clear,
        "start": _follow_start,
        "run": _follow_run,
        "finish": _follow_finish,
    }

    def set_running_look(self, paused=None, progress=...):
        """Show the running row as paused or running, and its progress ``(fraction, text)`` or None.

        Only the running row changes, so a view repaints one row however
        often the progress moves.
        """
        changed = False
        if paused is not None and paused != self._paused:
            self._paused, changed = paused, True
        if progress is not ... and progress != self._progress:
            self._progress, changed = progress, True
        if changed and self._running_uid is not None:
            index = self.index(0)
            self.dataChanged.emit(index, index, [])

    def item_at(self, row):
        """The item dict at ``row`` (running item included), or ``None`` out of range."""
        if 0 <= row < len(self._uids):
            return self._items[self._uids[row]]
        return None

    def uid_at(self, row):
        """The ``item_uid`` at ``row``, or ``None`` out of range."""
        return self._uids[row] if 0 <= row < len(self._uids) else None

    def row_of(self, uid):
        """The row showing ``uid``, or -1 (so ``index(row_of(uid))`` is invalid when absent)."""
        if self._rows is None:
            self._rows = {uid: row for row, uid in enumerate(self._uids)}
        return self._rows.get(uid, -1)

    def queue_items(self):
        """The queued items in order, without the running item."""
        return [self._items[uid] for uid in self._uids[self._offset() :]]

    def running_item(self):
        """The running item's dict, or ``None`` when nothing runs."""
        return self._items.get(self._running_uid) if self._running_uid else None

    def move_selection(self, uids, direction):
        """Ask the manager to move the selected items one row or to an end of the queue.

        The selected items move as one block, in queue order: ``"up"`` puts
        them before the item above the first one, ``"down"`` after the item
        below the last one, ``"top"``/``"bottom"`` at the front/back. The
        running item is never moved.

        Returns
        -------
        bool
            True if a request was sent; False when the move would change nothing.
        """
        if direction not in MOVE_DIRECTIONS:
            raise ValueError(f"direction must be one of {MOVE_DIRECTIONS}, not {direction!r}")
        moved = self._queued_in_order(uids)
        if not moved:
            return False
        first, last = self.row_of(moved[0]), self.row_of(moved[-1])
        return self._send_move(moved, move_destination(self._uids, self._offset(), first, last, direction))

    # ------------------------------------------------------------ Qt overrides
    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self._uids)

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._uids):
            return None
        uid = self._uids[index.row()]
        item = self._items[uid]
        running = uid == self._running_uid
        paused = running and self._paused
        if role == Qt.DisplayRole:
            if running:
                return (PAUSED_PREFIX if paused else RUNNING_PREFIX) + item_text(item)
            return item_text(item)
        if role == Qt.ToolTipRole:
            tooltip = item_tooltip(item)
            if running:
                state = "Paused: resume, stop, abort or halt it" if paused else "Running now"
                return tooltip.replace("<qt>", f"<qt><b>{state}</b><br>")
            return tooltip
        if role in (Qt.DecorationRole, Qt.FontRole):
            kind = ("paused" if paused else "running") if running else "instruction" if is_instruction(item) else "plan"
            return self._decoration(kind, role)
        if role == Qt.ForegroundRole:
            if running:
                return QBrush(PAUSED_FOREGROUND if paused else RUNNING_FOREGROUND)
            return QBrush(INSTRUCTION_FOREGROUND) if is_instruction(item) else None
        if role == Qt.BackgroundRole:
            if running:
                return QBrush(PAUSED_BACKGROUND if paused else RUNNING_BACKGROUND)
            return None
        if role == ProgressRole:
            return self._progress if running else None
        if role == ItemRole:
            return item
        if role == UidRole:
            return uid
        if role == IsRunningRole:
            return running
        return None

    def flags(self, index):
        if not index.isValid():
            # Drops land between rows only; never "onto" an item.
            return Qt.ItemIsDropEnabled
        flags = Qt.ItemIsEnabled | Qt.ItemIsSelectable | Qt.ItemNeverHasChildren
        if self._uids[index.row()] != self._running_uid:
            flags |= Qt.ItemIsDragEnabled
        return flags

    def supportedDropActions(self):
        return Qt.MoveAction

    def supportedDragActions(self):
        return Qt.MoveAction

    def mimeTypes(self):
        return [MIME_TYPE]

    def mimeData(self, indexes):
        uids = self._queued_in_order(self._uids[i.row()] for i in indexes if i.isValid())
        if not uids:
            return None
        data = QMimeData()
        data.setData(MIME_TYPE, QByteArray(json.dumps(uids).encode()))
        return data

    def canDropMimeData(self, data, action, row, column, parent):
        return self._drop_request(data, action, row, parent) is not None

    def dropMimeData(self, data, action, row, column, parent):
        request = self._drop_request(data, action, row, parent)
        if request is None:
            return False
        moved, destination = request
        return self._send_move(moved, destination)

    # ------------------------------------------------------------ set_queue steps
    def _remove_rows(self, blocks):
        # From the bottom, so the row numbers of the blocks still to go stay valid.
        for first, last in reversed(blocks):
            self.beginRemoveRows(QModelIndex(), first, last)
            del self._uids[first : last + 1]
            self._rows = None
            self.endRemoveRows()

    def _insert_runs(self, runs):
        """Insert each run of new uids right after the kept uid that precedes it."""
        kept = {uid: row for row, uid in enumerate(self._uids)}
        # Each run follows a different kept uid, so their rows are distinct;
        # inserting in ascending order only shifts the runs still to come.
        positions = sorted((kept[previous] + 1 if previous is not None else 0, uids) for previous, uids in runs)
        shift = 0
        for row, uids in positions:
            row += shift
            self.beginInsertRows(QModelIndex(), row, row + len(uids) - 1)
            self._uids[row:row] = uids
            self._rows = None
            self.endInsertRows()
            shift += len(uids)

    def _relayout(self, new_uids):
        """Show ``new_uids`` in one layout change, moving persistent indexes by uid.

        Used to reorder rows, and also in place of many scattered removals
        and insertions: each of those costs the views time proportional to
        their selection (a view with thousands of selected ranges took 20 s
        for 6,000 blocks), while one layout change costs one pass. Indexes of
        vanished uids become invalid, so views drop them from the selection.
        """
        self.layoutAboutToBeChanged.emit()
        old_uids = self._uids
        new_rows = {uid: row for row, uid in enumerate(new_uids)}
        self._uids = list(new_uids)
        self._rows = None
        before = self.persistentIndexList()
        after = []
        for index in before:
            row = new_rows.get(old_uids[index.row()])
            after.append(QModelIndex() if row is None else self.index(row, index.column()))
        self.changePersistentIndexList(before, after)
        self.layoutChanged.emit()

    def _emit_changed(self, old_items, old_running):
        rows = []
        for row, uid in enumerate(self._uids):
            old = old_items.get(uid)
            if old is None:
                continue  # inserted just now: views have not shown it yet
            was_running, is_running = uid == old_running, uid == self._running_uid
            if was_running != is_running or (old is not self._items[uid] and old != self._items[uid]):
                rows.append(row)
        for first, last in row_blocks(rows):
            self.dataChanged.emit(self.index(first), self.index(last), [])

    # ------------------------------------------------------------ helpers
    def _offset(self):
        return 1 if self._running_uid is not None else 0

    def _queued_in_order(self, uids):
        """Distinct queued uids (never the running one), sorted by row."""
        rows = {self.row_of(uid) for uid in uids if uid != self._running_uid}
        return [self._uids[row] for row in sorted(rows) if row >= 0]

    def _decode(self, data):
        if data is None or not data.hasFormat(MIME_TYPE):
            return []
        try:
            uids = json.loads(bytes(data.data(MIME_TYPE)).decode())
        except ValueError:
            return []
        if not isinstance(uids, list):
            return []
        return self._queued_in_order(uid for uid in uids if isinstance(uid, str))

    def _drop_request(self, data, action, row, parent):
        """``(moved uids, destination)`` for a drop, or ``None`` if it must be refused."""
        if action != Qt.MoveAction or self._request_move is None:
            return None
        moved = self._decode(data)
        if not moved:
            return None
        if parent.isValid():
            row = parent.row()  # dropped onto an item: before that item
        destination = self._destination(moved, row)
        return None if self._is_noop(moved, destination) else (moved, destination)

    def _destination(self, moved, row):
        return drop_destination(self._uids, self._offset(), moved, row)

    def _is_noop(self, moved, destination):
        return is_noop(self.row_of, len(self._uids), self._offset(), moved, destination)

    def _send_move(self, moved, destination):
        if self._request_move is None or self._is_noop(moved, destination):
            return False
        self._request_move(list(moved), **destination)
        return True

    def _decoration(self, kind, role):
        """The icon or font of a row of ``kind``: running, paused, instruction or plan."""
        if self._look is None:
            style, bold, italic = QApplication.style(), QFont(), QFont()
            bold.setBold(True)
            italic.setItalic(True)
            # Without a QApplication (a model used on its own) there is no style.
            icon = style.standardIcon if style is not None else lambda pixmap: None
            self._look = {
                "running": (icon(QStyle.SP_MediaPlay), bold),
                "paused": (icon(QStyle.SP_MediaPause), bold),
                "instruction": (icon(QStyle.SP_MediaStop), italic),
                "plan": (icon(QStyle.SP_FileIcon), None),
            }
        icon, font = self._look[kind]
        return icon if role == Qt.DecorationRole else font
