"""Refuse request bodies that are too large before they are read into memory."""

import json

DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024


class BodySizeLimit:
    """ASGI middleware answering 413 for bodies above ``max_bytes``.

    The ``Content-Length`` header is checked first; chunked bodies are counted
    as they arrive, so a client cannot stream an unbounded body either.
    """

    def __init__(self, app, max_bytes=DEFAULT_MAX_BODY_BYTES):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send):
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
        received = 0
        responded = False

        async def limited_receive():
            nonlocal received, responded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    responded = True
                    raise _BodyTooLarge()
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _BodyTooLarge:
            await _reply(send, 413, self._too_large())

    def _too_large(self):
        return f"request body too large (limit {self.max_bytes} bytes)"


class _BodyTooLarge(Exception):
    pass


async def _reply(send, status, msg):
    body = json.dumps({"success": False, "msg": msg, "detail": msg}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
