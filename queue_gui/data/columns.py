"""Growable numpy columns: readings appended as they arrive, read without copying."""

import numpy as np


class Column:
    """A 1-D float buffer that grows by doubling.

    Appending ``k`` values costs O(k) amortised, and :attr:`values` is a view,
    so a live line never recomputes its stream: the painter reads the first
    ``len(column)`` values as they are.

    Parameters
    ----------
    capacity : int
        Initial room, in values.
    """

    __slots__ = ("_data", "_size")

    def __init__(self, capacity=16):
        self._data = np.empty(max(1, int(capacity)), dtype=float)
        self._size = 0

    def __len__(self):
        return self._size

    @property
    def values(self):
        """The values so far: a view, valid while nothing is appended."""
        return self._data[: self._size]

    def extend(self, values):
        """Append a 1-D array (or sequence) of floats."""
        count = len(values)
        end = self._size + count
        if end > len(self._data):
            grown = np.empty(max(end, 2 * len(self._data)), dtype=float)
            grown[: self._size] = self._data[: self._size]
            self._data = grown
        self._data[self._size : end] = values
        self._size = end

    def append(self, value):
        """Append one float."""
        if self._size == len(self._data):
            self.extend((value,))
            return
        self._data[self._size] = value
        self._size += 1


def as_floats(values, count):
    """``values`` (a JSON list) as ``count`` floats; what is no number becomes NaN.

    JSON ``null`` (a reading that failed) becomes NaN through numpy itself;
    strings or nested lists in a field hinted as a number fall back to a
    value-by-value conversion instead of failing the whole run.
    """
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        array = np.array([_float(value) for value in values], dtype=float)
    if array.shape != (count,):
        return np.full(count, np.nan)
    return array


def _float(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return np.nan
