"""The real bluesky-queueserver stack, started by the tests: Redis, RE Manager, bluesky-httpserver.

``QueueServerStack(tmp_dir).start()`` starts, each in a process group of its
own and on free ports of 127.0.0.1:

1. ``redis-server`` (no persistence, its files in ``tmp_dir/redis``);
2. ``start-re-manager`` (bluesky-queueserver) on that Redis, with a copy of
   the simulated profile that ships with bluesky-queueserver
   (``profile_collection_sim``: det1, det2, motor, ... and bluesky's plans),
   its ``05-run-engine.py`` replaced by ``sim_profile/05-run-engine.py``
   (a LiveTable for the BestEffortCallback, which needs matplotlib),
   no IPython kernel, console output published on its info socket;
3. bluesky-httpserver under uvicorn, in single-user mode with an API key
   (``stack.api_key``), talking to the RE Manager over 0MQ.

``stop()`` ends the three (SIGTERM to each process group, then SIGKILL) and
checks that no process of theirs is left. Each one's output goes to
``tmp_dir/<name>.log``; ``stack.logs()`` gives their tails for failure messages.

Needs ``redis-server`` on PATH (Debian: ``apt-get install redis-server``) and
the ``bluesky-queueserver`` and ``bluesky-httpserver`` packages (the ``test``
extra). docs/remote_stack.md tells more.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

START_TIMEOUT = 60.0  # seconds, for the three together (about 4 s on CI's machine)
#: Files that replace those of the same name in the copy of the simulated profile.
PROFILE_OVERRIDES = Path(__file__).parent / "sim_profile"
STOP_TIMEOUT = 10.0  # seconds per process group after SIGTERM, before SIGKILL


class StackError(RuntimeError):
    """The stack did not start (or stop); the message carries the tails of its logs."""


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sim_profile_dir() -> Path:
    """The simulated startup profile that ships with bluesky-queueserver."""
    import bluesky_queueserver

    return Path(bluesky_queueserver.__file__).parent / "profile_collection_sim"


class QueueServerStack:
    def __init__(self, tmp_dir, *, api_key: str | None = None):
        self.tmp_dir = Path(tmp_dir)
        self.api_key = api_key or secrets.token_hex(16)
        self.redis_port = free_port()
        self.zmq_control_port = free_port()
        self.zmq_info_port = free_port()
        self.http_port = free_port()
        self._procs: dict[str, subprocess.Popen] = {}
        self._log_files = {}
        self.startup_seconds: float | None = None

    # --- addresses -------------------------------------------------------------------------
    @property
    def redis_addr(self) -> str:
        return f"127.0.0.1:{self.redis_port}"

    @property
    def zmq_control_addr(self) -> str:
        return f"tcp://127.0.0.1:{self.zmq_control_port}"

    @property
    def zmq_info_addr(self) -> str:
        return f"tcp://127.0.0.1:{self.zmq_info_port}"

    @property
    def http_uri(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def ws_uri(self) -> str:
        return f"ws://127.0.0.1:{self.http_port}"

    # --- life ------------------------------------------------------------------------------
    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def start(self) -> "QueueServerStack":
        t0 = time.monotonic()
        deadline = t0 + START_TIMEOUT
        try:
            self._start_redis(deadline)
            self._start_re_manager()
            self._start_http_server()
            self._wait_http_status(deadline)
        except BaseException:
            self.stop(check=False)
            raise
        self.startup_seconds = time.monotonic() - t0
        return self

    def _spawn(self, name, args, env=None):
        log = open(self.tmp_dir / f"{name}.log", "wb")
        self._log_files[name] = log
        self._procs[name] = subprocess.Popen(
            args,
            cwd=self.tmp_dir,
            env={**os.environ, **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() ends its children too
        )

    def _start_redis(self, deadline):
        exe = shutil.which("redis-server")
        if exe is None:
            raise StackError("redis-server is not on PATH (Debian: apt-get install redis-server)")
        data = self.tmp_dir / "redis"
        data.mkdir(parents=True, exist_ok=True)
        self._spawn(
            "redis",
            [exe, "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(data)],
        )
        # Polling with a deadline, only to wait for an external process to come up.
        while not self._redis_ping():
            self._check_alive("redis")
            if time.monotonic() > deadline:
                raise StackError(f"redis-server did not answer PING in time\n{self.logs()}")
            time.sleep(0.05)

    def _redis_ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.redis_port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(64).startswith(b"+PONG")
        except OSError:
            return False

    def _start_re_manager(self):
        # A copy of the profile: the RE Manager writes existing_plans_and_devices.yaml
        # into its startup directory when the environment opens.
        profile = self.tmp_dir / "profile_collection_sim"
        shutil.copytree(sim_profile_dir(), profile, ignore=shutil.ignore_patterns("__pycache__"), dirs_exist_ok=True)
        for override in PROFILE_OVERRIDES.glob("*.py"):
            shutil.copy(override, profile / override.name)
        exe = shutil.which("start-re-manager", path=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
        if exe is None:
            raise StackError("start-re-manager is not installed (pip install bluesky-queueserver)")
        self._spawn(
            "re_manager",
            [
                exe,
                "--redis-addr", self.redis_addr,
                "--zmq-control-addr", self.zmq_control_addr,
                "--zmq-info-addr", self.zmq_info_addr,
                "--zmq-publish-console", "ON",
                "--startup-dir", str(profile),
                "--use-ipython-kernel", "OFF",
            ],
            env={"MPLBACKEND": "Agg"},
        )

    def _start_http_server(self):
        self._spawn(
            "http_server",
            [sys.executable, "-m", "uvicorn", "bluesky_httpserver.server:app",
             "--host", "127.0.0.1", "--port", str(self.http_port)],
            env={
                "QSERVER_HTTP_SERVER_SINGLE_USER_API_KEY": self.api_key,
                "QSERVER_ZMQ_CONTROL_ADDRESS": self.zmq_control_addr,
                "QSERVER_ZMQ_INFO_ADDRESS": self.zmq_info_addr,
            },
        )

    def request(self, method: str, path: str, body: dict | None = None, timeout: float = 5.0) -> dict:
        """One call of the HTTP server's API with the key (plain urllib: no client of ours in the way)."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            self.http_uri + path,
            data=data,
            method=method,
            headers={"Authorization": f"ApiKey {self.api_key}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=timeout) as reply:
            return json.loads(reply.read())

    def _wait_http_status(self, deadline):
        # Polling with a deadline, only to wait for external processes to come up:
        # /api/status answers once uvicorn serves and the RE Manager answers it over 0MQ.
        while True:
            for name in self._procs:
                self._check_alive(name)
            try:
                status = self.request("GET", "/api/status", timeout=2)
                if status.get("manager_state") == "idle":
                    return
            except (OSError, ValueError, urllib.error.URLError):
                pass
            if time.monotonic() > deadline:
                raise StackError(f"bluesky-httpserver /api/status did not show an idle RE Manager in time\n{self.logs()}")
            time.sleep(0.1)

    def _check_alive(self, name):
        proc = self._procs[name]
        if proc.poll() is not None:
            raise StackError(f"{name} exited with code {proc.returncode}\n{self.logs()}")

    def stop(self, check: bool = True):
        """End the three, the HTTP server first; with ``check``, raise if a process of theirs is left."""
        left = []
        for name in ("http_server", "re_manager", "redis"):
            proc = self._procs.pop(name, None)
            if proc is None:
                continue
            pgid = proc.pid  # start_new_session: the process leads its group
            _signal_group(pgid, signal.SIGTERM)
            try:
                proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                _signal_group(pgid, signal.SIGKILL)
                proc.wait(STOP_TIMEOUT)
            # The RE Manager's worker (and any child) is in the same group: end what is left of it.
            if _group_alive(pgid):
                _signal_group(pgid, signal.SIGKILL)
                end = time.monotonic() + STOP_TIMEOUT
                while _group_alive(pgid) and time.monotonic() < end:  # waiting on the kernel reaping it
                    time.sleep(0.05)
                if _group_alive(pgid):
                    left.append(name)
        for log in self._log_files.values():
            log.close()
        if check and left:
            raise StackError(f"processes left after stop: {left}\n{self.logs()}")

    def logs(self, tail: int = 40) -> str:
        """The last lines of each process's log."""
        parts = []
        for name in ("redis", "re_manager", "http_server"):
            path = self.tmp_dir / f"{name}.log"
            if path.exists():
                lines = path.read_text(errors="replace").splitlines()[-tail:]
                parts.append(f"--- {path} (last {len(lines)} lines) ---\n" + "\n".join(lines))
        return "\n".join(parts)


def _signal_group(pgid, sig):
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass


def _group_alive(pgid) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True
