"""Rule conditions: validate the YAML form and compile it into a fast predicate.

A condition is a mapping with one key (several keys in one mapping are ANDed):

- ``all: [cond, ...]``, ``any: [cond, ...]``, ``not: cond`` nest to any depth (a bare list is ``all``);
- ``FIELD: VALUE`` compares a field (see ``FIELDS``); VALUE is a scalar (equals; for list fields:
  contains), a list (in; for list fields: shares an element) or a mapping of operators
  ``{op: operand, ...}`` (all must hold). Operators: ``==``/eq, ``!=``/ne, ``<``/lt, ``<=``/le, ``>``/gt,
  ``>=``/ge, in, not_in, contains, matches (regex search), exists (true/false);
- ``keyword: {term, text, cause, severity, negated, polarity, weight, fires}``: some keyword hit
  satisfies every sub-condition (``fires: true`` is implied unless ``fires`` or ``negated`` is given: a
  complaint term fires unless negated, a praise term only when negated, as the lexicon reports);
- ``has_cause: {code, group, score}``: some predicted cause satisfies every sub-condition;
- ``satisfaction: {scale: 10, <op>: n}``: the survey satisfaction rescaled from the scale the event
  declares (``survey.scale``, default 10) to the rule's scale.

A field that is missing or has the wrong type makes its comparison false (``not`` turns that into true;
use ``exists`` to be explicit). A predicate never raises.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from feedback_nlp.taxonomy import CAUSE_CODES, CHURN_INTENTS, GROUPS, SENTIMENTS
from feedback_nlp.yamlsource import LineMap, SourceError

from .model import TIERS

Predicate = Callable[[dict, "list | None"], bool]

NUM, STR, BOOL, LIST, ANY = "number", "string", "boolean", "list", "any"

# field -> (type, allowed values or None)
FIELDS: dict[str, tuple[str, tuple | None]] = {
    "id": (STR, None), "source": (STR, None), "channel": (STR, None), "status": (STR, None),
    "answered": (BOOL, None),
    "sentiment.label": (STR, SENTIMENTS), "sentiment.score": (NUM, None),
    "churn_intent.label": (STR, CHURN_INTENTS), "churn_intent.score": (NUM, None),
    "cause": (STR, CAUSE_CODES), "causes": (LIST, CAUSE_CODES),
    "cause_group": (STR, GROUPS), "cause_groups": (LIST, GROUPS),
    "keyword_terms": (LIST, None), "keyword_count": (NUM, None), "keyword_max_severity": (NUM, None),
    "survey.satisfaction": (NUM, None), "survey.scale": (NUM, None), "survey.nps": (NUM, None),
    "customer.id": (STR, None), "customer.tier": (STR, TIERS), "customer.ltv": (NUM, None),
    "customer.tags": (LIST, None), "customer.account_manager": (STR, None), "customer.name": (STR, None),
}
PREFIX_FIELDS: dict[str, tuple[str, tuple | None, tuple | None]] = {
    # prefix -> (type, allowed suffixes, allowed values)
    "sentiment.scores.": (NUM, SENTIMENTS, None),
    "churn_intent.scores.": (NUM, CHURN_INTENTS, None),
    "cause_scores.": (NUM, CAUSE_CODES, None),
    "attributes.": (ANY, None, None),
}
KEYWORD_FIELDS = {"term": (STR, None), "text": (STR, None), "cause": (STR, CAUSE_CODES),
                  "severity": (NUM, None), "negated": (BOOL, None), "polarity": (STR, None),
                  "weight": (NUM, None), "fires": (BOOL, None)}
CAUSE_FIELDS = {"code": (STR, CAUSE_CODES), "group": (STR, GROUPS), "score": (NUM, None)}

OPS = {"==": "eq", "eq": "eq", "!=": "ne", "ne": "ne", "<": "lt", "lt": "lt", "<=": "le", "le": "le",
       ">": "gt", "gt": "gt", ">=": "ge", "ge": "ge", "in": "in", "not_in": "not_in",
       "contains": "contains", "matches": "matches", "exists": "exists"}
COMBINATORS = ("all", "any", "not")


def field_type(name: str) -> tuple[str, tuple | None] | None:
    """``(type, allowed values)`` of a condition field, or None if unknown."""
    if name in FIELDS:
        return FIELDS[name]
    for prefix, (ftype, suffixes, values) in PREFIX_FIELDS.items():
        if name.startswith(prefix) and len(name) > len(prefix):
            if suffixes is None or name[len(prefix):] in suffixes:
                return ftype, values
    return None


class _Ctx:
    def __init__(self, lines: LineMap, errors: list[SourceError]):
        self.lines, self.errors = lines, errors

    def err(self, path: tuple, message: str) -> None:
        self.errors.append(self.lines.error(path, message))


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _check_value(ctx: _Ctx, path: tuple, ftype: str, allowed: tuple | None, value: Any, name: str) -> None:
    if ftype == NUM and not _is_num(value):
        ctx.err(path, f"{name} is a number; got {value!r}")
    elif ftype == BOOL and not isinstance(value, bool):
        ctx.err(path, f"{name} is true or false; got {value!r}")
    elif ftype in (STR, LIST) and allowed is not None and value not in allowed:
        ctx.err(path, f"unknown value {value!r} for {name}; expected one of: {', '.join(allowed)}")
    elif ftype in (STR, LIST) and allowed is None and not isinstance(value, (str, int)):
        ctx.err(path, f"{name} compares with text; got {value!r}")


def _compile_op(ctx: _Ctx, path: tuple, name: str, ftype: str, allowed: tuple | None, op: str, operand: Any):
    """One ``op: operand`` test on a value; returns ``test(value) -> bool`` (value may be None)."""
    kind = OPS[op]
    if kind == "exists":
        if not isinstance(operand, bool):
            ctx.err(path, "exists takes true or false")
        want = bool(operand)
        return lambda v: (v is not None) == want
    if kind in ("lt", "le", "gt", "ge"):
        if not _is_num(operand):
            ctx.err(path, f"{op} needs a number; got {operand!r}")
            return None
        if ftype not in (NUM, ANY):
            ctx.err(path, f"{op} compares numbers but {name} is a {ftype}")
        x = float(operand)
        cmp = {"lt": lambda v: v < x, "le": lambda v: v <= x, "gt": lambda v: v > x, "ge": lambda v: v >= x}[kind]
        return lambda v: _is_num(v) and cmp(v)
    if kind == "matches":
        if not isinstance(operand, str):
            ctx.err(path, f"matches needs a regular expression string; got {operand!r}")
            return None
        try:
            rx = re.compile(operand)
        except re.error as exc:
            ctx.err(path, f"invalid regular expression: {exc}")
            return None
        if ftype == LIST:
            return lambda v: isinstance(v, list) and any(isinstance(i, str) and rx.search(i) for i in v)
        return lambda v: isinstance(v, str) and rx.search(v) is not None
    if kind in ("in", "not_in"):
        if not isinstance(operand, list) or not operand:
            ctx.err(path, f"{op} needs a non-empty list; got {operand!r}")
            return None
        for i, item in enumerate(operand):
            _check_value(ctx, path + (i,), ftype, allowed, item, name)
        pool = frozenset(operand) if all(isinstance(o, (str, int, float, bool)) for o in operand) else None
        if pool is None:
            ctx.err(path, f"{op} needs a list of plain values")
            return None
        if ftype == LIST:
            hit = lambda v: isinstance(v, list) and any(_hashable(i) and i in pool for i in v)  # noqa: E731
        else:
            hit = lambda v: _hashable(v) and v in pool and v is not None  # noqa: E731
        if kind == "in":
            return hit
        return lambda v: v is not None and not hit(v)
    if kind == "contains":
        if ftype == LIST:
            _check_value(ctx, path, ftype, allowed, operand, name)
            return lambda v: isinstance(v, list) and operand in v
        if not isinstance(operand, str):
            ctx.err(path, f"contains on {name} needs text; got {operand!r}")
            return None
        return lambda v: isinstance(v, str) and operand in v
    # eq / ne
    if ftype in (STR, LIST) and isinstance(operand, int) and not isinstance(operand, bool):
        operand = str(operand)  # customer.id: 123 means the text "123"
    if isinstance(operand, (list, dict)):
        ctx.err(path, f"{op} needs a single value; got {operand!r}")
        return None
    _check_value(ctx, path, ftype if ftype != LIST else STR, allowed, operand, name)
    if ftype == LIST:
        eq = lambda v: isinstance(v, list) and operand in v  # noqa: E731
    elif ftype == NUM and _is_num(operand):
        eq = lambda v: _is_num(v) and v == operand  # noqa: E731
    else:
        eq = lambda v: v is not None and type(v) is type(operand) and v == operand if not _is_num(operand) \
            else (_is_num(v) and v == operand)  # noqa: E731
    if kind == "eq":
        return eq
    return lambda v: v is not None and not eq(v)


def _hashable(v: Any) -> bool:
    return isinstance(v, (str, int, float, bool))


def compile_value_spec(ctx: _Ctx, path: tuple, name: str, ftype: str, allowed: tuple | None, spec: Any):
    """``VALUE`` of ``FIELD: VALUE`` -> ``test(value) -> bool``, or None after recording errors."""
    if isinstance(spec, dict):
        if not spec:
            ctx.err(path, "empty operator mapping")
            return None
        tests = []
        for op, operand in spec.items():
            if op not in OPS:
                ctx.err(path + (op,), f"unknown operator {op!r}; expected one of: {', '.join(sorted(set(OPS)))}")
                continue
            t = _compile_op(ctx, path + (op,), name, ftype, allowed, op, operand)
            if t is not None:
                tests.append(t)
        if len(tests) != len(spec):
            return None
        if len(tests) == 1:
            return tests[0]
        return lambda v: all(t(v) for t in tests)
    if isinstance(spec, list):
        return _compile_op(ctx, path, name, ftype, allowed, "in", spec)
    if spec is None:
        ctx.err(path, f"missing value for {name}")
        return None
    return _compile_op(ctx, path, name, ftype, allowed, "eq", spec)


def _safe(test):
    def run(v):
        try:
            return bool(test(v))
        except Exception:  # noqa: BLE001 - a predicate never raises (TypeError on odd values, ...)
            return False
    return run


def _compile_sub(ctx: _Ctx, path: tuple, spec: Any, fields: dict, what: str, implied: dict):
    """Sub-conditions over one keyword hit / cause entry -> ``test(entry) -> bool``."""
    if not isinstance(spec, dict) or not spec:
        ctx.err(path, f"{what} needs a mapping of {', '.join(fields)}")
        return None
    tests = []
    ok = True
    merged = dict(implied)
    merged.update(spec)
    for key, sub in merged.items():
        if key not in fields:
            ctx.err(path + (key,), f"unknown {what} field; expected one of: {', '.join(fields)}")
            ok = False
            continue
        ftype, allowed = fields[key]
        t = compile_value_spec(ctx, path + (key,), f"{what}.{key}", ftype, allowed, sub)
        if t is None:
            ok = False
            continue
        tests.append((key, _safe(t)))
    if not ok:
        return None
    return lambda entry: all(t(entry.get(k)) for k, t in tests)


def compile_condition(node: Any, path: tuple, lines: LineMap, errors: list[SourceError]) -> Predicate | None:
    """Validate and compile one condition; every mistake is appended to ``errors``."""
    return _compile(_Ctx(lines, errors), node, path)


def _compile(ctx: _Ctx, node: Any, path: tuple) -> Predicate | None:
    if isinstance(node, list):
        if not node:
            ctx.err(path, "an empty list is not a condition")
            return None
        return _combine(ctx, "all", node, path)
    if not isinstance(node, dict) or not node:
        ctx.err(path, "a condition is a mapping such as {causes: logistics} or {all: [...]}")
        return None
    parts = []
    ok = True
    for key, value in node.items():
        p = _compile_key(ctx, key, value, path + (key,))
        if p is None:
            ok = False
        else:
            parts.append(p)
    if not ok:
        return None
    if len(parts) == 1:
        return parts[0]
    return lambda f, ev: all(p(f, ev) for p in parts)


def _combine(ctx: _Ctx, kind: str, items: Any, path: tuple) -> Predicate | None:
    if kind == "not":
        inner = _compile(ctx, items, path)
        if inner is None:
            return None
        return lambda f, ev: not inner(f, None)
    if not isinstance(items, list) or not items:
        ctx.err(path, f"{kind} needs a non-empty list of conditions")
        return None
    parts = [_compile(ctx, item, path + (i,)) for i, item in enumerate(items)]
    if any(p is None for p in parts):
        return None
    if kind == "all":
        return lambda f, ev: all(p(f, ev) for p in parts)
    return lambda f, ev: any(p(f, ev) for p in parts)


def _compile_key(ctx: _Ctx, key: Any, value: Any, path: tuple) -> Predicate | None:
    if key in COMBINATORS:
        return _combine(ctx, key, value, path)
    if key == "keyword":
        implied = {"fires": True} if isinstance(value, dict) and not ({"negated", "fires"} & set(value)) else {}
        test = _compile_sub(ctx, path, value, KEYWORD_FIELDS, "keyword", implied)
        if test is None:
            return None

        def keyword(f, ev):
            hits = [k for k in f.get("keywords", ()) if test(k)]
            if hits and ev is not None:
                ev.append({"keyword": hits})
            return bool(hits)
        return keyword
    if key == "has_cause":
        test = _compile_sub(ctx, path, value, CAUSE_FIELDS, "has_cause", {})
        if test is None:
            return None

        def has_cause(f, ev):
            hits = [c for c in f.get("cause_entries", ()) if test(c)]
            if hits and ev is not None:
                ev.append({"has_cause": hits})
            return bool(hits)
        return has_cause
    if key == "satisfaction":
        return _compile_satisfaction(ctx, value, path)
    if not isinstance(key, str) or field_type(key) is None:
        ctx.err(path, f"unknown field {key!r}; see docs/rules.md for the list (attributes.NAME for free fields)")
        return None
    ftype, allowed = field_type(key)
    test = compile_value_spec(ctx, path, key, ftype, allowed, value)
    if test is None:
        return None
    test = _safe(test)

    def field_test(f, ev):
        v = f.get(key)
        if test(v):
            if ev is not None and v is not None:
                ev.append({key: v})
            return True
        return False
    return field_test


def _compile_satisfaction(ctx: _Ctx, value: Any, path: tuple) -> Predicate | None:
    if not isinstance(value, dict) or "scale" not in value:
        ctx.err(path, "satisfaction needs {scale: N, <op>: value}, e.g. {scale: 10, le: 5}")
        return None
    scale = value["scale"]
    if not _is_num(scale) or scale <= 0:
        ctx.err(path + ("scale",), f"scale must be a positive number; got {scale!r}")
        return None
    rest = {k: v for k, v in value.items() if k != "scale"}
    if not rest:
        ctx.err(path, "satisfaction needs a comparison besides scale, e.g. le: 5")
        return None
    test = compile_value_spec(ctx, path, "satisfaction", NUM, None, rest)
    if test is None:
        return None
    test = _safe(test)

    def satisfaction(f, ev):
        raw = f.get("survey.satisfaction")
        if raw is None:
            return False
        declared = f.get("survey.scale") or 10.0
        if declared <= 0:
            return False
        v = raw / declared * scale
        if test(v):
            if ev is not None:
                ev.append({"satisfaction": {"value": raw, "scale": declared, "on_rule_scale": round(v, 3)}})
            return True
        return False
    return satisfaction
