"""Load a startup profile: the Python file that defines devices and plans.

A profile is an ordinary script (the bluesky habit of an IPython startup
file), so it is executed with :func:`runpy.run_path` rather than imported:
a scientist points ``--profile`` at any file, no package needed. What the
queue may use is then picked from the resulting namespace, either the names
in ``__all__`` or, without it, every public plan and device.
"""

from __future__ import annotations

import dataclasses
import inspect
import logging
import runpy
import types
from pathlib import Path
from typing import Any, Callable

from ophyd.ophydobj import OphydObject

logger = logging.getLogger(__name__)

#: Name of the optional profile function the worker calls with the new
#: RunEngine (subscriptions, metadata, suspenders).
PROFILE_HOOK = "configure_run_engine"

#: ``__name__`` the profile runs under, so ``if __name__ == "__main__"``
#: blocks in a profile do not run when the queue loads it.
PROFILE_RUN_NAME = "__queue_gui_profile__"

#: The built-in profile used when no path is given.
DEFAULT_PROFILE_PATH = Path(__file__).with_name("profiles") / "sim.py"


@dataclasses.dataclass
class Profile:
    """The result of executing a startup profile.

    Attributes
    ----------
    path : str
        The file that was executed, so reports can say which profile failed.
    namespace : dict
        Everything the file defined; kept for the run-engine hook and for
        plans that look up globals at run time.
    plans : dict
        Exported plan name -> plan function (a generator function).
    devices : dict
        Exported device name -> device object.
    """

    path: str
    namespace: dict[str, Any]
    plans: dict[str, Callable[..., Any]]
    devices: dict[str, Any]

    @property
    def run_engine_hook(self) -> Callable[[Any], Any] | None:
        """The profile's ``configure_run_engine(RE)`` function, or None.

        The worker calls it once after creating the RunEngine, which lets a
        profile subscribe callbacks or install suspenders without creating
        its own RunEngine.
        """
        hook = self.namespace.get(PROFILE_HOOK)
        return hook if callable(hook) else None


def is_plan(obj: Any) -> bool:
    """Tell whether ``obj`` can be queued as a plan.

    A plan is a callable whose unwrapped function is a generator function:
    bluesky decorates ``mv`` and ``sleep`` so they are not generator
    functions themselves, and classes are callables that are never plans.
    """
    if isinstance(obj, type) or not callable(obj):
        return False
    try:
        return inspect.isgeneratorfunction(inspect.unwrap(obj))
    except ValueError:  # a __wrapped__ cycle: not something we can run
        return False


def is_device(obj: Any) -> bool:
    """Tell whether ``obj`` can be named as a device in a plan's arguments.

    Any ophyd object counts; so does any other object that follows the
    bluesky protocols (``read`` + ``describe`` for Readable, ``set`` for
    Movable), which admits ophyd-async and hand-written devices.
    """
    if isinstance(obj, OphydObject):
        return True
    if isinstance(obj, (type, types.ModuleType)):
        return False
    readable = callable(getattr(obj, "read", None)) and callable(
        getattr(obj, "describe", None)
    )
    movable = callable(getattr(obj, "set", None))
    return readable or movable


def load_profile(path: str | None) -> Profile:
    """Execute a startup profile and collect its plans and devices.

    Parameters
    ----------
    path : str or None
        The profile file; None selects the built-in simulated profile.

    Returns
    -------
    Profile

    Raises
    ------
    FileNotFoundError
        When the file does not exist, with the path in the message, since a
        mistyped ``--profile`` is the most common cause.
    Exception
        Whatever the profile itself raises, unchanged, so that the caller
        can report it with its traceback.
    """
    resolved = DEFAULT_PROFILE_PATH if path is None else Path(path).expanduser()
    if not resolved.exists():
        raise FileNotFoundError(f"startup profile not found: {str(resolved)!r}")
    if not resolved.is_file():
        raise IsADirectoryError(f"startup profile is not a file: {str(resolved)!r}")
    logger.info("loading startup profile %s", resolved)
    try:
        namespace = runpy.run_path(str(resolved), run_name=PROFILE_RUN_NAME)
    except SystemExit as exc:
        # SystemExit would take the worker down without a report.
        raise RuntimeError(
            f"startup profile {str(resolved)!r} called sys.exit({exc.code!r})"
        ) from exc
    plans, devices = _exports(namespace)
    logger.info(
        "profile %s exports %d plans and %d devices",
        resolved.name,
        len(plans),
        len(devices),
    )
    return Profile(str(resolved), namespace, plans, devices)


def _exports(namespace: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split the exported names of a profile namespace into plans and devices."""
    explicit = "__all__" in namespace
    if explicit:
        names = [str(name) for name in namespace["__all__"]]
    else:
        names = sorted(name for name in namespace if not name.startswith("_"))
    plans: dict[str, Any] = {}
    devices: dict[str, Any] = {}
    for name in names:
        if name not in namespace:
            logger.warning("profile __all__ names %r, which it does not define", name)
            continue
        obj = namespace[name]
        if is_plan(obj):
            plans[name] = obj
        elif is_device(obj):
            devices[name] = obj
        elif explicit:
            logger.warning(
                "profile __all__ names %r, which is neither a plan nor a device "
                "(a %s); ignored",
                name,
                type(obj).__name__,
            )
    return plans, devices
