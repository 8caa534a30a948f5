"""Module-scoped headless services: one manager, worker and HTTP server per test module.

Starting a worker costs about a second, so tests that do not interfere share
one service; :func:`reset` brings the queue, history and settings back to a
clean state between them.
"""

import httpx
import pytest

from queue_gui.testing import StatusWatch
from tests.conftest import TEST_PROFILE
from queue_gui.wire import CommandName

API_KEY = "a-long-random-test-key"


def start_service(data_dir, **options):
    from queue_gui.app import Service

    running = Service(str(data_dir), TEST_PROFILE, host="127.0.0.1", port=0, **options)
    running.start(wait=True)  # a ready service: these tests are not about the start-up
    running.watch = StatusWatch(running.manager)
    return running


def reset(service):
    """Empty queue and history, default modes, autostart off, idle manager."""
    manager = service.manager
    for name, params in (
        ("queue_autostart", {"enable": False}),
        ("queue_mode_set", {"mode": "default"}),
        ("queue_clear", {}),
        ("history_clear", {}),
    ):
        reply = manager.call(name, params)
        assert reply["success"], (name, reply)
    service.watch.wait(lambda s: s["manager_state"] == "idle", what="an idle manager")


@pytest.fixture(scope="module")
def shared_service(tmp_path_factory):
    """A service for the whole module, with the environment closed."""
    running = start_service(tmp_path_factory.mktemp("data"))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def keyed_service(tmp_path_factory):
    """A service for the whole module that requires ``API_KEY``."""
    running = start_service(tmp_path_factory.mktemp("keyed"), api_key=API_KEY)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def open_service(shared_service):
    """The module's service with its environment open."""
    assert shared_service.manager.call(CommandName.ENVIRONMENT_OPEN)["success"]
    shared_service.watch.wait_state("idle", worker_environment_exists=True)
    return shared_service


@pytest.fixture(scope="module")
def api(shared_service):
    """A keep-alive httpx client on the module's service."""
    with httpx.Client(base_url=shared_service.url, timeout=10) as client:
        yield client
