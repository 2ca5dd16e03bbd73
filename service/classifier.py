"""The pipeline for this process, following the lexicon version stored in the database."""

from __future__ import annotations

import os
import tempfile
import threading
import time
from pathlib import Path

from feedback_nlp.pipeline import Pipeline, build_pipeline

from . import config_store
from .logsafe import get_logger

log = get_logger("service.classifier")


class Classifier:
    def __init__(self, db, model_dir: str | None, state_dir: Path, refresh_seconds: float = 1.0, metrics=None):
        self.db = db
        self.model_dir = model_dir
        self.refresh_seconds = refresh_seconds
        self.metrics = metrics
        state_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix="lexicon-active-", suffix=".yaml", dir=state_dir)
        os.close(fd)
        self.lexicon_file = Path(name)
        self.pipeline: Pipeline | None = None
        self.lexicon_db_version = 0
        self._checked = 0.0
        self._lock = threading.Lock()

    def load(self) -> None:
        with self.db.session() as s:
            row = config_store.latest(s, "lexicon")
            number, content = (row.version, row.content) if row else (0, None)
        if content is not None:
            self._write(content)
            lexicon_path = self.lexicon_file
        else:
            lexicon_path = None
        self.pipeline = build_pipeline(self.model_dir, lexicon_path)
        self.lexicon_db_version = number
        self._checked = time.monotonic()

    def _write(self, content: str) -> None:
        tmp = self.lexicon_file.with_suffix(".tmp")
        tmp.write_text(content, "utf-8")
        os.replace(tmp, self.lexicon_file)

    def refresh(self, force: bool = False) -> None:
        """Switch to the newest lexicon version in the database (checked at most every refresh_seconds)."""
        now = time.monotonic()
        if not force and now - self._checked < self.refresh_seconds:
            return
        with self._lock:
            self._checked = now
            with self.db.session() as s:
                number = config_store.latest_number(s, "lexicon")
                if number == self.lexicon_db_version:
                    return
                content = config_store.get_version(s, "lexicon", number).content
            self._write(content)
            if self.pipeline.lexicon.reload():
                self.lexicon_db_version = number
                log.info("lexicon now at database version %s (%s)", number, self.pipeline.lexicon_version)

    def get(self) -> Pipeline:
        if self.pipeline is None:
            self.load()
        self.refresh()
        return self.pipeline

    def classify(self, text, id=None) -> dict:
        p = self.get()
        t0 = time.perf_counter()
        try:
            return p.classify(text, id=id)
        finally:
            if self.metrics:
                self.metrics.model_latency.observe(time.perf_counter() - t0)

    def classify_batch(self, texts, ids=None):
        p = self.get()
        t0 = time.perf_counter()
        try:
            return p.classify_batch(texts, ids)
        finally:
            if self.metrics:
                self.metrics.model_latency.observe(time.perf_counter() - t0)

    def close(self) -> None:
        for f in (self.lexicon_file, self.lexicon_file.with_suffix(".tmp")):
            try:
                f.unlink()
            except OSError:
                pass
