"""The plan queue, the running item and the history, kept in one SQLite file.

Every mutation is one transaction committed before the method returns, so a
change the manager acknowledges survives a crash of the whole application.
Reads are served from an in-memory mirror (a list in queue order), which keeps
``queue_view`` of thousands of items cheap. WAL mode with
``synchronous=NORMAL`` means a committed transaction survives the process
dying at any moment; only a power cut may lose the last few commits, never
corrupt the file.

The store is used from one thread only (the manager's); it is not locked.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from typing import Any

import orjson

from .uids import new_uid

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS queue (
    item_uid TEXT PRIMARY KEY,
    position REAL NOT NULL,
    item TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS running (
    slot INTEGER PRIMARY KEY CHECK (slot = 0),
    item TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    item TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS unreadable (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    source TEXT NOT NULL,
    item TEXT NOT NULL,
    reason TEXT NOT NULL
);
"""

#: Key in ``meta`` of what is known of the running item's attempt (its real
#: start time, the runs it opened): an interrupted plan keeps these facts.
RUNNING_FACTS_KEY = "running_facts"

#: Gap between neighbouring positions when the queue is (re)numbered. Items
#: inserted between two others take the midpoint, so renumbering is rare.
_POSITION_STEP = 1024.0

#: A queue item or history record, as stored (JSON types).
Item = dict[str, Any]
#: A position in the queue: an index (negative from the back), ``"front"`` or ``"back"``.
Position = int | str


def _dumps(value):
    """JSON text of a record: orjson (a tenth of ``json.dumps``' time on a batch of a thousand
    items), the standard library for what orjson refuses (integers beyond 64 bits)."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value)


class QueueStore:
    """Queue, running item, history and small settings in one SQLite file.

    Parameters
    ----------
    path : str
        The database file; created with its tables when missing.

    Attributes
    ----------
    queue_uid, history_uid : str
        Change markers: a new value after every change of the queue (running
        item included) or of the history, and only then (a call that leaves
        the data as it was keeps the marker), so clients may cache by them.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        self.path = path
        # check_same_thread=False: the store may be created on one thread and
        # then handed to the manager thread, which is its only user.
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._queue: list[Item] = []
        self._uid_set: set[str] = set()
        self._positions: list[float] = []
        self._history: list[Item] = []
        self._running: Item | None = None
        self.queue_uid = new_uid()
        self.history_uid = new_uid()
        self._queue_changes: list[tuple[Any, ...]] = []
        self._history_changes: list[tuple[Any, ...]] = []
        self._load()

    # ---------------------------------------------------------------- reading
    def _load(self):
        set_aside: list[str] = []
        rows = self._readable("queue", "SELECT rowid, item, position FROM queue ORDER BY position", set_aside)
        self._positions = [row[1] for row in rows]
        self._queue = [row[0] for row in rows]
        self._uid_set = {item["item_uid"] for item in self._queue}
        self._history = [row[0] for row in self._readable("history", "SELECT rowid, item FROM history ORDER BY id", set_aside)]
        running = self._readable("running", "SELECT rowid, item FROM running", set_aside)
        self._running = running[0][0] if running else None
        if set_aside:
            logger.warning(
                "%d unreadable record(s) in %s were set aside in its 'unreadable' table (%s); the others are loaded",
                len(set_aside), self.path, "; ".join(set_aside),
            )
        facts = self.get_meta(RUNNING_FACTS_KEY)
        uid = self._running["item_uid"] if self._running else None
        self._facts: dict[str, Any] | None = facts if isinstance(facts, dict) and facts.get("item_uid") == uid and uid else None

    def _readable(self, table, query, set_aside):
        """The rows of ``query`` decoded, as ``(record, *other columns)``; a row that cannot be read
        (nested too deep to decode, not JSON, not an item) moves to ``unreadable``, kept as it was,
        so one bad record does not stop the application from starting."""
        readable = []
        for rowid, text, *rest in self._db.execute(query).fetchall():
            try:
                record = json.loads(text)
                if table != "history" and not (isinstance(record, dict) and isinstance(record.get("item_uid"), str)):
                    raise ValueError("not a queue item")
            except (ValueError, RecursionError) as error:
                reason = f"{type(error).__name__}: {str(error)[:200]}"
                self._db.execute("BEGIN IMMEDIATE")  # both or neither: the record is never lost
                try:
                    self._db.execute("INSERT INTO unreadable (source, item, reason) VALUES (?, ?, ?)", (table, text, reason))
                    self._db.execute(f"DELETE FROM {table} WHERE rowid = ?", (rowid,))
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
                set_aside.append(f"{table}: {reason}")
                continue
            readable.append((record, *rest))
        return readable

    def items(self) -> list[Item]:
        """The queue in order (the running item excluded). Do not mutate."""
        return self._queue

    def __len__(self) -> int:
        return len(self._queue)

    def history(self) -> list[Item]:
        """Finished attempts, oldest first. Do not mutate."""
        return self._history

    @property
    def running(self) -> Item | None:
        """The item being executed, or None."""
        return self._running

    def index_of(self, uid: str) -> int:
        """Position of the item with ``uid``; ``KeyError`` naming it when absent."""
        for index, item in enumerate(self._queue):
            if item["item_uid"] == uid:
                return index
        raise KeyError(f"no item with uid '{uid}' in the queue")

    def get(self, uid: str | None = None, pos: Position | None = None) -> Item:
        """The item by uid or by position (``"front"``, ``"back"`` or an int)."""
        return self._queue[self._resolve(uid, pos)]

    def indices_of(self, uids: list[str]) -> list[int]:
        """Positions of several items in one pass; ``KeyError`` naming a missing uid."""
        if len(uids) == 1:
            return [self.index_of(uids[0])]
        where = {item["item_uid"]: index for index, item in enumerate(self._queue)}
        try:
            return [where[uid] for uid in uids]
        except KeyError as error:
            raise KeyError(f"no item with uid '{error.args[0]}' in the queue") from None

    def contains_uid(self, uid: str) -> bool:
        return uid in self._uid_set or (self._running is not None and self._running["item_uid"] == uid)

    def _resolve(self, uid, pos):
        """Index of an existing item named by exactly one of uid or pos."""
        if uid is not None and pos is not None:
            raise ValueError("give either an item uid or a position, not both")
        if uid is not None:
            return self.index_of(uid)
        if not self._queue:
            raise IndexError("the queue is empty")
        if pos is None or pos == "back":
            return len(self._queue) - 1
        if pos == "front":
            return 0
        index = _int_position(pos)
        size = len(self._queue)
        if not -size <= index < size:
            raise IndexError(f"position {pos} is out of range (the queue has {size} items)")
        return index % size

    def insertion_index(self, pos: Position | None = None, before_uid: str | None = None, after_uid: str | None = None) -> int:
        """Index at which a new item goes; at most one of the three may be given."""
        given = [x for x in (pos, before_uid, after_uid) if x is not None]
        if len(given) > 1:
            raise ValueError("give only one of 'pos', 'before_uid' and 'after_uid'")
        if before_uid is not None:
            return self.index_of(before_uid)
        if after_uid is not None:
            return self.index_of(after_uid) + 1
        if pos is None or pos == "back":
            return len(self._queue)
        if pos == "front":
            return 0
        index = _int_position(pos)
        size = len(self._queue)
        # Negative positions count from the back as in ``get`` (-1 puts the
        # item last, where ``get(pos=-1)`` finds it); beyond the ends clamps.
        if index < 0:
            index = max(size + index + 1, 0)
        return min(index, size)

    # --------------------------------------------------------------- writing
    def _transaction(self):
        return _Transaction(self)

    def _commit(self, queue=None, history=None):
        """The one step every mutation ends with: a new ``*_uid`` and the change, for :meth:`take_changes`.

        ``queue`` and ``history`` are one change or a list of them, in the
        order they were made (see :meth:`take_changes` for their forms).
        """
        if queue is not None:
            self._queue_changes.extend(queue if isinstance(queue, list) else [queue])
            self.queue_uid = new_uid()
        if history is not None:
            self._history_changes.extend(history if isinstance(history, list) else [history])
            self.history_uid = new_uid()

    def take_changes(self):
        """``(queue changes, history changes)`` made since the last call, oldest first; then forgets them.

        Queue changes, with indices into the queue as it was just before
        each change (the running item is not in the queue):
        ``("insert", index, items)``, ``("remove", sorted indices)``,
        ``("move", indices, index)`` (taken out in the order listed, then
        inserted together at ``index`` of the queue without them),
        ``("replace", index, item)``, ``("clear",)`` (the running item
        stays), ``("start",)`` (the front item now runs), ``("run", item)``
        (an item from outside the queue now runs), ``("finish", requeued)``
        (the running item ended; put back at the front when ``requeued``),
        ``("reset",)`` (take the queue whole). History changes:
        ``("append", records)``, ``("drop_front", count)``, ``("reset",)``.
        A consumer that follows every change keeps an exact copy at a cost
        that depends on the change, not on the length of the queue.
        """
        changes = self._queue_changes, self._history_changes
        self._queue_changes, self._history_changes = [], []
        return changes

    def _renumber(self):
        self._positions = [i * _POSITION_STEP for i in range(len(self._queue))]
        self._db.executemany(
            "UPDATE queue SET position = ? WHERE item_uid = ?",
            [(p, item["item_uid"]) for p, item in zip(self._positions, self._queue)],
        )

    def _insert(self, index, item):
        self._insert_block(index, [item])

    def _insert_block(self, index, items):
        """Insert items at ``index`` with evenly spaced positions: one statement, one splice.

        Spacing the block evenly (rather than halving the gap item by item)
        keeps a large move or batch from exhausting the gap and forcing a
        renumbering of the whole queue.
        """
        positions = self._block_positions(index, len(items))
        if positions is None:
            self._renumber()
            positions = self._block_positions(index, len(items))
        self._db.executemany(
            "INSERT INTO queue (item_uid, position, item) VALUES (?, ?, ?)",
            [(item["item_uid"], position, _dumps(item)) for item, position in zip(items, positions)],
        )
        self._queue[index:index] = items
        self._positions[index:index] = positions
        self._uid_set.update(item["item_uid"] for item in items)

    def _block_positions(self, index, count):
        """``count`` increasing positions between the neighbours of ``index``, or None."""
        before = self._positions[index - 1] if index > 0 else None
        after = self._positions[index] if index < len(self._positions) else None
        if before is None and after is None:
            before, after = -_POSITION_STEP, _POSITION_STEP * count
        elif after is not None and before is None:
            before = after - _POSITION_STEP * (count + 1)
        elif after is None:
            after = before + _POSITION_STEP * (count + 1)
        step = (after - before) / (count + 1)
        positions = [before + step * (i + 1) for i in range(count)]
        if all(a < b for a, b in zip([before] + positions, positions + [after])):
            return positions
        return None

    def _delete(self, index):
        item = self._queue.pop(index)
        self._positions.pop(index)
        self._uid_set.discard(item["item_uid"])
        self._db.execute("DELETE FROM queue WHERE item_uid = ?", (item["item_uid"],))
        return item

    def add(self, item: Item, pos: Position | None = None, before_uid: str | None = None, after_uid: str | None = None) -> int:
        """Insert one item; returns its index. The item must carry a new ``item_uid``."""
        return self.add_batch([item], pos=pos, before_uid=before_uid, after_uid=after_uid)[0]

    def add_batch(
        self, items: list[Item], pos: Position | None = None, before_uid: str | None = None, after_uid: str | None = None
    ) -> list[int]:
        """Insert items together, in their order, all or none; returns their indices."""
        uids = [item["item_uid"] for item in items]
        running_uid = self._running["item_uid"] if self._running is not None else None
        if len(set(uids)) != len(uids) or not self._uid_set.isdisjoint(uids) or running_uid in uids:
            raise ValueError("an item with the same uid is already in the queue")
        index = self.insertion_index(pos, before_uid, after_uid)
        with self._transaction():
            self._insert_block(index, items)
        self._commit(queue=("insert", index, list(items)))
        return list(range(index, index + len(items)))

    def remove(self, uid: str | None = None, pos: Position | None = None) -> Item:
        """Remove and return one item named by uid or position (default: the back)."""
        if uid is not None and pos is not None:
            raise ValueError("give either an item uid or a position, not both")
        return self.remove_batch([uid] if uid is not None else None, pos=pos)[0]

    def remove_batch(self, uids: list[str] | None = None, pos: Position | None = None) -> list[Item]:
        """Remove items by uids (all must exist) or one by position; returns them."""
        indices = self.indices_of(uids) if uids is not None else [self._resolve(None, pos)]
        if len(set(indices)) != len(indices):
            raise ValueError("the same uid is listed twice")
        with self._transaction():
            removed = {index: self._delete_later(index) for index in indices}
            self._compact()
        self._commit(queue=("remove", sorted(indices)))
        return [removed[index] for index in indices]

    def _delete_later(self, index):
        """Delete a row but keep list indices valid until ``_compact``."""
        item = self._queue[index]
        self._db.execute("DELETE FROM queue WHERE item_uid = ?", (item["item_uid"],))
        self._queue[index] = None  # type: ignore[call-overload]  # a hole, until _compact closes it
        self._uid_set.discard(item["item_uid"])
        return item

    def _compact(self):
        keep = [i for i, item in enumerate(self._queue) if item is not None]
        self._queue = [self._queue[i] for i in keep]
        self._positions = [self._positions[i] for i in keep]

    def move_batch(
        self, uids: list[str], pos: Position | None = None, before_uid: str | None = None, after_uid: str | None = None
    ) -> list[int]:
        """Move items (in the order given) to a destination; returns their new indices.

        The destination is resolved after the moved items are taken out, so
        ``before_uid``/``after_uid`` must name an item that is not moved.
        """
        if not uids:
            raise ValueError("no items to move")
        if before_uid in uids or after_uid in uids:
            raise ValueError("an item cannot be moved relative to itself")
        indices = self.indices_of(uids)
        if len(set(indices)) != len(indices):
            raise ValueError("the same uid is listed twice")
        order = [item["item_uid"] for item in self._queue]
        with self._transaction():
            items = [self._delete_later(index) for index in indices]
            self._compact()
            target = self.insertion_index(pos, before_uid, after_uid)
            self._insert_block(target, items)
        if [item["item_uid"] for item in self._queue] != order:
            self._commit(queue=("move", list(indices), target))
        return list(range(target, target + len(items)))

    def replace(self, uid: str, item: Item) -> int:
        """Replace the item with ``uid`` by ``item`` (which may carry a new uid)."""
        index = self.index_of(uid)
        if item["item_uid"] != uid and self.contains_uid(item["item_uid"]):
            raise ValueError("an item with the same uid is already in the queue")
        if item == self._queue[index]:
            return index
        with self._transaction():
            self._db.execute(
                "UPDATE queue SET item_uid = ?, item = ? WHERE item_uid = ?",
                (item["item_uid"], _dumps(item), uid),
            )
            self._queue[index] = item
            self._uid_set.discard(uid)
            self._uid_set.add(item["item_uid"])
        self._commit(queue=("replace", index, item))
        return index

    def clear(self) -> None:
        """Remove every queued item (the running item stays)."""
        if not self._queue:
            return
        with self._transaction():
            self._db.execute("DELETE FROM queue")
        self._queue, self._positions = [], []
        self._uid_set = set()
        self._commit(queue=("clear",))

    # ------------------------------------------------------ running / history
    def start_front(self, time_start: float | None = None) -> Item:
        """Take the front item out of the queue and record it as running (since ``time_start``)."""
        if self._running is not None:
            raise RuntimeError("an item is already running")
        with self._transaction():
            item = self._delete(0)
            self._db.execute("INSERT INTO running (slot, item) VALUES (0, ?)", (_dumps(item),))
            self._begin_facts(item, time_start)
        self._running = item
        self._commit(queue=("start",))
        return item

    def set_running(self, item: Item, time_start: float | None = None) -> None:
        """Record an item that runs without being in the queue (immediate execution)."""
        if self._running is not None:
            raise RuntimeError("an item is already running")
        with self._transaction():
            self._db.execute("INSERT INTO running (slot, item) VALUES (0, ?)", (_dumps(item),))
            self._begin_facts(item, time_start)
        self._running = item
        self._commit(queue=("run", item))

    @property
    def running_facts(self) -> dict[str, Any] | None:
        """``{"item_uid", "time_start", "run_uids", "scan_ids"}`` of the running item, or None. Do not mutate."""
        return self._facts

    def _begin_facts(self, item, time_start):
        facts = {"item_uid": item["item_uid"], "time_start": time_start, "run_uids": [], "scan_ids": []}
        self._write_meta(RUNNING_FACTS_KEY, facts)
        self._facts = facts

    def update_running_facts(self, time_start: float | None = None, run_uid: str | None = None, scan_id: int | None = None) -> None:
        """Keep what the worker reports of the running item, so that a crash does not lose it."""
        if self._facts is None:
            return
        facts = dict(self._facts, run_uids=list(self._facts["run_uids"]), scan_ids=list(self._facts["scan_ids"]))
        if time_start is not None:
            facts["time_start"] = time_start
        if run_uid is not None and run_uid not in facts["run_uids"]:
            facts["run_uids"].append(run_uid)
            if scan_id is not None:
                facts["scan_ids"].append(scan_id)
        with self._transaction():
            self._write_meta(RUNNING_FACTS_KEY, facts)
        self._facts = facts

    def finish_running(self, result: dict[str, Any], back_to_front: bool) -> Item:
        """End the running item: append it with ``result`` to history, optionally requeue it.

        One transaction does both, so the item is never lost nor doubled.
        """
        item = self._running
        if item is None:
            raise RuntimeError("no item is running")
        record = dict(item, result=result)
        with self._transaction():
            self._db.execute("DELETE FROM running")
            self._db.execute("DELETE FROM meta WHERE key = ?", (RUNNING_FACTS_KEY,))
            self._db.execute("INSERT INTO history (item) VALUES (?)", (_dumps(record),))
            requeued = back_to_front and not any(q["item_uid"] == item["item_uid"] for q in self._queue)
            if requeued:
                self._insert(0, item)
        self._running = None
        self._facts = None
        self._history.append(record)
        self._commit(queue=("finish", requeued), history=("append", [record]))
        return record

    def clear_history(self) -> None:
        if not self._history:
            return
        with self._transaction():
            self._db.execute("DELETE FROM history")
        dropped = len(self._history)
        self._history = []
        self._commit(history=("drop_front", dropped))

    def trim_history(self, keep: int | None = None, through_uid: str | None = None) -> None:
        """Drop the oldest records: all but the newest ``keep``, or up to ``through_uid`` included.

        An ``through_uid`` that is not in the history changes nothing.
        """
        if through_uid is not None:
            uids = [record.get("item_uid") for record in self._history]
            drop = uids.index(through_uid) + 1 if through_uid in uids else 0
        elif keep is not None:
            drop = max(len(self._history) - keep, 0)
        else:
            raise ValueError("give the number of records to keep or the uid to trim through")
        if drop == 0:
            return
        with self._transaction():
            self._db.execute("DELETE FROM history WHERE id IN (SELECT id FROM history ORDER BY id LIMIT ?)", (drop,))
        self._history = self._history[drop:]
        self._commit(history=("drop_front", drop))

    # ------------------------------------------------------------ settings
    def get_meta(self, key: str, default: Any = None) -> Any:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def set_meta(self, key: str, value: Any) -> None:
        with self._transaction():
            self._write_meta(key, value)

    def _write_meta(self, key, value):
        self._db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, _dumps(value)),
        )

    def close(self) -> None:
        self._db.close()


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``; on error roll back and reload the mirror.

    Reloading keeps the in-memory lists equal to what is on disk even when a
    failure happened half way through a batch.
    """

    def __init__(self, store):
        self._store = store

    def __enter__(self):
        self._store._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self._store._db.execute("COMMIT")
        else:
            self._store._db.execute("ROLLBACK")
            # The mirror as it was before: nothing was published of the
            # half-made change, so there is nothing for listeners to undo.
            self._store._load()
        return False


def _int_position(pos):
    if isinstance(pos, bool) or not isinstance(pos, int):
        raise ValueError(f"position must be 'front', 'back' or an integer, not {pos!r}")
    return pos
