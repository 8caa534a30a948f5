"""The local run store (files + index) and the shared tiled store; no Qt, no bluesky."""

from .store import RunStore

__all__ = ["RunStore"]
