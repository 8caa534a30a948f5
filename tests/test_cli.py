"""``queue-gui --headless`` as a scientist runs it: a real process, real signals."""

import contextlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time

import httpx
import psutil
import pytest

from tests.conftest import TEST_PROFILE

QUEUE_GUI = shutil.which("queue-gui", path=os.path.dirname(sys.executable))


def launch(data_dir, *extra, env=None, new_group=False):
    command = [sys.executable, "-m", "queue_gui", "--headless", "--port", "0", "--data-dir", data_dir, "--profile", TEST_PROFILE, *extra]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, start_new_session=new_group
    )
    line = process.stdout.readline()
    if not line.startswith("queue-gui: serving http://"):
        process.kill()
        raise AssertionError(f"no serving line: {line!r} {process.stderr.read()}")
    return process, line.split()[-1]


def finish(process, signum=signal.SIGTERM):
    process.send_signal(signum)
    try:
        return process.wait(60)
    finally:
        if process.poll() is None:
            process.kill()


@contextlib.contextmanager
def ended_cleanly(process):
    """SIGTERM ``process`` however the block ends; its exit code is checked only when the block passed.

    An ``assert finish(process) == 0`` in a ``finally:`` would replace the
    block's own failure by a second one about the exit code.
    """
    try:
        yield
    except BaseException:
        finish(process)
        raise
    code = finish(process)
    assert code == 0, f"exit code {code}: {process.stderr.read()}"


def kill_the_app(process):
    """SIGKILL the application (no chance to clean up); returns its children still alive 30 s later."""
    children = psutil.Process(process.pid).children()
    process.kill()
    process.wait(30)
    # Its worker notices the closed pipe, aborts the plan and ends.
    _, alive = psutil.wait_procs(children, timeout=30)
    for child in alive:
        child.kill()
    return alive


def test_headless_serves_and_exits_cleanly_on_sigterm_and_sigint(data_dir):
    for signum in (signal.SIGTERM, signal.SIGINT):
        process, url = launch(data_dir)
        # Served at once; the manager is idle once the standby has described the profile.
        assert httpx.get(url + "/").json()["manager_state"] in ("initializing", "idle")
        wait_until(url, lambda s: s["manager_state"] == "idle")
        worker = psutil.Process(process.pid).children()
        assert finish(process, signum) == 0
        _, alive = psutil.wait_procs(worker, timeout=15)
        assert not alive, "the worker (and multiprocessing's helper) end with the app"


def test_console_script_is_installed():
    assert QUEUE_GUI is not None
    done = subprocess.run([QUEUE_GUI, "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "--headless" in done.stdout and "--data-dir" in done.stdout


def test_non_loopback_without_api_key_is_refused(data_dir):
    env = {k: v for k, v in os.environ.items() if k != "QUEUE_GUI_API_KEY"}
    done = subprocess.run(
        [sys.executable, "-m", "queue_gui", "--headless", "--host", "0.0.0.0", "--data-dir", data_dir],
        capture_output=True, text=True, timeout=60, env=env,
    )
    assert done.returncode == 2
    assert "without an API key" in done.stderr


def test_a_second_instance_on_the_same_data_dir_is_refused(data_dir):
    process, _ = launch(data_dir)
    with ended_cleanly(process):
        done = subprocess.run(
            [sys.executable, "-m", "queue_gui", "--headless", "--port", "0", "--data-dir", data_dir],
            capture_output=True, text=True, timeout=60,
        )
        assert done.returncode == 2
        assert "already using the data directory" in done.stderr


def test_a_missing_profile_is_refused(data_dir, tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "queue_gui", "--headless", "--data-dir", data_dir, "--profile", str(tmp_path / "nope.py")],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 2 and "does not exist" in done.stderr


def test_api_key_from_the_environment_is_required(data_dir):
    env = dict(os.environ, QUEUE_GUI_API_KEY="s3cret-key")
    process, url = launch(data_dir, env=env)
    with ended_cleanly(process):
        assert httpx.get(url + "/").status_code == 401
        assert httpx.get(url + "/", headers={"Authorization": "ApiKey wrong"}).status_code == 403
        reply = httpx.get(url + "/", headers={"Authorization": "ApiKey s3cret-key"})
        assert reply.status_code == 200 and reply.json()["manager_state"] in ("initializing", "idle")


def test_an_item_running_when_the_app_died_returns_to_the_front(data_dir):
    process, url = launch(data_dir)
    try:
        item = httpx.post(url + "/add_to_queue", json={"plan": {"name": "long_count", "args": [["det1"]], "kwargs": {"num": 400}}}).json()["item"]
        httpx.post(url + "/add_to_queue", json={"plan": {"name": "count", "args": [["det2"]]}})
        httpx.post(url + "/create_environment")
        wait_until(url, lambda s: s["worker_environment_exists"])
        httpx.post(url + "/process_queue")
        wait_until(url, lambda s: s["manager_state"] == "executing_queue")
        wait_until(url, lambda s: httpx.get(url + "/api/re/runs", params={"option": "open"}).json()["run_list"])
        (run,) = httpx.get(url + "/api/re/runs").json()["run_list"]
        killed_at = time.time()
    finally:
        alive = kill_the_app(process)  # the application dies: no chance to clean up
    assert not alive, "the worker outlived the application"

    process, url = launch(data_dir)
    with ended_cleanly(process):
        queue = httpx.get(url + "/queue_view").json()["queue"]
        assert [q["name"] for q in queue] == ["long_count", "count"]
        assert queue[0]["item_uid"] == item["item_uid"]
        assert httpx.get(url + "/").json()["items_in_history"] == 1
        history = history_in(data_dir)
        assert history[-1]["item_uid"] == item["item_uid"]
        assert history[-1]["result"]["exit_status"] == "unknown"
        # Hardening #5: the facts of the attempt survive the crash.
        assert history[-1]["result"]["run_uids"] == [run["uid"]]
        assert history[-1]["result"]["time_start"] < killed_at


def history_in(data_dir):
    """History records as stored in the database (the seed API has no history route)."""
    path = os.path.join(data_dir, "queue.sqlite")
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return [json.loads(row[0]) for row in db.execute("SELECT item FROM history ORDER BY id")]


def wait_until(url, predicate, timeout=60):
    """The first status from ``/api/status/ws`` that satisfies ``predicate``.

    The stream sends the current status on connect, then each change as it
    happens: a wait on events, across processes, with no polling.
    """
    from websockets.sync.client import connect

    deadline = time.monotonic() + timeout
    status = None
    with connect(url.replace("http://", "ws://") + "/api/status/ws") as ws:
        while True:
            try:
                message = ws.recv(timeout=max(deadline - time.monotonic(), 0.01))
            except TimeoutError:
                raise AssertionError(f"timed out after {timeout} s; last status {status}") from None
            status = json.loads(message)["msg"].get("status", status)
            if status is not None and predicate(status):
                return status


def test_the_desktop_app_serves_the_same_api_and_quits_on_sigterm(data_dir, tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "config"))
    command = [sys.executable, "-m", "queue_gui", "--port", "0", "--data-dir", data_dir, "--profile", TEST_PROFILE]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    with ended_cleanly(process):
        line = process.stdout.readline()
        assert line.startswith("queue-gui: serving http://"), process.stderr.read() if not line else line
        url = line.split()[-1]
        wait_until(url, lambda s: s["manager_state"] == "idle")
        reply = httpx.post(url + "/add_to_queue", json={"plan": {"name": "count", "args": [["det1"]]}}).json()
        assert reply["success"], reply["msg"]
        assert [item["name"] for item in httpx.get(url + "/queue_view").json()["queue"]] == ["count"]


@pytest.mark.parametrize("to_the_group", [False, True], ids=["to the app", "to its process group"])
def test_sigterm_during_a_plan_aborts_it_cleanly_and_keeps_it(data_dir, to_the_group):
    """systemd's stop, timeout(1) and a closing terminal signal the whole group, the worker included."""
    process, url = launch(data_dir, new_group=to_the_group)
    try:
        item = httpx.post(url + "/add_to_queue", json={"plan": {"name": "long_count", "args": [["det1"]], "kwargs": {"num": 400}}}).json()["item"]
        httpx.post(url + "/create_environment")
        wait_until(url, lambda s: s["worker_environment_exists"])
        httpx.post(url + "/process_queue")
        wait_until(url, lambda s: s["manager_state"] == "executing_queue")
    except BaseException:
        finish(process)
        raise
    if to_the_group:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            code = process.wait(60)
        finally:
            if process.poll() is None:
                process.kill()
    else:
        code = finish(process)
    assert code == 0

    process, url = launch(data_dir)
    with ended_cleanly(process):
        assert httpx.get(url + "/queue_view").json()["queue"][0]["item_uid"] == item["item_uid"]
        record = history_in(data_dir)[-1]
        assert record["item_uid"] == item["item_uid"]
        assert record["result"]["exit_status"] == "aborted"
        assert "shut down while the plan was running" in record["result"]["msg"]


def test_a_tiled_uri_that_cannot_work_is_refused_before_anything_starts(data_dir):
    done = subprocess.run(
        [sys.executable, "-m", "queue_gui", "--headless", "--data-dir", data_dir, "--tiled-uri", "ftp://tiled.lab"],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 2 and "--tiled-uri must be an http:// or https:// address" in done.stderr
    assert not os.path.exists(data_dir), "nothing was created"


def test_headless_with_a_tiled_uri_serves_and_reports_the_shared_store(data_dir):
    with socket.socket() as probe:  # a port where nothing listens
        probe.bind(("127.0.0.1", 0))
        uri = f"http://127.0.0.1:{probe.getsockname()[1]}"
    env = dict(os.environ, QUEUE_GUI_TILED_API_KEY="abc123", TILED_RETRY_ATTEMPTS="1")
    process, url = launch(data_dir, "--tiled-uri", uri, env=env)
    with ended_cleanly(process):
        status = httpx.get(url + "/api/store/status").json()
        assert status["success"] is True and status["tiled_uri"] == uri
        assert status["tiled_state"] in ("connecting", "unreachable") and status["runs_waiting"] == 0
        assert httpx.get(url + "/api/runs").json()["runs"] == []


@pytest.mark.parametrize("display", [None, ":97"], ids=["no DISPLAY", "a display nobody serves"])
def test_no_usable_display_says_what_to_do_instead_of_a_qt_abort(data_dir, display):
    """Hardening #11: Qt aborted with 'Could not load the Qt platform plugin xcb' and exit 134."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    if display:
        env["DISPLAY"] = display
    command = [sys.executable, "-m", "queue_gui", "--port", "0", "--data-dir", data_dir]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 2, done.stderr
    assert "cannot open a window" in done.stderr
    assert "queue-gui --headless" in done.stderr and "install-qt-libs.sh" in done.stderr
    assert "Could not load the Qt platform plugin" not in done.stderr


def test_the_desktop_app_does_not_load_opengl(data_dir, tmp_path):
    """Nothing draws with OpenGL; Qt's X platform would load it (Mesa: +55 MB resident) unless told not to."""
    from queue_gui.desktop import prepare_qt_environment

    environ = {}
    prepare_qt_environment(environ)
    assert environ["QT_XCB_GL_INTEGRATION"] == "none"
    chosen = {"QT_XCB_GL_INTEGRATION": "xcb_glx"}
    prepare_qt_environment(chosen)
    assert chosen["QT_XCB_GL_INTEGRATION"] == "xcb_glx", "a user's own choice wins"
