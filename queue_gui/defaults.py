"""Where queue-gui serves unless told otherwise: one definition for the command line and every composition.

60610 is bluesky-httpserver's port, so ``REManagerAPI`` and ``queue-monitor``
reach the queue without options; the loopback host keeps an instance
without an API key private to this machine.
"""

#: Address of the HTTP server (``--host``).
DEFAULT_HOST = "127.0.0.1"
#: Port of the HTTP server (``--port``; 0 picks a free one).
DEFAULT_PORT = 60610
