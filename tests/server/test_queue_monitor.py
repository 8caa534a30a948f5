"""bluesky-widgets' ``queue-monitor`` shows a headless queue-gui's queue and status.

The monitor is built as its command does with ``--http-server-uri``:
``SETTINGS`` filled in, its ``ViewerModel`` (a ``RunEngineClient`` over
``bluesky_queueserver_api.http.REManagerAPI``) and its main widget
``QtViewer`` (the "Monitor Queue" tab: connection, status, running plan,
queue, history and console). Only the ``Window`` around it is left out.

Connecting loads the allowed devices and plans, the queue and the history;
after that the monitor polls ``/api/status`` once a second on a thread of its
own, reloading the queue, history and runs when their ``*_uid`` changes, and
its console monitor polls ``/api/console_output_update``. Every route it calls
while monitoring is served; any failure would show in its printed output as
``Exception: ...``, which the tests check.

Set ``QUEUE_GUI_SCREENSHOTS=1`` to write the screenshot to
``docs/images/queue_monitor.png`` (otherwise it goes to ``tmp_path``).
"""

import os

import httpx
import pytest

from tests.server.conftest import API_KEY

pytest.importorskip("bluesky_widgets")
pytest.importorskip("pytestqt")

from qtpy.QtCore import QThreadPool  # noqa: E402
from qtpy.QtWidgets import QLabel  # noqa: E402

from bluesky_widgets.apps.queue_monitor import settings as monitor_settings  # noqa: E402
from bluesky_widgets.apps.queue_monitor.viewer import ViewerModel  # noqa: E402
from bluesky_widgets.apps.queue_monitor.widgets import QtViewer  # noqa: E402
from bluesky_widgets.models.run_engine_client import RunEngineClient  # noqa: E402
from bluesky_widgets.qt.run_engine_client import (  # noqa: E402
    QtReConsoleMonitor,
    QtReManagerConnection,
    QtRePlanQueue,
    QtReStatusMonitor,
)

DOCS_IMAGE = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "images", "queue_monitor.png")
WAIT_MS = 15000


def configure_monitor(monkeypatch, uri, api_key=None):
    """What ``queue-monitor --http-server-uri URI`` does before it builds its viewer."""
    settings = monitor_settings.SETTINGS
    monkeypatch.setattr(settings, "http_server_uri", uri)
    monkeypatch.setattr(settings, "http_server_api_key", api_key)
    monkeypatch.setattr(settings, "zmq_re_manager_control_addr", None)
    monkeypatch.setattr(settings, "zmq_re_manager_info_addr", None)


def table_column(table, label):
    column = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())].index(label)
    return [table.item(row, column).text() for row in range(table.rowCount())]


def status_labels(viewer):
    """The status monitor's labels, such as ``{"Manager state": "IDLE", ...}``."""
    labels = viewer.findChild(QtReStatusMonitor).findChildren(QLabel)
    return dict((part.strip() for part in label.text().split(":", 1)) for label in labels)


def stop_monitor(qtbot, viewer, model):
    """Stop the monitor's threads before the server goes away.

    The status thread ends after its current one-second poll once
    *Disconnect* is clicked. The console monitor restarts its reading thread
    whenever one ends, so that restart is switched off before it is told to
    stop; then the thread pool drains and the client closes.
    """
    connection = viewer.findChild(QtReManagerConnection)
    if connection.updates_activated:
        connection._pb_re_manager_disconnect.click()
        qtbot.waitUntil(lambda: not connection.updates_activated, timeout=WAIT_MS)
    for console in viewer.findChildren(QtReConsoleMonitor):
        console._start_thread = lambda: None
    model.stop_console_output_monitoring()
    assert QThreadPool.globalInstance().waitForDone(WAIT_MS), "the monitor's threads did not end"
    model._client.close()


def test_queue_monitor_shows_the_queue_and_status(qtbot, monkeypatch, service, tmp_path, capsys):
    with httpx.Client(base_url=service.url, timeout=10) as http:
        for item in (
            {"name": "count", "args": [["det1", "det2"]], "kwargs": {"num": 3}},
            {"name": "scan", "args": [["det1"], "motor", -1, 1, 5]},
        ):
            reply = http.post("/api/queue/item/add", json={"item": item}).json()
            assert reply["success"], reply

        configure_monitor(monkeypatch, service.url)
        viewer_model = ViewerModel()
        model = viewer_model.run_engine
        viewer = QtViewer(viewer_model)
        qtbot.addWidget(viewer)
        viewer.resize(1200, 800)
        viewer.show()
        try:
            connection = viewer.findChild(QtReManagerConnection)
            queue = viewer.findChild(QtRePlanQueue)
            connection._pb_re_manager_connect.click()

            qtbot.waitUntil(lambda: queue._table.rowCount() == 2, timeout=WAIT_MS)
            assert table_column(queue._table, "Name") == ["count", "scan"]
            assert "num: 3" in table_column(queue._table, "Parameters")[0]
            qtbot.waitUntil(lambda: connection._lb_connected.text() == "ONLINE", timeout=WAIT_MS)
            labels = status_labels(viewer)
            assert labels["Manager state"] == "IDLE"
            assert labels["RE Environment"] == "CLOSED"
            assert labels["Items in queue"] == "2"
            assert set(model._allowed_plans) >= {"count", "scan"} and "det1" in model._allowed_devices

            # The monitor follows changes made by another client.
            assert http.post("/api/environment/open", json={}).json()["success"]
            qtbot.waitUntil(
                lambda: status_labels(viewer)["RE Environment"] == "OPEN"
                and status_labels(viewer)["Manager state"] == "IDLE",
                timeout=WAIT_MS,
            )
            assert status_labels(viewer)["RE state"] == "IDLE"
            reply = http.post("/api/queue/item/add", json={"item": {"name": "count", "args": [["det2"]]}}).json()
            assert reply["success"], reply
            qtbot.waitUntil(lambda: queue._table.rowCount() == 3, timeout=WAIT_MS)
            assert table_column(queue._table, "Name") == ["count", "scan", "count"]

            path = DOCS_IMAGE if os.environ.get("QUEUE_GUI_SCREENSHOTS") else str(tmp_path / "queue_monitor.png")
            assert viewer.grab().save(path), f"cannot write {path}"
        finally:
            stop_monitor(qtbot, viewer, model)
    printed = capsys.readouterr().out
    assert "Exception" not in printed, printed


def test_queue_monitor_sends_its_api_key(monkeypatch, keyed_service):
    """``QSERVER_HTTP_SERVER_API_KEY`` reaches the server as ``Authorization: ApiKey``."""
    configure_monitor(monkeypatch, keyed_service.url, api_key=API_KEY)
    settings = monitor_settings.SETTINGS
    model = RunEngineClient(http_server_uri=settings.http_server_uri, http_server_api_key=settings.http_server_api_key)
    try:
        model.load_re_manager_status(unbuffered=True)
        assert model.re_manager_connected is True
        assert model.re_manager_status["manager_state"] == "idle"
    finally:
        model._client.close()


@pytest.mark.parametrize("key, status", [(None, 401), ("not-the-key", 403)])
def test_queue_monitor_without_the_key_is_refused(monkeypatch, keyed_service, key, status):
    """The server refuses the monitor's requests.

    bluesky-widgets 0.0.18 then fails in its own status loop
    (``RunEngineClient.load_re_manager_status`` catches
    ``self._client.RequestError``, which bluesky-queueserver-api 0.0.13's
    HTTP client does not define), so its label stays at "-----" rather than
    saying OFFLINE; the refusal itself is what the server controls.
    """
    configure_monitor(monkeypatch, keyed_service.url, api_key=key)
    settings = monitor_settings.SETTINGS
    model = RunEngineClient(http_server_uri=settings.http_server_uri, http_server_api_key=settings.http_server_api_key)
    try:
        with pytest.raises(model._client.HTTPClientError, match=str(status)):
            model._client.status()
        assert model.re_manager_connected is None
    finally:
        model._client.close()
