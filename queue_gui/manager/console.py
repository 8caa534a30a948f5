"""Console output: a bounded buffer of what the worker and the manager print.

Every entry gets a uid, so a client can ask for what came after the last
entry it saw (``console_output_update``, as bluesky-httpserver serves it)
instead of downloading the whole text again.
"""

from __future__ import annotations

import collections
import itertools
import time
from typing import Any

from .dispatch import Refused, command
from .uids import new_uid
from ..wire import CommandName, EventKind

CONSOLE_BUFFER_LINES = 10000

#: ``last_msg_uid`` asking for every buffered entry (bluesky-httpserver's word).
ALL = "ALL"


class ConsoleBuffer:
    """The last ``maxlen`` console entries, each ``{"time", "msg", "uid"}``.

    Attributes
    ----------
    uid : str
        Changes with every entry; the uid of the newest one once there is one.
    """

    def __init__(self, maxlen: int = CONSOLE_BUFFER_LINES) -> None:
        self._entries: collections.deque[tuple[int, dict[str, Any]]] = collections.deque(maxlen=maxlen)
        self._sequence: dict[str, int] = {}  # uid -> sequence number of the entries still buffered
        self._next = 0
        self.uid = new_uid()

    def __len__(self) -> int:
        return len(self._entries)

    def append(self, text: str) -> dict[str, Any]:
        """Buffer one piece of output; returns its entry."""
        if len(self._entries) == self._entries.maxlen:
            _, oldest = self._entries[0]
            del self._sequence[oldest["uid"]]
        entry: dict[str, Any] = {"time": time.time(), "msg": text, "uid": new_uid()}
        self._entries.append((self._next, entry))
        self._sequence[entry["uid"]] = self._next
        self._next += 1
        self.uid = entry["uid"]
        return entry

    def text(self, nlines: int) -> str:
        """The last ``nlines`` entries joined."""
        start = max(len(self._entries) - nlines, 0)
        return "".join(entry["msg"] for _, entry in itertools.islice(self._entries, start, None))

    def since(self, last_msg_uid: str) -> list[dict[str, Any]]:
        """Entries after ``last_msg_uid``; all of them when that uid is unknown or ``"ALL"``.

        An unknown uid means the client missed entries (or never had any), so
        it gets everything still buffered rather than nothing.
        """
        sequence = self._sequence.get(last_msg_uid)
        start = 0 if sequence is None else sequence - self._entries[0][0] + 1
        return [{"time": e["time"], "msg": e["msg"]} for _, e in itertools.islice(self._entries, start, None)]


class ConsoleCommands:
    """Console commands of the manager; relies on ``self._console`` and ``self._emit``."""

    def _add_console(self, text):
        entry = self._console.append(text)
        self._emit(EventKind.CONSOLE, entry)

    @command(CommandName.CONSOLE_OUTPUT, params=("nlines",))
    def _cmd_console_output(self, nlines=200, **common):
        if isinstance(nlines, bool) or not isinstance(nlines, int) or nlines < 0:
            raise Refused("'nlines' must be a non-negative integer")
        return {"text": self._console.text(nlines)}

    @command(CommandName.CONSOLE_OUTPUT_UID)
    def _cmd_console_output_uid(self, **common):
        return {"console_output_uid": self._console.uid}

    @command(CommandName.CONSOLE_OUTPUT_UPDATE, params=("last_msg_uid",))
    def _cmd_console_output_update(self, last_msg_uid=ALL, **common):
        if not isinstance(last_msg_uid, str):
            raise Refused("'last_msg_uid' must be a string (the last uid received, or 'ALL')")
        return {"console_output_msgs": self._console.since(last_msg_uid), "last_msg_uid": self._console.uid}
