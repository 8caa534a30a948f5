"""Python literals a scientist types, and the JSON values a queue item carries.

The plan editor reads what is typed into a field with :func:`parse_literal`
(``ast.literal_eval``, with the profile's bare device names, ``motor`` or
``motor.velocity``, taken as their names), keeps only what JSON can carry
(:func:`to_json`), and writes a queued value back with :func:`format_literal`.
Plain Python: no Qt, no bluesky.
"""

from __future__ import annotations

import ast
from typing import Any


def to_json(value: Any) -> Any:
    """Return ``value`` with tuples as lists; refuse what JSON cannot carry.

    Raises
    ------
    ValueError
        For a dict with a key that is not a string, or a value that is not
        None, a bool, a number, a string, a list, a tuple or a dict.
    """
    if isinstance(value, (list, tuple)):
        return [to_json(element) for element in value]
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise ValueError("dictionary keys must be 'quoted text'")
        return {key: to_json(element) for key, element in value.items()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise ValueError(f"{type(value).__name__} values cannot be sent to the queue")


class _BareNames(ast.NodeTransformer):
    """Turn bare device names (``motor``, ``motor.velocity``) into strings."""

    def __init__(self, devices):
        self.devices = devices

    def _name(self, node, dotted):
        if dotted.split(".")[0] in self.devices:
            return ast.copy_location(ast.Constant(dotted), node)
        if self.devices:
            raise ValueError(f"{dotted!r} is not a device; write text in quotes: '{dotted}'")
        raise ValueError(f"{dotted} is not a literal; write text in quotes: '{dotted}'")

    def visit_Name(self, node):
        return self._name(node, node.id)

    def visit_Attribute(self, node):
        return self._name(node, ast.unparse(node))


def parse_literal(text: str, devices=()) -> Any:
    """Evaluate a Python literal safely, bare ``devices`` names becoming strings.

    Raises
    ------
    ValueError
        With a message for the user: what is wrong and how to write it.
    """
    try:
        tree = _BareNames(devices).visit(ast.parse(text.strip(), mode="eval"))
        return ast.literal_eval(tree)
    except SyntaxError as exc:
        raise ValueError(f"not a Python literal: {exc.msg}") from None
    except (TypeError, ValueError) as exc:
        if "malformed" in str(exc):
            raise ValueError("not a literal: use numbers, 'text', [lists], {dicts}, True, None") from None
        raise ValueError(str(exc)) from None


def format_literal(value: Any, devices=()) -> str:
    """Write ``value`` back as the literal a user would type (devices bare)."""
    if isinstance(value, str) and value.split(".")[0] in devices and value.replace(".", "_").isidentifier():
        return value
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(format_literal(v, devices) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {format_literal(v, devices)}" for k, v in value.items()) + "}"
    return repr(value)
