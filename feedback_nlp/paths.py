"""Where the shipped data lives: the ``lexicons/`` and ``models/`` folders of the project.

An editable install reads them from the checkout; a wheel carries them as the packages
``feedback_nlp_lexicons`` / ``feedback_nlp_models`` (see ``pyproject.toml``). Environment variables
override both, so operators can point a deployment at their own copies.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent


def _shipped(folder: str, package: str) -> Path:
    local = _ROOT / folder
    if local.is_dir():
        return local
    try:
        return Path(str(resources.files(package)))
    except ModuleNotFoundError:  # pragma: no cover - broken install
        return local


def lexicon_dir() -> Path:
    return Path(os.environ.get("FEEDBACK_NLP_LEXICON_DIR") or _shipped("lexicons", "feedback_nlp_lexicons"))


def models_dir() -> Path:
    return Path(os.environ.get("FEEDBACK_NLP_MODELS_DIR") or _shipped("models", "feedback_nlp_models"))


def default_lexicon_path() -> Path:
    return Path(os.environ.get("FEEDBACK_NLP_LEXICON") or lexicon_dir() / "warning_keywords.yaml")


def user_dict_path() -> Path:
    return lexicon_dir() / "user_dict.txt"


def rules_dir() -> Path:
    return Path(os.environ.get("FEEDBACK_NLP_RULES_DIR") or _shipped("rules", "feedback_nlp_rules"))


def default_rules_path() -> Path:
    return Path(os.environ.get("FEEDBACK_NLP_RULES") or rules_dir() / "default_rules.yaml")
