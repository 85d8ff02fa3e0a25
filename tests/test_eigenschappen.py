"""Property-based tests: whatever a user feeds `regels` — a formula, an amount
written the way people write amounts, a damaged rule or case file, a generated
household — it is read as meant or rejected with a located error; it never
crashes, hangs or gives a wrong answer silently. A bounded budget here, in CI;
benchmarks/fuzz.py runs the same targets a million times."""

from __future__ import annotations

import random
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regels.api import RuleSets, case_from_text, evaluate
from tests import fuzzdoelen as fz

ROOT = Path(__file__).resolve().parent.parent
BOUNDED = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow],
                   derandomize=True)
FAIL = (fz.INTERN, fz.MISLEZING, fz.HANG)


@pytest.fixture(scope="module")
def rule_sets():
    sets = RuleSets(ROOT / "rules")
    sets.get()
    return sets


def _assert_sound(outcome: fz.Outcome) -> None:
    assert outcome.kind not in FAIL, f"{outcome.kind}: {outcome.detail}"


# --- formulas -----------------------------------------------------------------------

_atoms = st.one_of(
    st.sampled_from(fz.NAMES),
    st.sampled_from(fz.WEIRD_NUMBERS).map(lambda n: "€ " + n),
    st.sampled_from(fz.WEIRD_NUMBERS),
    st.sampled_from(["6,75%", "0%", "100%", "waar", "onwaar", '"x"', "[]", "1 januari 2020", "31 december 9999"]),
)
_formulas = st.recursive(_atoms, lambda inner: st.one_of(
    st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "en", "of", "=", "<", "minimaal", "van", "op"]), inner)
    .map(" ".join),
    st.tuples(inner, inner, inner).map(lambda t: f"als {t[0]} dan {t[1]} anders {t[2]}"),
    inner.map(lambda x: f"({x})"),
    st.tuples(st.sampled_from(fz.FUNCTIONS), st.lists(inner, max_size=3)).map(lambda t: f"{t[0]}({'; '.join(t[1])})"),
    st.tuples(inner, st.sampled_from(["hele euro's", "centen", "€ 0", "0%"]))
    .map(lambda t: f"{t[0]} afgerond op {t[1]}"),
    inner.map(lambda x: f"som van {x} over d in dagen(1 januari 0001; 31 december 9999)"),
), max_leaves=8)


@BOUNDED
@given(_formulas | st.text(max_size=60))
def test_the_parser_never_crashes(formula):
    _assert_sound(fz.guarded(fz.syntax_target, formula))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(_formulas, st.sampled_from(["bedrag", "waar/onwaar", "geheel getal", "datum"]), st.sampled_from(["jaar", "maand"]))
def test_a_formula_is_checked_and_evaluated_or_rejected_with_a_location(formula, type_, per):
    _assert_sound(fz.guarded(fz.formula_target, formula, type_, per))


# --- amounts as people write them --------------------------------------------------------

@BOUNDED
@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=0, max_value=99), st.booleans(),
       st.integers(min_value=0, max_value=10**6))
def test_an_amount_is_read_as_meant_or_rejected(euros, cents, quoted, seed):
    rng = random.Random(seed)
    value = Fraction(euros) + Fraction(cents, 100)
    rendering, meant, _ = fz.amount_case(rng)
    # amount_case draws its own amount; use it, but also the drawn value in its canonical Dutch form
    _assert_sound(fz.guarded(fz.amount_target, rendering, meant, quoted))
    whole = f"{euros:,}".replace(",", ".")
    canonical = f"€ {whole}" + (f",{cents:02d}" if cents else "")
    _assert_sound(fz.guarded(fz.amount_target, canonical, value, quoted))


# --- damaged files ---------------------------------------------------------------------

@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(st.integers(min_value=0, max_value=10**9))
def test_a_damaged_case_file_is_a_located_error_or_a_result(rule_sets, seed):
    rng = random.Random(seed)
    texts = _case_texts()
    text = fz.mutate_text(rng, rng.choice(texts), rounds=rng.randint(1, 4))
    _assert_sound(fz.guarded(fz.case_target, text, rule_sets, rng.random() < 0.3))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(st.integers(min_value=0, max_value=10**9))
def test_a_damaged_rule_file_is_a_located_error_or_a_result(seed):
    rng = random.Random(seed)
    base = rng.choice([p.read_text(encoding="utf-8") for p in fz._base_files()])
    _assert_sound(fz.guarded(fz.rule_file_target, fz.mutate_text(rng, base, rounds=rng.randint(1, 4))))


_CASES: list[str] = []


def _case_texts() -> list[str]:
    if not _CASES:
        _CASES.extend(fz.case_texts())
    return _CASES


# --- generated households -----------------------------------------------------------------

@st.composite
def households(draw):
    """A household of the kind the law is about: an applicant, children, maybe a
    spouse abroad without BSN, co-residents, a divorce request, late knowledge."""
    year = draw(st.integers(min_value=2015, max_value=2026))
    people = {"ouder": {"geboortedatum": "1985-03-01", "ingezetene": "ja", "woonadres": "A",
                        "toetsingsinkomen": f"€ {draw(st.integers(0, 80)) * 1000}"}}
    relations = []
    for i in range(draw(st.integers(0, 3))):
        born = f"{year - draw(st.integers(0, 19))}-{draw(st.integers(1, 12)):02d}-15"
        people[f"kind{i}"] = {"geboortedatum": born, "ingezetene": "ja", "woonadres": "A"}
        relations.append(f"{{soort: ouder_van, ouder: ouder, kind: kind{i}}}")
        relations.append(f"{{soort: kinderbijslag_voor, ouder: ouder, kind: kind{i}, vanaf: {born[:8]}28}}")
    if draw(st.booleans()):
        bsn = draw(st.sampled_from(["ja", "nee"]))
        people["partner"] = {"geboortedatum": "1982-01-01", "heeft_bsn": bsn,
                             "woonadres": draw(st.sampled_from(["A", "Damascus"])),
                             "toetsingsinkomen": f"€ {draw(st.integers(0, 50)) * 1000}"}
        knowledge = draw(st.sampled_from(["", ", bekend: {brp: %d-05-01}" % (year + 1),
                                          ", bekend: {signaal: %d-03-15}" % (year + 2), ", bekend: nooit",
                                          ", bekend_vanaf: %d-01-10" % (year + 1)]))
        relations.append("{soort: huwelijk, tussen: [ouder, partner], vanaf: 2010-06-01%s}" % knowledge)
        if draw(st.booleans()):
            relations.append(f"{{soort: verzoek_tot_echtscheiding, tussen: [ouder, partner], vanaf: {year}-04-10}}")
    for i in range(draw(st.integers(0, 2))):
        people[f"huisgenoot{i}"] = {"geboortedatum": "1990-01-01", "ingezetene": "ja", "woonadres": "A"}
    designated = draw(st.sampled_from(list(people)))
    lines = [f"casus: gegenereerd\nberekeningsjaar: {year}\ngegevens:\n  aanvrager: ouder",
             f"  datum_voorschot: {year - 1}-12-01\n  datum_toekenning: {year + 1}-06-30",
             f"  aangewezen_toeslagpartner: {designated}", "personen:"]
    for name, facts in people.items():
        lines.append(f"  {name}:")
        lines += [f"    {key}: {value}" for key, value in facts.items()]
    lines.append("relaties:" if relations else "relaties: []")
    lines += [f"  - {r}" for r in relations]
    return "\n".join(lines) + "\n"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(households())
def test_a_generated_household_is_evaluated_the_same_way_twice(rule_sets, text):
    rule_set = rule_sets.get()
    outcome = fz.guarded(fz.case_target, text, rule_sets, False)
    _assert_sound(outcome)
    if outcome.kind == fz.OK:
        first = evaluate(rule_set, case_from_text(text, rule_set), trace=False).to_json(trace=False)
        again = evaluate(rule_set, case_from_text(text, rule_set), trace=False).to_json(trace=False)
        assert first == again
