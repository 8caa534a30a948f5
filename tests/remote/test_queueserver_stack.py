"""The rig itself, proved with the ecosystem's own client: bluesky-queueserver-api over bluesky-httpserver.

Nothing of queue-gui takes part: these tests show that the stack the
desktop client will be tested against starts, runs a plan of the simulated
profile and streams its console and status over HTTP and WebSockets.
"""

import json
import threading

import pytest
from bluesky_queueserver_api import BPlan
from bluesky_queueserver_api.http import REManagerAPI
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

WAIT = 30  # seconds, the longest any one step may take on CI


@pytest.fixture
def RM(queueserver_stack):
    RM = REManagerAPI(http_server_uri=queueserver_stack.http_uri)
    RM.set_authorization_key(api_key=queueserver_stack.api_key)
    yield RM
    RM.close()


class WsRecorder:
    """Every message of one of bluesky-httpserver's WebSockets, received in a thread."""

    def __init__(self, stack, path):
        self._connection = connect(
            stack.ws_uri + path,
            additional_headers={"Authorization": f"ApiKey {stack.api_key}"},
            open_timeout=WAIT,
        )
        self._ws = self._connection.__enter__()
        self.messages = []
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        try:
            for text in self._ws:
                with self._changed:
                    self.messages.append(json.loads(text))
                    self._changed.notify_all()
        except ConnectionClosed:
            pass

    def wait_for(self, predicate):
        """The first message that ``predicate`` holds for, waiting for it up to WAIT s."""
        with self._changed:
            found = self._changed.wait_for(lambda: next((m for m in self.messages if predicate(m)), None), WAIT)
        assert found is not None, self.messages[-5:]
        return found

    def close(self):
        self._connection.__exit__(None, None, None)
        self._thread.join(WAIT)


def test_a_count_of_det1_runs_through_the_real_stack(queueserver_stack, RM):
    stack = queueserver_stack
    status = RM.status()
    assert status["manager_state"] == "idle"
    assert status["worker_environment_exists"] is False

    status_ws = WsRecorder(stack, "/api/status/ws")
    console_ws = WsRecorder(stack, "/api/console_output/ws")
    RM.console_monitor.enable()
    try:
        RM.environment_open()
        RM.wait_for_idle(timeout=WAIT)
        assert RM.status()["worker_environment_exists"] is True
        assert "count" in RM.plans_allowed()["plans_allowed"]
        assert "det1" in RM.devices_allowed()["devices_allowed"]

        RM.item_add(BPlan("count", ["det1"], num=3, delay=0.05))
        assert RM.status()["items_in_queue"] == 1
        RM.queue_start()
        RM.wait_for_idle(timeout=WAIT)

        history = RM.history_get()["items"]
        assert [item["name"] for item in history] == ["count"]
        result = history[0]["result"]
        assert result["exit_status"] == "completed", result
        assert len(result["run_uids"]) == 1
        assert RM.status()["items_in_queue"] == 0

        # The console: the LiveTable of the run printed det1's column and the run's uid.
        # console_monitor (the client's poll of /api/console_output_update) blocks until it has the line.
        uid8 = result["run_uids"][0].split("-")[0]
        while uid8 not in RM.console_monitor.next_msg(timeout=WAIT)["msg"]:
            pass
        text = stack.request("GET", "/api/console_output")["text"]
        assert "det1" in text and uid8 in text, text[-2000:]
        console_ws.wait_for(lambda m: uid8 in m["msg"])  # {"time": ..., "msg": "<console text>"}
        # {"time": ..., "msg": {"status": <the manager's status>}}, sent as the status changes
        status_ws.wait_for(lambda m: m["msg"]["status"]["manager_state"] == "executing_queue")
    finally:  # the stack as the test found it, for the next test of the session
        RM.console_monitor.disable()
        status_ws.close()
        console_ws.close()
        RM.wait_for_idle(timeout=WAIT)
        if RM.status()["worker_environment_exists"]:
            RM.environment_close()
            RM.wait_for_idle(timeout=WAIT)
        RM.queue_clear()
        RM.history_clear()

    assert RM.status()["worker_environment_exists"] is False


def test_a_wrong_api_key_is_refused(queueserver_stack):
    RM = REManagerAPI(http_server_uri=queueserver_stack.http_uri)
    RM.set_authorization_key(api_key="not-the-key")
    try:
        with pytest.raises(Exception) as refused:
            RM.status()
        assert "401" in str(refused.value) or "Unauthorized" in str(refused.value) or "Invalid" in str(refused.value)
    finally:
        RM.close()
