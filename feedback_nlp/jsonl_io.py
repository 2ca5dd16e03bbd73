"""Reading classify input: JSON Lines ``{"id", "text"}`` or plain UTF-8 text lines.

Each line is decoded on its own, so one bad line (invalid UTF-8, malformed JSON, a missing or
non-string ``text``) is reported with its line number while every other line is still processed.
A line whose first non-blank character is ``{`` is JSON; any other line is plain text whose id is
its line number.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import BinaryIO, Iterator

from feedback_nlp.errors import InputError


@dataclass
class InputRecord:
    line: int
    id: str
    text: object  # the caller's value; the pipeline checks it
    error: InputError | None = None


def parse_line(raw: bytes, line: int) -> InputRecord:
    default_id = str(line)
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return InputRecord(line, default_id, None, InputError("invalid_utf8", f"invalid UTF-8 at byte {exc.start}", line))
    decoded = decoded.rstrip("\r\n").lstrip("\ufeff")
    if not decoded.lstrip().startswith("{"):
        return InputRecord(line, default_id, decoded)
    try:
        obj = json.loads(decoded)
    except json.JSONDecodeError as exc:
        return InputRecord(line, default_id, None, InputError("malformed_json", f"malformed JSON: {exc.msg} at column {exc.colno}", line))
    if not isinstance(obj, dict):
        return InputRecord(line, default_id, None, InputError("malformed_json", "a JSON line must be an object", line))
    rid = obj.get("id", default_id)
    rid = default_id if rid is None else str(rid)
    if "text" not in obj:
        return InputRecord(line, rid, None, InputError("missing_text", "the object has no \"text\" field", line))
    return InputRecord(line, rid, obj["text"])


def read_records(stream: BinaryIO) -> Iterator[InputRecord]:
    for n, raw in enumerate(stream, start=1):
        yield parse_line(raw, n)


def error_record(rec_id: str, error: InputError) -> dict:
    return {"id": rec_id, "error": error.as_dict()}
