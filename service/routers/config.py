"""Rules and lexicon: read, validate, replace (admin), list and diff versions. Changes apply without restart."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse

from .. import config_store
from ..auth import Principal, require
from ..errors import ApiError
from ..schemas import ConfigIn

router = APIRouter(prefix="/v1/config", tags=["config"])
Kind = Literal["rules", "lexicon"]


def _meta(row) -> dict:
    return {"kind": row.kind, "version": row.version, "sha256": row.sha256, "created_at": row.created_at.isoformat(),
            "created_by": row.created_by, "comment": row.comment}


@router.get("/{kind}", summary="The active version (content and metadata)")
def current(kind: Kind, request: Request, _p: Principal = Depends(require("read"))) -> dict:
    with request.app.state.db.session() as s:
        row = config_store.latest(s, kind)
        if row is None:
            raise ApiError(404, "not_found", f"no {kind} stored yet", "kind")
        return {**_meta(row), "content": row.content}


@router.get("/{kind}/versions")
def versions(kind: Kind, request: Request, _p: Principal = Depends(require("read"))) -> dict:
    with request.app.state.db.session() as s:
        return {"items": [_meta(r) for r in config_store.list_versions(s, kind)]}


@router.get("/{kind}/versions/{version}")
def version(kind: Kind, version: int, request: Request, _p: Principal = Depends(require("read"))) -> dict:
    with request.app.state.db.session() as s:
        row = config_store.get_version(s, kind, version)
        return {**_meta(row), "content": row.content}


@router.get("/{kind}/diff", response_class=PlainTextResponse, summary="Unified diff between two versions")
def diff(kind: Kind, request: Request, from_version: int, to_version: int | None = None,
         _p: Principal = Depends(require("read"))) -> str:
    with request.app.state.db.session() as s:
        a = config_store.get_version(s, kind, from_version)
        b = config_store.get_version(s, kind, to_version) if to_version else config_store.latest(s, kind)
        return config_store.diff(a, b)


@router.post("/{kind}/validate", summary="Check a file without storing it")
def validate(kind: Kind, body: ConfigIn, _p: Principal = Depends(require("read"))) -> dict:
    problems = config_store.validate(kind, body.content)
    return {"valid": not problems, "errors": problems}


@router.put("/{kind}", summary="Store a new version (admin); it becomes active at once")
def replace(kind: Kind, body: ConfigIn, request: Request, p: Principal = Depends(require("admin"))) -> dict:
    with request.app.state.db.session() as s:
        row = config_store.replace(s, kind, body.content, p.actor, body.comment)
        out = _meta(row)
    if kind == "lexicon":
        request.app.state.classifier.refresh(force=True)
    return out
