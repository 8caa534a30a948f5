"""Whether a window can be opened here, asked before Qt is, so that the answer says what to do.

Without a usable X display (none set, the server not answering, or the xcb
libraries of Qt's platform plugin missing), Qt aborts the process with
"Could not load the Qt platform plugin xcb … Reinstalling the application
may fix this problem" and exit code 134, which tells a scientist nothing
useful. The checks here load what Qt would load (the plugin's shared
libraries, a connection to the display) and name what is missing.
"""

import ctypes
import ctypes.util
import glob
import os
import sys

ADVICE = (
    "Run `queue-gui --headless` to serve the queue without a window (and drive it over HTTP or from "
    "another machine), install Qt's X libraries with `bash scripts/install-qt-libs.sh` (Debian/Ubuntu, "
    "from a checkout of queue-gui), or set QT_QPA_PLATFORM=offscreen for a window nobody sees."
)


def display_problem(environ=None):
    """Why no window can be opened, or None when one can (or the platform is not X)."""
    environ = os.environ if environ is None else environ
    if not sys.platform.startswith("linux"):
        return None
    platform = environ.get("QT_QPA_PLATFORM", "")
    if platform and not platform.startswith("xcb"):
        return None  # offscreen, wayland, vnc...: Qt's own choice, not ours to second-guess
    display = environ.get("DISPLAY")
    if not display:
        return "there is no X display (DISPLAY is not set)"
    problem = _plugin_problem()
    if problem:
        return problem
    return _connection_problem(display)


def _plugin_problem():
    try:
        import PyQt5
    except ImportError:
        return None  # another binding: let it speak for itself
    base = os.path.dirname(PyQt5.__file__)
    plugins = glob.glob(os.path.join(base, "Qt5", "plugins", "platforms", "libqxcb.so")) or glob.glob(
        os.path.join(base, "Qt", "plugins", "platforms", "libqxcb.so")
    )
    if not plugins:
        return None
    try:
        ctypes.CDLL(plugins[0])
    except OSError as error:
        return f"Qt's X platform plugin cannot be loaded ({error})"
    return None


def _connection_problem(display):
    name = ctypes.util.find_library("xcb")
    if name is None:
        return None  # the plugin loaded, so libxcb is there under another name: let Qt try
    try:
        xcb = ctypes.CDLL(name)
    except OSError:
        return None
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = (ctypes.c_char_p, ctypes.c_void_p)
    xcb.xcb_connection_has_error.argtypes = (ctypes.c_void_p,)
    xcb.xcb_disconnect.argtypes = (ctypes.c_void_p,)
    connection = xcb.xcb_connect(display.encode(), None)
    try:
        if xcb.xcb_connection_has_error(connection):
            return f"the X display {display} does not answer"
    finally:
        xcb.xcb_disconnect(connection)
    return None
