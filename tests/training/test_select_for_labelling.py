"""The --share option of training.select_for_labelling."""

from __future__ import annotations

import pytest

from training.select_for_labelling import parse_shares


def test_shares_parse():
    assert parse_shares(["churn_intent=0.8", "random=0.2"]) == {"churn_intent": 0.8, "random": 0.2}


@pytest.mark.parametrize("items,message", [
    (["churn=0.5"], "REASON one of"),
    (["churn_intent"], "REASON one of"),
    (["churn_intent=lots"], "not a number"),
    (["churn_intent=0"], "in (0, 1]"),
    (["churn_intent=0.8", "random=0.4"], "more than 1"),
])
def test_bad_shares_are_refused_with_the_reason(items, message):
    with pytest.raises(SystemExit, match=message.replace("(", r"\(").replace("]", r"\]")):
        parse_shares(items)
