"""Scorers: turn a processed :class:`~feedback_nlp.document.Document` into label probabilities."""
