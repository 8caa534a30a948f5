"""The texts of items and results, one spelling for every view (plain functions, no widget)."""

import time

from queue_gui.qt.formatting import (
    MAX_LINE_CHARS,
    call_text,
    date_time_text,
    item_text,
    result_facts,
    result_summary,
)

T0 = time.mktime((2024, 5, 6, 14, 30, 5, 0, 0, -1))


def test_the_call_shows_devices_bare_and_other_strings_quoted():
    item = {"name": "scan", "args": [["det1"], "motor", -1, 1], "kwargs": {"num": 3, "note": "a b"}}
    assert call_text(item) == "scan(['det1'], motor, -1, 1, num=3, note='a b')"
    assert item_text(item) == call_text(item)
    assert call_text({"name": "queue_stop", "item_type": "instruction"}) == "queue_stop (instruction)"


def test_a_row_cuts_a_long_call_and_the_call_text_keeps_it_whole():
    item = {"name": "list_scan", "args": [["det1"], "motor", list(range(500))]}
    assert len(item_text(item)) == MAX_LINE_CHARS and item_text(item).endswith("…")
    assert call_text(item).endswith("499])")


def test_date_time_text_is_local_and_says_when_it_cannot_tell():
    assert date_time_text(T0) == "2024-05-06 14:30:05"
    assert date_time_text(str(T0)) == "2024-05-06 14:30:05"
    for unusable in (None, 0, -5, "soon", float("nan"), 1e300):
        assert date_time_text(unusable) == ""
        assert date_time_text(unusable, "unknown") == "unknown"


def test_result_facts_and_the_summary_say_the_same():
    result = {
        "exit_status": "failed",
        "run_uids": ["r1", "r2"],
        "scan_ids": [7],
        "time_start": T0,
        "time_stop": T0 + 2.5,
        "msg": "detector saturated",
        "traceback": "Traceback\n  File x\nValueError: saturated",
    }
    facts = dict(result_facts(result))
    assert facts == {
        "Exit status": "failed",
        "Run UIDs": "r1, r2",
        "Scan IDs": "7",
        "Started": "2024-05-06 14:30:05",
        "Stopped": "2024-05-06 14:30:07 (took 2.5 s)",
    }
    lines = result_summary(result).splitlines()
    assert lines[:2] == ["Exit status: failed", "Message: detector saturated"]
    assert all(f"{label}: {text}" in lines for label, text in facts.items())
    assert lines[-1] == "ValueError: saturated"


def test_an_empty_result_reads_unknown_and_none():
    assert dict(result_facts(None)) == {
        "Exit status": "unknown",
        "Run UIDs": "none",
        "Scan IDs": "none",
        "Started": "unknown",
        "Stopped": "unknown",
    }
