"""The real bluesky-queueserver stack (Redis, RE Manager, bluesky-httpserver), once per session.

Starting it takes a few seconds, so one stack serves every test that takes
the fixture ``queueserver_stack``, started by the first of them; a test
leaves it as it found it (environment closed, queue and history empty). Without ``redis-server`` on PATH the tests are skipped, except
on CI (``CI`` set), where .ci/run installs it and a missing one is a failure.
"""

import os
import shutil

import pytest

from tests.remote.queueserver_stack import QueueServerStack


@pytest.fixture(scope="session")
def queueserver_stack(tmp_path_factory):
    # In the fixture, not at the top: the other tests of tests/remote (queue-gui's own
    # remote window) need neither package.
    pytest.importorskip("bluesky_httpserver")
    pytest.importorskip("bluesky_queueserver")
    if shutil.which("redis-server") is None and not os.environ.get("CI"):
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    stack = QueueServerStack(tmp_path_factory.mktemp("queueserver_stack"))
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()
