"""``feedback-nlp rules check|backtest``: validate a rule file, try it on history."""

from __future__ import annotations

import json
from pathlib import Path

import typer

app = typer.Typer(help="Validate alert rule files and backtest them on classified history.", no_args_is_help=True)


def _load(path: Path):
    from feedback_nlp.rules import RulesError, load_rules

    try:
        return load_rules(path)
    except RulesError as exc:
        for err in exc.errors:
            typer.echo(str(err), err=True)
        typer.echo(f"{len(exc.errors)} error(s) in {path}", err=True)
        raise typer.Exit(1)


@app.command()
def check(path: Path = typer.Argument(..., help="rule file (YAML)")) -> None:
    """Validate a rule file: exit 0 with one OK line, or exit 1 with every error (file:line: field: message)."""
    rs = _load(path)
    kinds = sorted({r.trigger.kind for r in rs.rules})
    typer.echo(f"OK {path}: {len(rs.rules)} rules ({', '.join(kinds)}), version {rs.version}")


def _read_jsonl(path: Path) -> tuple[list[dict], list[str]]:
    records, problems = [], []
    with path.open("rb") as fh:
        for n, raw in enumerate(fh, start=1):
            line = raw.decode("utf-8", errors="replace").strip()
            if not line:
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                problems.append(f"{path}:{n}: malformed JSON: {exc.msg}")
                continue
            if not isinstance(obj, dict):
                problems.append(f"{path}:{n}: a line must be a JSON object")
                continue
            records.append(obj)
    return records, problems


@app.command()
def backtest(
    path: Path = typer.Argument(..., help="rule file (YAML)"),
    input: Path = typer.Option(..., "--input", "-i", help="classified records, JSON Lines (classify output, "
                                                          "optionally wrapped with received_at, customer, ...)"),
    output: Path | None = typer.Option(None, "--output", "-o", help="write the full JSON report here"),
    samples: int = typer.Option(3, "--samples", help="sample alerts kept per rule and per level"),
) -> None:
    """Replay INPUT in time order on a simulated clock; report per rule and per level how many alerts would fire."""
    from feedback_nlp.rules import backtest as run_backtest

    rs = _load(path)
    if not input.is_file():
        typer.echo(f"{input}: no such file", err=True)
        raise typer.Exit(1)
    records, problems = _read_jsonl(input)
    for p in problems[:20]:
        typer.echo(p, err=True)
    if len(problems) > 20:
        typer.echo(f"... {len(problems) - 20} more unreadable lines", err=True)
    report = run_backtest(rs, records, sample_size=samples)
    report["skipped_lines"] = len(problems)
    if output:
        output.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    typer.echo(f"rules {path} version {rs.version}: {report['records']} records, {report['alerts']} alerts "
               f"({report['decisions']} decisions incl. repeats)")
    for lvl, entry in report["per_level"].items():
        typer.echo(f"  {lvl:<6} {entry['alerts']}")
    for rid, entry in report["per_rule"].items():
        typer.echo(f"  {rid:<32} {entry['level']:<6} {entry['priority']} new={entry['new']} "
                   f"repeat={entry['repeat']} muted={entry['muted']}")
        for s in entry["samples"][:1]:
            typer.echo(f"      e.g. {s['summary_zh']}")
    if output:
        typer.echo(f"report: {output}")
