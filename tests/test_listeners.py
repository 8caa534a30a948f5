"""Listeners of the manager and the store: isolated from each other, safe to change from any thread."""

import threading

from queue_gui.listeners import Listeners


def test_a_listener_that_raises_does_not_keep_the_event_from_the_others():
    listeners, got = Listeners("test"), []

    def broken(kind, payload):
        raise RuntimeError("a consumer with a bug")

    listeners.add(broken)
    listeners.add(lambda kind, payload: got.append((kind, payload)))
    listeners.emit("documents", [1])
    assert got == [("documents", [1])]


def test_subscribing_and_unsubscribing_from_other_threads_while_events_flow():
    listeners = Listeners("test")
    stop = threading.Event()

    def churn():
        while not stop.is_set():
            listener = lambda kind, payload: None  # noqa: E731
            listeners.add(listener)
            listeners.remove(listener)

    steady = []
    listeners.add(lambda kind, payload: steady.append(payload))
    threads = [threading.Thread(target=churn) for _ in range(3)]
    for thread in threads:
        thread.start()
    for number in range(20000):
        listeners.emit("status", number)
    stop.set()
    for thread in threads:
        thread.join()
    assert steady == list(range(20000)), "the steady listener got every event, in order"
    listeners.remove(object())  # removing what is not there is no error
