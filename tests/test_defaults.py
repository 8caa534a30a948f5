"""The default address is defined once and every entry point takes it from there."""

import inspect

from queue_gui import defaults
from queue_gui.app import Service
from queue_gui.cli import build_parser
from queue_gui.desktop import Desktop
from queue_gui.server.serve import ServerThread


def test_the_command_line_serves_at_the_default_address():
    options = build_parser().parse_args([])
    assert (options.host, options.port) == (defaults.DEFAULT_HOST, defaults.DEFAULT_PORT) == ("127.0.0.1", 60610)


def test_every_composition_defaults_to_the_same_address():
    for target in (Service, Desktop, ServerThread):
        parameters = inspect.signature(target).parameters
        assert parameters["host"].default == defaults.DEFAULT_HOST, target
        assert parameters["port"].default == defaults.DEFAULT_PORT, target
