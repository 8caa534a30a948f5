"""The pause protocol on its own: sent once, to the plan the RunEngine really runs."""

from queue_gui.manager.pause import PendingPause


def test_a_pause_waits_for_its_plan_to_run_and_is_sent_once():
    pause = PendingPause()
    assert pause.send_to("a", "a") is None, "nothing asked for"
    pause.ask("immediate")
    assert pause.pending
    assert pause.send_to(None, None) is None, "between plans it waits"
    assert pause.send_to("a", None) is None, "the RunEngine has not reported 'a' running yet"
    assert pause.send_to("a", "a") == "immediate"
    assert pause.send_to("a", "a") is None, "once per plan"
    pause.forget()
    assert not pause.pending


def test_a_pause_refused_because_its_plan_had_ended_goes_to_the_next_plan():
    pause = PendingPause()
    pause.ask("deferred")
    assert pause.send_to("a", "a") == "deferred"
    assert pause.refused("a") is True and pause.pending
    assert pause.send_to("a", "a") is None, "never again to the plan that refused it"
    assert pause.send_to("b", "b") == "deferred"


def test_a_refusal_for_another_plan_drops_the_pause():
    pause = PendingPause()
    pause.ask("immediate")
    pause.send_to("a", "a")
    assert pause.refused("z") is False and not pause.pending
