"""Every package queue-gui imports is one its installation brings (README: ``pip install -e .``).

A module imported only by the tests' environment works in CI and fails on
a scientist's fresh machine: ``queue-gui --connect`` once needed ``httpx``,
which only the ``test`` extra installed.
"""

import ast
import configparser
import importlib.metadata
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
#: Imported only where the ``tiled`` extra is asked for (``--tiled-uri``), with a message saying to install it.
OPTIONAL = {"tiled", "bluesky_tiled_plugins", "pyarrow"}


def _requirements(section_value):
    names = set()
    for line in section_value.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            names.add(re.split(r"[\[<>=!~ ;]", line, maxsplit=1)[0].lower().replace("_", "-"))
    return names


def _imported_top_level_modules():
    modules = set()
    for path in (ROOT / "queue_gui").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.split(".")[0])
    return modules - set(sys.stdlib_module_names) - {"queue_gui", "__future__"}


def test_every_imported_package_is_an_install_requirement():
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    required = _requirements(config["options"]["install_requires"])
    distributions = importlib.metadata.packages_distributions()
    missing = []
    for module in sorted(_imported_top_level_modules() - OPTIONAL):
        names = {name.lower().replace("_", "-") for name in distributions.get(module, [module])}
        if not names & required:
            missing.append(f"{module} (from {', '.join(sorted(names))})")
    assert not missing, f"imported by queue_gui but not in install_requires: {missing}"
