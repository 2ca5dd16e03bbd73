"""What to read and how to check it: a small picklable plan both engines execute the same way."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from .inputs import InputFile, iter_raw_rows
from .prepare import ColumnMap, Prepared, prepare


@dataclass(frozen=True)
class ReadPlan:
    files: tuple[InputFile, ...]
    columns: ColumnMap
    max_chars: int
    start: int = 0  # first input position to read (resume point)
    batch_size: int = 256

    def iter_prepared(self) -> Iterator[list[Prepared]]:
        for raw in iter_raw_rows(list(self.files), start=self.start, batch_size=self.batch_size):
            yield [prepare(r, self.columns, self.max_chars) for r in raw]


@dataclass(frozen=True)
class PipelineFactory:
    """Loads the default classification pipeline; picklable, so Ray actors can call it."""

    model_dir: str | None = None
    lexicon_path: str | None = None

    def __call__(self):
        from feedback_nlp.pipeline import load_pipeline

        return load_pipeline(model_dir=self.model_dir, lexicon_path=self.lexicon_path)
