"""The desktop window driving a real manager, worker and HTTP server (offscreen)."""

import json
import os


from tests.qt.conftest import Gui
from queue_gui.wire import CommandName

def test_a_change_made_over_http_shows_up_in_the_view(gui):
    with gui.qtbot.waitSignal(gui.bridge.queue_changed, timeout=5000):
        item = gui.add("count", ["det1", "det2"])
    gui.qtbot.waitUntil(lambda: gui.window.queue_model.rowCount() == 1)
    assert gui.window.queue_model.uid_at(0) == item["item_uid"]
    assert "count" in gui.window.queue_model.data(gui.window.queue_model.index(0))


def test_toolbar_follows_the_state_through_a_run(gui):
    assert "environment_open" in gui.enabled()
    assert not gui.enabled() & {"start_queue", "pause_immediate", "resume", "environment_close"}
    gui.add("long_count", ["det1"], num=100, delay=0.05)
    gui.open_environment()
    assert {"start_queue", "environment_close", "environment_destroy"} <= gui.enabled()
    assert "environment_open" not in gui.enabled()

    gui.action("start_queue").trigger()
    gui.wait_status(lambda s: s["manager_state"] == "executing_queue")
    gui.qtbot.waitUntil(lambda: "pause_immediate" in gui.enabled())
    assert {"pause_deferred", "stop_queue"} <= gui.enabled()
    assert not gui.enabled() & {"start_queue", "resume", "environment_close"}

    gui.action("pause_immediate").trigger()
    gui.wait_status(lambda s: s["manager_state"] == "paused")
    gui.qtbot.waitUntil(lambda: {"resume", "stop", "abort", "halt"} <= gui.enabled())
    assert "pause_immediate" not in gui.enabled()

    gui.action("abort").trigger()
    gui.wait_status(lambda s: s["manager_state"] == "idle" and s["items_in_history"] == 1)
    gui.qtbot.waitUntil(lambda: gui.window.history_model.rowCount() == 1)
    assert "aborted" in gui.window.history_model.data(gui.window.history_model.index(0))
    assert gui.window.queue_model.rowCount() == 1, "the aborted plan stays first in the queue"


def test_environment_menu_open_close_and_destroy_with_confirmation(gui):
    menu_actions = gui.window.environment_menu.actions()
    assert [a.text() for a in menu_actions] == ["&Open", "&Close", "&Destroy…", "&Update environment", "&Reload profile", "", "&Lock…", "&Unlock", "Lock &key…"]
    gui.open_environment()
    gui.action("environment_close").trigger()
    gui.wait_status(lambda s: not s["worker_environment_exists"] and s["manager_state"] == "idle")

    gui.open_environment()
    gui.answer = False
    gui.action("environment_destroy").trigger()
    assert gui.answers == ["Destroy environment"]
    assert gui.service.manager.call(CommandName.STATUS)["worker_environment_exists"] is True
    gui.answer = True
    gui.action("environment_destroy").trigger()
    gui.wait_status(lambda s: not s["worker_environment_exists"] and s["manager_state"] == "idle")


def test_quitting_with_a_running_plan_asks_first(gui):
    gui.add("long_count", ["det1"], num=200, delay=0.05)
    gui.open_environment()
    gui.action("start_queue").trigger()
    gui.wait_status(lambda s: s["running_item_uid"] is not None)
    gui.answer = False
    gui.window.close()
    assert gui.answers == ["Quit queue-gui"]
    assert gui.window.isVisible(), "answering No keeps the window"
    gui.answer = True
    gui.window.close()
    assert not gui.window.isVisible()


def test_keyboard_delete_and_moves_act_on_the_selection(gui):
    items = [gui.add("count", ["det1"], num=n) for n in range(4)]
    model, view = gui.window.queue_model, gui.window.queue_view
    gui.qtbot.waitUntil(lambda: model.rowCount() == 4)
    view.setFocus()
    view.selectionModel().select(model.index(2), view.selectionModel().ClearAndSelect)
    gui.window.queue_actions["move_top"].trigger()
    gui.qtbot.waitUntil(lambda: model.uid_at(0) == items[2]["item_uid"])
    view.selectionModel().select(model.index(0), view.selectionModel().ClearAndSelect)
    gui.window.queue_actions["delete"].trigger()
    gui.qtbot.waitUntil(lambda: model.rowCount() == 3)
    assert [model.uid_at(r) for r in range(3)] == [items[0]["item_uid"], items[1]["item_uid"], items[3]["item_uid"]]


def test_save_and_load_queue_file(gui, tmp_path):
    gui.add("count", ["det1"], num=2)
    gui.add("scan", ["det1"], "motor", -1, 1, 3)
    gui.qtbot.waitUntil(lambda: gui.window.queue_model.rowCount() == 2)
    path = str(tmp_path / "queue.json")
    gui.window.save_queue(path)
    with open(path) as file:
        saved = json.load(file)
    assert saved["format"] == "queue-gui queue" and [i["name"] for i in saved["items"]] == ["count", "scan"]
    assert "item_uid" not in saved["items"][0]
    gui.window.load_queue(path)
    gui.qtbot.waitUntil(lambda: gui.window.queue_model.rowCount() == 4)


def test_plan_editor_adds_a_valid_plan_and_shows_an_error_for_an_invalid_one(gui):
    editor = gui.window.plan_editor
    gui.qtbot.waitUntil(lambda: editor.plan_names() != [])
    editor.add_requested.emit({"item_type": "plan", "name": "count", "args": [["det1", "det2"]], "kwargs": {"num": 2}})
    gui.qtbot.waitUntil(lambda: gui.window.queue_model.rowCount() == 1)
    editor.add_requested.emit({"item_type": "plan", "name": "count", "args": [["det9"]], "kwargs": {}})
    gui.qtbot.waitUntil(lambda: "det9" in editor.error_text())
    assert gui.window.queue_model.rowCount() == 1, "nothing is added silently wrong"
    gui.window.docks["plan_editor"].raise_()


def test_a_dead_worker_is_reported_in_a_dialog_and_the_window_stays_usable(gui):
    import signal

    gui.add("long_count", ["det1"], num=200, delay=0.05)
    gui.open_environment()
    gui.action("start_queue").trigger()
    gui.wait_status(lambda s: s["manager_state"] == "executing_queue")
    os.kill(gui.service.manager.worker_pid, signal.SIGKILL)
    gui.wait_status(lambda s: s["worker_environment_state"] == "failed")
    gui.qtbot.waitUntil(lambda: getattr(gui.window, "last_problem", None) is not None)
    box = gui.window.last_problem
    assert box.isVisible() and not box.isModal()
    assert box.detailedText().startswith("queue-gui: worker process died (signal 9"), "the cause comes first"
    assert "died (signal 9, SIGKILL)" in box.text()
    assert "long_count(['det1'], num=200, delay=0.05), is back at the front of the queue" in box.text()
    assert "environment_open" in gui.enabled()
    gui.qtbot.waitUntil(lambda: gui.window.queue_model.rowCount() == 1)
    box.close()


def test_a_profile_that_fails_says_so_and_that_nothing_was_running(qtbot, tmp_path):
    """Hardening #14: the dialog said a plan was back in the queue and showed the console from the top."""
    profile = tmp_path / "broken.py"
    profile.write_text("from ophyd.sim import det1\nraise RuntimeError('cannot reach the undulator')\n")
    gui = Gui(qtbot, tmp_path, profile=str(profile))
    try:
        for line in range(300):
            gui.window.console.append_entry({"time": 0, "msg": f"earlier output {line}\n", "uid": ""})
        gui.action("environment_open").trigger()
        gui.qtbot.waitUntil(lambda: getattr(gui.window, "last_problem", None) is not None, timeout=30000)
        box = gui.window.last_problem
        assert "RuntimeError: cannot reach the undulator" in box.text().splitlines()[0]
        assert "No plan was running" in box.text() and "back at the front" not in box.text()
        first = box.detailedText().splitlines()[0]
        assert first.startswith("queue-gui: the environment could not be opened") and "undulator" in first
        assert "Traceback" in box.detailedText().split("--- Console")[0], "its traceback right after it"
        box.close()
    finally:
        gui.close()


RELOADABLE_PROFILE = """from queue_gui.worker.profiles.sim import *  # noqa: F401,F403
from queue_gui.worker.profiles.sim import __all__ as _sim_all
"""

ADDED_PLAN = """
import bluesky.plans as bp


def aligned_count(detectors, num=1):
    \"\"\"count, written into the profile while queue-gui runs.\"\"\"
    return (yield from bp.count(detectors, num=num))


__all__ = list(_sim_all) + ["aligned_count"]
"""


def test_reload_profile_from_the_environment_menu(qtbot, tmp_path):
    """Reload re-reads the startup profile: a plan written into it is offered without opening anything.

    Opening the environment would re-read a changed profile by itself, so the
    environment stays closed: only the reload can bring the new plan in.
    """
    profile = tmp_path / "beamline.py"
    profile.write_text(RELOADABLE_PROFILE + "__all__ = list(_sim_all)\n")
    gui = Gui(qtbot, tmp_path, profile=str(profile))
    try:
        editor = gui.window.plan_editor
        qtbot.waitUntil(lambda: "count" in editor.plan_names())
        assert "aligned_count" not in editor.plan_names()
        profile.write_text(RELOADABLE_PROFILE + ADDED_PLAN)
        assert gui.action("profile_reload").isEnabled()
        with qtbot.waitSignal(gui.bridge.description_changed, timeout=30000,
                              check_params_cb=lambda plans, devices: "aligned_count" in plans):
            gui.action("profile_reload").trigger()
        qtbot.waitUntil(lambda: "aligned_count" in editor.plan_names())
        gui.wait_status(lambda s: s["manager_state"] == "idle" and s["profile_state"] == "loaded")
        assert gui.bridge.status["worker_environment_exists"] is False, "reloaded, not opened"
    finally:
        gui.close()


def test_update_environment_shows_components_found_on_connect(qtbot, tmp_path):
    from tests.manager.test_manager_profile import DISCOVERED_STAGE_PROFILE

    profile = tmp_path / "beamline.py"
    profile.write_text(DISCOVERED_STAGE_PROFILE)
    gui = Gui(qtbot, tmp_path, profile=str(profile))
    try:
        assert not gui.action("environment_update").isEnabled(), "nothing to update while closed"
        gui.open_environment()
        assert gui.action("environment_update").isEnabled()
        assert gui.action("environment_update") in gui.window.environment_menu.actions()
        with qtbot.waitSignal(
            gui.bridge.description_changed,
            timeout=30000,
            check_params_cb=lambda plans, devices: set(devices["stage"].get("components", {})) == {"x", "y"},
        ):
            gui.action("environment_update").trigger()
    finally:
        gui.close()


def test_window_layout_is_remembered(qtbot, tmp_path):
    first = Gui(qtbot, tmp_path)
    try:
        first.window.resize(1000, 720)
        first.window.docks["console"].hide()
        expected = first.window.size()
        assert expected.width() == 1000
        first.window.close()
        assert first.window.isHidden()
    finally:
        first.close()
    second = Gui(qtbot, tmp_path)
    try:
        assert second.window.size() == expected
        assert second.window.docks["console"].isHidden()
    finally:
        second.close()


def test_a_profile_that_only_gains_a_device_updates_the_plan_editor(qtbot, tmp_path):
    profile = tmp_path / "beamline.py"
    profile.write_text("from ophyd.sim import det1, motor\nfrom bluesky.plans import count\n")
    gui = Gui(qtbot, tmp_path, profile=str(profile))
    try:
        qtbot.waitUntil(lambda: gui.window.plan_editor.plan_names() == ["count"])
        profile.write_text("from ophyd.sim import det1, det2, motor\nfrom bluesky.plans import count\n")
        with qtbot.waitSignal(
            gui.bridge.description_changed, timeout=30000, check_params_cb=lambda plans, devices: "det2" in devices
        ):
            gui.action("profile_reload").trigger()
    finally:
        gui.close()


def test_a_queue_locked_by_a_script_is_shown_and_opened_with_its_key(gui):
    gui.add("count", ["det1"], num=1)
    locked = gui.http.post(
        "/api/lock", json={"lock_key": "beamtime-42", "queue": True, "note": "alignment script", "user": "bob"}
    ).json()
    assert locked["success"], locked["msg"]
    label = gui.window.lock_key.label
    gui.qtbot.waitUntil(lambda: label.isVisible() and label.text() == "Locked: queue")
    gui.qtbot.waitUntil(lambda: "alignment script" in label.toolTip() and "bob" in label.toolTip())

    def delete_first_item():
        gui.window.queue_view.setCurrentIndex(gui.window.queue_model.index(0))
        gui.window.queue_actions["delete"].trigger()

    delete_first_item()
    gui.qtbot.waitUntil(lambda: "locked" in gui.window.statusBar().currentMessage())
    assert gui.window.queue_model.rowCount() == 1, "the lock protects the queue from the window too"

    assert gui.window.lock_key.action in gui.window.environment_menu.actions()
    gui.window.lock_key.action.trigger()
    dialog = gui.window.lock_key.dialog
    assert dialog.isVisible()
    dialog.setTextValue("  wrong key ")
    dialog.accept()
    gui.qtbot.waitUntil(lambda: "does not match" in gui.window.statusBar().currentMessage())
    gui.window.lock_key.action.trigger()
    gui.window.lock_key.dialog.setTextValue("beamtime-42")
    gui.window.lock_key.dialog.accept()
    gui.qtbot.waitUntil(lambda: "opens the lock" in gui.window.statusBar().currentMessage())

    delete_first_item()
    gui.qtbot.waitUntil(lambda: gui.window.queue_model.rowCount() == 0)
    assert gui.http.request("GET", "/api/queue/get", json={}).json()["items"] == []

    unlocked = gui.http.post("/api/unlock", json={"lock_key": "beamtime-42"}).json()
    assert unlocked["success"], unlocked["msg"]
    gui.qtbot.waitUntil(lambda: not label.isVisible())


def test_an_environment_lock_disables_the_toolbar_until_its_key_is_entered(gui):
    """Hardening #15: the toolbar stayed enabled for actions the lock refuses, and said nothing."""
    assert "environment_open" in gui.enabled()
    reply = gui.http.post("/api/lock", json={"lock_key": "k-1", "environment": True, "note": "n"}).json()
    assert reply["success"], reply["msg"]
    gui.wait_status(lambda s: s["lock"]["environment"])
    gui.qtbot.waitUntil(lambda: not gui.enabled())
    assert "Lock key" in gui.action("environment_open").toolTip()
    gui.window.lock_key.set_key("k-1")
    gui.qtbot.waitUntil(lambda: "environment_open" in gui.enabled())
    gui.open_environment()


def test_a_refused_toolbar_action_says_why_in_the_status_bar(gui):
    """Hardening #15: the reply of a toolbar action was dropped."""
    gui.window.controls._request("queue_start")  # the environment is closed
    gui.qtbot.waitUntil(lambda: "environment is not open" in gui.window.statusBar().currentMessage())


def test_destroy_leaves_a_line_in_the_console(gui):
    gui.open_environment()
    gui.action("environment_destroy").trigger()
    gui.wait_status(lambda s: not s["worker_environment_exists"] and s["manager_state"] == "idle")
    gui.qtbot.waitUntil(lambda: "environment was destroyed" in gui.window.console.text.toPlainText())


def test_a_lock_refusal_leaves_the_editor_once_the_lock_is_released(gui):
    gui.http.post("/api/lock", json={"lock_key": "k-2", "queue": True})
    gui.wait_status(lambda s: s["lock"]["queue"])
    editor = gui.window.plan_editor
    gui.qtbot.waitUntil(lambda: "count" in editor.plan_names())
    gui.window._slot_add_item({"item_type": "plan", "name": "count", "args": [["det1"]], "kwargs": {}})
    gui.qtbot.waitUntil(lambda: "locked" in editor.error_text())
    gui.http.post("/api/unlock", json={"lock_key": "k-2"})
    gui.qtbot.waitUntil(lambda: editor.error_text() == "")
