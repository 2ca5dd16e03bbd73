"""The application factory: ``create_app(settings)``; ``uvicorn --factory service.app:create_app``."""

from __future__ import annotations

import logging
import sys
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from feedback_nlp.paths import default_lexicon_path, default_rules_path

from . import config_store, errors, logsafe, migrate
from .auth import Authenticator, count_keys, create_api_key
from .channels import load_channels
from .classifier import Classifier
from .db import Database
from .metrics import Metrics
from .middleware import AccessLog, BodySizeLimit
from .outbox import OutboxWorker
from .routers import admin, alerts, classify, config, dashboard, feedback, health, silences
from .rules_runtime import RulesRuntime
from .scheduler import Scheduler
from .settings import Settings

STATIC = Path(__file__).resolve().parent / "static"
log = logsafe.get_logger("service.app")


def bootstrap(app_state) -> str | None:
    """Migrate, seed the shipped rules and lexicon, and create the first admin key if there is none."""
    return prepare(app_state.settings, app_state.db)


def prepare(settings: Settings, db: Database | None = None) -> str | None:
    """The start-up work that must happen once per database; ``feedback-nlp serve`` runs it before
    starting several workers, so that only one of them could ever print a first admin key."""
    own = db is None
    db = db or Database(settings.database_url, settings.database_schema)
    try:
        with migrate.startup_lock(db.engine):
            return _prepare(settings, db)
    finally:
        if own:
            db.dispose()


def _prepare(settings: Settings, db: Database) -> str | None:
    migrate.upgrade(db.engine, db.schema)
    with db.session() as s:
        config_store.seed(s, "lexicon", default_lexicon_path())
        config_store.seed(s, "rules", default_rules_path())
    if not settings.bootstrap_admin:
        return None
    with db.session() as s:
        if count_keys(s):
            return None
        _row, key = create_api_key(s, "first-admin", ["admin"])
    # Printed once to the console for the operator, on purpose never through logging.
    print(f"\n*** feedback-nlp: first admin API key (shown once, store it now): {key}\n", file=sys.stderr, flush=True)
    return key


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    logsafe.install()
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    db = Database(settings.database_url, settings.database_schema)
    metrics = Metrics(db)
    channels = load_channels(settings.channels_file, settings.channels)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        st = app.state
        st.first_admin_key = bootstrap(st)
        st.classifier.load()
        workers = []
        if settings.run_workers:
            workers = [st.outbox_worker, st.scheduler]
            for w in workers:
                w.start()
        try:
            yield
        finally:
            for w in workers:
                w.stop()
            st.classifier.close()
            db.dispose()

    app = FastAPI(title="feedback-nlp service", version="1", lifespan=lifespan,
                  description="Ingest Chinese customer feedback, classify it, raise and deliver alerts, triage them.")
    st = app.state
    st.settings, st.db, st.metrics, st.channels = settings, db, metrics, channels
    st.auth = Authenticator(db, settings.default_rate_limit_per_minute)
    st.classifier = Classifier(db, settings.model_dir, Path(settings.state_dir), settings.config_refresh_seconds,
                               metrics)
    st.rules = RulesRuntime(base_dir=default_rules_path().parent)
    st.outbox_worker = OutboxWorker(db, channels, settings, metrics, worker_id=settings.instance_id)
    st.scheduler = Scheduler(db, st.rules, channels, settings, metrics, holder=settings.instance_id)

    errors.install(app)
    for r in (health.router, classify.router, feedback.router, alerts.router, config.router, admin.router,
              dashboard.router, silences.router):
        app.include_router(r)
    if settings.console_enabled and STATIC.is_dir():
        app.mount("/console", StaticFiles(directory=STATIC, html=True), name="console")

        @app.get("/", include_in_schema=False)
        def root():
            return RedirectResponse("/console/")

    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["*"],
                           allow_headers=["*"])
    app.add_middleware(BodySizeLimit, limit=settings.max_body_bytes)
    app.add_middleware(AccessLog, metrics=metrics)
    return app
