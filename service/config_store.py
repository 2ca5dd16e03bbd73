"""Versioned rules and lexicon in the database: read, validate, replace, diff. Every version is kept.

Replicas notice a new version within ``config_refresh_seconds`` (they compare the latest version
number) and switch without a restart.
"""

from __future__ import annotations

import difflib
import hashlib
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from feedback_nlp.yamlsource import SourceError

from .errors import ApiError
from .models import ConfigVersion

KINDS = ("rules", "lexicon")


def validate(kind: str, content: str) -> list[dict]:
    """The problems in ``content`` as ``[{"file","line","field","message"}]``; empty when valid."""
    file = "rules.yaml" if kind == "rules" else "warning_keywords.yaml"
    try:
        if kind == "rules":
            from feedback_nlp.rules import RulesError, parse_rules

            try:
                parse_rules(content, file=file)
            except RulesError as exc:
                return [e.as_dict() if hasattr(e, "as_dict") else {"file": file, "line": None, "field": None,
                                                                     "message": str(e)} for e in exc.errors]
        else:
            from feedback_nlp.lexicon import LexiconError, parse_lexicon

            try:
                parse_lexicon(content, file=file)
            except LexiconError as exc:
                return [e.as_dict() for e in exc.errors]
    except SourceError as exc:
        return [exc.as_dict()]
    return []


def latest(session: Session, kind: str) -> ConfigVersion | None:
    return session.scalar(select(ConfigVersion).where(ConfigVersion.kind == kind)
                          .order_by(ConfigVersion.version.desc()).limit(1))


def latest_number(session: Session, kind: str) -> int:
    return session.scalar(select(func.max(ConfigVersion.version)).where(ConfigVersion.kind == kind)) or 0


def get_version(session: Session, kind: str, version: int) -> ConfigVersion:
    row = session.scalar(select(ConfigVersion).where(ConfigVersion.kind == kind, ConfigVersion.version == version))
    if row is None:
        raise ApiError(404, "not_found", f"{kind} version {version} does not exist", "version")
    return row


def list_versions(session: Session, kind: str) -> list[ConfigVersion]:
    return list(session.scalars(select(ConfigVersion).where(ConfigVersion.kind == kind)
                                .order_by(ConfigVersion.version.desc())))


def replace(session: Session, kind: str, content: str, actor: str, comment: str | None = None) -> ConfigVersion:
    """Validate and store a new version; raises a 422 ApiError listing every problem."""
    problems = validate(kind, content)
    if problems:
        raise ApiError(422, f"invalid_{kind}", f"{len(problems)} problem(s) in the {kind} file",
                       problems[0].get("field"), details=problems)
    current = latest(session, kind)
    digest = hashlib.sha256(content.encode("utf-8")).hexdigest()
    if current is not None and current.sha256 == digest:
        return current  # unchanged: no new version
    row = ConfigVersion(kind=kind, version=(current.version if current else 0) + 1, content=content,
                        sha256=digest, created_by=actor, comment=comment)
    session.add(row)
    try:
        session.flush()
    except IntegrityError as exc:  # two admins at once: the other one won this number
        raise ApiError(409, "conflict", f"another {kind} version was saved at the same time; retry") from exc
    return row


def seed(session: Session, kind: str, path: Path) -> None:
    """Store the shipped file as version 1 when the database has none."""
    if latest(session, kind) is not None or not path.is_file():
        return
    content = path.read_text("utf-8")
    session.add(ConfigVersion(kind=kind, version=1, content=content,
                              sha256=hashlib.sha256(content.encode()).hexdigest(),
                              created_by="system", comment=f"shipped {path.name}"))
    session.flush()


def diff(a: ConfigVersion, b: ConfigVersion) -> str:
    return "".join(difflib.unified_diff(a.content.splitlines(keepends=True), b.content.splitlines(keepends=True),
                                        fromfile=f"{a.kind}@v{a.version}", tofile=f"{b.kind}@v{b.version}"))
