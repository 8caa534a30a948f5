"""Run uvicorn in a background thread of this process.

The socket is bound here, in the caller's thread, so that a port already in
use is reported at once with a clear message and ``--port 0`` yields the
chosen port before anything is printed. uvicorn in a thread installs no
signal handlers; the owner stops it with :meth:`ServerThread.stop`.
"""

from __future__ import annotations

import logging
import socket
import threading

import uvicorn
from starlette.types import ASGIApp

from ..defaults import DEFAULT_HOST, DEFAULT_PORT

logger = logging.getLogger(__name__)


class ServerThread:
    """Serve an ASGI app on ``host:port`` from a daemon thread.

    Parameters
    ----------
    app : ASGI application
    host : str
    port : int
        0 picks a free port; read it back from :attr:`port`.
    """

    def __init__(self, app: ASGIApp, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        # proto=IPPROTO_TCP, not 0: accepted sockets inherit it, and asyncio
        # sets TCP_NODELAY only on sockets that say they are TCP. Without it
        # a response written in two parts waits for the client's delayed ACK
        # (about 40 ms per request on Linux).
        self._socket = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self._socket.bind((host, port))
        except OSError as error:
            self._socket.close()
            raise OSError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
        self._socket.listen(2048)
        self.host = host
        self.port = self._socket.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", timeout_graceful_shutdown=2)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name="queue-gui-http", daemon=True)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> None:
        self._thread.start()

    def _run(self):
        self._server.run(sockets=[self._socket])

    def stop(self, timeout: float | None = 5) -> None:
        self._server.should_exit = True
        self._thread.join(timeout)
        self._socket.close()
