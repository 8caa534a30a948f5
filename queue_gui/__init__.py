"""queue-gui: queue and run bluesky plans from a desktop window or over HTTP."""

__version__ = "0.1.0"
