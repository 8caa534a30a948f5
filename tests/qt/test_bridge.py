"""ManagerBridge: the one place where the window meets the manager, across threads, one way.

Real ``Manager`` on its own thread; signals waited on with ``qtbot``.
"""

import threading

import pytest

from queue_gui.manager.manager import Manager
from queue_gui.qt.bridge import ManagerBridge
from queue_gui.wire import CommandName, EventKind, StoreCommand
from tests.conftest import TEST_PROFILE


@pytest.fixture
def manager(tmp_path):
    running = Manager(str(tmp_path / "data"), TEST_PROFILE)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    assert running.wait_ready(60)
    yield running
    running.shutdown(60)
    thread.join(10)


def test_a_reply_that_is_ready_at_once_still_comes_later_on_the_gui_thread(qtbot, manager):
    """``request_store`` without a store has its answer before ``request`` returns."""
    bridge = ManagerBridge(manager, store=None)
    replies = []
    with qtbot.waitSignal(bridge.reply_received, timeout=5000):
        bridge.request_store(StoreCommand.RUNS_LIST, on_reply=replies.append)
        assert replies == [], "on_reply ran inside request_store()"
    assert replies and replies[0]["success"] is False and threading.current_thread() is threading.main_thread()
    bridge.close()


def test_pushed_changes_arrive_in_order_with_their_content(qtbot, manager):
    bridge = ManagerBridge(manager)
    bridge.refresh()
    events = []
    bridge.queue_changed.connect(events.append)
    with qtbot.waitSignal(bridge.queue_changed, timeout=5000, check_params_cb=lambda e: len(e["items"]) == 2):
        manager.submit(CommandName.QUEUE_ITEM_ADD, {"item": {"name": "count", "args": [["det1"]]}})
        manager.submit(CommandName.QUEUE_ITEM_ADD, {"item": {"name": "count", "args": [["det2"]]}})
    assert [change[0] for event in events for change in event["changes"]] == ["insert", "insert"]
    assert [item["args"] for item in events[-1]["items"]] == [[["det1"]], [["det2"]]]
    bridge.close()


def test_an_event_after_a_gap_is_handed_on_as_a_reset_and_an_old_one_not_at_all(qtbot, manager):
    """The bridge hands on only changes that follow what it handed on before."""
    bridge = ManagerBridge(manager)
    bridge.refresh()  # hands on the latest queue event, as a reset
    latest = manager.latest_event(EventKind.QUEUE)
    events = []
    bridge.queue_changed.connect(events.append)
    bridge._slot_change(EventKind.QUEUE, latest)  # already handed on: dropped
    bridge._slot_change(EventKind.QUEUE, {**latest, "serial": latest["serial"] + 3, "changes": [("start",)]})
    assert [event["changes"] for event in events] == [[("reset",)]]
    bridge.close()


def test_console_lines_reach_the_gui_thread_through_a_queued_slot(qtbot, manager):
    bridge = ManagerBridge(manager)
    threads = []
    bridge.console_received.connect(lambda entry: threads.append(threading.current_thread()))
    with qtbot.waitSignal(bridge.status_changed, timeout=30000, check_params_cb=lambda s: s["worker_environment_exists"]):
        manager.submit(CommandName.ENVIRONMENT_OPEN)
    with qtbot.waitSignal(bridge.console_received, timeout=10000):
        manager.submit(CommandName.ENVIRONMENT_DESTROY)  # says so in the console
    assert threads and all(thread is threading.main_thread() for thread in threads)
    bridge.close()
