"""Errors a caller can act on: each has a stable machine-readable ``code``."""

from __future__ import annotations


class InputError(ValueError):
    """A text that cannot be classified. ``code`` is one of:

    ``empty_text``, ``text_too_long``, ``invalid_text`` (not a string), ``invalid_utf8``,
    ``malformed_json``, ``missing_text``.
    """

    def __init__(self, code: str, message: str, line: int | None = None):
        self.code, self.message, self.line = code, message, line
        super().__init__(f"{code}: {message}" + (f" (line {line})" if line else ""))

    def as_dict(self) -> dict:
        out = {"code": self.code, "message": self.message}
        if self.line is not None:
            out["line"] = self.line
        return out
