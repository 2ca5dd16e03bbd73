"""Near-duplicate texts by character-3-gram Jaccard similarity.

The shared review corpora were deduplicated by exact text only, so the same review can sit in the
train and the dev split with different whitespace. Labels made here must not reach a dev text
that way, and written training texts must not paraphrase the written dev set.
"""

from __future__ import annotations

NEAR_DUP_JACCARD = 0.5


def char_trigrams(text: str) -> set[str]:
    t = "".join(text.split())
    if len(t) < 3:
        return {t}
    return {t[i:i + 3] for i in range(len(t) - 2)}


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def near_duplicates(left: list[dict], right: list[dict], limit: float = NEAR_DUP_JACCARD) -> list[tuple]:
    """Pairs (left id, right id, score) of rows ({"id", "text"}) whose character-3-gram Jaccard is >= limit."""
    index: dict[str, list[int]] = {}
    right_grams = [char_trigrams(r["text"]) for r in right]
    for j, grams in enumerate(right_grams):
        for g in grams:
            index.setdefault(g, []).append(j)
    found = []
    for row in left:
        grams = char_trigrams(row["text"])
        candidates = {j for g in grams for j in index.get(g, ())}
        for j in candidates:
            score = jaccard(grams, right_grams[j])
            if score >= limit:
                found.append((row["id"], right[j]["id"], round(score, 3)))
    return found
