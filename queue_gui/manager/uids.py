"""Fresh uids for queue items and for the ``*_uid`` change markers.

Random UUID4 strings, as bluesky-queueserver makes them, so that a client
may compare markers for equality and never for order.
"""

import os
import uuid


def new_uid() -> str:
    """A fresh uid for items and for the ``*_uid`` change markers."""
    return str(uuid.uuid4())


#: The hex digit that starts the fourth group of a UUID4, by random hex digit:
#: the two high bits are the RFC 4122 variant (10).
_VARIANT_DIGIT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


def new_uids(count: int) -> list[str]:
    """``count`` fresh uids (random UUID4 strings, as :func:`new_uid`) from one read of ``os.urandom``.

    ``uuid.uuid4()`` reads the random source and builds a ``UUID`` object
    per uid: a sixth of the cost of adding a batch of a thousand items.
    """
    digits = os.urandom(16 * count).hex()
    uids = []
    for start in range(0, 32 * count, 32):
        h = digits[start : start + 32]
        uids.append(f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT_DIGIT[h[16]]}{h[17:20]}-{h[20:]}")
    return uids
