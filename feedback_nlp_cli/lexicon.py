"""``feedback-nlp lexicon check|test``."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from feedback_nlp.paths import default_lexicon_path

app = typer.Typer(help="Validate and try the warning-keyword lexicon.", no_args_is_help=True)


@app.command()
def check(path: Path | None = typer.Argument(None, help="lexicon file (default: the shipped one)")) -> None:
    """Validate a lexicon file; every error names file, line and field."""
    from feedback_nlp.lexicon import LexiconError, load_lexicon
    from feedback_nlp.yamlsource import SourceError

    path = path or default_lexicon_path()
    try:
        lex = load_lexicon(path)
    except LexiconError as exc:
        for err in exc.errors:
            typer.echo(str(err), err=True)
        typer.echo(f"{len(exc.errors)} error(s)", err=True)
        raise typer.Exit(1)
    except SourceError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1)
    typer.echo(f"OK {path}: {len(lex.entries)} keyword entries, {len(lex.intents)} churn phrases, "
               f"{len(lex.praise)} praise words, version {lex.version}")


@app.command()
def test(
    text: str = typer.Argument(..., help="a text to match"),
    lexicon: Path | None = typer.Option(None, "--lexicon", help="lexicon file"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Show the keyword hits in TEXT (negation, degree and contrast applied)."""
    from feedback_nlp.pipeline import build_pipeline

    pipe = build_pipeline(lexicon_path=lexicon)
    res = pipe.classify(text)
    if as_json:
        typer.echo(json.dumps({"keywords": res["keywords"], "intent_phrases": res["intent_phrases"],
                               "lexicon_version": res["lexicon_version"]}, ensure_ascii=False, indent=2))
        return
    typer.echo(f"lexicon {res['lexicon_version']}")
    if not res["keywords"] and not res["intent_phrases"]:
        typer.echo("no hits")
    for k in res["keywords"]:
        state = "FIRES" if k["fires"] else "does not fire"
        typer.echo(f"[{k['start']}:{k['end']}] {k['text']!r} term={k['term']} cause={k['cause']} severity={k['severity']} "
                   f"negated={k['negated']} polarity={k['polarity']} weight={k['weight']} -> {state}")
    for i in res["intent_phrases"]:
        typer.echo(f"[{i['start']}:{i['end']}] churn phrase {i['term']!r} intent={i['intent']}")
