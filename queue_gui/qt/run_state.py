"""Which user actions fit a manager status: the rules behind every button.

Kept free of Qt so that the rules can be read and tested on their own; the
toolbar and menus only apply the result.
"""

EXECUTING = ("starting_queue", "executing_queue")


def allowed_actions(status):
    """Names of the actions that the manager would accept in ``status``."""
    if not status:
        return set()
    state = status.get("manager_state")
    env = bool(status.get("worker_environment_exists"))
    idle = state == "idle"
    allowed = set()
    if env and idle and status.get("items_in_queue", 0) > 0:
        allowed.add("start_queue")
    if state in EXECUTING or state == "paused":
        allowed.add("stop_queue")
    if state == "executing_queue" and status.get("running_item_uid") and not status.get("pause_pending"):
        allowed.update({"pause_deferred", "pause_immediate"})
    if state == "paused":
        allowed.update({"resume", "stop", "abort", "halt"})
    if idle and not env:
        allowed.update({"environment_open", "profile_reload"})
    if idle and env:
        allowed.update({"environment_close", "environment_update"})
    if (env or state == "creating_environment") and state != "destroying_environment":
        allowed.add("environment_destroy")
    return allowed
