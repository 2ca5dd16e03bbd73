import pytest

from feedback_nlp.lexicon import LexiconError, load_lexicon, parse_lexicon


def errors_of(text, file="lex.yaml"):
    with pytest.raises(LexiconError) as exc:
        parse_lexicon(text, file)
    return [str(e) for e in exc.value.errors]


def test_shipped_lexicon_is_valid():
    from feedback_nlp.paths import default_lexicon_path

    lex = load_lexicon(default_lexicon_path())
    assert len(lex.entries) > 30 and len(lex.version) == 12


def test_unknown_cause_code_names_file_line_field():
    errs = errors_of("entries:\n  - term: 慢\n    cause: logistic\n    severity: 2\n")
    assert errs == ["lex.yaml:3: entries.0.cause: unknown cause code 'logistic'; expected one of "
                    "product_quality, logistics, service, digital_experience, safety_health, price_value, competitor, "
                    "need_change, marketing_harassment, policy_promise, billing_refund, privacy_security, other"]


def test_bad_severity_and_unknown_field():
    errs = errors_of("entries:\n  - term: 慢\n    cause: logistics\n    severity: 5\n    sevrity: 1\n")
    assert "lex.yaml:4: entries.0.severity: severity must be an integer 1–3, got 5" in errs
    assert any(e.startswith("lex.yaml:5: entries.0.sevrity: unknown field") for e in errs)


def test_duplicate_term_across_entries_and_after_normalisation():
    errs = errors_of(
        "entries:\n"
        "  - {term: 態度差, cause: service, severity: 2}\n"
        "  - {term: 态度差, cause: service, severity: 2}\n"
    )
    assert errs == ["lex.yaml:3: entries.1.term: duplicate term '态度差' (already at line 2)"]


def test_contradiction_same_term_two_causes():
    errs = errors_of(
        "entries:\n"
        "  - {term: 慢, cause: logistics, severity: 1}\n"
        "  - {term: 退款, cause: billing_refund, severity: 2, synonyms: [慢]}\n"
    )
    assert errs == ["lex.yaml:3: entries.1.synonyms.0: contradiction: '慢' means billing_refund/negative here but "
                    "logistics/negative at line 2"]


def test_contradiction_between_keyword_and_intent():
    errs = errors_of(
        "entries:\n  - {term: 最后一次, cause: other, severity: 1}\n"
        "intents:\n  - {term: 最后一次, intent: explicit}\n"
    )
    assert len(errs) == 1 and errs[0].startswith("lex.yaml:4: intents.0.term: contradiction")


def test_empty_term_and_bad_synonyms():
    errs = errors_of("entries:\n  - {term: '', cause: logistics, severity: 1, synonyms: 慢}\n")
    assert "lex.yaml:2: entries.0.term: term is missing or empty" in errs
    assert "lex.yaml:2: entries.0.synonyms: synonyms must be a list of strings" in errs


def test_invalid_yaml_reports_line():
    errs_text = None
    try:
        parse_lexicon("entries:\n  - {term: 慢, cause: [\n", "lex.yaml")
    except Exception as exc:  # SourceError from the YAML layer
        errs_text = str(exc)
    assert errs_text is not None and errs_text.startswith("lex.yaml:") and "invalid YAML" in errs_text


def test_version_is_content_hash():
    a = parse_lexicon("entries:\n  - {term: 慢, cause: logistics, severity: 1}\n")
    b = parse_lexicon("entries:\n  - {term: 慢, cause: logistics, severity: 2}\n")
    assert a.version != b.version
    assert a.version == parse_lexicon("entries:\n  - {term: 慢, cause: logistics, severity: 1}\n").version


def test_impossible_scalar_is_a_located_error():
    from feedback_nlp.yamlsource import SourceError, load_yaml_with_lines

    with pytest.raises(SourceError) as exc:
        load_yaml_with_lines("a: 1\nholidays:\n  - 2027-02-30\n", "h.yaml")
    assert str(exc.value).startswith("h.yaml:3: holidays.0: invalid value '2027-02-30'")
