"""Refuse request bodies that no reply could carry, before any route parses them.

Three kinds, on every route alike (seed and ``/api``):

- too large: 413, from ``Content-Length`` or counted as a chunked body
  arrives, so a client cannot stream an unbounded body either;
- nested deeper than :data:`MAX_DEPTH` levels: 422. Python's JSON parser
  reads 500 levels, but the encoders that must send the item back (the
  queue, the history, the WebSocket pushes) fail on it with
  ``RecursionError``, and every later read of the queue answered 500;
- a string holding a lone surrogate (``"\\ud800"``): 422 naming the field.
  ``json.loads`` accepts it, and no UTF-8 reply can carry it.

The body is read here once and handed on unchanged.
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024
#: Deepest nesting of arrays and objects a request body may have. An item
#: is four levels down (``{"items": [{"kwargs": {...`` ), so this leaves
#: about sixty for the values of a plan's arguments and metadata.
MAX_DEPTH = 64

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_NOT_BRACKETS_OR_QUOTES = bytes(b for b in range(256) if b not in b'[]{}"')
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def nesting_depth(body: bytes, limit: int = MAX_DEPTH) -> int:
    """How deeply arrays and objects nest in a JSON text, counted up to ``limit + 1``.

    Every step is one C-level bytes operation, never a Python step per
    character (a batch of a thousand items, 100 kB, takes well under a
    millisecond): the brackets inside strings are cut out, then each pass
    takes away the innermost ``[]``/``{}`` pairs, one pass per level.
    """
    return _depth(_brackets(body), limit)


def _brackets(body):
    """The body's brackets outside strings, in order."""
    if b'\\"' in body:  # an escaped quote: only a real scan of the strings is right
        return _STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    # Without escaped quotes, every quote opens or closes a string. Once all
    # but brackets and quotes are gone, two adjacent quotes enclose nothing
    # but text (an empty string, or the gap between two strings), and what
    # lies between the quotes left is inside strings.
    small = body.translate(None, _NOT_BRACKETS_OR_QUOTES).replace(b'""', b"")
    return b"".join(small.split(b'"')[::2]) if b'"' in small else small


def _depth(brackets, limit):
    depth = 0
    while brackets and depth <= limit:
        # A placeholder keeps a pair that only becomes innermost during this
        # pass ("{[]}") for the next one: one pass, one level.
        marked = brackets.replace(b"[]", b"0").replace(b"{}", b"0")
        if len(marked) == len(brackets):
            break  # unbalanced: not JSON, the parser will say so
        brackets = marked.replace(b"0", b"")
        depth += 1
    return depth


def lone_surrogate_path(body: bytes) -> str | None:
    """Where a decoded string (or key) of the JSON body holds a lone surrogate, e.g. ``item.kwargs.md``; or None."""
    if not _SURROGATE_ESCAPE.search(body):
        return None  # the common case: no escape that could be one
    try:
        value = json.loads(body)
    except ValueError:
        return None  # not JSON: the parser will say so
    pending: list[tuple[tuple[int | str, ...], Any]] = [((), value)]
    while pending:
        path, current = pending.pop()
        if isinstance(current, str):
            if _has_lone_surrogate(current):
                return _dotted(path)
        elif isinstance(current, list):
            pending.extend((path + (index,), element) for index, element in enumerate(current))
        elif isinstance(current, dict):
            for key, element in current.items():
                if _has_lone_surrogate(key):
                    return _dotted(path + (key,)) + " (a key)"
                pending.append((path + (key,), element))
    return None


def _has_lone_surrogate(text):
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _dotted(path):
    parts = []
    for part in path:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        else:
            shown = part.encode("utf-8", "backslashreplace").decode("ascii", "backslashreplace")
            parts.append(f".{shown}" if parts else shown)
    return "".join(parts) or "body"


class BodySizeLimit:
    """ASGI middleware: 413 for bodies above ``max_bytes``, 422 for bodies no reply could carry."""

    def __init__(self, app: ASGIApp, max_bytes: int = DEFAULT_MAX_BODY_BYTES, max_depth: int = MAX_DEPTH) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_depth = max_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await _reply(send, 400, "invalid Content-Length header")
                    return
                if declared > self.max_bytes:
                    await _reply(send, 413, self._too_large())
                    return
        chunks, received, closed = [], 0, None
        while True:
            message = await receive()
            if message["type"] != "http.request":
                closed = message  # the client went away before sending it all
                break
            chunks.append(message.get("body", b""))
            received += len(chunks[-1])
            if received > self.max_bytes:
                await _reply(send, 413, self._too_large())
                return
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        problem = self._problem(body) if body else None
        if problem is not None:
            await _reply(send, 422, f"invalid request: {problem}", detail=[{"loc": ["body"], "msg": problem, "type": "value_error"}])
            return
        await self.app(scope, _replay(body, receive, closed), send)

    def _problem(self, body):
        if nesting_depth(body, self.max_depth) > self.max_depth:
            return f"body: arrays and objects nest deeper than {self.max_depth} levels (the limit)"
        where = lone_surrogate_path(body)
        if where is not None:
            return f"{where}: a string holds a lone surrogate (a \\ud800-\\udfff escape without its pair), which no reply can carry"
        return None

    def _too_large(self):
        return f"request body too large (limit {self.max_bytes} bytes)"


def _replay(body, receive, closed):
    """A ``receive`` that gives the app the body read here, then whatever comes next."""
    sent = False

    async def replay():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        if closed is not None:
            return closed
        return await receive()

    return replay


async def _reply(send, status, msg, detail=None):
    body = json.dumps({"success": False, "msg": msg, "detail": msg if detail is None else detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
