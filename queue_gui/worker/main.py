"""Entry point of the worker process (the ``spawn`` target).

The worker starts as a *standby*: it imports bluesky, loads the startup
profile and describes its plans and devices at once, so the manager can
validate items before any environment exists. Opening the environment then
only has to create the RunEngine.

Two threads: the main thread executes commands that need the RunEngine
(which must run where it may install signal handlers); a reader thread
blocks on ``recv()`` and hands those commands over through a queue, except
``pause``, which it performs itself because the main thread is inside
``RE(plan)`` exactly when a pause is wanted, and ``describe`` asked to run
in the background (during a plan).
"""

import logging
import os
import queue
import signal
import sys
import threading
import traceback

from .console import AskedForEnds, ConsoleStream
from .outbox import Outbox
from .protocol import Command, Report, message

logger = logging.getLogger(__name__)

_STOP = object()


def worker_main(conn, profile_path=None, forward_documents=True):
    """Run the worker until the environment is closed or the manager goes away.

    Parameters
    ----------
    conn : multiprocessing.connection.Connection
        This process's end of the Pipe.
    profile_path : str or None
        Startup profile; None selects the built-in simulated profile.
    forward_documents : bool
        Send every bluesky document to the manager.
    """
    # Ctrl-C, and the SIGTERM of systemd's stop, timeout(1) or a closing
    # terminal, reach the whole process group. The manager decides when the
    # worker ends (after pausing and aborting a running plan, so its cleanup
    # runs) and tells it through the Pipe; if the manager itself is gone,
    # the closed Pipe ends the worker the same way.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    outbox = Outbox(conn)
    sys.stdout = ConsoleStream(outbox.send)
    sys.stderr = ConsoleStream(outbox.send)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, force=True)
    for handler in logging.getLogger().handlers:
        handler.addFilter(AskedForEnds())

    profile, profile_error = _load_profile(outbox, profile_path)

    from .executor import Executor

    executor = Executor(outbox, profile, profile_error, forward_documents)
    commands = queue.SimpleQueue()
    reader = threading.Thread(target=_read_commands, args=(conn, outbox, executor, commands), daemon=True)
    reader.start()
    _execute_commands(commands, executor)
    sys.stdout.flush()
    sys.stderr.flush()
    outbox.close()


def _load_profile(outbox, profile_path):
    from .describe import describe_profile
    from .profile import load_profile

    try:
        profile = load_profile(profile_path)
        description = describe_profile(profile)
    except BaseException as error:  # a profile may even call sys.exit()
        msg = f"{type(error).__name__}: {error}"
        tb = traceback.format_exc()
        outbox.send(message(Report.PROFILE_FAILED, msg=msg, traceback=tb))
        return None, (msg, tb)
    mtime = _mtime(profile.path)
    outbox.send(message(Report.PROFILE_LOADED, description=description, profile_path=profile.path, profile_mtime=mtime))
    return profile, None


def _mtime(path):
    try:
        return os.stat(path).st_mtime
    except OSError:
        return None


def _read_commands(conn, outbox, executor, commands):
    """Pipe-reader thread: blocks on ``recv()``; pause acts at once."""
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            # The manager is gone: nobody can control a plan any more. Pause
            # it at once; the main thread then aborts it (cleanup runs, the
            # run is closed as aborted) and the process ends.
            outbox.closed = True
            executor.request_pause("immediate")
            commands.put(_STOP)
            return
        if msg.get("type") == Command.PAUSE.value:
            executor.request_pause(msg.get("option", "deferred"), msg.get("item_uid"))
        elif msg.get("type") == Command.CONTINUE.value and msg.get("option") == "resume":
            # Said here, before the main thread takes it: a pause right behind
            # this resume must wait for the RunEngine to run, not be refused.
            executor.expect_resume()
            commands.put(msg)
        elif msg.get("type") == Command.DESCRIBE.value and msg.get("background"):
            executor.describe(msg.get("task_uid"))
        else:
            commands.put(msg)


def _execute_commands(commands, executor):
    """Main thread: one RunEngine command at a time, until close or EOF."""
    while True:
        msg = commands.get()
        if msg is _STOP:
            executor.abandon()
            return
        kind = msg.get("type")
        if kind == Command.OPEN_ENVIRONMENT.value:
            executor.open_environment(msg.get("scan_id"))
        elif kind == Command.RUN_PLAN.value:
            executor.run_plan(msg["item"], msg.get("md"))
        elif kind == Command.CONTINUE.value:
            executor.continue_plan(msg["option"])
        elif kind == Command.DESCRIBE.value:
            executor.describe(msg.get("task_uid"))
        elif kind == Command.CLOSE_ENVIRONMENT.value:
            executor.close_environment()
            return
        else:
            logger.error("queue-gui worker: unknown command %r", kind)
