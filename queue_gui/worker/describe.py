"""Describe a profile's plans and devices as plain JSON values.

The manager validates queue items while the RunEngine environment is closed
and must not import bluesky, so the worker sends it this description
instead: plan signatures (parameter kinds, defaults, docstring text) and
device classes. The shape follows bluesky-queueserver's ``plans_existing`` /
``devices_existing`` so that queue-monitor can build its editor from it.

The rule that decides which parameters take device names lives here and is
shared with :mod:`queue_gui.worker.resolve`, so validation and execution
always agree on which strings are devices.
"""

from __future__ import annotations

import collections.abc
import inspect
import logging
import re
import textwrap
import typing
from typing import Any, Callable

from ophyd.ophydobj import OphydObject

from ..plan_args import BLUESKY_PLAN_PATTERNS

logger = logging.getLogger(__name__)

#: Parameter names that conventionally hold devices in bluesky plans.
DEVICE_PARAMETER_NAMES = frozenset(
    {
        "detectors",
        "detector",
        "dets",
        "motor",
        "motors",
        "devices",
        "device",
        "readable",
        "movable",
        "signal",
        "positioner",
    }
)

#: Standard bluesky plans whose ``*args`` interleave movables with positions.
#: Needed because ``grid_scan`` leaves ``*args`` unannotated; matched on the
#: function's module as well as its name so a profile's own ``scan`` is not
#: mistaken for bluesky's.
MOVABLE_ARGS_PLANS = frozenset(BLUESKY_PLAN_PATTERNS)
_MOVABLE_ARGS_MODULES = frozenset({"bluesky.plans", "bluesky.plan_stubs"})

#: Type names (or suffixes of them) that mark an annotation as a device.
_DEVICE_TYPE_NAME = re.compile(r"(Readable|Movable|Flyable|Device|Signal)\b")
_SECTION_UNDERLINE = re.compile(r"^\s*-{3,}\s*$")


def plan_signature(plan: Callable[..., Any]) -> inspect.Signature:
    """Return the signature of ``plan``, with string annotations evaluated if possible.

    Profiles written with ``from __future__ import annotations`` have string
    annotations; evaluating them lets the device rule see real types, and a
    name that does not resolve falls back to the plain strings.
    """
    try:
        return inspect.signature(plan, eval_str=True)
    except Exception:  # any error while evaluating a user's annotation
        return inspect.signature(plan)


def converts_device_names(plan: Callable[..., Any], parameter: inspect.Parameter) -> bool:
    """Tell whether strings given for ``parameter`` of ``plan`` name devices.

    True for the conventional device parameter names, for annotations that
    mention a device type (Readable, Movable, Flyable, Device, Signal, or an
    ophyd class), and for the ``*args`` of the standard scan family and
    ``mv``/``mvr``, where motors alternate with positions.
    """
    if parameter.name in DEVICE_PARAMETER_NAMES:
        return True
    if _mentions_device(parameter.annotation):
        return True
    if parameter.kind is inspect.Parameter.VAR_POSITIONAL:
        return args_pattern_of(plan) is not None
    return False


def args_pattern_of(plan: Callable[..., Any]) -> str | None:
    """The :mod:`queue_gui.plan_args` pattern of a bluesky scan-family plan's ``*args``, or None."""
    function = inspect.unwrap(plan)
    if getattr(function, "__module__", None) not in _MOVABLE_ARGS_MODULES:
        return None
    return BLUESKY_PLAN_PATTERNS.get(getattr(function, "__name__", None))


def device_parameter_flags(plan: Callable[..., Any]) -> dict[str, bool]:
    """Map each parameter name of ``plan`` to its ``convert_device_names`` flag."""
    parameters = plan_signature(plan).parameters.values()
    return {p.name: converts_device_names(plan, p) for p in parameters}


def describe_profile(profile: Any) -> dict[str, Any]:
    """Describe every exported plan and device of a loaded profile.

    Parameters
    ----------
    profile : queue_gui.worker.profile.Profile

    Returns
    -------
    dict
        ``{"plans": {name: plan_desc}, "devices": {name: device_desc}}``,
        plain JSON values only, so it crosses the Pipe and is persisted as is.
    """
    plans = {name: describe_plan(name, plan) for name, plan in profile.plans.items()}
    devices = {name: describe_device(dev) for name, dev in profile.devices.items()}
    return {"plans": plans, "devices": devices}


def describe_plan(name: str, plan: Callable[..., Any]) -> dict[str, Any]:
    """Describe one plan: its name, docstring summary and parameters."""
    summary, parameter_texts = _parse_docstring(inspect.getdoc(plan) or "")
    parameters = [
        _describe_parameter(plan, parameter, parameter_texts)
        for parameter in plan_signature(plan).parameters.values()
    ]
    return {
        "name": name,
        "module": str(getattr(plan, "__module__", "") or ""),
        "description": summary,
        "parameters": parameters,
        "properties": _plan_properties(plan),
    }


def _plan_properties(plan: Callable[..., Any]) -> dict[str, Any]:
    properties: dict[str, Any] = {"is_generator": True}
    pattern = args_pattern_of(plan)
    if pattern is not None:
        # queue-gui's own key: the manager checks the shape of *args with it.
        properties["args_pattern"] = pattern
    return properties


def describe_device(device: Any, depth: int = 1) -> dict[str, Any]:
    """Describe one device: its class, protocols and (for ophyd Devices) components.

    ``depth`` limits how far components are followed; one level is enough
    for validating dotted names such as ``motor.velocity``.
    """
    cls = type(device)
    desc: dict[str, Any] = {
        "classname": cls.__name__,
        "module": cls.__module__,
        "is_readable": _has_methods(device, "read", "describe"),
        "is_movable": _has_methods(device, "set"),
        "is_flyable": _has_methods(device, "kickoff", "complete"),
    }
    component_names = getattr(device, "component_names", None)
    if depth > 0 and isinstance(component_names, (tuple, list)):
        components = {}
        for component_name in component_names:
            try:
                component = getattr(device, component_name)
            except Exception:  # a broken component must not hide the device
                logger.warning("cannot read component %r of %r", component_name, device)
                continue
            components[component_name] = describe_device(component, depth - 1)
        desc["components"] = components
    return desc


def _describe_parameter(
    plan: Callable[..., Any], parameter: inspect.Parameter, texts: dict[str, str]
) -> dict[str, Any]:
    """Describe one parameter in bluesky-queueserver's format."""
    desc: dict[str, Any] = {
        "name": parameter.name,
        "kind": {"name": parameter.kind.name, "value": int(parameter.kind)},
        "description": texts.get(parameter.name, ""),
    }
    if parameter.annotation is not inspect.Parameter.empty:
        desc["annotation"] = {"type": _format_annotation(parameter.annotation)}
    if parameter.default is not inspect.Parameter.empty:
        desc["default"] = repr(parameter.default)
    desc["convert_device_names"] = converts_device_names(plan, parameter)
    return desc


def _format_annotation(annotation: Any) -> str:
    """Spell an annotation the way a reader writes it (``int | None``, not ``<class ...>``)."""
    if isinstance(annotation, str):
        return annotation
    return inspect.formatannotation(annotation)


def _has_methods(obj: Any, *names: str) -> bool:
    return all(callable(getattr(obj, name, None)) for name in names)


def _mentions_device(annotation: Any) -> bool:
    """Tell whether an annotation names a device type outside any Callable.

    ``per_step: Callable[[Sequence[Readable], ...], ...]`` mentions Readable
    but takes a function, so Callable arguments are not looked into.
    """
    if annotation is inspect.Parameter.empty or annotation is None:
        return False
    if isinstance(annotation, str):
        return bool(_DEVICE_TYPE_NAME.search(_strip_callables(annotation)))
    if isinstance(annotation, typing.ForwardRef):
        return _mentions_device(annotation.__forward_arg__)
    origin = typing.get_origin(annotation)
    if origin is not None:
        if origin in (collections.abc.Callable, typing.Literal):
            return False
        return any(_mentions_device(arg) for arg in typing.get_args(annotation))
    if isinstance(annotation, type):
        if issubclass(annotation, OphydObject):
            return True
        return any(_DEVICE_TYPE_NAME.search(cls.__name__) for cls in annotation.__mro__)
    return False


def _strip_callables(text: str) -> str:
    """Remove every ``Callable[...]`` group (brackets balanced) from an annotation string."""
    kept = []
    position = 0
    while (start := text.find("Callable[", position)) >= 0:
        kept.append(text[position:start])
        index = start + len("Callable")
        depth = 0
        while index < len(text):
            depth += {"[": 1, "]": -1}.get(text[index], 0)
            if depth == 0:
                break
            index += 1
        position = index + 1
    kept.append(text[position:])
    return "".join(kept)


def _parse_docstring(doc: str) -> tuple[str, dict[str, str]]:
    """Return the first paragraph and the numpy-style parameter texts of a docstring."""
    lines = doc.expandtabs().splitlines()
    paragraph = []
    for line in lines:
        if not line.strip():
            if paragraph:
                break
            continue
        if _SECTION_UNDERLINE.match(line):
            paragraph = paragraph[:-1]  # a section title, not a summary
            break
        paragraph.append(line.strip())
    return " ".join(paragraph), _parameter_texts(lines)


def _parameter_texts(lines: list[str]) -> dict[str, str]:
    """Parse the ``Parameters`` section: ``name : type`` lines and indented text."""
    start = next(
        (
            i + 2
            for i in range(len(lines) - 1)
            if lines[i].strip() == "Parameters" and _SECTION_UNDERLINE.match(lines[i + 1])
        ),
        None,
    )
    if start is None:
        return {}
    texts: dict[str, list[str]] = {}
    base_indent = None
    current: list[str] = []
    for index in range(start, len(lines)):
        line = lines[index]
        if index + 1 < len(lines) and _SECTION_UNDERLINE.match(lines[index + 1]):
            break  # the next section starts
        indent = len(line) - len(line.lstrip())
        if base_indent is None and line.strip():
            base_indent = indent
        if line.strip() and indent == base_indent:
            current = []
            for entry in line.split(":", 1)[0].split(","):
                texts[entry.strip().lstrip("*")] = current
        else:
            current.append(line)
    return {name: textwrap.dedent("\n".join(body)).strip() for name, body in texts.items()}
