"""What a plan description says about its parameters, and how values become ``args`` and ``kwargs``.

A plan description (bluesky-queueserver's ``plans_allowed`` format) lists
each parameter with its ``kind`` (``{"name": ..., "value": int}``, the
``inspect.Parameter`` kind), its ``annotation`` and, when it has one, its
``default``. The manager rebuilds signatures from these to bind items; the
plan editor picks a field per parameter (:func:`field_kind`) and places
the values the fields hold into a call (:func:`arrange_arguments`). Plain
Python: no Qt, no bluesky.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

from .plan_literals import parse_literal, to_json

_P = inspect.Parameter
POSITIONAL_KINDS = (_P.POSITIONAL_ONLY, _P.POSITIONAL_OR_KEYWORD)
_LIST_WORDS = ("Sequence", "list", "Iterable", "tuple", "Collection")
_NUMBER = re.compile(r"\b(int|float)\b")


def described_kind(param: dict):
    """The parameter's ``inspect.Parameter`` kind as its description gives it, or None when it gives none."""
    try:
        return type(_P.POSITIONAL_ONLY)(int(param["kind"]["value"]))
    except (KeyError, TypeError, ValueError):
        return None


def param_kind(param: dict):
    """The parameter's ``inspect.Parameter`` kind; positional-or-keyword when undescribed."""
    kind = described_kind(param)
    return _P.POSITIONAL_OR_KEYWORD if kind is None else kind


def annotation_text(param: dict) -> str:
    """The parameter's annotation as text (``""`` when it has none)."""
    annotation = param.get("annotation") or {}
    return str(annotation.get("type", "") if isinstance(annotation, dict) else annotation)


def _number_in(text: Any) -> bool:
    try:
        float(text)
    except (TypeError, ValueError):
        return False
    return True


def field_kind(param: dict) -> str:
    """Which editor suits a parameter.

    Returns one of ``skip`` (callables cannot travel as JSON), ``advanced``
    (``md``, ``**kwargs``), ``args`` (``*args``), ``devices`` (a list of
    readable devices), ``device`` (one device), ``number`` or ``literal``.
    """
    annotation, kind = annotation_text(param), param_kind(param)
    listish = any(word in annotation for word in _LIST_WORDS)
    if "Callable" in annotation:
        return "skip"
    if kind == _P.VAR_KEYWORD or param["name"] == "md":
        return "advanced"
    if kind == _P.VAR_POSITIONAL:
        return "args"
    if param.get("convert_device_names"):
        return "devices" if listish or param["name"] == "detectors" else "device"
    if _NUMBER.search(annotation) and not listish:
        return "number"
    if not annotation and _number_in(param.get("default")):
        return "number"
    return "literal"


def default_value(param: dict) -> Any:
    """The parameter's default as JSON, for a slot that must be filled before ``*args``.

    Raises
    ------
    ValueError
        When the parameter has no default, or one that is not a literal.
    """
    try:
        return to_json(parse_literal(str(param["default"])))
    except (KeyError, ValueError):
        raise ValueError(f"fill this in: '{param['name']}' comes before *args") from None


class ArgumentProblem(ValueError):
    """A value that cannot be placed in the call; ``name`` is the parameter to mark."""

    def __init__(self, name: str, msg: str):
        super().__init__(msg)
        self.name = name


def arrange_arguments(parameters: list[dict], values: dict[str, Any]) -> tuple[list, dict]:
    """Place field values into ``args`` and ``kwargs`` as the plan's signature takes them.

    What has a default is given by name, as a scientist writes the call:
    ``count(['det1'], num=50, delay=0.2)``, never ``count(['det1'], 50,
    0.2)``. Required positional-or-keyword values go to ``args`` until one
    is left empty, then to ``kwargs`` (a later positional would otherwise
    take the empty one's slot). When ``*args`` has values every slot before
    it must be filled positionally, so an empty one takes its default.

    Parameters
    ----------
    parameters : list of dict
        The plan description's ``parameters``, in signature order.
    values : dict
        Parameter name to value, for the parameters that were filled in.

    Raises
    ------
    ArgumentProblem
        When a value cannot be placed (its ``name`` says which).
    """
    args, kwargs, gap = [], {}, False
    star = any(param_kind(p) == _P.VAR_POSITIONAL and p["name"] in values for p in parameters)
    for param in parameters:
        name, kind = param["name"], param_kind(param)
        if kind in POSITIONAL_KINDS:
            by_position = star or kind == _P.POSITIONAL_ONLY or "default" not in param
            if star and name not in values:
                try:
                    args.append(default_value(param))
                except ValueError as exc:
                    raise ArgumentProblem(name, str(exc)) from None
            elif name in values and by_position and not gap:
                args.append(values[name])
            elif name in values and kind == _P.POSITIONAL_ONLY:
                raise ArgumentProblem(name, "fill in the positional parameters before this one")
            elif name in values:
                kwargs[name] = values[name]
            else:
                gap = True
        elif kind == _P.VAR_POSITIONAL:
            args.extend(values.get(name, []))
        elif kind == _P.VAR_KEYWORD:
            kwargs.update(values.get(name) or {})
        elif name in values:
            kwargs[name] = values[name]
    return args, kwargs
