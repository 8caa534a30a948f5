"""The queue file: a saved queue that can be loaded again, here or on another machine.

A queue file is JSON::

    {"format": "queue-gui queue", "version": 1, "items": [{"item_type": "plan", "name": "count", ...}, ...]}

Its items are submissions, not records: no ``item_uid`` (the manager gives
each loaded item a new one) and no ``result``. A bare JSON list of items
is read too, so a list copied from ``queue/get`` can be loaded as it is.
Reading refuses, with a message for the user, what is not such a file;
whether each item is a valid plan is the manager's call when the items are
added. Plain Python: no Qt.
"""

import json

QUEUE_FILE_FORMAT = "queue-gui queue"
#: The version this queue-gui writes, and the newest it reads.
QUEUE_FILE_VERSION = 1
#: For file dialogs.
QUEUE_FILE_FILTER = "Queue files (*.json)"
#: The keys of an item that belong to one queue, not to a submission.
RECORD_KEYS = ("item_uid", "result")


class QueueFileError(ValueError):
    """A file that cannot be read as a queue; the message says why, for the user."""


def as_submission(item):
    """An item as a new submission: without its uid and its result."""
    return {key: value for key, value in item.items() if key not in RECORD_KEYS}


def queue_document(items):
    """The content of a queue file holding ``items`` (as submissions)."""
    return {"format": QUEUE_FILE_FORMAT, "version": QUEUE_FILE_VERSION, "items": [as_submission(i) for i in items]}


def write_queue(path, items):
    """Write ``items`` to the queue file ``path``; returns how many were written.

    The text is made before the file is opened, so a value that cannot be
    written leaves no half-written file behind.

    Raises
    ------
    OSError
        When the file cannot be written.
    """
    document = queue_document(items)
    text = json.dumps(document, indent=2)
    with open(path, "w", encoding="utf-8") as file:
        file.write(text)
    return len(document["items"])


def queue_items(content):
    """The items of a queue file's decoded content.

    Raises
    ------
    QueueFileError
        When ``content`` is not a queue file: another format, a newer
        version, no list of items, or an item that is not an object.
    """
    if isinstance(content, dict):
        found = content.get("format", QUEUE_FILE_FORMAT)
        if found != QUEUE_FILE_FORMAT:
            raise QueueFileError(f"not a queue file: its format is {found!r}, not {QUEUE_FILE_FORMAT!r}")
        version = content.get("version", QUEUE_FILE_VERSION)
        if not isinstance(version, int) or isinstance(version, bool) or version > QUEUE_FILE_VERSION:
            raise QueueFileError(
                f"the file is version {version!r}, written by a newer queue-gui; this one reads version {QUEUE_FILE_VERSION}"
            )
        items = content.get("items")
    else:
        items = content
    if not isinstance(items, list):
        raise QueueFileError("the file holds no list of items")
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise QueueFileError(f"item {number} is not an object but {type(item).__name__}")
    return items


def read_queue(path):
    """The items of the queue file ``path``, as submissions.

    Raises
    ------
    QueueFileError
        When the file cannot be opened, is not JSON, or is not a queue file.
    """
    try:
        with open(path, encoding="utf-8") as file:
            content = json.load(file)
    except OSError as error:
        raise QueueFileError(error.strerror or str(error)) from error
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise QueueFileError(f"not JSON: {error}") from error
    return [as_submission(item) for item in queue_items(content)]
