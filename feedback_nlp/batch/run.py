"""``relabel``: read inputs, classify with an engine, write shards, keep the manifest, report."""

from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from .engines import AlerterFactory, ClassifierFactory, RaySettings, run_local, run_ray
from .inputs import InputProblem, columns_of, count_rows, resolve_inputs
from .labeling import RESERVED, output_columns
from .manifest import check_output, open_output
from .plan import PipelineFactory, ReadPlan
from .prepare import ColumnMap
from .progress import Progress, Summary
from .shards import ShardWriter

FORMATS = ("parquet", "jsonl")
ENGINES = ("local", "ray")


@dataclass
class RelabelOptions:
    inputs: list[str]
    output: str
    text_column: str = "text"
    id_column: str = "id"
    keep: list[str] = field(default_factory=list)
    format: str = "parquet"
    batch_size: int = 256
    shard_size: int = 20_000
    max_chars: int | None = None  # default: the classifier's limit
    resume: bool = False
    engine: str = "local"
    ray: RaySettings = field(default_factory=RaySettings)
    rules: str | None = None
    model_dir: str | None = None
    lexicon_path: str | None = None
    progress_bar: bool | None = None  # None: only on a TTY
    log_every: float = 10.0
    count_rows: bool = True


def _check_options(o: RelabelOptions) -> None:
    if o.format not in FORMATS:
        raise InputProblem(f"--format must be one of {', '.join(FORMATS)}, not {o.format!r}")
    if o.engine not in ENGINES:
        raise InputProblem(f"--engine must be one of {', '.join(ENGINES)}, not {o.engine!r}")
    for name, value in (("--batch-size", o.batch_size), ("--shard-size", o.shard_size)):
        if value < 1:
            raise InputProblem(f"{name} must be at least 1")
    if o.max_chars is not None and o.max_chars < 1:
        raise InputProblem("--max-chars must be at least 1")
    clashes = sorted(set(o.keep) & RESERVED)
    if clashes:
        raise InputProblem(f"--keep {', '.join(clashes)}: the name is an output field; rename the column first")
    if len(set(o.keep)) != len(o.keep):
        raise InputProblem("--keep names a column twice")


def _check_columns(files, columns: ColumnMap) -> None:
    seen: set[str] = set()
    for f in files:
        names = columns_of(f)
        seen.update(names)
        for role, col in (("text", columns.text), ("id", columns.id)):
            if col not in names:
                raise InputProblem(f"{f.path}: no {role} column {col!r} (columns: {', '.join(names) or 'none'}); "
                                   f"use --{role}-column")
    missing = [k for k in columns.keep if k not in seen]
    if missing:
        raise InputProblem(f"--keep {', '.join(missing)}: no input file has such a column")


def _file_sha(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def relabel(options: RelabelOptions, classifier_factory: ClassifierFactory | None = None,
            alerter_factory: AlerterFactory | None = None, stream: TextIO | None = None) -> Summary:
    """Run (or resume) a relabel job. ``classifier_factory`` defaults to the shipped pipeline."""
    stream = stream or sys.stderr
    _check_options(options)
    files = resolve_inputs(options.inputs)
    columns = ColumnMap(text=options.text_column, id=options.id_column, keep=tuple(options.keep))
    _check_columns(files, columns)
    check_output(Path(options.output), options.resume)  # fail fast, before loading the model
    factory = classifier_factory or PipelineFactory(options.model_dir, options.lexicon_path)
    classifier = factory()
    if options.rules and alerter_factory is None:
        from .alerts import RulesAlerterFactory

        alerter_factory = RulesAlerterFactory(options.rules)
    max_chars = options.max_chars or int(getattr(classifier, "max_chars", 0) or 0) or 5000
    config = {
        "inputs": [f.fingerprint() for f in files],
        "text_column": columns.text, "id_column": columns.id, "keep": list(columns.keep),
        "format": options.format, "shard_size": options.shard_size, "max_chars": max_chars,
        "model_version": getattr(classifier, "model_version", None),
        "lexicon_version": getattr(classifier, "lexicon_version", None),
        "rules": _file_sha(options.rules) if options.rules else None,
    }
    out_dir = Path(options.output)
    manifest = open_output(out_dir, config, options.resume)
    out_dir.mkdir(parents=True, exist_ok=True)
    if manifest.rows_total is None and options.count_rows:
        manifest.rows_total = sum(count_rows(f) for f in files)
    if not manifest.shards:  # recorded before any shard, so a run killed early can be resumed too
        manifest.save(out_dir)
    start = manifest.next_position
    writer = ShardWriter(out_dir, manifest, options.format, options.shard_size,
                         output_columns(columns.keep, alerter_factory is not None), list(columns.keep))
    progress = Progress(manifest.rows_total, initial=start, stream=stream, bar=options.progress_bar,
                        log_every=options.log_every)
    if start:
        stream.write(f"relabel: resuming at row {start} ({len(manifest.shards)} shards done)\n")
    plan = ReadPlan(tuple(files), columns, max_chars, start=start, batch_size=options.batch_size)
    try:
        if not manifest.complete:
            if options.engine == "ray":
                batches = run_ray(plan, factory, alerter_factory, options.ray)
            else:
                batches = run_local(plan, classifier, alerter_factory() if alerter_factory else None)
            for outcomes in batches:
                writer.feed(outcomes)
                progress.advance(len(outcomes))
            writer.finish()
    finally:
        progress.close()
    totals = manifest.totals
    if totals["read"] != totals["written"] + totals["rejected"]:  # pragma: no cover - invariant
        raise RuntimeError(f"row accounting broken: {totals}")
    if manifest.complete and manifest.rows_total is not None and totals["read"] != manifest.rows_total:
        stream.write(f"relabel: warning: read {totals['read']} rows; the pre-count said {manifest.rows_total}\n")
    summary = Summary(totals["read"], totals["written"], totals["rejected"], progress.elapsed(), resumed_from=start)
    stream.write(summary.line() + "\n")
    stream.flush()
    return summary
