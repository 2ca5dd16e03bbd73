"""Opaque cursors for keyset pagination: base64 of the last row's sort key."""

from __future__ import annotations

import base64
import json

from .errors import ApiError


def encode_cursor(values: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> list | None:
    if not cursor:
        return None
    try:
        pad = "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(cursor + pad))
        if not isinstance(values, list):
            raise ValueError
        return values
    except (ValueError, json.JSONDecodeError) as exc:
        raise ApiError(422, "invalid_cursor", "cursor is not one this service issued", "cursor") from exc
