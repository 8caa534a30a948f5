"""The fork server's preload: what workers are forked with must start no thread."""

import subprocess
import sys


def test_importing_the_preload_starts_no_thread():
    """Forking a process that has threads can deadlock the child (a lock held by a thread that is not copied)."""
    code = "import threading, queue_gui.worker.preload; print(threading.active_count())"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "1"
