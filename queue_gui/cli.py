"""Command line: ``queue-gui [--headless] [--host] [--port] [--data-dir] [--profile] [--api-key] [--tiled-uri]``."""

import argparse
import ipaddress
import logging
import os
import signal
import sys
import threading

import platformdirs

from . import __version__
from .defaults import DEFAULT_HOST, DEFAULT_PORT

API_KEY_VARIABLE = "QUEUE_GUI_API_KEY"
TILED_API_KEY_VARIABLE = "QUEUE_GUI_TILED_API_KEY"
#: The key bluesky-queueserver-api and the other ecosystem clients send to an HTTP server.
REMOTE_API_KEY_VARIABLE = "QSERVER_HTTP_SERVER_API_KEY"

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_CONFIGURATION = 2


def build_parser():
    parser = argparse.ArgumentParser(
        prog="queue-gui",
        description="Queue and run bluesky plans: a desktop window and an HTTP API over one queue.",
    )
    parser.add_argument("--headless", action="store_true", help="run the manager and HTTP server without a window")
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"address of the HTTP server (default: {DEFAULT_HOST})")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port of the HTTP server (default: {DEFAULT_PORT}; 0 picks a free one)")
    parser.add_argument(
        "--data-dir",
        default=platformdirs.user_data_dir("queue-gui"),
        help="directory of the queue and history database (default: %(default)s)",
    )
    parser.add_argument("--profile", default=None, help="startup profile defining devices and plans (default: built-in simulated devices)")
    parser.add_argument(
        "--profile-timeout", type=float, default=60.0, metavar="SECONDS",
        help="how long the profile may take to load before it is reported as hanging (default: %(default)g)",
    )
    parser.add_argument(
        "--connect", default=None, metavar="URL",
        help="open the window on the queue of another server (a headless queue-gui, or bluesky-httpserver) "
             "instead of running one here, e.g. http://control-pc:60610",
    )
    parser.add_argument(
        "--api-key", default=None,
        help=f"API key clients must send (default: ${API_KEY_VARIABLE}); with --connect, the key to send "
             f"(default: ${REMOTE_API_KEY_VARIABLE}, then ${API_KEY_VARIABLE})",
    )
    parser.add_argument(
        "--tiled-uri", default=None,
        help="also send every run to this tiled server (runs wait locally while it is unreachable)",
    )
    parser.add_argument(
        "--tiled-api-key", default=None, help=f"API key of the tiled server (default: ${TILED_API_KEY_VARIABLE})"
    )
    parser.add_argument("--log-level", default="WARNING", choices=["DEBUG", "INFO", "WARNING", "ERROR"], help="logging level (default: WARNING)")
    parser.add_argument("--version", action="version", version=f"queue-gui {__version__}")
    return parser


def is_loopback(host):
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_configuration(args):
    """The reason a configuration is refused, or None."""
    if args.connect:
        if args.headless:
            return "--connect opens the window on another server's queue; it cannot be --headless"
        if not args.connect.startswith(("http://", "https://")):
            return f"--connect takes the server's URL, e.g. http://control-pc:60610, not {args.connect!r}"
        return None
    if not is_loopback(args.host) and not args.api_key:
        return (
            f"refusing to serve on {args.host} without an API key: anyone on the network could run plans. "
            f"Give --api-key (or set {API_KEY_VARIABLE}), or bind 127.0.0.1"
        )
    if not args.profile_timeout > 0:
        return f"--profile-timeout must be a positive number of seconds, not {args.profile_timeout:g}"
    if not 0 <= args.port <= 65535:
        return f"--port must be between 0 and 65535, not {args.port}"
    if args.tiled_uri is not None:
        from .app import ConfigurationError, check_tiled

        try:
            check_tiled(args.tiled_uri)
        except ConfigurationError as error:
            return str(error)
    return None


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.connect:
        # The ecosystem's clients read the key of a bluesky-httpserver from this variable.
        args.api_key = args.api_key or os.environ.get(REMOTE_API_KEY_VARIABLE) or os.environ.get(API_KEY_VARIABLE) or None
    else:
        args.api_key = args.api_key or os.environ.get(API_KEY_VARIABLE) or None
    args.tiled_api_key = args.tiled_api_key or os.environ.get(TILED_API_KEY_VARIABLE) or None
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    problem = check_configuration(args)
    if problem:
        print(f"queue-gui: {problem}", file=sys.stderr)
        return EXIT_CONFIGURATION
    if not args.headless:
        return run_desktop(args)
    return run_headless(args)


def run_desktop(args):
    """The window, with the manager on a QThread and the server beside it."""
    from .app import ConfigurationError
    from .display import ADVICE, display_problem

    problem = display_problem()
    if problem:
        print(f"queue-gui: cannot open a window: {problem}. {ADVICE}", file=sys.stderr)
        return EXIT_CONFIGURATION

    try:
        from .desktop import run_gui

        return run_gui(args)
    except ConfigurationError as error:
        print(f"queue-gui: {error}", file=sys.stderr)
        return EXIT_CONFIGURATION


def run_headless(args):
    """Serve until SIGINT or SIGTERM, then shut down cleanly and return 0."""
    from .app import ConfigurationError, Service

    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    try:
        service = Service(
            args.data_dir, args.profile, args.host, args.port, args.api_key,
            tiled_uri=args.tiled_uri, tiled_api_key=args.tiled_api_key, profile_timeout=args.profile_timeout,
        )
    except ConfigurationError as error:
        print(f"queue-gui: {error}", file=sys.stderr)
        return EXIT_CONFIGURATION
    service.start()
    print(f"queue-gui: serving {service.url}", flush=True)
    # A manager whose thread ended is no service: do not go on pretending.
    threading.Thread(target=lambda: service.manager.wait_finished() and stop.set(), daemon=True).start()
    try:
        stop.wait()
    finally:
        service.stop()
    if service.manager.failure:
        print(f"queue-gui: {service.manager.stopped_reason()}", file=sys.stderr, flush=True)
        return EXIT_FAILURE
    print("queue-gui: stopped", flush=True)
    return EXIT_OK
