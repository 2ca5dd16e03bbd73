"""``feedback-nlp classify``: JSON Lines in, one classification per line out, same order."""

from __future__ import annotations

import json
import sys
import time
from itertools import islice
from pathlib import Path

import typer

from feedback_nlp.errors import InputError
from feedback_nlp.jsonl_io import error_record, read_records

BATCH = 256


def _open_in(path: str):
    return sys.stdin.buffer if path == "-" else open(path, "rb")


def _open_out(path: str):
    return sys.stdout if path == "-" else open(path, "w", encoding="utf-8")


def classify(
    input: str = typer.Option("-", "--input", "-i", help="JSON Lines {\"id\",\"text\"} or plain text lines; - for stdin"),
    output: str = typer.Option("-", "--output", "-o", help="JSON Lines out; - for stdout"),
    model: Path | None = typer.Option(None, "--model", help="model directory (default: the shipped model)"),
    lexicon: Path | None = typer.Option(None, "--lexicon", help="warning-keyword lexicon file"),
    max_chars: int | None = typer.Option(None, "--max-chars", help="reject longer texts (default 5000)"),
) -> None:
    """Classify each line: causes, sentiment, churn intent and keyword hits."""
    from feedback_nlp.pipeline import build_pipeline
    from feedback_nlp.settings import PipelineSettings

    settings = PipelineSettings(**({"max_chars": max_chars} if max_chars else {}))
    try:
        src = _open_in(input)
    except OSError as exc:
        typer.echo(f"error: cannot read {input}: {exc.strerror}", err=True)
        raise typer.Exit(2)
    try:
        pipe = build_pipeline(model, lexicon, settings)
    except Exception as exc:  # a clear message instead of a traceback
        typer.echo(f"error: cannot load the pipeline: {exc}", err=True)
        raise typer.Exit(2)
    read = classified = rejected = 0
    started = time.perf_counter()
    out = _open_out(output)
    records = read_records(src)
    try:
        while True:
            chunk = list(islice(records, BATCH))
            if not chunk:
                break
            read += len(chunk)
            todo = [r for r in chunk if r.error is None]
            results = iter(pipe.classify_batch([r.text for r in todo], [r.id for r in todo]))
            for rec in chunk:
                res = rec.error if rec.error is not None else next(results)
                if isinstance(res, InputError):
                    res.line = rec.line
                    rejected += 1
                    typer.echo(f"line {rec.line}: rejected: {res.code}: {res.message}", err=True)
                    res = error_record(rec.id, res)
                else:
                    classified += 1
                out.write(json.dumps(res, ensure_ascii=False) + "\n")
    finally:
        if out is not sys.stdout:
            out.close()
        else:
            out.flush()
        if src is not sys.stdin.buffer:
            src.close()
    secs = time.perf_counter() - started
    typer.echo(
        f"read={read} classified={classified} rejected={rejected} seconds={secs:.2f} "
        f"model={pipe.model_version} lexicon={pipe.lexicon_version}",
        err=True,
    )
