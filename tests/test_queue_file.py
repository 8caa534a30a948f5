"""The queue file: written, read back, and bad files refused with a reason (queue_gui.queue_file: no Qt)."""

import json
import os

import pytest

from queue_gui.queue_file import (
    QUEUE_FILE_FORMAT,
    QUEUE_FILE_VERSION,
    QueueFileError,
    as_submission,
    read_queue,
    write_queue,
)

QUEUE = [
    {"item_uid": "u-1", "item_type": "plan", "name": "count", "args": [["det1"]], "kwargs": {"num": 2}, "user": "alice"},
    {"item_uid": "u-2", "item_type": "instruction", "name": "queue_stop", "args": [], "kwargs": {}},
    {"item_uid": "u-3", "item_type": "plan", "name": "scan", "args": [["det1"], "motor", -1, 1, 3], "kwargs": {}},
]


def write(path, content):
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return str(path)


def test_a_written_queue_reads_back_as_submissions_in_order(tmp_path):
    path = str(tmp_path / "queue.json")
    assert write_queue(path, QUEUE) == 3
    with open(path) as file:
        saved = json.load(file)
    assert saved["format"] == QUEUE_FILE_FORMAT and saved["version"] == QUEUE_FILE_VERSION
    assert all("item_uid" not in item for item in saved["items"])
    assert read_queue(path) == [as_submission(item) for item in QUEUE]
    assert read_queue(path)[0] == {k: v for k, v in QUEUE[0].items() if k != "item_uid"}


def test_an_empty_queue_is_a_valid_file(tmp_path):
    path = str(tmp_path / "empty.json")
    assert write_queue(path, []) == 0
    assert read_queue(path) == []


def test_a_bare_list_and_history_records_are_read_as_submissions(tmp_path):
    history = [{**QUEUE[0], "result": {"exit_status": "completed"}}]
    assert read_queue(write(tmp_path / "list.json", history)) == [as_submission(QUEUE[0])]


def test_a_file_without_format_or_version_is_read(tmp_path):
    assert read_queue(write(tmp_path / "q.json", {"items": [QUEUE[1]]})) == [as_submission(QUEUE[1])]


@pytest.mark.parametrize(
    "content, reason",
    [
        ("{not json", "not JSON"),
        ("", "not JSON"),
        ({"format": "something else", "items": []}, "not a queue file"),
        ({"format": QUEUE_FILE_FORMAT, "version": QUEUE_FILE_VERSION + 1, "items": []}, "newer queue-gui"),
        ({"format": QUEUE_FILE_FORMAT, "version": "1", "items": []}, "newer queue-gui"),
        ({"format": QUEUE_FILE_FORMAT, "version": 1}, "no list of items"),
        ({"format": QUEUE_FILE_FORMAT, "version": 1, "items": {"name": "count"}}, "no list of items"),
        ('"count"', "no list of items"),
        ([QUEUE[0], "count", 3], "item 2 is not an object but str"),
    ],
)
def test_bad_files_are_refused_with_a_reason(tmp_path, content, reason):
    with pytest.raises(QueueFileError, match=reason):
        read_queue(write(tmp_path / "bad.json", content))


def test_a_file_that_cannot_be_opened_or_decoded_is_refused(tmp_path):
    with pytest.raises(QueueFileError, match="No such file"):
        read_queue(str(tmp_path / "missing.json"))
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(QueueFileError, match="not JSON"):
        read_queue(str(binary))


def test_a_queue_that_cannot_be_written_leaves_no_file(tmp_path):
    path = str(tmp_path / "queue.json")
    with pytest.raises(TypeError):
        write_queue(path, [{"name": "count", "args": [object()]}])
    assert not os.path.exists(path)
    with pytest.raises(OSError):
        write_queue(str(tmp_path / "no such dir" / "queue.json"), QUEUE)
