"""Validate queue items against the worker's description of the profile.

The seed adds plans before the environment exists, and the project refuses
unknown plans and devices at the moment they are added (not mid-queue, as
bluesky-queueserver does). So the manager checks every item against the
latest profile description (see :mod:`queue_gui.worker.describe`): the plan
exists, its arguments are JSON, they bind to the plan's signature, and every
string in a device parameter names a device.

This module deliberately imports nothing from bluesky or ophyd: the manager
process must start and validate without them.
"""

from __future__ import annotations

import copy
import inspect
import logging
import math
from typing import Any

import orjson

from queue_gui.plan_args import args_problem
from queue_gui.plan_parameters import described_kind, param_kind
from queue_gui.wire import QUEUE_STOP_INSTRUCTION, ItemType

logger = logging.getLogger(__name__)

#: Top-level keys an item record may carry (others are refused, so a typo
#: such as ``kwarg`` is not silently dropped).
ITEM_KEYS = frozenset(
    {
        "item_uid",
        "item_type",
        "name",
        "args",
        "kwargs",
        "meta",
        "user",
        "user_group",
        "result",
        "properties",
    }
)

_PLAN = ItemType.PLAN.value
_INSTRUCTION = ItemType.INSTRUCTION.value
#: Item types as plain strings: a set lookup, where ``ItemType(value)`` cost
#: a twentieth of validating an item.
_ITEM_TYPES = frozenset(kind.value for kind in ItemType)

#: Instructions the manager knows how to execute.
KNOWN_INSTRUCTIONS = (QUEUE_STOP_INSTRUCTION,)

_JSON_HINT = "str, number, bool, null, list, or object with string keys"


class ItemInvalid(ValueError):
    """An item that cannot be queued; the message is shown to the user as is."""


def validate_item(item: Any, description: dict[str, Any] | None) -> dict[str, Any]:
    """Check a queue item record and return a normalized copy.

    Parameters
    ----------
    item : dict
        The record as a client sent it.
    description : dict or None
        The profile description (``{"plans": ..., "devices": ...}``).

    Returns
    -------
    dict
        A deep copy with ``item_type`` set and, for plans and instructions
        alike, ``args`` (list), ``kwargs`` (dict) and ``meta`` (dict) present,
        so every stored record has the same shape. ``item_uid`` and ``user``
        are left to the manager.

    Raises
    ------
    ItemInvalid
        With a message naming what is wrong.
    """
    if not isinstance(item, dict):
        raise ItemInvalid(f"an item must be an object, not {_type_name(item)}")
    if not ITEM_KEYS.issuperset(item):
        unknown = sorted(str(key) for key in item if key not in ITEM_KEYS)
        raise ItemInvalid(
            f"unknown item key(s): {', '.join(unknown)}; "
            f"allowed: {', '.join(sorted(ITEM_KEYS))}"
        )
    try:
        normalized, is_json = _json_copy(item), True
    except _NotJSON:
        normalized, is_json = copy.deepcopy(item), False
    item_type = normalized.get("item_type") or _PLAN
    if not isinstance(item_type, str) or item_type not in _ITEM_TYPES:
        raise ItemInvalid(f"unknown item_type {item_type!r}; expected 'plan' or 'instruction'")
    item_type = normalized["item_type"] = _PLAN if item_type == _PLAN else _INSTRUCTION
    for key in ("item_uid", "user", "user_group"):
        value = normalized.get(key)
        if value is not None and not isinstance(value, str):
            raise ItemInvalid(f"item {key!r} must be a string, not {_type_name(value)}")
    name = normalized.get("name")
    if not isinstance(name, str) or not name:
        raise ItemInvalid(f"an item needs a 'name' string, got {_type_name(name)}")
    normalized["args"] = _field(normalized, "args", list, [])
    normalized["kwargs"] = _field(normalized, "kwargs", dict, {})
    normalized["meta"] = _field(normalized, "meta", dict, {})
    if not is_json:
        _require_json(normalized["meta"], "meta", f"item {name!r}")
    if item_type == _INSTRUCTION:
        _validate_instruction(normalized)
    else:
        _validate_plan(name, normalized["args"], normalized["kwargs"], description, is_json)
    return normalized


def validate_plan(
    name: str, args: Any, kwargs: Any, description: dict[str, Any] | None
) -> None:
    """Check that a plan exists and that its arguments make sense for it.

    Parameters
    ----------
    name : str
        Plan name as exported by the profile.
    args : list
        Positional arguments, JSON values; device names as strings.
    kwargs : dict
        Keyword arguments, JSON values.
    description : dict or None
        The profile description from the worker.

    Raises
    ------
    ItemInvalid
        For an unknown plan, non-JSON or non-binding arguments, or a string
        in a device parameter that names no device.
    """
    _validate_plan(name, args, kwargs, description, is_json=False)


def _validate_plan(name: str, args: Any, kwargs: Any, description: dict[str, Any] | None, is_json: bool) -> None:
    """:func:`validate_plan`; ``is_json`` when the arguments are known to be plain JSON already."""
    if description is None:
        raise ItemInvalid(
            f"cannot check plan {name!r}: the startup profile has not been "
            "described yet (open the environment or fix the profile)"
        )
    plans = description.get("plans", {})
    if name not in plans:
        raise ItemInvalid(f"unknown plan {name!r}; available: {', '.join(sorted(plans))}")
    if not isinstance(args, list):
        raise ItemInvalid(f"plan {name!r}: args must be a list, not {_type_name(args)}")
    if not isinstance(kwargs, dict):
        raise ItemInvalid(f"plan {name!r}: kwargs must be an object, not {_type_name(kwargs)}")
    if not is_json:
        _require_json(args, "args", f"plan {name!r}")
        _require_json(kwargs, "kwargs", f"plan {name!r}")
    arguments = _device_arguments(name, plans[name], args, kwargs)
    _check_args_pattern(name, plans[name], args, kwargs)
    _check_device_names(name, arguments, description.get("devices", {}))


def _check_args_pattern(name: str, plan_desc: dict[str, Any], args: list[Any], kwargs: dict[str, Any]) -> None:
    """Refuse motors and positions that do not fit a scan-family plan (see :mod:`queue_gui.plan_args`)."""
    properties = plan_desc.get("properties")
    pattern = properties.get("args_pattern") if isinstance(properties, dict) else None
    if pattern is None:
        return
    before = 0
    for param in plan_desc.get("parameters", []):
        if (param.get("kind") or {}).get("name") == "VAR_POSITIONAL":
            break
        before += 1
    problem = args_problem(pattern, name, args[before:], kwargs)
    if problem:
        raise ItemInvalid(problem)


def signature_from_description(plan_desc: dict[str, Any]) -> inspect.Signature:
    """Rebuild a plan's call signature (kinds and which defaults exist) from its description.

    Default values are placeholders: only their presence matters for binding,
    and the real values live in the worker.
    """
    parameters = []
    for param in plan_desc.get("parameters", []):
        if described_kind(param) is None:
            logger.warning("parameter %r has no usable kind; assuming positional or keyword", param)
        kind = param_kind(param)
        default = param["default"] if "default" in param else inspect.Parameter.empty
        parameters.append(inspect.Parameter(param["name"], kind, default=default))
    return inspect.Signature(parameters)


#: id(plan description) -> (description, signature). The description object
#: is kept alongside, so an id reused by a later object never matches. A batch
#: of a thousand items then rebuilds each signature once, not a thousand times.
_SIGNATURES: dict[int, tuple[dict[str, Any], inspect.Signature]] = {}


def _cached_signature(plan_desc: dict[str, Any]) -> inspect.Signature:
    cached = _SIGNATURES.get(id(plan_desc))
    if cached is not None and cached[0] is plan_desc:
        return cached[1]
    signature = signature_from_description(plan_desc)
    if len(_SIGNATURES) > 1000:
        _SIGNATURES.clear()
    _SIGNATURES[id(plan_desc)] = (plan_desc, signature)
    return signature


class _Slot:
    """Placeholder for one argument while a call's shape is bound."""

    __slots__ = ("key",)

    def __init__(self, key: int | str) -> None:
        self.key = key


#: (id(plan description), number of args, keyword names) -> (description,
#: error message or device-parameter routes); see :func:`_device_arguments`.
_SHAPES: dict[tuple[Any, ...], tuple[dict[str, Any], Any]] = {}


def _device_arguments(
    name: str, plan_desc: dict[str, Any], args: list[Any], kwargs: dict[str, Any]
) -> list[tuple[str, Any]]:
    """Bind the arguments as Python would; return ``(parameter, value)`` of the device parameters.

    Whether a call binds, and which argument lands in which parameter,
    depends only on the number of positional arguments and the keyword
    names, never on the values. So ``Signature.bind`` runs once per such
    shape, with placeholders, and the items of a batch that share a shape
    reuse it (binding was a fifth of the cost of adding a thousand items).
    """
    key = (id(plan_desc), len(args), tuple(kwargs))
    cached = _SHAPES.get(key)
    if cached is None or cached[0] is not plan_desc:
        try:
            shape = _bind_shape(plan_desc, len(args), tuple(kwargs))
        except (ValueError, TypeError) as exc:
            raise ItemInvalid(f"plan {name!r} has an unusable description: {exc}") from exc
        if len(_SHAPES) > 1000:
            _SHAPES.clear()
        cached = _SHAPES[key] = (plan_desc, shape)
    shape = cached[1]
    if isinstance(shape, str):
        raise ItemInvalid(f"plan {name!r}: {shape}")
    return [(param, _fill(slots, args, kwargs)) for param, slots in shape]


def _bind_shape(plan_desc: dict[str, Any], nargs: int, names: tuple[str, ...]) -> Any:
    """The binding error message, or ``[(device parameter, placeholders)]``."""
    signature = _cached_signature(plan_desc)
    try:
        bound = signature.bind(*(_Slot(i) for i in range(nargs)), **{n: _Slot(n) for n in names})
    except TypeError as exc:
        return str(exc)
    device_params = {p["name"] for p in plan_desc.get("parameters", []) if p.get("convert_device_names")}
    return [(param, slots) for param, slots in bound.arguments.items() if param in device_params]


def _fill(slots: Any, args: list[Any], kwargs: dict[str, Any]) -> Any:
    """Replace placeholders (alone, in a ``*args`` tuple or a ``**kwargs`` dict) by the values."""
    if isinstance(slots, _Slot):
        return args[slots.key] if isinstance(slots.key, int) else kwargs[slots.key]
    if isinstance(slots, tuple):
        return tuple(_fill(slot, args, kwargs) for slot in slots)
    return {key: _fill(slot, args, kwargs) for key, slot in slots.items()}


def _check_device_names(name: str, arguments: list[tuple[str, Any]], devices: dict[str, Any]) -> None:
    """Refuse any string in a device parameter that does not name a device."""
    for param_name, value in arguments:
        for text in _strings_in(value):
            if text in devices:  # the common case, without a call
                continue
            problem = _device_name_problem(text, devices)
            if problem:
                raise ItemInvalid(
                    f"{problem} in parameter {param_name!r} of plan {name!r}; "
                    f"available: {', '.join(sorted(devices))}"
                )


def _device_name_problem(text: str, devices: dict[str, Any]) -> str | None:
    """Return why ``text`` is not a device name, or None when it is one.

    ``motor.velocity`` is a device when ``motor`` is one; when the device's
    components are described, the first component is checked too, so a typo
    after the dot is caught now rather than when the plan runs.
    """
    if text in devices:
        return None
    head, _, rest = text.partition(".")
    if head not in devices or not rest:
        return f"unknown device {text!r}"
    components = devices[head].get("components") if isinstance(devices[head], dict) else None
    if components and rest.split(".", 1)[0] not in components:
        return (
            f"unknown device {text!r} (device {head!r} has components: "
            f"{', '.join(sorted(components))})"
        )
    return None


def _strings_in(value: Any) -> list[str]:
    """Every string in ``value``, looking into lists, tuples and dict values, in order."""
    if isinstance(value, str):
        return [value]
    found, pending = [], [value]
    while pending:
        current = pending.pop()
        if isinstance(current, str):
            found.append(current)
        elif isinstance(current, (list, tuple)):
            pending.extend(reversed(current))
        elif isinstance(current, dict):
            pending.extend(reversed(list(current.values())))
    return found


def _validate_instruction(item: dict[str, Any]) -> None:
    """Accept only instructions the manager executes, and only without arguments."""
    name = item["name"]
    if name not in KNOWN_INSTRUCTIONS:
        raise ItemInvalid(
            f"unknown instruction {name!r}; known instructions: {', '.join(KNOWN_INSTRUCTIONS)}"
        )
    if item["args"] or item["kwargs"]:
        raise ItemInvalid(f"instruction {name!r} takes no args or kwargs")


class _NotJSON(Exception):
    """A value that is not plain JSON was met while copying."""


_JSON_SCALARS = (str, int, bool, type(None))


def _json_copy(value: Any) -> Any:
    """A deep copy of plain JSON data; raises :class:`_NotJSON` at anything else.

    Items arrive as parsed JSON: copying them this way, and learning on the
    way that they are JSON (so the separate checks need not walk them
    again), replaced ``copy.deepcopy``, the largest single cost of adding a
    batch of a thousand items. The copy is an orjson round trip (C speed,
    a third of the instructions of a Python walk), trusted only when it
    equals the original: what orjson changes (``NaN`` to ``null``, a tuple
    to a list) or refuses (an integer beyond 64 bits, a non-string key, a
    lone surrogate) takes the exact walk instead.
    """
    try:
        copied = orjson.loads(orjson.dumps(value))
    except (TypeError, ValueError):
        return _walk_json_copy(value)
    if copied != value:
        return _walk_json_copy(value)
    return copied


def _walk_json_copy(value: Any) -> Any:
    """:func:`_json_copy`, element by element."""
    kind = type(value)
    if kind is dict:
        copied = {}
        for key, element in value.items():
            if type(key) is not str:
                raise _NotJSON
            copied[key] = _walk_json_copy(element)
        return copied
    if kind is list:
        return [_walk_json_copy(element) for element in value]
    if kind in _JSON_SCALARS or (kind is float and math.isfinite(value)):
        return value
    raise _NotJSON


def _field(item: dict[str, Any], key: str, kind: type, default: Any) -> Any:
    """Return ``item[key]`` checked to be a ``kind``; missing or null gives ``default``."""
    value = item.get(key)
    if value is None:
        return default
    if not isinstance(value, kind):
        expected = "a list" if kind is list else "an object"
        raise ItemInvalid(f"item {key!r} must be {expected}, not {_type_name(value)}")
    return value


def _require_json(value: Any, where: str, owner: str) -> None:
    """Refuse anything that is not a plain JSON value, naming where it was found."""
    if value is None or isinstance(value, (str, bool, int)):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            # Python's JSON parser reads NaN and Infinity, but no JSON reply can carry them.
            raise ItemInvalid(f"{owner}: {where} is {value!r}, which is not a JSON value (numbers must be finite)")
        return
    if isinstance(value, list):
        for index, element in enumerate(value):
            _require_json(element, f"{where}[{index}]", owner)
        return
    if isinstance(value, dict):
        for key, element in value.items():
            if not isinstance(key, str):
                raise ItemInvalid(
                    f"{owner}: {where} has a key {key!r} of type {_type_name(key)}; "
                    "object keys must be strings"
                )
            _require_json(element, f"{where}[{key!r}]", owner)
        return
    raise ItemInvalid(
        f"{owner}: {where} is {_type_name(value)}, which is not a JSON value ({_JSON_HINT})"
    )


def _type_name(value: Any) -> str:
    """Name a value's type for messages (``a tuple``, ``None``)."""
    if value is None:
        return "null"
    cls = type(value)
    name = cls.__name__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__name__}"
    return f"a {name}"
