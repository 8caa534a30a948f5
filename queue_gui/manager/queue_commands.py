"""Commands that read or edit the queue and the history.

A mixin of :class:`queue_gui.manager.manager.Manager`: it relies on
``self._store`` (the :class:`QueueStore`), ``self._description`` (the
profile's plans and devices) and ``self._state``. Editing never depends on
the environment: the queue can be built while it is closed, and while the
queue runs (the running item itself is not in the queue).
"""

import functools
import getpass

from ..wire import CommandName, ItemType
from .dispatch import Refused, command, shorten_echoes
from .uids import new_uid, new_uids
from .validation import ItemInvalid, validate_item

DEFAULT_USER_GROUP = "primary"
#: ``ItemType.PLAN.value`` read once: an enum's ``value`` is a Python-level
#: property, a noticeable cost when read for each item of a large batch.
_PLAN = ItemType.PLAN.value

_WHERE = ("pos", "before_uid", "after_uid")
_MOVE_TO = ("pos_dest", "before_uid", "after_uid")


@functools.lru_cache(maxsize=1)
def _default_user():
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


class QueueCommands:
    """Queue and history commands of the manager (see module docstring)."""

    # --------------------------------------------------------------- helpers
    def _prepare_item(self, item, user=None, user_group=None, uid=None):
        """Validate a submitted item and make it a full queue record (with ``uid``, or a new one)."""
        if not isinstance(item, dict):
            raise Refused("an item must be a JSON object such as {\"name\": \"count\", \"args\": [[\"det1\"]]}")
        description = self._description
        needs_description = item.get("item_type", _PLAN) == _PLAN
        if needs_description and description is None:
            reason = self._profile_error_msg or "the startup profile has not been loaded yet"
            raise Refused(f"plans cannot be checked: {reason}")
        try:
            record = validate_item(item, description or {"plans": {}, "devices": {}})
        except ItemInvalid as error:
            raise Refused(str(error)) from None
        # validate_item returned a deep copy: the record shares nothing with the request.
        record.pop("result", None)
        record["item_uid"] = uid or new_uid()
        record["user"] = record.get("user") or user or _default_user()
        record["user_group"] = record.get("user_group") or user_group or DEFAULT_USER_GROUP
        return record

    def _qsize(self):
        return len(self._store)

    # --------------------------------------------------------------- reading
    @command(CommandName.QUEUE_GET)
    def _cmd_queue_get(self, **common):
        running = self._store.running
        return {
            "items": list(self._store.items()),
            "running_item": dict(running) if running else {},
            "plan_queue_uid": self._store.queue_uid,
        }

    @command(CommandName.QUEUE_ITEM_GET, params=("uid", "pos"))
    def _cmd_queue_item_get(self, uid=None, pos=None, **common):
        return {"item": self._store.get(uid=uid, pos=pos)}

    @command(CommandName.HISTORY_GET)
    def _cmd_history_get(self, **common):
        return {"items": list(self._store.history()), "plan_history_uid": self._store.history_uid}

    # --------------------------------------------------------------- adding
    @command(CommandName.QUEUE_ITEM_ADD, params=_WHERE + ("item",), locked_by="queue")
    def _cmd_queue_item_add(self, item=None, pos=None, before_uid=None, after_uid=None, user=None, user_group=None, **common):
        if item is None:
            raise Refused("no item given: send {\"item\": {\"name\": ..., \"args\": [...], \"kwargs\": {...}}}")
        record = self._prepare_item(item, user, user_group)
        self._store.add(record, pos=pos, before_uid=before_uid, after_uid=after_uid)
        return {"item": record, "qsize": self._qsize()}

    @command(CommandName.QUEUE_ITEM_ADD_BATCH, params=_WHERE + ("items",), locked_by="queue")
    def _cmd_queue_item_add_batch(self, items=None, pos=None, before_uid=None, after_uid=None, user=None, user_group=None, **common):
        """All or nothing: one invalid item refuses the whole batch, naming each problem."""
        if not isinstance(items, list):
            raise Refused("'items' must be a list of items")
        records, results = [], []
        for item, uid in zip(items, new_uids(len(items))):
            try:
                records.append(self._prepare_item(item, user, user_group, uid))
                results.append({"success": True, "msg": ""})
            except Refused as error:
                records.append(item)
                results.append({"success": False, "msg": shorten_echoes(str(error))})
        failures = [r for r in results if not r["success"]]
        if failures:
            return {
                "success": False,
                "msg": f"batch refused: {len(failures)} of {len(items)} items are invalid; nothing was added",
                "items": items,
                "results": results,
                "qsize": self._qsize(),
            }
        self._store.add_batch(records, pos=pos, before_uid=before_uid, after_uid=after_uid)
        return {"items": records, "results": results, "qsize": self._qsize()}

    # --------------------------------------------------------------- removing
    @command(CommandName.QUEUE_ITEM_REMOVE, params=("uid", "pos"), locked_by="queue")
    def _cmd_queue_item_remove(self, uid=None, pos=None, **common):
        if uid is not None and self._is_running_uid(uid):
            raise Refused("the item is running: stop or abort it first")
        item = self._store.remove(uid=uid, pos=pos)
        return {"item": item, "qsize": self._qsize()}

    @command(CommandName.QUEUE_ITEM_REMOVE_BATCH, params=("uids", "ignore_missing"), locked_by="queue")
    def _cmd_queue_item_remove_batch(self, uids=None, ignore_missing=True, **common):
        if not isinstance(uids, list):
            raise Refused("'uids' must be a list of item uids")
        present = {item["item_uid"] for item in self._store.items()}
        missing = [uid for uid in uids if uid not in present]
        if missing and not ignore_missing:
            raise Refused(f"no items with uids {missing} in the queue; nothing was removed")
        items = self._store.remove_batch([uid for uid in uids if uid in present]) if len(missing) < len(uids) else []
        return {"items": items, "qsize": self._qsize()}

    @command(CommandName.QUEUE_CLEAR, locked_by="queue")
    def _cmd_queue_clear(self, **common):
        self._store.clear()
        return {"qsize": 0}

    # --------------------------------------------------------------- moving
    @command(CommandName.QUEUE_ITEM_MOVE, params=_MOVE_TO + ("uid", "pos"), locked_by="queue")
    def _cmd_queue_item_move(self, uid=None, pos=None, pos_dest=None, before_uid=None, after_uid=None, **common):
        source = self._store.get(uid=uid, pos=pos)
        if pos_dest is None and before_uid is None and after_uid is None:
            raise Refused("no destination: give 'pos_dest', 'before_uid' or 'after_uid'")
        self._store.move_batch([source["item_uid"]], pos=pos_dest, before_uid=before_uid, after_uid=after_uid)
        return {"item": source, "qsize": self._qsize()}

    @command(CommandName.QUEUE_ITEM_MOVE_BATCH, params=_MOVE_TO + ("uids", "reorder"), locked_by="queue")
    def _cmd_queue_item_move_batch(self, uids=None, pos_dest=None, before_uid=None, after_uid=None, reorder=False, **common):
        if not isinstance(uids, list):
            raise Refused("'uids' must be a list of item uids")
        if reorder:
            order = {item["item_uid"]: i for i, item in enumerate(self._store.items())}
            uids = sorted(uids, key=lambda u: order.get(u, -1))
        if pos_dest is None and before_uid is None and after_uid is None:
            raise Refused("no destination: give 'pos_dest', 'before_uid' or 'after_uid'")
        self._store.move_batch(uids, pos=pos_dest, before_uid=before_uid, after_uid=after_uid)
        items = [self._store.items()[index] for index in self._store.indices_of(uids)]
        return {"items": items, "qsize": self._qsize()}

    # --------------------------------------------------------------- updating
    @command(CommandName.QUEUE_ITEM_UPDATE, params=("item", "replace"), locked_by="queue")
    def _cmd_queue_item_update(self, item=None, replace=False, user=None, user_group=None, **common):
        """Change an item in place; ``replace`` gives it a new uid (a new item)."""
        if not isinstance(item, dict) or "item_uid" not in item:
            raise Refused("'item' must be an item with the 'item_uid' of a queued item")
        uid = item["item_uid"]
        if self._is_running_uid(uid):
            raise Refused("the item is running and cannot be changed")
        self._store.index_of(uid)
        submitted = {k: v for k, v in item.items() if k != "item_uid"}
        record = self._prepare_item(submitted, user, user_group)
        if not replace:
            record["item_uid"] = uid
        self._store.replace(uid, record)
        return {"item": record, "qsize": self._qsize()}

    # --------------------------------------------------------------- history
    @command(CommandName.HISTORY_CLEAR, params=("size", "item_uid"), locked_by="queue")
    def _cmd_history_clear(self, size=None, item_uid=None, **common):
        """Clear the history, or keep its newest ``size`` items, or drop it up to ``item_uid``."""
        if size is not None and item_uid is not None:
            raise Refused("give either 'size' or 'item_uid', not both")
        if size is None and item_uid is None:
            self._store.clear_history()
        elif size is not None:
            if isinstance(size, bool) or not isinstance(size, int) or size < 0:
                raise Refused("'size' must be a non-negative integer")
            self._store.trim_history(keep=size)
        else:
            self._store.trim_history(through_uid=item_uid)
        return {}

    def _is_running_uid(self, uid):
        running = self._store.running
        return running is not None and running["item_uid"] == uid
