"""Answering the commands of a one-thread inbox: the manager's and the run store's.

Both take commands as ``(kind, name, params, future)`` entries on a queue
served by one thread, and both must answer every command they take, also
the ones still queued when that thread ends: a client waiting on a Future
nobody will set would hang.
"""

from __future__ import annotations

import concurrent.futures
import queue
from typing import Any

#: A command's answer: ``success``, ``msg`` and the command's own fields (JSON types).
Reply = dict[str, Any]


def answer(future: concurrent.futures.Future[Reply], reply: Reply) -> None:
    """Set ``reply`` on ``future`` unless its client gave up on it (cancelled it)."""
    if future.set_running_or_notify_cancel():
        future.set_result(reply)


def refuse_queued(inbox: queue.SimpleQueue[tuple[Any, ...]], command_kind: str, reply: Reply) -> None:
    """Answer every command still in ``inbox`` with ``reply``; other entries are dropped."""
    while True:
        try:
            entry = inbox.get_nowait()
        except queue.Empty:
            return
        if entry[0] == command_kind:
            answer(entry[3], reply)
