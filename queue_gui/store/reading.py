"""Reading a saved run back: its documents, a stream as a table, the table as CSV.

Plain ``json`` is all it takes: each line of a run's file is one
``[name, doc]`` pair, as suitcase-jsonl writes it. These functions are the
store's readers and also what a scientist's own script would do.
"""

import csv
import io
import json
import logging

logger = logging.getLogger(__name__)

#: The first columns of every table, before the stream's data keys.
LEADING_COLUMNS = ("seq_num", "time")


def read_documents(path):
    """Every ``[name, doc]`` pair of a run's file, in the order they were written.

    A last line cut short (the application was killed while writing it) is
    left out with a warning; a broken line anywhere else is an error, since
    the file is then not what the store wrote.
    """
    documents = []
    with open(path, encoding="utf-8") as file:
        lines = file.readlines()
    for number, line in enumerate(lines, 1):
        try:
            name, doc = json.loads(line)
        except ValueError:
            if number == len(lines):
                logger.warning("%s: the last line is incomplete and was left out", path)
                break
            raise ValueError(f"{path}: line {number} is not a [name, document] pair") from None
        documents.append([name, doc])
    return documents


def stream_names(documents):
    """The names of the run's streams, in the order their descriptors came."""
    names = []
    for name, doc in documents:
        if name == "descriptor" and doc.get("name", "primary") not in names:
            names.append(doc.get("name", "primary"))
    return names


def stream_table(documents, stream="primary"):
    """One stream of a run as ``{"columns": [...], "data": {column: [values]}}``.

    Columns are ``seq_num``, ``time``, then the data keys in the order the
    stream's descriptors declare them. One row per event, events and event
    pages alike; a key that an event lacks (a later descriptor added it) is
    ``None`` there. Raises ``KeyError`` when the run has no such stream.
    """
    descriptors = {doc["uid"]: doc for name, doc in documents if name == "descriptor" and doc.get("name", "primary") == stream}
    if not descriptors:
        raise KeyError(f"the run has no stream '{stream}'")
    columns = list(LEADING_COLUMNS)
    for descriptor in descriptors.values():
        columns.extend(key for key in descriptor.get("data_keys", {}) if key not in columns)
    data = {column: [] for column in columns}
    for name, doc in documents:
        if name not in ("event", "event_page") or doc.get("descriptor") not in descriptors:
            continue
        if name == "event":
            page = {"seq_num": [doc["seq_num"]], "time": [doc["time"]], **{k: [v] for k, v in doc["data"].items()}}
            count = 1
        else:
            page = {"seq_num": doc["seq_num"], "time": doc["time"], **doc["data"]}
            count = len(doc["seq_num"])
        for column in columns:
            values = page.get(column)
            data[column].extend(values if values is not None else [None] * count)
    return {"columns": columns, "data": data}


def table_csv(table):
    """The table as CSV text: a header of column names, one line per row.

    Numbers are written as Python writes them (``repr`` of a float reads
    back to the same float), ``None`` as an empty field, arrays and
    objects as JSON.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    columns = table["columns"]
    writer.writerow(columns)
    data = table["data"]
    for row in zip(*(data[column] for column in columns)):
        writer.writerow([_csv_field(value) for value in row])
    return out.getvalue()


def _csv_field(value):
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return value
