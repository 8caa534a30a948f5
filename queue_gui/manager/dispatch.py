"""One dispatch table from command names to handlers, with uniform replies.

Each handler declares the parameters it knows; anything else is refused by
name, so a typo in a client never goes unnoticed. A handler returns a dict
(the reply's payload) or raises; any exception becomes ``{"success": False,
"msg": ...}`` and the manager keeps running.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from ..inbox import Reply

logger = logging.getLogger(__name__)

#: Parameters the ecosystem's clients send with many requests; accepted
#: everywhere so that they never cause a refusal by themselves.
COMMON_PARAMS = frozenset({"lock_key", "user", "user_group"})

#: Command name -> (handler, the parameters it knows, the part of the manager a lock on it protects).
COMMANDS: dict[str, tuple[Callable[..., Any], frozenset[str], str | None]] = {}

_Handler = TypeVar("_Handler", bound=Callable[..., Any])

#: A quoted value longer than this is shown cut in a refusal (a 6 MB device
#: name once came back in full); the whole message is capped too.
MAX_ECHO_CHARS = 120
MAX_MESSAGE_CHARS = 4000
_LONG_QUOTED = re.compile(r"'([^']{%d,})'|\"([^\"]{%d,})\"" % (MAX_ECHO_CHARS, MAX_ECHO_CHARS))


def shorten_echoes(msg: str) -> str:
    """A refusal with every long quoted value cut to its start and its length."""

    def cut(match):
        text = match.group(1) if match.group(1) is not None else match.group(2)
        return f"'{text[:60]}…' ({len(text)} characters)"

    msg = _LONG_QUOTED.sub(cut, msg)
    return msg if len(msg) <= MAX_MESSAGE_CHARS else msg[: MAX_MESSAGE_CHARS - 1] + "…"


class Refused(Exception):
    """A request that does not fit the current state or names missing data."""


def command(name: str, params: Iterable[str] = (), locked_by: str | None = None) -> Callable[[_Handler], _Handler]:
    """Register a manager method as the handler of ``name``.

    ``locked_by`` (``"queue"`` or ``"environment"``) names the part of the
    manager a lock protects: while it is locked, the command is refused
    unless the request carries the lock's ``lock_key``.
    """

    def register(method: _Handler) -> _Handler:
        COMMANDS[name] = (method, frozenset(params) | COMMON_PARAMS, locked_by)
        return method

    return register


def dispatch(target: Any, name: str, params: Any) -> Reply:
    """Run one command on ``target``; always returns a reply dict (``params`` not a dict included)."""
    reply = _dispatch(target, name, params)
    if not reply["success"]:
        reply["msg"] = shorten_echoes(reply["msg"])
    return reply


def _dispatch(target, name, params):
    entry = COMMANDS.get(name)
    if entry is None:
        return {"success": False, "msg": f"unknown command '{name}'"}
    method, known, locked_by = entry
    if params is None:
        params = {}
    if not isinstance(params, dict):
        return {"success": False, "msg": "parameters must be a JSON object"}
    unknown = sorted(set(params) - known)
    if unknown:
        return {"success": False, "msg": f"unknown parameter(s) for '{name}': {', '.join(unknown)}"}
    try:
        if locked_by is not None:
            target._check_lock(locked_by, params.get("lock_key"))
        reply = method(target, **params) or {}
    except (Refused, ValueError, TypeError, IndexError) as error:
        return {"success": False, "msg": str(error)}
    except KeyError as error:
        return {"success": False, "msg": str(error.args[0]) if error.args else "not found"}
    except Exception as error:
        logger.exception("command %s failed", name)
        return {"success": False, "msg": f"internal error in '{name}': {type(error).__name__}: {error}"}
    return {"success": True, "msg": "", **reply}
