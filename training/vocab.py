"""A ``bert-base-chinese``-format vocabulary built from the corpus.

``vocab.txt`` holds one token per line: the five BERT special tokens, then every CJK character
seen at least ``min_cjk_freq`` times (most frequent first, at most ``max_cjk``), then a WordPiece
vocabulary (word starts and ``##`` continuations) trained with ``tokenizers`` on the non-CJK parts
of the corpus (Latin, digits, punctuation, emoji). ``BertTokenizerFast(vocab_file=...)`` with
``tokenize_chinese_chars=True`` splits CJK text per character exactly like ``bert-base-chinese``,
so a public Chinese checkpoint and its vocabulary can replace this one without code changes.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

from feedback_nlp.text.normalize import is_cjk

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


# Full-width punctuation that normalisation leaves alone or that raw (un-normalised) input carries.
EXTRA_PUNCTUATION = list("，。、；：？！“”‘’（）《》【】「」『』…—～·￥")
# The corpora here are older than emoji; feedback today is full of them and they carry sentiment.
# They get ids now (learnt in fine-tuning) so that they never turn a whole word into [UNK].
COMMON_EMOJI = (
    [chr(c) for c in range(0x1F600, 0x1F650)]  # emoticons block
    + [chr(c) for c in range(0x1F910, 0x1F930)]  # supplemental faces
    + list("👍👎👌👏🙏💪👊✌❤💔💯🔥🎉💩🤮🥰🥺🥵🥶🤩🤯🤬🤭🤫⭐🌟✨🌹💰💸📦🚚🛵⚡❌✅⚠❓❗")
)


def _non_cjk_parts(lines: Iterable[str], cjk: Counter, other: Counter) -> Iterator[str]:
    """Yield each line with CJK characters replaced by spaces, counting every character."""
    for line in lines:
        chars = []
        for ch in line:
            if is_cjk(ch):
                cjk[ch] += 1
                chars.append(" ")
            else:
                if not ch.isspace():
                    other[ch] += 1
                chars.append(ch)
        yield "".join(chars)


def build_vocab(
    lines: Iterable[str],
    *,
    max_cjk: int = 7000,
    min_cjk_freq: int = 3,
    wordpiece_size: int = 3000,
    wordpiece_min_freq: int = 5,
    limit_alphabet: int = 600,
) -> list[str]:
    """The ordered token list (specials, CJK characters, WordPiece tokens), no duplicates."""
    from tokenizers import BertWordPieceTokenizer

    cjk_counts: Counter = Counter()
    other_counts: Counter = Counter()
    wp = BertWordPieceTokenizer(clean_text=True, handle_chinese_chars=True, strip_accents=True, lowercase=True)
    wp.train_from_iterator(
        _non_cjk_parts(lines, cjk_counts, other_counts),
        vocab_size=wordpiece_size,
        min_frequency=wordpiece_min_freq,
        limit_alphabet=limit_alphabet,
        special_tokens=SPECIAL_TOKENS,
        wordpieces_prefix="##",
        show_progress=False,
    )
    cjk = [ch for ch, n in cjk_counts.most_common(max_cjk) if n >= min_cjk_freq]
    wp_vocab = wp.get_vocab()
    wordpieces = [t for t, _ in sorted(wp_vocab.items(), key=lambda kv: kv[1])]
    out: list[str] = []
    seen: set[str] = set()
    # WordPiece saw no CJK text; any CJK piece it has would be unreachable, so it is left out.
    wordpieces = [t for t in wordpieces if not any(is_cjk(c) for c in t)]
    # Every symbol seen often enough (emoji above all) as a word start and a continuation, so a
    # run like "好评👍👍" or "ok😊" never turns a whole word into [UNK].
    symbols = [c for c, n in other_counts.most_common() if n >= min_cjk_freq and not c.isascii()]
    symbols += EXTRA_PUNCTUATION + COMMON_EMOJI
    symbol_pieces = [p for c in symbols for p in (c, "##" + c)]
    for tok in [*SPECIAL_TOKENS, *cjk, *wordpieces, *symbol_pieces]:
        if tok in seen or not tok.strip():
            continue
        seen.add(tok)
        out.append(tok)
    return out


def write_vocab(tokens: list[str], out_dir: Path, stats: dict | None = None) -> Path:
    """Write ``vocab.txt`` plus the tokenizer files ``BertTokenizerFast`` saves, return out_dir."""
    from transformers import BertTokenizerFast

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    vocab_file = out_dir / "vocab.txt"
    vocab_file.write_text("\n".join(tokens) + "\n", encoding="utf-8")
    tok = load_tokenizer(vocab_file)
    tok.save_pretrained(str(out_dir))
    summary = {
        "size": len(tokens),
        "special": SPECIAL_TOKENS,
        "cjk_chars": sum(1 for t in tokens if len(t) == 1 and is_cjk(t)),
        "wordpiece_continuations": sum(1 for t in tokens if t.startswith("##")),
        **(stats or {}),
    }
    (out_dir / "vocab_stats.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    assert isinstance(tok, BertTokenizerFast)
    return out_dir


def load_tokenizer(vocab_file: str | Path):
    import inspect

    from transformers import BertTokenizerFast

    # transformers 5 takes the vocabulary as ``vocab``, 4.x as ``vocab_file``.
    params = inspect.signature(BertTokenizerFast.__init__).parameters
    key = "vocab_file" if "vocab_file" in params else "vocab"
    return BertTokenizerFast(
        **{key: str(vocab_file)},
        do_lower_case=True,
        tokenize_chinese_chars=True,
        strip_accents=None,
        model_max_length=512,
    )


def read_lines(path: Path) -> Iterator[str]:
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if line:
                yield line
