"""Where each manager command lives on a server's HTTP API (the ``/api`` routes of bluesky-httpserver).

The remote client turns a command into one request with these; the table
is checked against queue-gui's own route table by the tests, so the two
cannot drift apart.
"""

from urllib.parse import quote

from ..wire import CommandName, StoreCommand

#: command -> (HTTP method, path). Reads that carry parameters are sent as
#: GET with a JSON body, as bluesky-httpserver and its clients do.
PATHS = {
    CommandName.STATUS: ("GET", "/api/status"),
    CommandName.QUEUE_GET: ("GET", "/api/queue/get"),
    CommandName.QUEUE_ITEM_ADD: ("POST", "/api/queue/item/add"),
    CommandName.QUEUE_ITEM_ADD_BATCH: ("POST", "/api/queue/item/add/batch"),
    CommandName.QUEUE_ITEM_REMOVE: ("POST", "/api/queue/item/remove"),
    CommandName.QUEUE_ITEM_REMOVE_BATCH: ("POST", "/api/queue/item/remove/batch"),
    CommandName.QUEUE_ITEM_MOVE: ("POST", "/api/queue/item/move"),
    CommandName.QUEUE_ITEM_MOVE_BATCH: ("POST", "/api/queue/item/move/batch"),
    CommandName.QUEUE_ITEM_UPDATE: ("POST", "/api/queue/item/update"),
    CommandName.QUEUE_ITEM_GET: ("GET", "/api/queue/item/get"),
    CommandName.QUEUE_ITEM_EXECUTE: ("POST", "/api/queue/item/execute"),
    CommandName.QUEUE_START: ("POST", "/api/queue/start"),
    CommandName.QUEUE_STOP: ("POST", "/api/queue/stop"),
    CommandName.QUEUE_STOP_CANCEL: ("POST", "/api/queue/stop/cancel"),
    CommandName.QUEUE_CLEAR: ("POST", "/api/queue/clear"),
    CommandName.QUEUE_AUTOSTART: ("POST", "/api/queue/autostart"),
    CommandName.QUEUE_MODE_SET: ("POST", "/api/queue/mode/set"),
    CommandName.HISTORY_GET: ("GET", "/api/history/get"),
    CommandName.HISTORY_CLEAR: ("POST", "/api/history/clear"),
    CommandName.ENVIRONMENT_OPEN: ("POST", "/api/environment/open"),
    CommandName.ENVIRONMENT_CLOSE: ("POST", "/api/environment/close"),
    CommandName.ENVIRONMENT_DESTROY: ("POST", "/api/environment/destroy"),
    CommandName.PROFILE_RELOAD: ("POST", "/api/profile/reload"),
    CommandName.ENVIRONMENT_UPDATE: ("POST", "/api/environment/update"),
    CommandName.TASK_RESULT: ("GET", "/api/task/result"),
    CommandName.TASK_STATUS: ("GET", "/api/task/status"),
    CommandName.KERNEL_INTERRUPT: ("POST", "/api/kernel/interrupt"),
    CommandName.RE_PAUSE: ("POST", "/api/re/pause"),
    CommandName.RE_RESUME: ("POST", "/api/re/resume"),
    CommandName.RE_STOP: ("POST", "/api/re/stop"),
    CommandName.RE_ABORT: ("POST", "/api/re/abort"),
    CommandName.RE_HALT: ("POST", "/api/re/halt"),
    CommandName.RE_RUNS: ("POST", "/api/re/runs"),
    CommandName.PLANS_ALLOWED: ("GET", "/api/plans/allowed"),
    CommandName.DEVICES_ALLOWED: ("GET", "/api/devices/allowed"),
    CommandName.PLANS_EXISTING: ("GET", "/api/plans/existing"),
    CommandName.DEVICES_EXISTING: ("GET", "/api/devices/existing"),
    CommandName.METADATA_GET: ("GET", "/api/metadata/get"),
    CommandName.METADATA_SET: ("POST", "/api/metadata/set"),
    CommandName.CONSOLE_OUTPUT: ("GET", "/api/console_output"),
    CommandName.CONSOLE_OUTPUT_UID: ("GET", "/api/console_output/uid"),
    CommandName.CONSOLE_OUTPUT_UPDATE: ("GET", "/api/console_output_update"),
    CommandName.LOCK: ("POST", "/api/lock"),
    CommandName.UNLOCK: ("POST", "/api/unlock"),
    CommandName.LOCK_INFO: ("GET", "/api/lock/info"),
}


def store_request(name, params):
    """``(path, query)`` of a run-store command on a queue-gui server's ``/api/runs`` routes (all GET), or None."""
    params = {key: value for key, value in (params or {}).items() if value is not None}
    if name == StoreCommand.RUNS_LIST:
        return "/api/runs", params
    if name == StoreCommand.STORE_STATUS:
        return "/api/store/status", {}
    uid = params.pop("uid", None)
    if not isinstance(uid, str) or not uid:
        return None
    where = "/api/runs/" + quote(uid, safe="")
    if name == StoreCommand.RUN_GET:
        return where, {}
    if name == StoreCommand.RUN_DOCUMENTS:
        return where + "/documents", {}
    if name == StoreCommand.RUN_TABLE:
        return where + "/table", params
    return None
