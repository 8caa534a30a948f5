"""The run index: one SQLite row per saved run, so runs are listed without reading files.

The index is a separate database (``runs.sqlite``) from the queue's: each
has one connection, owned by one thread (the manager's, the store's), and
neither ever waits on the other's transactions.
"""

import json
import os
import sqlite3

from ..wire import RunExitStatus, TiledRunState

INDEX_NAME = "runs.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    uid TEXT PRIMARY KEY,
    scan_id INTEGER,
    plan_name TEXT,
    item_uid TEXT,
    sample TEXT,
    time_start REAL,
    time_stop REAL,
    time_last REAL,
    exit_status TEXT,
    reason TEXT,
    num_events INTEGER NOT NULL DEFAULT 0,
    stream_counts TEXT NOT NULL DEFAULT '{}',
    file TEXT NOT NULL,
    error TEXT,
    tiled_state TEXT,
    tiled_error TEXT,
    tiled_time REAL
);
CREATE INDEX IF NOT EXISTS runs_by_start ON runs (time_start DESC);
CREATE INDEX IF NOT EXISTS runs_by_tiled_state ON runs (tiled_state);
"""

_COLUMNS = (
    "uid", "scan_id", "plan_name", "item_uid", "sample", "time_start", "time_stop", "time_last", "exit_status",
    "reason", "num_events", "stream_counts", "file", "error", "tiled_state", "tiled_error", "tiled_time",
)
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM runs"
#: Columns a text filter looks into.
_SEARCHED = ("plan_name", "sample", "uid", "CAST(scan_id AS TEXT)", "item_uid")


class RunIndex:
    """The ``runs`` table of ``runs.sqlite`` in the data directory.

    Parameters
    ----------
    data_dir : str
        The data directory; files are recorded relative to it, so the
        directory may be moved.

    Notes
    -----
    Used by one thread only (the store's). Rows are plain dicts: the
    ``stream_counts`` column comes back as a dict, ``file`` as an absolute
    path.
    """

    def __init__(self, data_dir):
        self.data_dir = data_dir
        self._db = sqlite3.connect(os.path.join(data_dir, INDEX_NAME), isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        # A run's rows change a few dozen times a second while it runs: NORMAL
        # keeps each commit off fsync, and WAL keeps the index consistent
        # after a crash (the last commits may be lost, never half-written).
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    def close(self):
        self._db.close()

    # ------------------------------------------------------------ writes
    def add(self, start, file, tiled=False):
        """Record a run that has just started (from its start document)."""
        sample = start.get("sample")
        if sample is not None and not isinstance(sample, str):
            sample = json.dumps(sample)
        scan_id = start.get("scan_id")
        self._db.execute(
            "INSERT OR REPLACE INTO runs (uid, scan_id, plan_name, item_uid, sample, time_start, time_last, file)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                start["uid"],
                scan_id if isinstance(scan_id, int) and not isinstance(scan_id, bool) else None,
                _text_or_none(start.get("plan_name")),
                _text_or_none(start.get("item_uid")),
                sample,
                _number_or_none(start.get("time")),
                _number_or_none(start.get("time")),
                os.path.relpath(file, self.data_dir),
            ),
        )

    def update(self, uid, **fields):
        """Change some columns of one run (``stream_counts`` given as a dict)."""
        if "stream_counts" in fields:
            fields["stream_counts"] = json.dumps(fields["stream_counts"])
        unknown = set(fields) - set(_COLUMNS)
        if unknown:
            raise ValueError(f"unknown run index columns: {sorted(unknown)}")
        assignments = ", ".join(f"{name} = ?" for name in fields)
        self._db.execute(f"UPDATE runs SET {assignments} WHERE uid = ?", (*fields.values(), uid))

    def interrupt_open_runs(self, reason, tiled):
        """Mark every run without an exit status as interrupted; returns their uids.

        ``tiled``: whether they now wait for the shared store.
        """
        uids = [row[0] for row in self._db.execute("SELECT uid FROM runs WHERE exit_status IS NULL")]
        self._db.execute(
            "UPDATE runs SET exit_status = ?, reason = ?, time_stop = time_last, tiled_state = ?"
            " WHERE exit_status IS NULL",
            (RunExitStatus.INTERRUPTED.value, reason, TiledRunState.WAITING.value if tiled else None),
        )
        return uids

    def requeue_failed(self):
        """Runs the tiled server refused go back to waiting; returns their uids."""
        uids = [row[0] for row in self._db.execute("SELECT uid FROM runs WHERE tiled_state = ?", (TiledRunState.FAILED.value,))]
        self._db.execute(
            "UPDATE runs SET tiled_state = ?, tiled_error = NULL WHERE tiled_state = ?",
            (TiledRunState.WAITING.value, TiledRunState.FAILED.value),
        )
        return uids

    # ------------------------------------------------------------ reads
    def get(self, uid):
        """One run's row, or None."""
        row = self._db.execute(f"{_SELECT} WHERE uid = ?", (uid,)).fetchone()
        return self._row(row) if row is not None else None

    def list(self, limit=100, offset=0, text=None, since=None, until=None):
        """``(rows newest first, number of matching runs)``.

        ``text`` is looked for (case-insensitively, as a substring) in the
        plan name, sample, uid, scan id and item uid; ``since``/``until``
        bound the start time (seconds since the epoch, inclusive).
        """
        where, params = [], []
        if text:
            pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            where.append("(" + " OR ".join(f"{column} LIKE ? ESCAPE '\\'" for column in _SEARCHED) + ")")
            params.extend([pattern] * len(_SEARCHED))
        if since is not None:
            where.append("time_start >= ?")
            params.append(since)
        if until is not None:
            where.append("time_start <= ?")
            params.append(until)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        total = self._db.execute(f"SELECT COUNT(*) FROM runs{clause}", params).fetchone()[0]
        rows = self._db.execute(
            f"{_SELECT}{clause} ORDER BY time_start DESC, rowid DESC LIMIT ? OFFSET ?", (*params, limit, offset)
        ).fetchall()
        return [self._row(row) for row in rows], total

    def with_tiled_state(self, state):
        """Rows in one tiled state, oldest first (the order they are sent in)."""
        rows = self._db.execute(f"{_SELECT} WHERE tiled_state = ? ORDER BY time_start, rowid", (state.value,))
        return [self._row(row) for row in rows]

    def count_tiled_state(self, state):
        return self._db.execute("SELECT COUNT(*) FROM runs WHERE tiled_state = ?", (state.value,)).fetchone()[0]

    def _row(self, values):
        row = dict(zip(_COLUMNS, values))
        row["stream_counts"] = json.loads(row["stream_counts"])
        row["file"] = os.path.join(self.data_dir, row["file"])
        return row


def _text_or_none(value):
    return value if isinstance(value, str) else None


def _number_or_none(value):
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
