"""Entry point: ``feedback-nlp``. Sub-commands live in their own modules."""

from __future__ import annotations

import importlib

import typer

from feedback_nlp_cli import classify, lexicon

app = typer.Typer(help="Chinese customer-feedback classifier with alerting.", no_args_is_help=True,
                  add_completion=False, pretty_exceptions_enable=False)
app.command()(classify.classify)
app.add_typer(lexicon.app, name="lexicon")

# Sub-command modules with their own heavier dependencies register themselves when present.
for _name, _mount in (("rules", "typer"), ("relabel", "register"), ("serve", "register")):
    try:
        _mod = importlib.import_module(f"feedback_nlp_cli.{_name}")
    except ModuleNotFoundError as _exc:
        if _exc.name != f"feedback_nlp_cli.{_name}":
            raise
        continue
    if _mount == "typer":
        app.add_typer(_mod.app, name=_name)
    else:
        _mod.register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
