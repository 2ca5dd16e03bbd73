"""Invalid rule files: every mistake is reported with file, line and field, all at once."""

import textwrap

import pytest

from feedback_nlp.rules import RulesError, load_rules, parse_rules


def errors_of(text: str, file: str = "bad.yaml") -> list[str]:
    with pytest.raises(RulesError) as info:
        parse_rules(textwrap.dedent(text), file=file)
    return [str(e) for e in info.value.errors]


BAD = """\
channels: [dashboard, sms]
priorities:
  P1: {first_response: 2d, resolution: 1d}
  P4: {first_response: 1h}
rules:
  - id: ok_rule
    description: {zh: 好, en: fine}
    when: {causes: logistics}
    actions: {level: red}
  - id: ok_rule
    description: {zh: 重复, en: duplicate}
    when:
      all:
        - sentiment.label: angry
        - causes: teleportation
        - sentiment.score: {">=": high}
        - customer.tier: E
        - survey.nps: {between: [0, 6]}
        - keyword: {term: 慢, colour: red}
        - satisfaction: {le: 5}
        - channel: {matches: "(unclosed"}
        - not: []
        - feelings: sad
    trigger: {delay: soon}
    actions: {level: orange, priority: P9, channels: [pager]}
  - id: Bad Id
    description: only english
    when: {any: []}
    trigger: {count: 0, group_by: [attributes.store, mood]}
    actions: {level: blue}
    colour: red
"""


def test_every_error_is_reported_with_file_line_and_field():
    errs = errors_of(BAD)
    expected = [
        "bad.yaml:3: priorities.P1.first_response: first response target is longer than the resolution target",
        "bad.yaml:4: priorities.P4: unknown key; expected one of: P1, P2, P3",
        "bad.yaml:10: rules.1.id: duplicate rule id 'ok_rule' (first at line 6)",
        "bad.yaml:14: rules.1.when.all.0.sentiment.label: unknown value 'angry' for sentiment.label; "
        "expected one of: negative, neutral, positive",
        "bad.yaml:15: rules.1.when.all.1.causes: unknown value 'teleportation' for causes",
        "bad.yaml:16: rules.1.when.all.2.sentiment.score.>=: >= needs a number; got 'high'",
        "bad.yaml:17: rules.1.when.all.3.customer.tier: unknown value 'E' for customer.tier; expected one of: A, B, C, D",
        "bad.yaml:18: rules.1.when.all.4.survey.nps.between: unknown operator 'between'",
        "bad.yaml:19: rules.1.when.all.5.keyword.colour: unknown keyword field",
        "bad.yaml:20: rules.1.when.all.6.satisfaction: satisfaction needs {scale: N, <op>: value}",
        "bad.yaml:21: rules.1.when.all.7.channel.matches: invalid regular expression",
        "bad.yaml:22: rules.1.when.all.8.not: an empty list is not a condition",
        "bad.yaml:23: rules.1.when.all.9.feelings: unknown field 'feelings'",
        "bad.yaml:24: rules.1.trigger.delay: not a duration such as 30m, 1h, 3d, 2w: 'soon'",
        "bad.yaml:25: rules.1.actions.level: unknown level 'orange'; expected one of: blue, yellow, red",
        "bad.yaml:25: rules.1.actions.priority: unknown priority 'P9'",
        "bad.yaml:25: rules.1.actions.channels.0: unknown channel 'pager'; declared channels: dashboard, sms",
        "bad.yaml:26: rules.2.id: rule ids are lowercase [a-z0-9_.-]: 'Bad Id'",
        "bad.yaml:27: rules.2.description: must be {zh: 中文说明, en: English description}",
        "bad.yaml:28: rules.2.when.any: any needs a non-empty list of conditions",
        "bad.yaml:29: rules.2.trigger.count: must be a whole number >= 1; got 0",
        "bad.yaml:29: rules.2.trigger.group_by.1: unknown field 'mood' to group by",
        "bad.yaml:29: rules.2.trigger: a count trigger needs a window, e.g. window: 1h",
        "bad.yaml:31: rules.2.colour: unknown key; expected one of: id, description, enabled, when, trigger, actions",
    ]
    for want in expected:
        assert any(e.startswith(want) for e in errs), f"missing: {want}\n got:\n" + "\n".join(errs)
    assert len(errs) == len(expected), "\n".join(errs)
    lines = [int(e.split(":")[1]) for e in errs]
    assert lines == sorted(lines)  # reported in file order


def test_source_error_objects_carry_the_parts():
    with pytest.raises(RulesError) as info:
        parse_rules("rules:\n  - id: a\n    description: {zh: 甲, en: a}\n    when: {causes: nope}\n"
                    "    actions: {level: red}\n", file="x.yaml")
    [err] = info.value.errors
    assert (err.file, err.line, err.field) == ("x.yaml", 4, "rules.0.when.causes")


@pytest.mark.parametrize("text, expected", [
    ("rules: [", "bad.yaml:1: invalid YAML"),
    ("just text", "bad.yaml:1: a rule file is a mapping with at least 'rules'"),
    ("rules: []", "bad.yaml:1: rules: must be a non-empty list of rules"),
    ("timezone: Mars/Olympus\nrules: []", "bad.yaml:1: timezone: unknown time zone 'Mars/Olympus'"),
    ("rules:\n  - id: a\n    when: {causes: logistics}\n    actions: {level: red}\n",
     "bad.yaml:2: rules.0: missing required key 'description'"),
    ("sla_policies:\n  office: {type: business_hours, hours: ['18:00-09:00']}\nrules: []",
     "bad.yaml:2: sla_policies.office.hours.0: not a time range HH:MM-HH:MM"),
    ("priorities:\n  P2: {policy: office}\nrules: []",
     "bad.yaml:2: priorities.P2.policy: unknown SLA policy 'office'; defined: 24x7"),
    ("routing:\n  by_cause: {logistic: 物流部}\nrules: []", "bad.yaml:2: routing.by_cause.logistic: unknown key"),
    ("routing:\n  tiers: {VIP: {owner: am}}\nrules: []", "bad.yaml:2: routing.tiers.VIP: unknown key"),
    ("suppressions:\n  - {id: s, match: {colour: red}, hours: '22:00-08:00'}\nrules: []",
     "bad.yaml:2: suppressions.0.match.colour: unknown label"),
    ("suppressions:\n  - {id: s, match: {level: blue}}\nrules: []",
     "bad.yaml:2: suppressions.0: a suppression needs hours, weekdays or between"),
    ("rules:\n  - id: a\n    description: {zh: 甲, en: a}\n    when: {causes: logistics}\n"
     "    trigger: {delay: 1h, count: 3}\n    actions: {level: red}\n",
     "bad.yaml:5: rules.0.trigger: give exactly one of delay, count, rise, digest"),
    ("rules:\n  - id: a\n    description: {zh: 甲, en: a}\n    when: {causes: logistics}\n"
     "    trigger: {rise: -1, min_count: x}\n    actions: {level: red}\n",
     "bad.yaml:5: rules.0.trigger.rise: must be a positive fraction"),
    ("rules:\n  - id: off\n    description: {zh: 甲, en: a}\n    when: {causes: logistics}\n"
     "    actions: {level: red}\n", "bad.yaml:2: rules.0.id: YAML reads yes/no/on/off as true/false: quote the id"),
    ("holidays: {holidays: ['2027-02-30']}\nrules: []", "bad.yaml:1: holidays.holidays.0: not a date"),
    # an impossible unquoted date fails inside the YAML constructor: located by file, line and field
    ("holidays: {holidays: [2027-02-30]}\nrules: []",
     "bad.yaml:1: holidays.holidays.0: invalid value '2027-02-30': day is out of range for month"),
])
def test_single_mistakes(text, expected):
    errs = errors_of(text)
    assert any(e.startswith(expected) for e in errs), "\n".join(errs)


def test_holiday_file_errors_name_the_holiday_file(tmp_path):
    (tmp_path / "hol.yaml").write_text("holidays:\n  - 2027-01-01\n  - not-a-date\nworkdays: [2027-01-01]\n",
                                       encoding="utf-8")
    rules = tmp_path / "r.yaml"
    rules.write_text("holidays_file: hol.yaml\nrules:\n  - id: a\n    description: {zh: 甲, en: a}\n"
                     "    when: {causes: logistics}\n    actions: {level: red}\n", encoding="utf-8")
    with pytest.raises(RulesError) as info:
        load_rules(rules)
    errs = [str(e) for e in info.value.errors]
    hol = str(tmp_path / "hol.yaml")
    assert f"{hol}:3: holidays.1: not a date (YYYY-MM-DD): 'not-a-date'" in errs
    assert any(e.startswith(f"{hol}:4: workdays: 2027-01-01 is listed both") for e in errs)


def test_missing_file():
    with pytest.raises(RulesError) as info:
        load_rules("/nonexistent/rules.yaml")
    assert str(info.value.errors[0]) == "/nonexistent/rules.yaml: file not found"


def test_version_is_a_content_hash(tmp_path):
    text = ("rules:\n  - id: a\n    description: {zh: 甲, en: a}\n    when: {causes: logistics}\n"
            "    actions: {level: red}\n")
    a = parse_rules(text).version
    assert len(a) == 12 and int(a, 16) >= 0
    assert parse_rules(text).version == a
    assert parse_rules(text.replace("red", "blue")).version != a
