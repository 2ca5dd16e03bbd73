import os

from feedback_nlp.lexicon import LexiconStore

GOOD = "entries:\n  - {term: 慢, cause: logistics, severity: 1}\n"
EDITED = "entries:\n  - {term: 慢, cause: logistics, severity: 1}\n  - {term: 贵, cause: price_value, severity: 1}\n"
BROKEN = "entries:\n  - {term: 贵, cause: nope, severity: 1}\n"


def _write(path, text, bump):
    path.write_text(text, encoding="utf-8")
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + bump))


def test_edit_applies_without_restart_and_broken_edit_keeps_last_good(tmp_path):
    path = tmp_path / "lex.yaml"
    _write(path, GOOD, 0)
    store = LexiconStore(path, check_interval=0)
    v1 = store.version
    assert [e.term for e in store.current().lexicon.entries] == ["慢"]

    _write(path, EDITED, 10_000_000)
    assert [e.term for e in store.current().lexicon.entries] == ["慢", "贵"]
    v2 = store.version
    assert v2 != v1

    _write(path, BROKEN, 20_000_000)
    assert store.current().lexicon.version == v2  # still the last good one
    assert store.last_error is not None and "nope" in str(store.last_error)
