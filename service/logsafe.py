"""Keep PII and secrets out of logs: a filter for every service logger and a scrub() helper."""

from __future__ import annotations

import logging
import re

from feedback_nlp.text.pii import mask_pii

_SECRETS = [
    re.compile(r"fnk_[A-Za-z0-9]+_[A-Za-z0-9_-]+"),  # our API keys
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"),
    re.compile(r"(?i)((?:secret|token|password|sign|key|access_token)=)[^&\s]+"),
]


def scrub(text: str) -> str:
    """Mask PII (length-preserving) and replace anything that looks like a secret with ``***``."""
    try:
        text = mask_pii(text)[0]
    except Exception:  # pragma: no cover - masking must never break logging
        pass
    for pattern in _SECRETS:
        text = pattern.sub(lambda m: (m.group(1) if m.groups() else "") + "***", text)
    return text


def _scrub_value(value):
    """Numbers stay numbers (formatters may use %d); anything else is scrubbed as text."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return scrub(str(value))


class ScrubFilter(logging.Filter):
    """Scrubs the message. Arguments are scrubbed in place rather than merged into the message,
    because some formatters read them (uvicorn's access formatter unpacks ``record.args``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.msg = _scrub_value(record.msg)
            record.args = tuple(_scrub_value(a) for a in record.args)
            return True
        if isinstance(record.args, dict) and record.args:
            record.msg = _scrub_value(record.msg)
            record.args = {k: _scrub_value(v) for k, v in record.args.items()}
            return True
        try:
            msg = record.getMessage()
        except Exception:  # pragma: no cover
            return True
        record.msg, record.args = scrub(msg), None
        return True


def install(logger_names=("service", "uvicorn", "uvicorn.access", "uvicorn.error")) -> None:
    for name in logger_names:
        lg = logging.getLogger(name)
        if not any(isinstance(f, ScrubFilter) for f in lg.filters):
            lg.addFilter(ScrubFilter())
    root = logging.getLogger()
    for h in root.handlers:
        if not any(isinstance(f, ScrubFilter) for f in h.filters):
            h.addFilter(ScrubFilter())


def get_logger(name: str) -> logging.Logger:
    """A logger whose records are scrubbed before any handler sees them."""
    lg = logging.getLogger(name)
    if not any(isinstance(f, ScrubFilter) for f in lg.filters):
        lg.addFilter(ScrubFilter())
    return lg
