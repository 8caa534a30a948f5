"""Answering the commands of a one-thread inbox: the manager's and the run store's.

Both take commands as ``(kind, name, params, future)`` entries on a queue
served by one thread, and both must answer every command they take, also
the ones still queued when that thread ends: a client waiting on a Future
nobody will set would hang.
"""

import queue


def answer(future, reply):
    """Set ``reply`` on ``future`` unless its client gave up on it (cancelled it)."""
    if future.set_running_or_notify_cancel():
        future.set_result(reply)


def refuse_queued(inbox, command_kind, reply):
    """Answer every command still in ``inbox`` with ``reply``; other entries are dropped."""
    while True:
        try:
            entry = inbox.get_nowait()
        except queue.Empty:
            return
        if entry[0] == command_kind:
            answer(entry[3], reply)
