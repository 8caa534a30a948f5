"""A data directory queue-gui cannot use is refused before anything is served (hardening #1 and #2)."""

import os
import shutil
import subprocess
import sys
import threading

import httpx
import pytest

from queue_gui.manager.manager import Manager
from tests.conftest import TEST_PROFILE
from queue_gui.wire import CommandName


#: As root, file permissions do not bind: the process runs without the
#: capabilities that override them, as any other user would.
WITHOUT_OVERRIDES = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner"]


def headless(data_dir, respect_permissions=False):
    command = [sys.executable, "-m", "queue_gui", "--headless", "--port", "0", "--data-dir", str(data_dir),
               "--profile", TEST_PROFILE]
    if respect_permissions and os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv: file permissions cannot be made to bind")
        command = WITHOUT_OVERRIDES + command
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def corrupt(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(os.urandom(64 * 1024))


@pytest.mark.parametrize("name, what", [("queue.sqlite", "queue database"), ("runs.sqlite", "run index")])
def test_a_corrupt_database_is_refused_with_what_to_do_and_exit_2(tmp_path, name, what):
    corrupt(tmp_path / "data" / name)
    done = headless(tmp_path / "data")
    assert done.returncode == 2, done.stderr
    assert "serving" not in done.stdout
    assert f"the {what} {tmp_path / 'data' / name} is not a readable SQLite database" in done.stderr
    assert "Move it aside" in done.stderr and "Traceback" not in done.stderr


def test_the_desktop_app_says_the_same_and_exits_2(tmp_path):
    corrupt(tmp_path / "data" / "queue.sqlite")
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "config"),
               XDG_RUNTIME_DIR=str(runtime))
    command = [sys.executable, "-m", "queue_gui", "--port", "0", "--data-dir", str(tmp_path / "data")]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = process.stderr.readline()  # said before the dialog opens
        while line and not line.startswith("queue-gui:"):
            line = process.stderr.readline()
        assert "is not a readable SQLite database" in line and "Move it aside" in line
        process.terminate()  # the dialog is closed as Ctrl-C or a closing session would
        assert process.wait(30) == 2
    finally:
        if process.poll() is None:
            process.kill()


def test_a_read_only_database_is_refused_with_exit_2(tmp_path):
    data = tmp_path / "data"
    first = headless_run_once(data)
    assert first.returncode == 0, first.stderr
    for path in data.iterdir():  # the directory may be written (the lock file), the databases not
        if path.name != "queue-gui.lock":
            os.chmod(path, 0o444)
    done = headless(data, respect_permissions=True)
    assert done.returncode == 2, done.stderr
    assert "cannot be written" in done.stderr and "Traceback" not in done.stderr


def test_a_read_only_data_directory_is_exit_2_with_a_message(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    os.chmod(data, 0o555)
    done = headless(data / "inside", respect_permissions=True)
    assert done.returncode == 2, done.stderr
    assert "cannot use the data directory" in done.stderr and "Traceback" not in done.stderr


def headless_run_once(data_dir):
    """Create the databases: serve, then stop at once."""
    command = [sys.executable, "-m", "queue_gui", "--headless", "--port", "0", "--data-dir", str(data_dir),
               "--profile", TEST_PROFILE]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().startswith("queue-gui: serving")
        process.terminate()
        process.wait(60)
    finally:
        if process.poll() is None:
            process.kill()
    return subprocess.CompletedProcess(command, process.returncode, "", process.stderr.read())


def test_when_the_manager_thread_dies_the_server_answers_503_with_the_reason_at_once(tmp_path):
    """Without the start-up check (a file damaged after it): every request waited 30 s for a 504 before."""
    from queue_gui.server.app import create_app
    from queue_gui.server.serve import ServerThread

    corrupt(tmp_path / "data" / "queue.sqlite")
    manager = Manager(str(tmp_path / "data"), TEST_PROFILE)
    thread = threading.Thread(target=manager.run, daemon=True)
    thread.start()
    assert manager.wait_finished(30), "the manager's thread ended"
    assert "DatabaseError" in manager.failure
    server = ServerThread(create_app(manager), "127.0.0.1", 0)
    server.start()
    try:
        with httpx.Client(base_url=server.url, timeout=5) as client:
            for method, path in (("GET", "/api/status"), ("GET", "/"), ("POST", "/api/queue/item/add"), ("GET", "/queue_view")):
                reply = client.request(method, path, json={})
                assert reply.status_code == 503, (path, reply.text)
                assert "stopped after an error: DatabaseError" in reply.json()["msg"]
        assert manager.call(CommandName.STATUS, timeout=1)["success"] is False, "a direct call is answered too"
    finally:
        server.stop()
