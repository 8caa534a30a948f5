"""The rules that enable each toolbar and menu action."""

from queue_gui.qt.run_state import allowed_actions


def status(**fields):
    base = {"manager_state": "idle", "worker_environment_exists": False, "items_in_queue": 0, "running_item_uid": None, "pause_pending": False}
    return {**base, **fields}


def test_closed_environment_allows_only_opening():
    assert allowed_actions(status(items_in_queue=3)) == {"environment_open", "profile_reload"}


def test_open_environment_with_items_can_start():
    allowed = allowed_actions(status(worker_environment_exists=True, items_in_queue=1))
    assert allowed == {"start_queue", "environment_close", "environment_update", "environment_destroy"}
    assert "start_queue" not in allowed_actions(status(worker_environment_exists=True, items_in_queue=0))


def test_running_plan_can_be_paused_and_the_queue_stopped():
    running = status(manager_state="executing_queue", worker_environment_exists=True, running_item_uid="u")
    assert allowed_actions(running) == {"stop_queue", "pause_deferred", "pause_immediate", "environment_destroy"}
    assert "pause_immediate" not in allowed_actions(dict(running, pause_pending=True))


def test_paused_plan_can_be_resumed_or_ended():
    paused = status(manager_state="paused", worker_environment_exists=True, running_item_uid="u")
    assert allowed_actions(paused) == {"stop_queue", "resume", "stop", "abort", "halt", "environment_destroy"}


def test_nothing_while_the_manager_is_busy_with_the_environment():
    assert allowed_actions(status(manager_state="closing_environment", worker_environment_exists=True)) == {"environment_destroy"}
    assert allowed_actions(status(manager_state="destroying_environment")) == set()
    assert allowed_actions({}) == set()
