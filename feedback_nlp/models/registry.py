"""Find and load the scorer for a model directory.

A model directory holds ``model.json`` with ``{"kind": ..., "version": ...}``; ``kind`` names the
loader below. With no directory given, the newest shipped model under ``models/`` with a
``model.json`` is used (``models/DEFAULT`` may name one explicitly); with none shipped, the
lexicon-only scorer.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

from feedback_nlp.models.base import Scorer
from feedback_nlp.models.lexicon_scorer import LexiconScorer
from feedback_nlp.paths import models_dir

def _linear(path: Path) -> Scorer:
    from feedback_nlp.models.linear import LinearScorer

    return LinearScorer(path)


def _onnx_bert(path: Path) -> Scorer:
    from feedback_nlp.models.onnx_bert import OnnxBertScorer

    return OnnxBertScorer(path)


def _ensemble(path: Path) -> Scorer:
    from feedback_nlp.models.ensemble import EnsembleScorer

    return EnsembleScorer(path, load_scorer)


def _stacked(path: Path) -> Scorer:
    from feedback_nlp.models.stacked import StackedScorer

    return StackedScorer(path, load_scorer)


LOADERS: dict[str, Callable[[Path], Scorer]] = {
    "lexicon": lambda _path: LexiconScorer(),
    "linear": _linear,
    "onnx-bert": _onnx_bert,
    "ensemble": _ensemble,
    "stacked": _stacked,
}


def register_loader(kind: str, loader: Callable[[Path], Scorer]) -> None:
    LOADERS[kind] = loader


def default_model_dir() -> Path | None:
    root = models_dir()
    if not root.is_dir():
        return None
    named = root / "DEFAULT"
    if named.is_file():
        candidate = root / named.read_text("utf-8").strip()
        return candidate if (candidate / "model.json").is_file() else None
    found = sorted(p.parent for p in root.glob("*/model.json"))
    return found[-1] if found else None


def load_scorer(model_dir: str | Path | None = None) -> Scorer:
    path = Path(model_dir) if model_dir else default_model_dir()
    if path is None:
        return LexiconScorer()
    manifest = path / "model.json"
    if not manifest.is_file():
        raise FileNotFoundError(f"{path}: not a model directory (no model.json)")
    kind = json.loads(manifest.read_text("utf-8")).get("kind")
    if kind not in LOADERS:
        raise ValueError(f"{manifest}: unknown model kind {kind!r}; known: {', '.join(sorted(LOADERS))}")
    return LOADERS[kind](path)
