"""The operator-edited warning-keyword lexicon: file format, validation, matching and hot reload."""

from feedback_nlp.lexicon.matcher import IntentHit, KeywordHit, LexiconMatcher
from feedback_nlp.lexicon.schema import Entry, IntentEntry, Lexicon, LexiconError, load_lexicon, parse_lexicon
from feedback_nlp.lexicon.store import LexiconStore

__all__ = [
    "Entry", "IntentEntry", "IntentHit", "KeywordHit", "Lexicon", "LexiconError", "LexiconMatcher",
    "LexiconStore", "load_lexicon", "parse_lexicon",
]
