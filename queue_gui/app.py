"""Composition: the manager on its thread, the HTTP server beside it.

The same :class:`Service` runs headless (``queue-gui --headless``) and under
the desktop window, so a script over HTTP and the window always drive the
very same queue.
"""

import gc
import logging
import os
import threading

from .data_dir import ConfigurationError, DataDirLock, check_database
from .defaults import DEFAULT_HOST, DEFAULT_PORT
from .manager.manager import DATABASE_NAME, Manager
from .manager.profile_state import DEFAULT_PROFILE_TIMEOUT
from .server.app import create_app
from .server.serve import ServerThread
from .store import RunStore
from .store.index import INDEX_NAME

logger = logging.getLogger(__name__)

#: Generous: the first start of the worker imports bluesky and ophyd, which
#: may be slow on a cold disk.
READY_TIMEOUT = 120


class Service:
    """Manager + run store + HTTP server for one data directory.

    Parameters
    ----------
    data_dir : str
        Where the queue and history database and the saved runs live.
    profile_path : str or None
        Startup profile for the worker (None: built-in simulated devices).
    host, port : str, int
        Address of the HTTP server (port 0: any free port).
    api_key : str or None
        Required from clients when given.
    tiled_uri, tiled_api_key : str or None
        A shared tiled server that also receives every run (``--tiled-uri``).
    profile_timeout : float
        Seconds the profile may take to load (``--profile-timeout``).
    """

    def __init__(self, data_dir, profile_path=None, host=DEFAULT_HOST, port=DEFAULT_PORT, api_key=None,
                 *, tiled_uri=None, tiled_api_key=None, profile_timeout=DEFAULT_PROFILE_TIMEOUT):
        if profile_path is not None and not os.path.isfile(profile_path):
            raise ConfigurationError(f"the profile {profile_path} does not exist")
        if tiled_uri is not None:
            check_tiled(tiled_uri)
        self._lock = DataDirLock(data_dir)
        try:
            check_database(os.path.join(data_dir, DATABASE_NAME), "queue database")
            check_database(os.path.join(data_dir, INDEX_NAME), "run index")
            self.manager = Manager(data_dir, profile_path, profile_timeout=profile_timeout)
            self.store = RunStore(data_dir, tiled_uri=tiled_uri, tiled_api_key=tiled_api_key)
            # Subscribed before the manager runs: the store sees every document.
            self.manager.subscribe(self.store.on_manager_event)
            try:
                self.server = ServerThread(create_app(self.manager, api_key=api_key, store=self.store), host, port)
            except OSError as error:
                raise ConfigurationError(str(error)) from None
        except BaseException:
            self._lock.release()
            raise
        self._manager_thread = threading.Thread(target=self.manager.run, name="queue-gui-manager", daemon=True)

    @property
    def url(self):
        return self.server.url

    def start(self, manager_host=None, wait=False):
        """Start the manager (on its own thread unless ``manager_host`` runs it) and serve.

        ``manager_host`` is a callable that starts ``manager.run`` elsewhere
        (the desktop app passes its ``QThread``). Serving starts at once: a
        plan added before the profile is described is checked against the
        description kept from the last start, or held until the new one
        arrives (see ``queue_gui.manager.profile_state``). ``wait=True``
        waits for the description first (benchmarks that time requests).
        """
        self.store.start()
        if manager_host is None:
            self._manager_thread.start()
        else:
            manager_host(self.manager)
        if wait and not self.manager.wait_ready(READY_TIMEOUT):
            logger.warning("the worker has not described the profile yet; serving anyway")
        self.server.start()
        # What is loaded by now (FastAPI, pydantic, the profile's description)
        # lives as long as the service: keep it out of the collector's full
        # passes, each of which walked all of it and added 5 to 10 ms to
        # whichever request was unlucky (a batch of a thousand items makes
        # enough objects to trigger one).
        gc.freeze()

    def stop(self):
        """Stop serving, close the environment and the databases, release the lock."""
        self.server.stop()
        self.manager.shutdown()
        if self._manager_thread.is_alive():
            self._manager_thread.join(30)
        self.release()

    def release(self):
        """Close the run store and release the data directory (after the manager has stopped).

        The store stops after the manager, so that it has written whatever
        documents the manager still published.
        """
        if not self.store.stop(30):
            logger.warning("the run store did not stop in time")
        self._lock.release()


def check_tiled(uri):
    """Refuse a tiled URI that cannot work: not http(s), or the tiled client not installed."""
    from .store.tiled_sync import INSTALL_HINT, missing_requirements

    if not uri.startswith(("http://", "https://")):
        raise ConfigurationError(f"--tiled-uri must be an http:// or https:// address, not {uri!r}")
    missing = missing_requirements()
    if missing:
        raise ConfigurationError(f"--tiled-uri needs {', '.join(missing)}, which are not installed: {INSTALL_HINT}")
