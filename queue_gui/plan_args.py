"""The shape of the ``*args`` of bluesky's scan family, checked when an item is added.

``scan``, ``grid_scan``, ``list_scan`` and ``mv`` take their motors and
positions as one flat ``*args``: ``grid_scan([det4], motor1, -1, 1, 3,
motor2, -1, 1, 5)``. A signature cannot say that, so a call that leaves
out a number of points binds and is queued, then fails when it runs and
stops an unattended queue. The worker tags bluesky's own plans with the
name of their pattern (see ``queue_gui.worker.describe``); the manager
checks an item against it; the plan editor shows it as the hint. Plain
Python, imported by all three.
"""

from dataclasses import dataclass
from typing import Any, Optional


@dataclass(frozen=True)
class ArgsPattern:
    """One pattern: the repeated group, how it reads, and an example call."""

    group: tuple  # kinds: "motor", "number", "count", "list", "value"
    words: tuple  # what each slot of the group is called
    reads: str
    example: str


PATTERNS = {
    "scan": ArgsPattern(
        ("motor", "number", "number"),
        ("motor", "start", "stop"),
        "for each motor: motor, start, stop; then the number of points (or num=...)",
        "scan([det1], motor1, -1, 1, 11)",
    ),
    "grid_scan": ArgsPattern(
        ("motor", "number", "number", "count"),
        ("motor", "start", "stop", "number of points"),
        "for each motor: motor, start, stop, number of points",
        "grid_scan([det4], motor1, -1, 1, 3, motor2, -1, 1, 5)",
    ),
    "list_scan": ArgsPattern(
        ("motor", "list"),
        ("motor", "list of positions"),
        "for each motor: motor, list of positions (all of one length)",
        "list_scan([det1], motor1, [0, 0.5, 1])",
    ),
    "mv": ArgsPattern(
        ("motor", "value"),
        ("motor", "position"),
        "for each motor: motor, position",
        "mv(motor1, 0.5)",
    ),
}

#: bluesky's functions (by ``__name__``) and the pattern of their ``*args``.
BLUESKY_PLAN_PATTERNS = {
    "scan": "scan",
    "rel_scan": "scan",
    "grid_scan": "grid_scan",
    "rel_grid_scan": "grid_scan",
    "list_scan": "list_scan",
    "rel_list_scan": "list_scan",
    "mv": "mv",
    "mvr": "mv",
}


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


_KIND_TEST = {
    "motor": lambda v: isinstance(v, str),
    "number": _is_number,
    "count": _is_count,
    "list": lambda v: isinstance(v, list) and len(v) > 0 and all(_is_number(x) for x in v),
    "value": lambda v: True,
}


def _spell(value: Any) -> str:
    return value if isinstance(value, str) else repr(value)


def args_problem(pattern_name: Optional[str], plan_name: str, args: list, kwargs: dict) -> Optional[str]:
    """Why the motor-and-position ``args`` do not fit the pattern, or None when they do (or no pattern applies)."""
    pattern = PATTERNS.get(pattern_name or "")
    if pattern is None:
        return None
    size = len(pattern.group)
    rest = list(args)
    trailing_num = None
    if pattern_name == "scan" and len(rest) % size == 1:
        trailing_num = rest.pop()
        if not _is_count(trailing_num):
            return _say(plan_name, pattern, f"the number of points must be a positive integer, not {_spell(trailing_num)}")
        if "num" in kwargs:
            return _say(plan_name, pattern, "the number of points is given twice (as the last argument and as num=)")
    if pattern_name == "grid_scan" and len(rest) > size and (len(rest) - size) % (size + 1) == 0:
        return _legacy_grid_problem(plan_name, pattern, rest)
    if not rest:
        return _say(plan_name, pattern, "no motor is given")
    for start in range(0, len(rest), size):
        group = rest[start : start + size]
        for offset, kind in enumerate(pattern.group):
            if offset >= len(group):
                missing = ", ".join(pattern.words[offset:])
                return _say(plan_name, pattern, f"after {_spell(group[0])}, {missing} {'is' if offset == size - 1 else 'are'} missing")
            if not _KIND_TEST[kind](group[offset]):
                where = f"after {_spell(group[0])}" if offset else f"at position {start + 1} of the motors"
                return _say(plan_name, pattern, f"{where}, expected {pattern.words[offset]}, found {_spell(group[offset])}")
    if pattern_name == "scan" and trailing_num is None and not _is_count(kwargs.get("num")):
        return _say(plan_name, pattern, "the number of points is missing")
    if pattern_name == "list_scan":
        lengths = {len(rest[i + 1]) for i in range(0, len(rest), size)}
        if len(lengths) > 1:
            return _say(plan_name, pattern, f"the lists of positions have different lengths ({', '.join(map(str, sorted(lengths)))})")
    return None


def _legacy_grid_problem(plan_name: str, pattern: ArgsPattern, rest: list) -> Optional[str]:
    """bluesky still reads the old form, with a snake flag after every motor but the first."""
    groups = [rest[:4]] + [rest[i : i + 5] for i in range(4, len(rest), 5)]
    for index, group in enumerate(groups):
        kinds = pattern.group + (("snake",) if index else ())
        for offset, kind in enumerate(kinds):
            ok = isinstance(group[offset], bool) if kind == "snake" else _KIND_TEST[kind](group[offset])
            if not ok:
                word = "snake (true or false)" if kind == "snake" else pattern.words[offset]
                return _say(plan_name, pattern, f"after {_spell(group[0])}, expected {word}, found {_spell(group[offset])}")
    return None


def _say(plan_name: str, pattern: ArgsPattern, problem: str) -> str:
    return f"plan {plan_name!r} takes {pattern.reads}, e.g. {pattern.example}: {problem}"


#: What the plan editor's motors field shows: the example first (a field
#: cuts a long placeholder), then how it reads. For ``scan`` the number of
#: points has its own field (``num``), so the example leaves it out.
EDITOR_HINTS = {
    "scan": "motor1, -1, 1   (motor, start, stop for each motor; the points go in num)",
    "grid_scan": "motor1, -1, 1, 11, motor2, -1, 1, 11   (motor, start, stop, points for each motor)",
    "list_scan": "motor1, [0, 0.5, 1]   (motor, list of positions for each motor)",
    "mv": "motor1, 0.5   (motor, position for each motor)",
}


def pattern_hint(pattern_name: Optional[str]) -> Optional[str]:
    """The editor's hint for the motors field: an example, then the pattern."""
    return EDITOR_HINTS.get(pattern_name or "")
