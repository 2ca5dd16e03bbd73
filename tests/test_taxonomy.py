import re

from feedback_nlp.taxonomy import CAUSE_CODES, CHURN_INTENTS, GROUPS, SENTIMENTS, TAXONOMY


def test_label_set():
    assert len(CAUSE_CODES) == 13 and CAUSE_CODES[-1] == "other"
    assert SENTIMENTS == ("negative", "neutral", "positive")
    assert CHURN_INTENTS == ("none", "risk", "explicit")
    assert {TAXONOMY.group_of(c) for c in CAUSE_CODES if c != "other"} == {"experience", "competitive", "need", "operations"}
    assert TAXONOMY.group_of("other") == "none" and "none" in GROUPS
    assert all(c.zh and c.en for c in TAXONOMY.causes)


def test_matches_the_labelling_guide(shared_data):
    guide = (shared_data / "LABELING_GUIDE.md").read_text("utf-8")
    rows = re.findall(r"^\| `(\w+)` \| ([^|]+) \| (\w+)? ?[^|]*\|", guide, re.M)
    codes = [r[0] for r in rows]
    assert tuple(codes) == CAUSE_CODES
    for code, zh, group in rows:
        assert TAXONOMY.cause(code).zh == zh.strip()
        if group:
            assert TAXONOMY.group_of(code) == group
