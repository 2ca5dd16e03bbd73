"""A lexicon that follows its file: edits apply without a restart.

``LexiconStore.current()`` stats the file at most every ``check_interval`` seconds and reloads it
when its size or modification time changed. A broken edit never takes the product down: the last
good lexicon stays in use and the error is kept in ``last_error`` (and logged).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

from feedback_nlp.lexicon.matcher import LexiconMatcher
from feedback_nlp.lexicon.schema import LexiconError, load_lexicon
from feedback_nlp.yamlsource import SourceError

log = logging.getLogger(__name__)


class LexiconStore:
    def __init__(self, path: str | Path, check_interval: float = 1.0):
        self.path = Path(path)
        self.check_interval = check_interval
        self.last_error: Exception | None = None
        self._lock = threading.Lock()
        self._checked = 0.0
        self._stamp = self._stat()
        self._matcher = LexiconMatcher(load_lexicon(self.path))  # the first load must succeed

    def _stat(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return st.st_mtime_ns, st.st_size

    def current(self) -> LexiconMatcher:
        now = time.monotonic()
        if now - self._checked < self.check_interval:
            return self._matcher
        with self._lock:
            self._checked = now
            stamp = self._stat()
            if stamp is not None and stamp != self._stamp:
                self._stamp = stamp
                self.reload()
        return self._matcher

    def reload(self) -> bool:
        try:
            self._matcher = LexiconMatcher(load_lexicon(self.path))
        except (LexiconError, SourceError) as exc:
            self.last_error = exc
            log.error("lexicon %s not reloaded, keeping version %s: %s", self.path, self.version, exc)
            return False
        self.last_error = None
        log.info("lexicon reloaded: version %s", self.version)
        return True

    @property
    def version(self) -> str:
        return self._matcher.lexicon.version
