"""Shared helpers of the benchmark scripts (stdlib only at import time).

The worker process is started with multiprocessing *spawn*, which re-imports
the main script in the child. Everything heavy (httpx, bluesky, queue_gui)
is therefore imported inside functions, so the benchmarks do not slow down
the worker they measure.

Waiting is event driven, with the harness the tests use too
(:mod:`queue_gui.testing`): :class:`~queue_gui.testing.StatusWatch` follows
the manager's ``status`` events (``Manager.subscribe``) with a
``threading.Condition`` and stamps each event with ``time.perf_counter()``
on arrival, on the manager thread. A measured interval ends at that stamp
(``wait_event``), not when the benchmark thread happens to wake up.
"""

import argparse
import contextlib
import datetime
import json
import math
import os
import platform
import socket
import statistics
import sys
import tempfile
import threading
import time

# The checkout these scripts sit in is the one measured (and its queue_gui.testing
# the harness), whatever else is installed: ``python benchmarks/bench_x.py``.
_CHECKOUT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if _CHECKOUT not in sys.path:
    sys.path.insert(0, _CHECKOUT)

from queue_gui.testing import WAIT_TIMEOUT, StatusWatch, count_item, count_items, plan  # noqa: F401,E402  (stdlib only)


class ProfileLoadedProbe:
    """Signals when the manager has received a worker's ``profile_loaded`` report.

    The status object does not show whether the standby worker has finished
    loading the profile, so no status event marks that moment. This probe
    wraps the manager's report handler on the instance (the benchmark's own
    instrumentation; the engine is not changed) and counts the reports.
    """

    def __init__(self, manager):
        self._condition = threading.Condition()
        self.count = 0
        self.stamp = None
        handlers = dict(type(manager)._REPORT_HANDLERS)
        original = handlers["profile_loaded"]

        def wrapped(mgr, msg):
            original(mgr, msg)
            with self._condition:
                self.count += 1
                self.stamp = time.perf_counter()
                self._condition.notify_all()

        handlers["profile_loaded"] = wrapped
        manager._REPORT_HANDLERS = handlers

    def wait_beyond(self, count, timeout=WAIT_TIMEOUT):
        """Wait until more than ``count`` profiles were loaded; returns the stamp."""
        with self._condition:
            if not self._condition.wait_for(lambda: self.count > count, timeout):
                raise TimeoutError("timed out waiting for the standby worker to load the profile")
            return self.stamp


@contextlib.contextmanager
def running_service():
    """A real ``Service`` (manager + HTTP on 127.0.0.1, any free port), always stopped."""
    from queue_gui.app import Service

    service = Service(data_dir=tempfile.mkdtemp(prefix="queue-gui-bench-"), port=0)
    try:
        yield service
    finally:
        service.stop()


def http_client(service):
    """A keep-alive client; ``trust_env=False`` so no proxy setting gets in the way."""
    import httpx

    return httpx.Client(base_url=service.url, timeout=30.0, trust_env=False)


def check(reply, what):
    """Raise when an HTTP reply is not a success."""
    reply.raise_for_status()
    body = reply.json()
    if not body.get("success", False):
        raise RuntimeError(f"{what} was refused: {body.get('msg')}")
    return body


def machine_info():
    """CPU, Python and library versions, load: what the figures depend on."""
    import bluesky
    import ophyd

    info = {
        "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "cpu_count": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "bluesky": bluesky.__version__,
        "ophyd": ophyd.__version__,
        "load_average": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
    for name in ("fastapi", "uvicorn", "httpx"):
        try:
            info[name] = __import__(name).__version__
        except Exception:
            info[name] = "?"
    return info


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def ms(seconds):
    return seconds * 1000.0


def fmt_ms(seconds, digits=2):
    return f"{seconds * 1000.0:.{digits}f} ms"


def percentile(values, fraction):
    """Nearest-rank percentile (p99 of 1000 values is the 990th smallest)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered) - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def row(what, measured, target, reference, passed=None, value=None):
    """One result line; ``passed`` None means informational (no target)."""
    return {
        "what": what,
        "measured": measured,
        "target": target,
        "reference": reference,
        "result": "info" if passed is None else ("PASS" if passed else "FAIL"),
        "value": value,
    }


def markdown_table(rows):
    lines = [
        "| what | measured | target | bare RunEngine / reference | result |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r['what']} | {r['measured']} | {r['target']} | {r['reference']} | {r['result']} |")
    return "\n".join(lines)


def parse_args(description, argv=None):
    """The scripts' one option: ``--json PATH`` (used by run_all.py)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--json", help="also write the results to this file (for run_all.py)")
    return parser.parse_args(argv)


def report(title, rows, notes=(), json_path=None):
    """Print the table and notes on stdout; optionally write them as JSON for run_all."""
    print(f"## {title}\n")
    print(markdown_table(rows))
    for note in notes:
        print(f"\n- {note}")
    print()
    if json_path:
        with open(json_path, "w") as f:
            json.dump({"title": title, "rows": rows, "notes": list(notes), "machine": machine_info()}, f, indent=1)


def median(values):
    return statistics.median(values)


def say(text):
    """Progress on stderr, so that stdout stays the table."""
    print(text, file=sys.stderr, flush=True)


class CannedServer:
    """An HTTP/1.1 server answering each path with fixed bytes: what is left is the client's own work.

    Shared by the benchmarks that report the client's own share of a figure.

    The same calls timed against it (the very replies the real service gave,
    no framework, no manager) show what the client itself costs on this
    machine: building and sending the request, reading and decoding the
    reply, and for ``REManagerAPI`` its copies. The rest of a figure is the
    server's.
    """

    #: The answer for any path that ``replies`` does not name.
    DEFAULT_BODY = b'{"success": true, "msg": ""}'

    def __init__(self, replies=None):
        self._replies = replies or {}  # path -> body bytes
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        threading.Thread(target=self._accept, name="bench-canned-http", daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), name="bench-canned-conn", daemon=True).start()

    def _serve(self, conn):
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        buffer = b""
        with conn:
            while True:
                while b"\r\n\r\n" not in buffer:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    buffer += chunk
                head, buffer = buffer.split(b"\r\n\r\n", 1)
                lines = head.split(b"\r\n")
                path = lines[0].split(b" ")[1].decode()
                length = 0
                for line in lines[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                while len(buffer) < length:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    buffer += chunk
                buffer = buffer[length:]
                body = self._replies.get(path, self.DEFAULT_BODY)
                conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: "
                             + str(len(body)).encode() + b"\r\n\r\n" + body)

    def close(self):
        self._listener.close()
