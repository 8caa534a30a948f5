"""The rows a queue view shows, without Qt: the running item first, then the queue.

The Qt model (:mod:`queue_gui.qt.queue_model`) turns these answers into
``beginInsertRows`` and friends; everything that can be said about rows
without a widget lives here and is tested without one: the diff of two
queues, the blocks of rows, and where a drop or a keyboard move sends the
selected items.
"""

import logging

logger = logging.getLogger(__name__)


def index_items(items, running_item):
    """Row order of uids (the running one first) and ``uid -> item``, each uid once."""
    uids, by_uid = [], {}
    for item in ([running_item] if running_item else []) + list(items):
        uid = item["item_uid"]
        if uid in by_uid:
            logger.warning("queue lists item %s twice; showing it once", uid)
            continue
        by_uid[uid] = item
        uids.append(uid)
    return uids, by_uid


def new_runs(new_uids, old):
    """Runs of consecutive uids not in ``old``, each as ``(previous uid or None, [uids])``."""
    runs = []
    previous, run = None, None
    for uid in new_uids:
        if uid in old:
            previous, run = uid, None
        elif run is None:
            run = [uid]
            runs.append((previous, run))
        else:
            run.append(uid)
    return runs


def row_blocks(rows):
    """Group ascending row numbers into ``(first, last)`` runs of consecutive rows."""
    blocks = []
    for row in rows:
        if blocks and blocks[-1][1] == row - 1:
            blocks[-1][1] = row
        else:
            blocks.append([row, row])
    return [tuple(block) for block in blocks]


def drop_destination(uids, offset, moved, row):
    """Where a drop at view ``row`` puts ``moved``: before the first unmoved item from there on.

    ``uids`` are the rows' uids, the running one first when ``offset`` is 1.
    """
    count = len(uids)
    if row < 0 or row >= count:
        return {"pos_dest": "back"}
    if row < offset:
        return {"pos_dest": "front"}  # nothing may go before the running item
    moving = set(moved)
    # The manager refuses to move items relative to one of themselves.
    while row < count and uids[row] in moving:
        row += 1
    return {"before_uid": uids[row]} if row < count else {"pos_dest": "back"}


def move_destination(uids, offset, first, last, direction):
    """The destination of the selected block (rows ``first``..``last``) moved ``direction``, or None."""
    if direction == "up":
        above = first - 1
        return {"before_uid": uids[above]} if above >= offset else None
    if direction == "down":
        below = last + 1
        return {"after_uid": uids[below]} if below < len(uids) else None
    return {"pos_dest": "front" if direction == "top" else "back"}


def is_noop(row_of, count, offset, moved, destination):
    """True when the moved items already sit, contiguous, exactly at the destination."""
    if destination is None:
        return True
    first, last = row_of(moved[0]), row_of(moved[-1])
    if last - first + 1 != len(moved):
        return False
    if "before_uid" in destination:
        return row_of(destination["before_uid"]) == last + 1
    if "after_uid" in destination:
        return row_of(destination["after_uid"]) == first - 1
    if destination["pos_dest"] == "front":
        return first == offset
    return last == count - 1
