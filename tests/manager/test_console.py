"""The console buffer: bounded, each entry with a uid, served after a given uid."""

from queue_gui.manager.console import ConsoleBuffer


def texts(entries):
    return [entry["msg"] for entry in entries]


def test_entries_after_a_uid_and_all_for_unknown_uids():
    buffer = ConsoleBuffer(maxlen=10)
    empty_uid = buffer.uid
    assert buffer.since(empty_uid) == [] and buffer.since("ALL") == []
    first = buffer.append("a")
    buffer.append("b")
    assert buffer.uid != empty_uid
    assert texts(buffer.since(first["uid"])) == ["b"]
    assert buffer.since(buffer.uid) == []
    assert texts(buffer.since(empty_uid)) == ["a", "b"], "an unknown uid gets everything buffered"
    assert texts(buffer.since("ALL")) == ["a", "b"]
    assert set(buffer.since("ALL")[0]) == {"time", "msg"}
    assert buffer.text(1) == "b" and buffer.text(5) == "ab" and buffer.text(0) == ""


def test_the_oldest_entries_leave_a_full_buffer():
    buffer = ConsoleBuffer(maxlen=3)
    entries = [buffer.append(str(n)) for n in range(5)]
    assert texts(buffer.since("ALL")) == ["2", "3", "4"] and len(buffer) == 3
    assert texts(buffer.since(entries[2]["uid"])) == ["3", "4"]
    assert texts(buffer.since(entries[1]["uid"])) == ["2", "3", "4"], "an evicted uid gets everything"
    assert buffer.since(entries[4]["uid"]) == []
