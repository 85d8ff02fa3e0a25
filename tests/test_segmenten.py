"""An evaluation computes a monthly rule once per segment of months in which it
provably has one value (interpreter/segments.py); with the trace, the step of a later
month of the segment is made from the first one (Evaluation._clone). These tests
compare it with the evaluation that computes every month: same values for every rule,
person and month computed, same notes (unconfirmed, carried forward, defaulted), same
errors, and the same trace, byte for byte."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regels import evaluate as evaluation, segments
from regels import values as v
from regels.api import RuleSets, case_from_text, evaluate, read_case_file, variant_names
from regels.diagnostics import RegelsError

from .columnar_households import case_text

ROOT = Path(__file__).resolve().parent.parent
CASE_FILES = sorted((ROOT / "voorbeelden").rglob("*.yaml")) + sorted((ROOT / "tests" / "casussen").rglob("*.yaml"))
EXAMPLES = int(os.environ.get("REGELS_SEGMENTEN_VOORBEELDEN", "150"))
_RULE_SETS = RuleSets(ROOT / "rules")


def _outcome(rule_set, case, use_segments: bool):
    """(what api.evaluate gives without trace, or its error; the evaluation)."""
    old = evaluation.USE_SEGMENTS
    evaluation.USE_SEGMENTS = use_segments
    try:
        result = evaluate(rule_set, case, trace=False)
    except RegelsError as exc:
        return ("fout", [d.format() for d in exc.diagnostics]), None
    finally:
        evaluation.USE_SEGMENTS = old
    return ("uitkomst", result.values, result.monthly, result.per_person, result.unconfirmed,
            result.carried_forward, result.defaulted), result.evaluation


def _trace(rule_set, case, use_segments: bool) -> str:
    """The JSON of `regels bereken --json`, trace and all, or the error."""
    old = evaluation.USE_SEGMENTS
    evaluation.USE_SEGMENTS = use_segments
    try:
        out = io.StringIO()
        evaluate(rule_set, case, trace=True).write_json(out)
        return out.getvalue()
    except RegelsError as exc:
        return "fout: " + "\n".join(d.format() for d in exc.diagnostics)
    finally:
        evaluation.USE_SEGMENTS = old


def _same_as_every_month(rule_set, case) -> int:
    """Assert that the evaluation with segments agrees with the one without; the number
    of monthly values that were taken from an earlier month of their segment."""
    with_segments, ev = _outcome(rule_set, case, True)
    every_month, _ = _outcome(rule_set, case, False)
    assert with_segments == every_month
    # with the trace, a month taken from its segment has the step it would have if computed
    assert _trace(rule_set, case, True) == _trace(rule_set, case, False)
    if ev is None:
        return 0
    # every value in the memo, also of the rules in between, as computed month by month
    old = evaluation.USE_SEGMENTS
    evaluation.USE_SEGMENTS = False
    try:
        reference = evaluation.Evaluation(rule_set, case, trace=False)
        rules = {id(r): r for r in rule_set.rules()}
        for (rule_id, person, month), value in ev.memo.items():
            rule = rules[rule_id]
            assert reference.rule_value(rule, person, month) == value, (rule.name, person, month)
        for key, noted in ev.noted.items():
            assert reference.noted.get(key) == noted, (rules[key[0]].name, key[1:])
    finally:
        evaluation.USE_SEGMENTS = old
    starts = ev.segments.starts if ev.segments is not None else {}
    return sum(1 for (rule_id, _p, month) in ev.memo
               if month is not None and starts.get(rule_id) and starts[rule_id][month.month - 1] != month)


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_case_file_agrees_with_every_month_computed(path):
    rule_set, case = read_case_file(path, _RULE_SETS)
    _same_as_every_month(rule_set, case)


@pytest.mark.parametrize("variant", variant_names(ROOT / "rules"))
def test_every_case_file_agrees_under_each_variant(variant):
    for path in CASE_FILES:
        rule_set, case = read_case_file(path, _RULE_SETS, variant)
        _same_as_every_month(rule_set, case)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case_text())
def test_random_households_agree_with_every_month_computed(text):
    rule_set = _RULE_SETS.get()
    _same_as_every_month(rule_set, case_from_text(text, rule_set))


@settings(max_examples=max(EXAMPLES // 5, 10), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case_text(), st.sampled_from(variant_names(ROOT / "rules")))
def test_random_households_agree_under_the_variants(text, variant):
    rule_set = _RULE_SETS.get([variant])
    _same_as_every_month(rule_set, case_from_text(text, rule_set))


def test_the_example_takes_most_steps_of_the_trace_from_their_segment(monkeypatch):
    rule_set, case = read_case_file(ROOT / "voorbeelden" / "alleenstaande_ouder_2020.yaml", _RULE_SETS)
    made = []
    clone = evaluation.Evaluation._clone
    monkeypatch.setattr(evaluation.Evaluation, "_clone", lambda self, *args: made.append(args) or clone(self, *args))
    result = evaluate(rule_set, case, trace=True)
    assert len(result.steps) == 1005 and len(made) > 500
    # Sara's leeftijdsverhoging starts in April: that step is computed, May's is made from it
    ids = {args[0].name + "@" + args[2].key() for args in made if args[1] == "sara"}
    assert "leeftijdsverhoging@2020-05" in ids and "leeftijdsverhoging@2020-04" not in ids


def test_the_example_takes_most_months_from_their_segment():
    """The README example: Sara turns 12 in March 2020, so the kgb per month changes in
    April, which must start a segment; most monthly values are not computed again."""
    rule_set, case = read_case_file(ROOT / "voorbeelden" / "alleenstaande_ouder_2020.yaml", _RULE_SETS)
    assert _same_as_every_month(rule_set, case) > 50
    computed = len(_outcome(rule_set, case, True)[1].memo)
    assert computed * 2 < len(_outcome(rule_set, case, False)[1].memo)  # 377 and 1005 values
    ev = evaluation.Evaluation(rule_set, case, trace=False)
    kgb = rule_set.rule("kindgebonden_budget_maand")
    assert ev.rule_value(kgb, None, v.Month(2020, 3)) != ev.rule_value(kgb, None, v.Month(2020, 4))
    starts = ev.segments.starts[id(kgb)]
    assert starts[3] == v.Month(2020, 4) and starts[2] == starts[0] == v.Month(2020, 1)


def test_how_rules_use_the_month():
    rule_set = _RULE_SETS.get()
    kinds = segments.analysis(rule_set, 2020)
    assert kinds.rule(rule_set.rule("peildatum")) == ("day", 0)  # eerste_dag(maand)
    assert kinds.rule(rule_set.rule("meerderjarig")) == segments.THRESHOLD  # an age on the first day
    assert kinds.rule(rule_set.rule("bereikte_leeftijd")) == segments.THRESHOLD  # on the day before
    assert kinds.rule(rule_set.rule("echtgenoot")) == segments.CLEAN  # a relation 'op peildatum'
    assert kinds.rule(rule_set.rule("aanspraakmaand")) == segments.OTHER  # 'zoals bekend op'
    # from 2021 partner_lid_2 looks at the months before this one ('m < maand'): a change
    # in one month shows in the next, and February may differ from January
    later = segments.analysis(rule_set, 2021)
    assert later.rule(rule_set.rule("partner_lid_2")) == segments.THRESHOLD
    assert later.closure[id(rule_set.rule("partner_lid_2"))].shift
