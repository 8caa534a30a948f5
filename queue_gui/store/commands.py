"""The store's dispatch table: command names to handlers, with the manager's reply shape.

A reply is ``{"success": True, "msg": "", ...}`` or a refusal
``{"success": False, "msg": ..., "reason": ...}`` whose ``reason`` names the
kind of refusal, so that the HTTP layer can answer an unknown run with 404
without reading the message:

``invalid``
    unknown command or parameter, a parameter of the wrong type;
``not_found``
    no such run, no such stream in it, its file is gone;
``stopped``
    the store is not running;
``internal``
    anything else (logged with its traceback).
"""

import logging
import numbers

logger = logging.getLogger(__name__)

INVALID, NOT_FOUND, STOPPED, INTERNAL = "invalid", "not_found", "stopped", "internal"

COMMANDS = {}


class StoreRefusal(Exception):
    """A request the store cannot serve; ``reason`` is one of the module's constants."""

    def __init__(self, msg, reason=INVALID):
        super().__init__(msg)
        self.reason = reason


def command(name, params=()):
    """Register a store method as the handler of ``name`` with the parameters it accepts."""

    def register(method):
        COMMANDS[name] = (method, frozenset(params))
        return method

    return register


def refusal(msg, reason):
    return {"success": False, "msg": msg, "reason": reason}


def dispatch(target, name, params):
    """Run one command on ``target``; always returns a reply dict."""
    entry = COMMANDS.get(name)
    if entry is None:
        return refusal(f"unknown command '{name}'", INVALID)
    method, known = entry
    params = {} if params is None else params
    if not isinstance(params, dict):
        return refusal("parameters must be a JSON object", INVALID)
    unknown = sorted(set(params) - known)
    if unknown:
        return refusal(f"unknown parameter(s) for '{name}': {', '.join(unknown)}", INVALID)
    try:
        reply = method(target, **params) or {}
    except StoreRefusal as error:
        return refusal(str(error), error.reason)
    except Exception as error:
        logger.exception("store command %s failed", name)
        return refusal(f"internal error in '{name}': {type(error).__name__}: {error}", INTERNAL)
    return {"success": True, "msg": "", **reply}


# ------------------------------------------------------------ parameter checks
def check_count(name, value, default):
    """A non-negative integer parameter (``limit``, ``offset``)."""
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise StoreRefusal(f"'{name}' must be a non-negative integer")
    return value


def check_time(name, value):
    """An optional time in seconds since the epoch."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise StoreRefusal(f"'{name}' must be a time in seconds since the epoch")
    return float(value)


def check_text(name, value, required=False):
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value):
        raise StoreRefusal(f"'{name}' must be a{' non-empty' if required else ''} string")
    return value
