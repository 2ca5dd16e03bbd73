"""Where the shipped data lives: the ``lexicons/`` and ``models/`` folders of the project.

An editable install reads them from the checkout; a wheel carries them as the data-only packages
``feedback_nlp_lexicons`` / ``feedback_nlp_models`` / ``feedback_nlp_rules`` (see ``setup.py``).
Environment variables override both, so operators can point a deployment at their own copies.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent


def _shipped(folder: str, package: str) -> Path:
    local = _ROOT / folder
    # a checkout has pyproject.toml beside the code; in site-packages a stray top-level "models"
    # folder of some other distribution must not be taken for ours
    if (_ROOT / "pyproject.toml").is_file() and local.is_dir():
        return local
    # the data packages hold no __init__.py (namespace packages): take their folder from the spec
    spec = importlib.util.find_spec(package)
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return local  # neither a checkout nor a wheel carrying the data: callers report the missing file


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
