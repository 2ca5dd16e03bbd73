"""Writing outcomes into numbered shards by input position.

Shard ``k`` holds the outcomes of input rows ``[k * shard_size, (k + 1) * shard_size)``: the
records in ``part-0000k.parquet`` (or ``.jsonl``) and the rejects in ``rejects/part-0000k.jsonl``.
Because a shard is fixed by input position, a resumed run rewrites the same bytes an uninterrupted
run would have written.

Parquet layout: one string column per output field; nested fields (sentiment, causes, cause_scores,
churn_intent, keywords, pii, warnings, alerts) are compact JSON strings; passthrough columns are
strings (non-string values JSON-encoded, missing values null). JSON Lines output keeps everything
as native JSON.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable

from .atomic import remove_temp_files, write_atomic, write_bytes_atomic
from .labeling import NESTED_FIELDS
from .manifest import Manifest

REJECTS_DIR = "rejects"
REJECTS_FILE = "rejects.jsonl"


def dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _cell(name: str, value, keep: set[str]) -> str | None:
    if name in NESTED_FIELDS:
        return dumps(value)
    if value is None or isinstance(value, str):
        return value
    return dumps(value) if name in keep else str(value)


def write_parquet(path: Path, records: list[dict], columns: list[str], keep: set[str]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([pa.field(c, pa.string()) for c in columns])
    arrays = [pa.array([_cell(c, r.get(c), keep) for r in records], type=pa.string()) for c in columns]
    table = pa.Table.from_arrays(arrays, schema=schema)
    write_atomic(path, lambda tmp: pq.write_table(table, tmp, compression="zstd"))


def jsonl_bytes(records: Iterable[dict]) -> bytes:
    return "".join(dumps(r) + "\n" for r in records).encode("utf-8")


def part_name(index: int, fmt: str) -> str:
    return f"part-{index:05d}.{fmt}"


class ShardWriter:
    """Consumes outcomes in position order and writes each shard once it is complete."""

    def __init__(self, out_dir: Path, manifest: Manifest, fmt: str, shard_size: int, columns: list[str],
                 keep: list[str]):
        self.out_dir, self.manifest, self.fmt, self.shard_size = Path(out_dir), manifest, fmt, shard_size
        self.columns, self.keep = columns, set(keep)
        self.next_position = manifest.next_position
        self.shard_index = len(manifest.shards)
        self.records: list[dict] = []
        self.rejects: list[dict] = []
        (self.out_dir / REJECTS_DIR).mkdir(parents=True, exist_ok=True)
        remove_temp_files(self.out_dir)

    def feed(self, outcomes: Iterable[dict]) -> None:
        for outcome in outcomes:
            position = outcome["position"]
            if position != self.next_position:  # guards "nothing lost, nothing twice"
                raise RuntimeError(f"outcome for row {position} arrived, expected row {self.next_position}")
            if position >= (self.shard_index + 1) * self.shard_size:
                self._flush()
            if "record" in outcome:
                self.records.append(outcome["record"])
            else:
                self.rejects.append(outcome["reject"])
            self.next_position += 1

    def _flush(self) -> None:
        start = self.shard_index * self.shard_size
        end = self.next_position
        if end <= start:
            return
        name = part_name(self.shard_index, self.fmt)
        if self.fmt == "parquet":
            write_parquet(self.out_dir / name, self.records, self.columns, self.keep)
        else:
            write_bytes_atomic(self.out_dir / name, jsonl_bytes(self.records))
        rejects_name = f"{REJECTS_DIR}/{part_name(self.shard_index, 'jsonl')}"
        write_bytes_atomic(self.out_dir / rejects_name, jsonl_bytes(self.rejects))
        self.manifest.shards.append({
            "index": self.shard_index, "start": start, "end": end, "read": end - start,
            "written": len(self.records), "rejected": len(self.rejects), "file": name,
            "rejects_file": rejects_name,
        })
        self.manifest.save(self.out_dir)
        self.shard_index += 1
        self.records, self.rejects = [], []

    def finish(self) -> None:
        """Write the last shard, the merged rejects file, and mark the run complete."""
        self._flush()
        listed = {s["file"] for s in self.manifest.shards} | {s["rejects_file"] for s in self.manifest.shards}
        for stray in list(self.out_dir.glob("part-*")) + list((self.out_dir / REJECTS_DIR).glob("part-*")):
            if str(stray.relative_to(self.out_dir)) not in listed:
                stray.unlink()

        def merge(tmp: Path) -> None:
            with open(tmp, "wb") as out:
                for shard in self.manifest.shards:
                    with open(self.out_dir / shard["rejects_file"], "rb") as f:
                        out.write(f.read())

        write_atomic(self.out_dir / REJECTS_FILE, merge)
        self.manifest.complete = True
        self.manifest.save(self.out_dir)

