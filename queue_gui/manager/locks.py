"""Locking the environment and/or the queue with a key, as bluesky-queueserver does.

A client locks with a ``lock_key`` of its choosing; while the lock holds,
commands registered with ``locked_by="environment"`` or ``locked_by="queue"``
are refused unless the request carries the same key. Reading is never
locked. The key itself is kept only as a SHA-256 digest and compared in
constant time; it is never served back.

The lock lives in memory on purpose: there is no emergency key, so a
restart of queue-gui is the way out when a key was lost.

A mixin of :class:`queue_gui.manager.manager.Manager`; it relies on
``self._uids["lock_info"]``.
"""

import datetime
import hashlib
import hmac
import time

from .dispatch import Refused, command
from .queue_commands import _default_user
from .uids import new_uid
from ..wire import CommandName

_SCOPES = ("environment", "queue")


def _digest(key):
    return hashlib.sha256(key.encode()).digest()


def _valid_key(lock_key, required):
    if lock_key is None and not required:
        return None
    if not isinstance(lock_key, str) or not lock_key:
        raise Refused(f"'lock_key' must be a non-empty string, not {lock_key!r}")
    return lock_key


class LockCommands:
    """``lock``, ``unlock``, ``lock_info`` and the check every locked command runs."""

    _lock = None  # None, or {"environment", "queue", "digest", "user", "note", "time"}

    # ------------------------------------------------------------ checks
    def _check_lock(self, scope, lock_key):
        """Refuse a ``scope`` command when that scope is locked with another key."""
        lock = self._lock
        if lock is None or not lock[scope]:
            _valid_key(lock_key, required=False)
            return
        if lock_key is not None and self._key_matches(_valid_key(lock_key, required=True)):
            return
        reason = "no lock_key was given" if lock_key is None else "the lock_key does not match"
        raise Refused(f"the {scope} is locked ({reason}): {self._describe_lock()}")

    def _key_matches(self, lock_key):
        return self._lock is not None and hmac.compare_digest(_digest(lock_key), self._lock["digest"])

    def _describe_lock(self):
        lock = self._lock
        scopes = " and ".join(scope for scope in _SCOPES if lock[scope])
        text = f"{scopes} locked by {lock['user']} at {_time_str(lock['time'])}"
        return f"{text}; note: {lock['note']}" if lock["note"] else text

    def _lock_info(self):
        lock = self._lock or {}
        return {
            "environment": bool(lock.get("environment")),
            "queue": bool(lock.get("queue")),
            "user": lock.get("user"),
            "time": lock.get("time"),
            "time_str": _time_str(lock.get("time")),
            "note": lock.get("note"),
            "emergency_lock_key_is_set": False,
        }

    def _lock_reply(self, **extra):
        return {"lock_info": self._lock_info(), "lock_info_uid": self._uids["lock_info"], **extra}

    def _lock_flags(self):
        """The status' ``lock`` field."""
        lock = self._lock or {}
        return {"environment": bool(lock.get("environment")), "queue": bool(lock.get("queue"))}

    # ------------------------------------------------------------ commands
    @command(CommandName.LOCK, params=("environment", "queue", "note"))
    def _cmd_lock(self, lock_key=None, environment=False, queue=False, note=None, user=None, **common):
        """Lock the environment and/or the queue; the holder of the key may lock again."""
        lock_key = _valid_key(lock_key, required=True)
        if not isinstance(environment, bool) or not isinstance(queue, bool):
            raise Refused("'environment' and 'queue' must be true or false")
        if not environment and not queue:
            raise Refused("nothing to lock: set 'environment' and/or 'queue' to true")
        if note is not None and not isinstance(note, str):
            raise Refused("'note' must be a string")
        if user is not None and (not isinstance(user, str) or not user):
            raise Refused("'user' must be a non-empty string")
        if self._lock is not None and not self._key_matches(lock_key):
            raise Refused(f"already locked with a different key: {self._describe_lock()}")
        self._lock = {
            "environment": environment,
            "queue": queue,
            "digest": _digest(lock_key),
            "user": user or _default_user(),
            "note": note,
            "time": time.time(),
        }
        self._uids["lock_info"] = new_uid()
        return self._lock_reply()

    @command(CommandName.UNLOCK)
    def _cmd_unlock(self, lock_key=None, **common):
        lock_key = _valid_key(lock_key, required=True)
        if self._lock is None:
            return self._lock_reply(msg="not locked")
        if not self._key_matches(lock_key):
            return self._lock_reply(success=False, msg=f"the lock_key does not match: {self._describe_lock()}")
        self._lock = None
        self._uids["lock_info"] = new_uid()
        return self._lock_reply()

    @command(CommandName.LOCK_INFO)
    def _cmd_lock_info(self, lock_key=None, **common):
        """The lock; with ``lock_key``, also whether that key opens it (``success``)."""
        lock_key = _valid_key(lock_key, required=False)
        if lock_key is not None and self._lock is not None and not self._key_matches(lock_key):
            return self._lock_reply(success=False, msg=f"the lock_key does not match: {self._describe_lock()}")
        return self._lock_reply()


def _time_str(timestamp):
    if not timestamp:
        return ""
    return datetime.datetime.fromtimestamp(timestamp).strftime("%m/%d/%Y %H:%M:%S")

