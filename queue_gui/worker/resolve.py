"""Turn a queue item (names and JSON values) into a plan for the RunEngine.

Items travel as JSON, so devices are named by strings (``"det1"``,
``"motor.velocity"``). Just before running, the worker replaces those
strings by the profile's device objects, in exactly the parameters that
:func:`queue_gui.worker.describe.converts_device_names` marks, the rule the
manager validated the item with. Strings elsewhere (metadata, labels) are
passed through untouched.
"""

from __future__ import annotations

import logging
from typing import Any, Generator

from queue_gui.worker.describe import device_parameter_flags, plan_signature
from queue_gui.worker.profile import Profile

logger = logging.getLogger(__name__)


class PlanBuildError(ValueError):
    """The item names an unknown plan or device, or its arguments do not bind."""


def build_plan(
    profile: Profile,
    description: dict[str, Any] | None,
    name: str,
    args: list[Any] | None,
    kwargs: dict[str, Any] | None,
) -> Generator[Any, Any, Any]:
    """Build the plan generator for one queue item.

    Parameters
    ----------
    profile : Profile
        The loaded profile that owns the plans and devices.
    description : dict or None
        The profile description; when it describes the plan, its
        ``convert_device_names`` flags are used, otherwise they are computed
        from the plan itself (same rule).
    name : str
        The plan name.
    args, kwargs : list, dict or None
        The item's arguments, device names as strings.

    Returns
    -------
    generator
        Ready for ``RE(...)``.

    Raises
    ------
    PlanBuildError
        For an unknown plan or device, or arguments that do not bind; the
        worker reports it as a failed plan.
    """
    plan = profile.plans.get(name)
    if plan is None:
        raise PlanBuildError(
            f"unknown plan {name!r}; available: {', '.join(sorted(profile.plans))}"
        )
    flags = _device_flags(plan, description, name)
    try:
        bound = plan_signature(plan).bind(*(args or []), **(kwargs or {}))
    except TypeError as exc:
        raise PlanBuildError(f"plan {name!r}: {exc}") from exc
    for param_name, value in list(bound.arguments.items()):
        if flags.get(param_name):
            bound.arguments[param_name] = _replace_device_names(
                value, profile.devices, f"parameter {param_name!r} of plan {name!r}"
            )
    logger.debug("built plan %s(%r, %r)", name, bound.args, bound.kwargs)
    return plan(*bound.args, **bound.kwargs)


def resolve_device(text: str, devices: dict[str, Any]) -> Any:
    """Return the device named ``text``; dotted names follow attributes.

    ``"motor.velocity"`` gives ``devices["motor"].velocity``.

    Raises
    ------
    PlanBuildError
        When the device or one of its attributes does not exist.
    """
    if text in devices:
        return devices[text]
    head, _, rest = text.partition(".")
    if head not in devices or not rest:
        raise PlanBuildError(
            f"unknown device {text!r}; available: {', '.join(sorted(devices))}"
        )
    obj = devices[head]
    for part in rest.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError as exc:
            raise PlanBuildError(f"unknown device {text!r}: no attribute {part!r}") from exc
    return obj


def _device_flags(
    plan: Any, description: dict[str, Any] | None, name: str
) -> dict[str, bool]:
    """Which parameters take device names: from the description when it has the plan."""
    plan_desc = (description or {}).get("plans", {}).get(name)
    if plan_desc is None:
        return device_parameter_flags(plan)
    return {
        param["name"]: bool(param.get("convert_device_names"))
        for param in plan_desc.get("parameters", [])
    }


def _replace_device_names(value: Any, devices: dict[str, Any], where: str) -> Any:
    """Replace every string in ``value`` (looking into lists and dict values) by its device.

    Numbers and other values are kept, so the interleaved positions of
    ``scan("det", "motor", -1, 1, 10)`` survive; containers keep their type
    (the ``*args`` tuple stays a tuple, lists stay lists).
    """
    if isinstance(value, str):
        try:
            return resolve_device(value, devices)
        except PlanBuildError as exc:
            raise PlanBuildError(f"{exc} (in {where})") from exc
    if isinstance(value, list):
        return [_replace_device_names(element, devices, where) for element in value]
    if isinstance(value, tuple):
        return tuple(_replace_device_names(element, devices, where) for element in value)
    if isinstance(value, dict):
        return {key: _replace_device_names(v, devices, where) for key, v in value.items()}
    return value
