"""Liveness, readiness and Prometheus metrics (no key needed)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import text

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict:
    return {"status": "ok"}


@router.get("/readyz")
def readyz(request: Request):
    st = request.app.state
    checks = {"database": False, "model": False}
    try:
        with st.db.session() as s:
            s.execute(text("SELECT 1"))
        checks["database"] = True
    except Exception:
        pass
    pipeline = st.classifier.pipeline
    checks["model"] = pipeline is not None
    body = {"status": "ready" if all(checks.values()) else "not_ready", "checks": checks}
    if pipeline is not None:
        body["model_version"] = pipeline.model_version
        body["lexicon_version"] = pipeline.lexicon_version
    return JSONResponse(body, status_code=200 if all(checks.values()) else 503)


@router.get("/metrics")
def metrics(request: Request) -> Response:
    return Response(request.app.state.metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")
