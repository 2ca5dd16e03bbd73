"""``feedback-nlp relabel INPUT... --output OUT`` and ``feedback-nlp relabel diff OLD NEW``.

Both share the name ``relabel``: :class:`RelabelGroup` sends ``relabel diff ...`` to the ``diff``
sub-command and everything else to the relabel run. ``register(app)`` mounts it on the main app.
The work is done by :mod:`feedback_nlp.batch`; this module only parses options and reports.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
import typer
from typer.core import TyperGroup

RUN_EPILOG = ("Compare two runs (e.g. old and new model): feedback-nlp relabel diff OLD NEW --output diff.json. "
              "See docs/batch.md.")


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def run(
    inputs: list[str] = typer.Argument(..., metavar="INPUT", help="CSV, JSON Lines or Parquet files or globs"),
    output: Path = typer.Option(..., "--output", "-o", help="output folder (shards, rejects, manifest)"),
    text_column: str = typer.Option("text", "--text-column", help="column holding the text"),
    id_column: str = typer.Option("id", "--id-column", help="column holding the record id"),
    keep: list[str] = typer.Option([], "--keep", help="input column copied to the output (repeatable)"),
    fmt: str = typer.Option("parquet", "--format", help="output format: parquet or jsonl"),
    batch_size: int = typer.Option(256, "--batch-size", help="rows classified per batch"),
    shard_size: int = typer.Option(20_000, "--shard-size", help="input rows per output shard"),
    max_chars: int | None = typer.Option(None, "--max-chars", help="reject longer texts (default: the model's limit)"),
    resume: bool = typer.Option(False, "--resume", help="continue an interrupted run in the same --output"),
    engine: str = typer.Option("local", "--engine", help="local or ray"),
    workers: int = typer.Option(2, "--workers", help="ray: actors in the pool (each loads the model once)"),
    address: str | None = typer.Option(None, "--address", help="ray: existing cluster (e.g. ray://host:10001 or auto)"),
    num_cpus: int | None = typer.Option(None, "--num-cpus", help="ray: CPUs of the local instance (default: workers)"),
    rules: Path | None = typer.Option(None, "--rules", help="alert rule file: add the alerts each row would raise"),
    model: Path | None = typer.Option(None, "--model", help="model directory (default: the shipped model)"),
    lexicon: Path | None = typer.Option(None, "--lexicon", help="warning-keyword lexicon file"),
    progress: bool | None = typer.Option(None, "--progress/--no-progress",
                                         help="progress bar (default: only on a terminal; log lines otherwise)"),
    log_every: float = typer.Option(10.0, "--log-every", help="seconds between progress log lines (no bar)"),
) -> None:
    """Re-label historical records: classify every row, write shards, resumable."""
    from feedback_nlp.batch import InputProblem, RaySettings, RelabelOptions, ResumeProblem, relabel

    options = RelabelOptions(
        inputs=list(inputs), output=str(output), text_column=text_column, id_column=id_column, keep=list(keep),
        format=fmt, batch_size=batch_size, shard_size=shard_size, max_chars=max_chars, resume=resume,
        engine=engine, ray=RaySettings(workers=workers, address=address, num_cpus=num_cpus),
        rules=str(rules) if rules else None, model_dir=str(model) if model else None,
        lexicon_path=str(lexicon) if lexicon else None, progress_bar=progress, log_every=log_every,
    )
    try:
        relabel(options)
    except (InputProblem, ResumeProblem, FileNotFoundError) as exc:
        _fail(str(exc))
    except Exception as exc:
        if type(exc).__name__ in ("RulesError", "RulesUnavailable"):
            _fail(str(exc))
        raise


def diff(
    old: Path = typer.Argument(..., help="old relabel output (folder, .parquet or .jsonl)"),
    new: Path = typer.Argument(..., help="new relabel output (folder, .parquet or .jsonl)"),
    output: Path | None = typer.Option(None, "--output", "-o", help="write the full report as JSON"),
    csv_path: Path | None = typer.Option(None, "--csv", help="write the changed rows as CSV"),
    show: int = typer.Option(20, "--show", help="changed rows printed"),
) -> None:
    """Per label, a change matrix and the rows that changed, joined by id."""
    from feedback_nlp.batch import DiffProblem, diff_outputs, format_report, write_changed_csv

    try:
        report = diff_outputs(old, new)
    except DiffProblem as exc:
        _fail(str(exc))
    typer.echo(format_report(report, show_rows=show), nl=False)
    if output:
        output.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        typer.echo(f"report written to {output}")
    if csv_path:
        write_changed_csv(report, csv_path)
        typer.echo(f"changed rows written to {csv_path}")


def _run_command() -> click.Command:
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    app.command(name="relabel", epilog=RUN_EPILOG)(run)
    return typer.main.get_command(app)


class RelabelGroup(TyperGroup):
    """``relabel diff ...`` goes to the ``diff`` sub-command; anything else is a relabel run."""

    def make_context(self, info_name, args, parent=None, **extra):
        if args and args[0] in self.commands:
            return super().make_context(info_name, args, parent=parent, **extra)
        return _run_command().make_context(info_name, list(args), parent=parent, **extra)


def register(app: typer.Typer) -> None:
    """Add the ``relabel`` command (and ``relabel diff``) to the main app."""
    sub = typer.Typer(add_completion=False, pretty_exceptions_enable=False,
                      help="Re-label history (INPUT... --output OUT) or compare two runs (diff OLD NEW).")
    sub.command(name="diff")(diff)
    app.add_typer(sub, name="relabel", cls=RelabelGroup)
