"""Library settings from the environment (prefix ``FEEDBACK_NLP_``), through pydantic-settings."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class PipelineSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FEEDBACK_NLP_", extra="ignore")

    max_chars: int = 5000  # longer texts are rejected with ``text_too_long``
    lexicon: str | None = None  # path of the warning-keyword lexicon; default: lexicons/warning_keywords.yaml
    model: str | None = None  # model directory; default: the shipped default model, else lexicon-only
    lexicon_check_interval: float = 1.0  # seconds between checks of the lexicon file for edits
