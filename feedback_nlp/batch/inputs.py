"""Input files: resolve paths and globs, and stream their rows through Hugging Face ``datasets``.

Every row gets a *position*: its index in the concatenation of all input files, in the order the
files were resolved (each argument's glob matches sorted, arguments kept in the order given,
duplicates dropped). Positions are what makes sharding, and therefore resuming, deterministic.
"""

from __future__ import annotations

import csv
import glob
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

FORMATS = {".csv": "csv", ".jsonl": "json", ".json": "json", ".ndjson": "json", ".parquet": "parquet"}


class InputProblem(ValueError):
    """An input that cannot be read at all (missing file, unknown format, missing column)."""


@dataclass(frozen=True)
class InputFile:
    path: str
    kind: str  # "csv" | "json" | "parquet" (the datasets builder name)
    size: int
    mtime_ns: int

    def fingerprint(self) -> dict:
        return {"path": self.path, "size": self.size, "mtime_ns": self.mtime_ns}


def _kind_of(path: str) -> str:
    name = path.lower()
    for suffix in (".gz", ".bz2", ".xz", ".zst"):
        if name.endswith(suffix):
            raise InputProblem(f"{path}: compressed inputs are not supported; decompress first")
    kind = FORMATS.get(Path(name).suffix)
    if kind is None:
        raise InputProblem(f"{path}: unknown input format (expected .csv, .jsonl/.json/.ndjson or .parquet)")
    return kind


def resolve_inputs(patterns: list[str]) -> list[InputFile]:
    """Expand paths and globs into a stable, de-duplicated list of files."""
    seen: set[str] = set()
    files: list[InputFile] = []
    for pattern in patterns:
        matches = sorted(glob.glob(pattern, recursive=True)) if glob.has_magic(pattern) else [pattern]
        if not matches:
            raise InputProblem(f"{pattern}: no file matches")
        for match in matches:
            path = os.path.abspath(match)
            if os.path.isdir(path):
                continue
            if not os.path.isfile(path):
                raise InputProblem(f"{match}: no such file")
            if path in seen:
                continue
            seen.add(path)
            st = os.stat(path)
            files.append(InputFile(path, _kind_of(path), st.st_size, st.st_mtime_ns))
    if not files:
        raise InputProblem("no input files")
    return files


def _csv_header(path: str) -> list[str]:
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as f:
        return next(csv.reader(f), [])


def _load_stream(file: InputFile):
    """A streaming ``datasets.IterableDataset`` over one file (nothing is loaded whole)."""
    import datasets

    datasets.disable_progress_bars()
    datasets.logging.set_verbosity_error()
    if file.kind == "csv":
        # Every column as a string: ids such as "00123" stay intact and "NA" stays a text.
        # Undecodable bytes become U+FFFD and the row is rejected as invalid_utf8.
        header = _csv_header(file.path)
        features = datasets.Features({name: datasets.Value("string") for name in header})
        return datasets.load_dataset(
            "csv", data_files=[file.path], split="train", streaming=True, features=features,
            keep_default_na=False, na_filter=False, encoding_errors="replace",
        )
    if file.kind == "json":
        # Lines are streamed by the "text" builder and parsed here, one by one, so a malformed line
        # becomes one reject (malformed_json) instead of failing the whole file. "utf8" (not
        # "utf-8") makes the builder decode with our error handler: a bad byte rejects one row.
        return datasets.load_dataset(
            "text", data_files=[file.path], split="train", streaming=True,
            encoding="utf8", encoding_errors="replace",
        )
    return datasets.load_dataset("parquet", data_files=[file.path], split="train", streaming=True)


def columns_of(file: InputFile) -> list[str]:
    """Column names of a file, read from its header, schema or first record."""
    if file.kind == "csv":
        return _csv_header(file.path)
    if file.kind == "parquet":
        import pyarrow.parquet as pq

        return list(pq.read_schema(file.path).names)
    names: dict[str, None] = {}
    with open(file.path, encoding="utf-8", errors="replace") as f:
        for i, line in enumerate(f):
            if line.strip():
                try:
                    rec = json.loads(line)
                except ValueError:
                    continue
                if isinstance(rec, dict):
                    names.update(dict.fromkeys(rec))
            if i >= 1000:
                break
    return list(names)


def count_rows(file: InputFile) -> int:
    """Exact row count, used for the progress bar's ETA (cheap next to classifying)."""
    if file.kind == "parquet":
        import pyarrow.parquet as pq

        return pq.ParquetFile(file.path).metadata.num_rows
    if file.kind == "json":
        with open(file.path, "rb") as f:
            return sum(1 for line in f if line.strip())
    with open(file.path, encoding="utf-8-sig", errors="replace", newline="") as f:
        return max(sum(1 for row in csv.reader(f) if row) - 1, 0)


MALFORMED = "__malformed_json__"  # key of a RawRow whose JSON line could not be parsed


def _json_records(batch: dict) -> list[dict[str, Any]]:
    """Parse the lines of a "text"-builder batch; blank lines are not rows."""
    out: list[dict[str, Any]] = []
    for line in batch.get("text", []):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except ValueError as exc:
            out.append({MALFORMED: f"malformed JSON: {exc}"})
            continue
        out.append(rec if isinstance(rec, dict) else {MALFORMED: "a JSON line must be an object"})
    return out


@dataclass
class RawRow:
    position: int
    source_file: str
    source_row: int  # 0-based record index inside the file (CSV: header excluded)
    values: dict[str, Any]


def iter_raw_rows(files: list[InputFile], start: int = 0, batch_size: int = 1000) -> Iterator[list[RawRow]]:
    """Yield rows from ``start`` on, in position order, in lists of at most ``batch_size``."""
    position = 0
    out: list[RawRow] = []
    for file in files:
        if start > position and file.kind == "parquet":
            n = count_rows(file)
            if position + n <= start:  # whole file already done: skip without reading it
                position += n
                continue
        source_row = 0
        for batch in _load_stream(file).iter(batch_size=batch_size):
            if file.kind == "json":
                records = _json_records(batch)
            else:
                names = list(batch)
                records = [{k: batch[k][i] for k in names} for i in range(len(batch[names[0]]) if names else 0)]
            for values in records:
                if position >= start:
                    out.append(RawRow(position, file.path, source_row, values))
                    if len(out) >= batch_size:
                        yield out
                        out = []
                position += 1
                source_row += 1
    if out:
        yield out
