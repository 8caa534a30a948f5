"""The data directory: one queue-gui at a time, and databases that can be read and written.

Checked before anything is served: a queue-gui that serves on a database it
cannot use answers every request late or wrongly (a corrupt file killed the
manager's thread and every request then waited 30 s for a 504; a read-only
one left ``queue/start`` in ``starting_queue`` for good). Each problem is a
:class:`ConfigurationError` that names the file and what to do; the command
line prints it and exits with 2, the desktop app shows it in a dialog.
"""

import fcntl
import os
import sqlite3

LOCK_NAME = "queue-gui.lock"


class ConfigurationError(Exception):
    """A setting that cannot work; the CLI reports it and exits with 2."""


class DataDirLock:
    """An exclusive lock on the data directory: one queue-gui per database."""

    def __init__(self, data_dir):
        try:
            os.makedirs(data_dir, exist_ok=True)
            self.path = os.path.join(data_dir, LOCK_NAME)
            self._file = open(self.path, "a+")
        except OSError as error:
            raise ConfigurationError(
                f"cannot use the data directory {data_dir}: {error.strerror or error}. "
                "Choose one you may write to with --data-dir, or change its permissions"
            ) from None
        try:
            fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._file.close()
            raise ConfigurationError(
                f"another queue-gui is already using the data directory {data_dir}; "
                "stop it first or choose another --data-dir"
            ) from None
        self._file.seek(0)
        self._file.truncate()
        self._file.write(f"{os.getpid()}\n")
        self._file.flush()

    def release(self):
        fcntl.flock(self._file, fcntl.LOCK_UN)
        self._file.close()


def check_database(path, what):
    """Refuse a database file that exists but cannot be read as SQLite, or cannot be written.

    A missing file is fine (it is created). The write check makes a change
    and rolls it back, so nothing is left of it.
    """
    if not os.path.exists(path):
        return
    aside = f"mv {path} {path}.broken"
    try:
        db = sqlite3.connect(path, isolation_level=None)
    except sqlite3.Error as error:
        raise ConfigurationError(f"cannot open the {what} {path}: {error}. Move it aside ({aside}) to start afresh") from None
    try:
        try:
            problems = [row[0] for row in db.execute("PRAGMA quick_check(3)")]
        except sqlite3.DatabaseError as error:
            raise ConfigurationError(
                f"the {what} {path} is not a readable SQLite database ({error}). Move it aside ({aside}) to start "
                "afresh, or restore it from a backup"
            ) from None
        if problems != ["ok"]:
            raise ConfigurationError(
                f"the {what} {path} is damaged ({'; '.join(problems)}). Move it aside ({aside}) to start afresh, "
                "or restore it from a backup"
            )
        try:
            # A connection to a read-only file takes the write lock all the
            # same; only a real write, rolled back, tells.
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute("CREATE TABLE queue_gui_write_check (x)")
            finally:
                db.execute("ROLLBACK")
        except sqlite3.OperationalError as error:
            raise ConfigurationError(
                f"the {what} {path} cannot be written ({error}). Give queue-gui write permission on it "
                f"(chmod u+w {path}*) or choose another --data-dir"
            ) from None
    finally:
        db.close()
