"""The window's colours: one table, so a status reads alike wherever it is shown."""

from queue_gui.qt import look
from queue_gui.qt.runs_model import status_of
from queue_gui.wire import ExitStatus


def test_every_exit_status_has_a_colour_and_interruptions_share_one():
    assert set(look.STATUS_COLORS) == {status.value for status in ExitStatus}
    interrupted = {look.status_color(s) for s in ("stopped", "aborted", "halted")}
    assert interrupted == {look.ORANGE}
    assert len({look.status_color(s) for s in ("completed", "failed", "stopped", "unknown")}) == 4
    assert look.status_color("no such status") == look.GREY


def test_the_runs_table_paints_an_ending_as_the_history_does():
    assert status_of({"exit_status": "abort"})[1].name() == look.status_color("aborted")
    assert status_of({"exit_status": "fail"})[1].name() == look.status_color("failed")
    assert status_of({"exit_status": "success"})[1].name() == look.status_color("completed")
    assert status_of({"exit_status": "odd"})[0] == "odd"
