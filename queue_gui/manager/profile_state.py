"""The startup profile while it loads: a description to check plans against, a bound on the wait.

A mixin of :class:`queue_gui.manager.manager.Manager`. A standby worker
describes the profile a second or more after the application starts; the
window and scripts may add plans before that.

- The last description is kept in the database with a hash of the profile
  file it came from: when the file is unchanged, plans are checked against
  it at once, and the standby's fresh description replaces it when it
  arrives.
- When there is none (the first start, an edited profile), requests that
  add plans are *held* until the description arrives, not refused, and
  answered then; a script that launches queue-gui and adds plans at once
  just waits a moment.
- Loading is bounded by ``profile_timeout``: a profile that hangs (waiting
  for hardware, a ``time.sleep`` at top level) is reported and its worker
  killed, held requests are refused with the reason, and Reload profile or
  Open tries again once it is fixed.
"""

from __future__ import annotations

import hashlib
import importlib.util
import time

from ..inbox import answer
from ..wire import CommandName
from .dispatch import dispatch
from .worker_client import ExpectedExit, WorkerClient

#: Commands that check plans against the profile's description.
HELD_COMMANDS = frozenset({CommandName.QUEUE_ITEM_ADD, CommandName.QUEUE_ITEM_ADD_BATCH, CommandName.QUEUE_ITEM_UPDATE, CommandName.QUEUE_ITEM_EXECUTE})
#: Seconds a standby may take to load and describe the profile (``--profile-timeout``).
DEFAULT_PROFILE_TIMEOUT = 60.0

DESCRIPTION_KEY = "profile_description"
HASH_KEY = "profile_hash"


def profile_hash(path: str | None) -> str | None:
    """SHA-256 of the profile file (the built-in one when ``path`` is None), or None when unreadable."""
    if path is None:
        spec = importlib.util.find_spec("queue_gui.worker.profiles.sim")
        path = spec.origin if spec is not None else None
    if path is None:
        return None
    try:
        with open(path, "rb") as file:
            return hashlib.sha256(file.read()).hexdigest()
    except (OSError, TypeError):
        return None


class ProfileState:
    """Held requests and the load deadline; relies on the manager's worker and profile flags."""

    # Set by the Manager's __init__.
    _worker: WorkerClient | None
    _profile_loaded: bool
    _profile_failed: bool

    def _init_profile_state(self, profile_timeout):
        self._profile_timeout = float(profile_timeout)
        self._held = []  # (name, params, future), in arrival order
        self._profile_deadline = None  # time.monotonic() by which the standby must have described the profile
        self._loading_hash = None

    def _cached_description(self):
        """The stored description, if it came from the profile file as it is now."""
        stored = self._store.get_meta(DESCRIPTION_KEY)
        if stored is not None and self._store.get_meta(HASH_KEY) == profile_hash(self.profile_path):
            return stored
        return None

    def _keep_description(self, description):
        self._store.set_meta(DESCRIPTION_KEY, description)
        self._store.set_meta(HASH_KEY, self._loading_hash)

    @property
    def profile_loading(self) -> bool:
        """A standby is loading the profile and has not said how it went."""
        return self._worker is not None and not self._profile_loaded and not self._profile_failed

    def _profile_status(self):
        if self._profile_loaded:
            return "loaded"
        return "loading" if self.profile_loading else "failed" if self._profile_failed else "none"

    def _begin_loading(self):
        """A standby starts: the clock of its load starts too."""
        self._loading_hash = profile_hash(self.profile_path)
        self._profile_deadline = time.monotonic() + self._profile_timeout

    def _hold(self, name, params, future):
        """Hold a plan-adding command while nothing can check plans yet; True when held."""
        if name in HELD_COMMANDS and self._description is None and self.profile_loading:
            self._held.append((name, params, future))
            return True
        return False

    def _release_held(self):
        """Answer the held commands (in order) once the profile is described, failed, or timed out."""
        if not self._held or self.profile_loading:
            return
        held, self._held = self._held, []
        for name, params, future in held:
            reply = dispatch(self, name, params)
            self._publish_changes()
            self._publish_status()
            answer(future, reply)

    def _seconds_to_deadline(self):
        """How long the inbox may wait before the load deadline, or None without one."""
        if self._profile_deadline is None or not self.profile_loading:
            return None
        return max(self._profile_deadline - time.monotonic(), 0.0)

    def _check_deadline(self):
        """The standby took too long: report it, kill it, and let nobody wait any longer."""
        if self._profile_deadline is None or not self.profile_loading or time.monotonic() < self._profile_deadline:
            return
        self._profile_deadline = None
        reason = (
            f"the startup profile did not finish loading within {self._profile_timeout:g} s (it may wait for "
            "hardware that does not answer, or hang); its worker was stopped. Fix the profile, then use "
            "Environment > Reload profile or open the environment again (--profile-timeout sets the limit)"
        )
        self._profile_failed = True
        self._profile_error_msg = reason
        self._add_console(f"queue-gui: {reason}\n")
        self._worker_exit_expected = ExpectedExit.PROFILE_TIMEOUT
        self._worker.kill()
        self._on_profile_given_up(reason)
