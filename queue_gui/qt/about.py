"""Versions shown in Help > About: what a bug report needs."""

from importlib import metadata

from qtpy import API_NAME, PYQT_VERSION, QT_VERSION

from .. import __version__


def _version(distribution):
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def about_text():
    rows = [
        ("queue-gui", __version__),
        ("bluesky", _version("bluesky")),
        ("ophyd", _version("ophyd")),
        ("bluesky-widgets", _version("bluesky-widgets")),
        ("Qt", QT_VERSION),
        (API_NAME, PYQT_VERSION),
    ]
    lines = "".join(f"<tr><td>{name}</td><td>&nbsp;{version}</td></tr>" for name, version in rows)
    return f"<h3>queue-gui</h3><p>Queue and run bluesky plans.</p><table>{lines}</table>"
