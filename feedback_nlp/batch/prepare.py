"""From a raw input row to a row the classifier can take, or a reason to reject it.

Checked here, before the classifier: a missing id, a text that is not a string, undecodable bytes,
an empty text and an over-long text. The classifier may still reject a row (its ``InputError``);
both kinds end up in the rejects file with the same fields.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from .inputs import MALFORMED, RawRow

PREVIEW_CHARS = 200


@dataclass(frozen=True)
class ColumnMap:
    text: str = "text"
    id: str = "id"
    keep: tuple[str, ...] = ()


@dataclass
class Prepared:
    """One input row, ready to classify (``reject`` is None) or already rejected."""

    position: int
    source_file: str
    source_row: int
    id: str | None
    text: str | None
    keep: dict[str, Any]
    reject: str | None = None
    message: str | None = None
    preview: str | None = None

    def to_wire(self) -> dict:
        """Flat, Arrow-friendly form (``keep`` JSON-encoded) for shipping rows to Ray workers."""
        return {
            "position": self.position, "source_file": self.source_file, "source_row": self.source_row,
            "id": self.id, "text": self.text, "keep": json.dumps(self.keep, ensure_ascii=False),
            "reject": self.reject, "message": self.message, "preview": self.preview,
        }

    @classmethod
    def from_wire(cls, d: dict) -> "Prepared":
        return cls(
            position=int(d["position"]), source_file=d["source_file"], source_row=int(d["source_row"]),
            id=d["id"], text=d["text"], keep=json.loads(d["keep"]), reject=d["reject"],
            message=d["message"], preview=d["preview"],
        )


def _plain(value: Any) -> Any:
    """A JSON-ready copy of a passthrough value (NaN -> None, bytes -> text, numpy -> python)."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item):
        try:
            return _plain(item())
        except (TypeError, ValueError):
            pass
    return str(value)


def _id_of(value: Any) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        if value.is_integer():  # 12.0 from a numeric column -> "12"
            value = int(value)
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if isinstance(value, (dict, list)):
        return None
    text = str(value).strip()
    return text or None


def prepare(row: RawRow, columns: ColumnMap, max_chars: int) -> Prepared:
    values = row.values
    keep = {name: _plain(values.get(name)) for name in columns.keep}
    raw_id = values.get(columns.id)
    ident = _id_of(raw_id)
    text = values.get(columns.text)
    out = Prepared(row.position, row.source_file, row.source_row, ident, None, keep)
    if isinstance(text, str):
        out.preview = text[:PREVIEW_CHARS]
    elif text is not None:
        out.preview = json.dumps(_plain(text), ensure_ascii=False)[:PREVIEW_CHARS]

    def rejected(code: str, message: str) -> Prepared:
        out.reject, out.message = code, message
        return out

    if MALFORMED in values:
        return rejected("malformed_json", values[MALFORMED])
    if ident is None:
        return rejected("missing_id", f"no value in id column {columns.id!r}")
    if text is None:
        return rejected("empty_text", f"no value in text column {columns.text!r}")
    if not isinstance(text, str):
        return rejected("invalid_text", f"text is a {type(text).__name__}, not a string")
    if "\ufffd" in text:
        return rejected("invalid_utf8", "text contains bytes that are not valid UTF-8")
    if not text.strip():
        return rejected("empty_text", "text is empty")
    if len(text) > max_chars:
        return rejected("text_too_long", f"text has {len(text)} characters; the limit is {max_chars}")
    out.text = text
    return out
