"""``feedback-nlp serve``: run the HTTP service (API, delivery worker, scheduler, triage console)."""

from __future__ import annotations

import os
from typing import Optional

import typer


def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on (0.0.0.0 for all)."),
    port: int = typer.Option(8080, help="TCP port."),
    workers: int = typer.Option(1, min=1, help="Worker processes (each runs the API, delivery and scheduler)."),
    database_url: Optional[str] = typer.Option(
        None, help="SQLAlchemy URL, e.g. postgresql://user@host/db. Default: $FEEDBACK_DATABASE_URL, "
                   "$DATABASE_URL or the SQLite file var/feedback.sqlite."),
    channels_file: Optional[str] = typer.Option(None, help="YAML file listing notification channels."),
    log_level: str = typer.Option("info", help="uvicorn log level."),
) -> None:
    """Start the service. On an empty database it prints the first admin API key once."""
    try:
        import uvicorn

        from service.app import prepare
        from service.settings import Settings
    except ModuleNotFoundError as exc:
        typer.echo(f"the service needs its extra dependencies ({exc.name} is missing): "
                   "pip install 'feedback-nlp[service]'", err=True)
        raise typer.Exit(1) from exc

    # Workers are separate processes: settings reach them through the environment.
    if database_url:
        os.environ["FEEDBACK_DATABASE_URL"] = database_url
    if channels_file:
        os.environ["FEEDBACK_CHANNELS_FILE"] = channels_file
    prepare(Settings())  # migrate, seed rules and lexicon, first admin key: once, before the workers fork
    uvicorn.run("service.app:create_app", factory=True, host=host, port=port, workers=workers,
                log_level=log_level, proxy_headers=False)


def register(app: typer.Typer) -> None:
    app.command(name="serve")(serve)
