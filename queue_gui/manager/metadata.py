"""Run metadata: what the scientist wants in every start document, and the scan id that goes on.

A mixin of :class:`queue_gui.manager.manager.Manager`. The metadata (sample,
operator, proposal, any key-value pairs) is kept in the database, so it
survives restarts, and is sent with every plan; the worker passes it to
``RE(plan, **md)`` together with the item's own ``meta`` (which wins) and
the item's uid. The last scan id a run reported is kept too and handed to
every new RunEngine, so scan ids go on across environments and restarts
instead of starting at 1 each time (a logbook entry "scan 12" stays
unambiguous).
"""

from .dispatch import Refused, command
from .uids import new_uid
from .validation import ItemInvalid, _require_json
from ..wire import CommandName

METADATA_KEY = "run_metadata"
SCAN_ID_KEY = "last_scan_id"

#: Keys the RunEngine or queue-gui write into a start document themselves.
RESERVED_METADATA = frozenset({"uid", "time", "scan_id", "plan_name", "plan_type", "plan_args", "item_uid"})
MAX_METADATA_KEYS = 200


class MetadataCommands:
    """Metadata commands; relies on ``self._store`` (``get_meta``/``set_meta``)."""

    def _load_metadata(self):
        self._run_metadata = self._store.get_meta(METADATA_KEY, {}) or {}
        self._last_scan_id = self._store.get_meta(SCAN_ID_KEY)

    def _metadata_for(self, item):
        """The start-document metadata for ``item``: the scientist's, then the item's ``meta``."""
        meta = item.get("meta") if isinstance(item.get("meta"), dict) else {}
        return {**self._run_metadata, **meta}

    def _note_scan_id(self, scan_id):
        if isinstance(scan_id, int) and not isinstance(scan_id, bool) and scan_id != self._last_scan_id:
            self._last_scan_id = scan_id
            self._store.set_meta(SCAN_ID_KEY, scan_id)

    @command(CommandName.METADATA_GET)
    def _cmd_metadata_get(self, **common):
        return {"metadata": dict(self._run_metadata), "last_scan_id": self._last_scan_id}

    @command(CommandName.METADATA_SET, params=("metadata",), locked_by="environment")
    def _cmd_metadata_set(self, metadata=None, **common):
        """Replace the run metadata; it applies from the next plan on."""
        if not isinstance(metadata, dict):
            raise Refused('\'metadata\' must be an object, e.g. {"sample": "Si 111", "operator": "A. Smith"}')
        if len(metadata) > MAX_METADATA_KEYS:
            raise Refused(f"at most {MAX_METADATA_KEYS} metadata keys, not {len(metadata)}")
        reserved = sorted(key for key in metadata if key in RESERVED_METADATA)
        if reserved:
            raise Refused(
                f"metadata may not set {', '.join(map(repr, reserved))}: the RunEngine or queue-gui write "
                "those themselves"
            )
        for key in metadata:
            if not isinstance(key, str) or not key.strip():
                raise Refused(f"metadata keys must be non-empty strings, not {key!r}")
        try:
            _require_json(metadata, "metadata", "run metadata")
        except ItemInvalid as error:
            raise Refused(str(error)) from None
        self._run_metadata = dict(metadata)
        self._store.set_meta(METADATA_KEY, self._run_metadata)
        self._uids["metadata"] = new_uid()
        return {"metadata": dict(self._run_metadata)}

