"""The run's manifest (``manifest.json``): what the output was made from and which shards are done.

It is rewritten atomically after each shard, so after a kill it lists exactly the shards whose
files are complete. ``--resume`` continues after the last listed shard, and refuses if the inputs
or any option that changes the output differ from the recorded ones.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .atomic import write_bytes_atomic

MANIFEST = "manifest.json"
FORMAT_VERSION = 1


class ResumeProblem(ValueError):
    """The output folder cannot be resumed (or would be overwritten by a fresh run)."""


@dataclass
class Manifest:
    config: dict
    shards: list[dict] = field(default_factory=list)
    complete: bool = False
    rows_total: int | None = None

    @property
    def totals(self) -> dict:
        return {
            "read": sum(s["read"] for s in self.shards),
            "written": sum(s["written"] for s in self.shards),
            "rejected": sum(s["rejected"] for s in self.shards),
        }

    @property
    def next_position(self) -> int:
        return self.shards[-1]["end"] if self.shards else 0

    def to_dict(self) -> dict:
        return {
            "format_version": FORMAT_VERSION, "complete": self.complete, "config": self.config,
            "rows_total": self.rows_total, "totals": self.totals, "shards": self.shards,
        }

    def save(self, out_dir: Path) -> None:
        text = json.dumps(self.to_dict(), ensure_ascii=False, indent=1, sort_keys=True) + "\n"
        write_bytes_atomic(Path(out_dir) / MANIFEST, text.encode("utf-8"))

    @classmethod
    def load(cls, out_dir: Path) -> "Manifest | None":
        path = Path(out_dir) / MANIFEST
        if not path.exists():
            return None
        data = json.loads(path.read_text("utf-8"))
        if data.get("format_version") != FORMAT_VERSION:
            raise ResumeProblem(f"{path}: unknown manifest format {data.get('format_version')!r}")
        return cls(config=data["config"], shards=data["shards"], complete=data["complete"],
                   rows_total=data.get("rows_total"))


def _differences(old: dict, new: dict) -> list[str]:
    keys = sorted(set(old) | set(new))
    return [f"{k}: was {old.get(k)!r}, now {new.get(k)!r}" for k in keys if old.get(k) != new.get(k)]


def check_output(out_dir: Path, resume: bool) -> Manifest | None:
    """Refuse to write into a used folder unless resuming; the recorded manifest, if any."""
    out_dir = Path(out_dir)
    existing = Manifest.load(out_dir) if out_dir.exists() else None
    if existing is None:
        if out_dir.exists() and any(out_dir.iterdir()):
            raise ResumeProblem(f"{out_dir} exists, is not empty and holds no relabel manifest; "
                                "choose a new --output")
    elif not resume:
        raise ResumeProblem(f"{out_dir} already holds a relabel run; pass --resume to continue it, "
                            "or choose a new --output")
    return existing


def open_output(out_dir: Path, config: dict, resume: bool) -> Manifest:
    """The manifest to continue from: a fresh one, or the recorded one when resuming."""
    out_dir = Path(out_dir)
    existing = check_output(out_dir, resume)
    if existing is None:
        return Manifest(config=config)
    diffs = _differences(existing.config, config)
    if diffs:
        raise ResumeProblem(f"cannot resume {out_dir}: the run was started with different inputs or options:\n  "
                            + "\n  ".join(diffs))
    # Keep the prefix of shards whose files are all there (a shard listed but lost is redone).
    kept = []
    for shard in existing.shards:
        if not all((out_dir / shard[k]).exists() for k in ("file", "rejects_file")):
            break
        kept.append(shard)
    if len(kept) != len(existing.shards):
        existing.complete = False
    existing.shards = kept
    return existing
