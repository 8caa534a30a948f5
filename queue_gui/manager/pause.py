"""A pause asked for and not yet taken: when to send it, and to which plan.

A pause must reach the plan the RunEngine really runs. Between two plans
(or before the RunEngine reports ``running``) it waits for ``plan_started``;
sent earlier it would reach an idle RunEngine and be lost. It is sent once
per plan; if its plan ended before it arrived, the worker refuses it, and
the next plan gets it.
"""

from __future__ import annotations


class PendingPause:
    """The pause protocol of the run control, on its own (no I/O: the caller sends)."""

    def __init__(self) -> None:
        self.option: str | None = None
        self._sent_for: str | None = None
        self._failed_for: str | None = None

    @property
    def pending(self) -> bool:
        """A pause was asked for and its plan has not paused yet (``pause_pending`` in the status)."""
        return self.option is not None

    def ask(self, option: str) -> None:
        """Ask for a pause (``"deferred"`` or ``"immediate"``); a later ask replaces the option."""
        self.option = option

    def send_to(self, running_uid: str | None, started_uid: str | None) -> str | None:
        """The option to send now to the plan ``running_uid``, or None (nothing pending, not yet, or sent).

        ``started_uid`` is the item the RunEngine has reported running.
        """
        if not self.pending or running_uid is None:
            return None
        if started_uid != running_uid or running_uid in (self._sent_for, self._failed_for):
            return None
        self._sent_for = running_uid
        return self.option

    def refused(self, uid: str | None) -> bool:
        """The worker refused the pause meant for ``uid``; True when it stays pending for the next plan."""
        if uid is not None and uid == self._sent_for:
            self._sent_for = None
            self._failed_for = uid
            return True
        self.forget()
        return False

    def forget(self) -> None:
        """The plan paused, or the pause no longer applies."""
        self.option = None
        self._sent_for = None  # item uid the pending pause was sent for
        self._failed_for = None  # item uid whose RunEngine was not running when it came
