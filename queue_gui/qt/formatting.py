"""Text shown for queue and history items: one line for a list row, HTML for a tooltip.

The functions are plain Python (no Qt) so that every view of an item — the
queue, the history, a dialog — spells it the same way, and so that tests can
check the wording without a widget.

One line must be short and predictable, because scientists scan a long queue
by eye: a plan reads like the call they would type, ``scan(['det1', 'det2'],
motor, -1, 1, 10, num=3)``. Top-level strings that are plain identifiers are
almost always device names, so they are shown bare (``motor``); any other
string, and every string nested in a list or dict, keeps its quotes, so the
text never hides what was actually sent.
"""

import html
import keyword
from datetime import datetime

from queue_gui.wire import ItemType

#: A row longer than this is cut with an ellipsis; the tooltip shows everything.
MAX_LINE_CHARS = 240
#: One parameter longer than this is cut in the tooltip (a 10,000-point list
#: would otherwise make a tooltip taller than the screen).
MAX_PARAM_CHARS = 400
#: Tracebacks are long; the last lines name the error.
TRACEBACK_TAIL_LINES = 6


def _shorten(text, limit):
    return text if len(text) <= limit else text[: limit - 1] + "…"


def format_value(value):
    """Spell one top-level argument: bare identifiers for device names, ``repr`` otherwise.

    ``None``, ``True`` and other keywords keep their quotes when they are
    strings, so that the string ``"None"`` is never confused with ``None``.
    """
    if isinstance(value, str) and value.isidentifier() and not keyword.iskeyword(value):
        return value
    return repr(value)


def _parameters(item):
    args = item.get("args") or []
    kwargs = item.get("kwargs") or {}
    return [format_value(arg) for arg in args] + [f"{key}={format_value(value)}" for key, value in kwargs.items()]


def is_instruction(item):
    """True for queue instructions such as ``queue_stop`` (they are not plans)."""
    return item.get("item_type") == ItemType.INSTRUCTION.value


def call_text(item):
    """The whole call, e.g. ``scan(['det1', 'det2'], motor, -1, 1, 10, num=3)``, however long.

    The one spelling of a plan everywhere it is shown: a list row is this
    text cut to :data:`MAX_LINE_CHARS`, the details of an attempt show it
    whole. Instructions read ``queue_stop (instruction)`` so that they stand
    out from plans even without their icon.
    """
    name = item.get("name", "?")
    if is_instruction(item):
        return f"{name} (instruction)"
    return f"{name}({', '.join(_parameters(item))})"


def item_text(item):
    """One line for a list row: :func:`call_text`, cut with an ellipsis when it is too long."""
    return _shorten(call_text(item), MAX_LINE_CHARS)


def _row(label, value):
    return f"<tr><td style='color:#555'>{html.escape(label)}</td><td>{value}</td></tr>"


def _code(text):
    return f"<code>{html.escape(_shorten(text, MAX_PARAM_CHARS))}</code>"


def item_tooltip(item):
    """HTML describing every parameter of an item, its owner and its uid.

    Each positional argument and each keyword argument gets its own line so
    that a long scan can be checked value by value before it runs.
    """
    kind = "instruction" if is_instruction(item) else "plan"
    rows = []
    for number, arg in enumerate(item.get("args") or []):
        rows.append(_row(f"arg {number}", _code(format_value(arg))))
    for key, value in (item.get("kwargs") or {}).items():
        rows.append(_row(key, _code(format_value(value))))
    for key, value in (item.get("meta") or {}).items():
        rows.append(_row(f"meta.{key}", _code(repr(value))))
    rows.append(_row("user", html.escape(str(item.get("user", "")))))
    rows.append(_row("group", html.escape(str(item.get("user_group", "")))))
    rows.append(_row("uid", _code(str(item.get("item_uid", "")))))
    title = f"<b>{html.escape(str(item.get('name', '?')))}</b> <i>({kind})</i>"
    return f"<qt>{title}<table cellspacing='0' cellpadding='1'>{''.join(rows)}</table></qt>"


def clock_time(timestamp):
    """``HH:MM:SS`` in local time, or ``--:--:--`` when the time is unknown."""
    if not isinstance(timestamp, (int, float)) or timestamp <= 0:
        return "--:--:--"
    return datetime.fromtimestamp(timestamp).strftime("%H:%M:%S")


def date_time_text(timestamp, unknown=""):
    """``YYYY-MM-DD HH:MM:SS`` in local time; ``unknown`` when there is no usable time.

    Accepts a number or a numeric string (the run index stores floats, a
    history record numbers); zero, negative or unreadable times are unknown.
    """
    try:
        seconds = float(timestamp)
        if not seconds > 0:
            return unknown
        return datetime.fromtimestamp(seconds).strftime("%Y-%m-%d %H:%M:%S")
    except (TypeError, ValueError, OverflowError, OSError):
        return unknown


def _joined(values):
    return ", ".join(map(str, values)) if values else "none"


def result_facts(result):
    """``(label, text)`` pairs saying how a run attempt ended, in the order they are shown.

    The exit status, run uids, scan ids, start and stop times (the stop with
    the duration): the history's tooltip and its details pane both list
    these, so both say them alike. A missing time reads ``unknown``.
    """
    result = result or {}
    start, stop = result.get("time_start"), result.get("time_stop")
    stopped = date_time_text(stop, "unknown")
    if isinstance(start, (int, float)) and isinstance(stop, (int, float)) and stop >= start > 0:
        stopped += f" (took {stop - start:.1f} s)"
    return [
        ("Exit status", str(result.get("exit_status") or "unknown")),
        ("Run UIDs", _joined(result.get("run_uids") or [])),
        ("Scan IDs", _joined(result.get("scan_ids") or [])),
        ("Started", date_time_text(start, "unknown")),
        ("Stopped", stopped),
    ]


def result_summary(result):
    """Plain-text lines describing how a run attempt ended.

    The :func:`result_facts` one a line, the message after the exit status,
    and the tail of the traceback when there is one.
    """
    result = result or {}
    lines = [f"{label}: {text}" for label, text in result_facts(result)]
    if result.get("msg"):
        lines.insert(1, f"Message: {result['msg']}")
    traceback = (result.get("traceback") or "").strip()
    if traceback:
        lines.append("Traceback (last lines):")
        lines.extend(traceback.splitlines()[-TRACEBACK_TAIL_LINES:])
    return "\n".join(lines)


def history_tooltip(item):
    """HTML tooltip for a history row: the item's tooltip followed by its result."""
    summary = html.escape(result_summary(item.get("result"))).replace("\n", "<br>")
    return item_tooltip(item).replace("</qt>", f"<hr>{summary}</qt>")
