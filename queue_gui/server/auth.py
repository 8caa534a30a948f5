"""Optional API key: ``Authorization: ApiKey <key>``, as bluesky's clients send it.

Keys are compared in constant time. Without a configured key every request
is served (the server then binds loopback addresses only; see the CLI).
"""

from __future__ import annotations

import hmac
import json

from starlette.types import ASGIApp, Receive, Scope, Send


class ApiKeyAuth:
    """ASGI middleware: 401 without a key, 403 with a wrong one."""

    def __init__(self, app: ASGIApp, api_key: str | None) -> None:
        self.app = app
        self._key = api_key.encode() if api_key else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._key is None or scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        supplied = _supplied_key(scope)
        if supplied is None:
            await _deny(scope, send, 401, "an API key is required: send 'Authorization: ApiKey <key>'")
        elif not hmac.compare_digest(supplied, self._key):
            await _deny(scope, send, 403, "the API key is not valid")
        else:
            await self.app(scope, receive, send)


def _supplied_key(scope):
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, key = value.partition(b" ")
            if scheme.lower() == b"apikey" and key.strip():
                return key.strip()
    return None


async def _deny(scope, send, status, msg):
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 4000 + status})
        return
    body = json.dumps({"success": False, "msg": msg, "detail": msg}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if status == 401:
        headers.append((b"www-authenticate", b"ApiKey"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
