"""The one train/dev split rule for the shared reviews, reused by every training step.

A row is in the dev split when ``int(sha1(id).hexdigest(), 16) % 10 == 0`` (about 10 %). The rule
depends only on the row id, so it is stable across machines, file orders and re-exports.
"""

from __future__ import annotations

import hashlib

DEV_MODULUS = 10


def is_dev(row_id: str) -> bool:
    digest = hashlib.sha1(str(row_id).encode("utf-8")).hexdigest()
    return int(digest, 16) % DEV_MODULUS == 0


def split_of(row_id: str) -> str:
    return "dev" if is_dev(row_id) else "train"
