"""A 500 answers the request and keeps the connection, as every other answer does.

Starlette's outermost error handler sends its 500 and then re-raises, and
uvicorn closes a connection whose application raised: a keep-alive client
then sees its next request fail with a reset. Hardening #9, last point.
"""

import httpx

from queue_gui.server.errors import CatchAll
from queue_gui.server.serve import ServerThread


async def _failing_app(scope, receive, send):
    if scope["path"] == "/boom":
        raise RuntimeError("a fault no handler expected")
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"fine"})


def test_after_a_500_the_same_connection_answers_the_next_request():
    server = ServerThread(CatchAll(_failing_app), port=0)
    server.start()
    try:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            failed = client.get("/boom")
            assert failed.status_code == 500
            assert failed.json() == {"success": False, "msg": "internal server error: RuntimeError",
                                     "detail": "internal server error: RuntimeError"}
            assert failed.headers.get("connection") != "close"
            assert client.get("/fine").text == "fine"
            assert client.get("/boom").status_code == 500
            assert client.get("/fine").text == "fine"
    finally:
        server.stop()


def test_a_fault_after_the_reply_started_is_logged_not_hidden(caplog):
    """Nothing can be answered once the reply has begun: the connection is closed and the fault logged."""

    async def half_reply(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        raise RuntimeError("mid-reply")

    server = ServerThread(CatchAll(half_reply), port=0)
    server.start()
    try:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            try:
                client.get("/")
            except httpx.HTTPError:
                pass
    finally:
        server.stop()
    assert any("mid-reply" in (r.exc_text or "") or "mid-reply" in str(r.exc_info) for r in caplog.records)
