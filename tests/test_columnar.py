"""The columnar backend against the interpreter, the reference: exact
arithmetic, every case file, random households, and what it refuses to do.

The random households run a bounded number of examples by default; set
REGELS_COLUMNAR_VOORBEELDEN=100000 (or use benchmarks/columnar_differential.py)
for the long run."""

from __future__ import annotations

import datetime as dt
import os
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regels.api import RuleSets, case_from_text, load_case, read_case_file, variant_names
from regels.columnar import batch, differential, money
from regels.columnar.compiler import Plan, Unsupported
from regels.columnar.tables import Population, from_columns

from .columnar_households import case_text

ROOT = Path(__file__).resolve().parent.parent
CASE_FILES = sorted((ROOT / "voorbeelden").rglob("*.yaml")) + sorted((ROOT / "tests" / "casussen").rglob("*.yaml"))
EXAMPLES = int(os.environ.get("REGELS_COLUMNAR_VOORBEELDEN", "150"))

_RULE_SETS = RuleSets(ROOT / "rules")
_PLANS: dict = {}


def plan_for(variants=()):
    key = tuple(variants)
    if key not in _PLANS:
        _PLANS[key] = Plan(_RULE_SETS.get(list(key)))
    return _RULE_SETS.get(list(key)), _PLANS[key]


def _report(mismatches) -> str:
    return "\n".join(str(m) for m in mismatches[:20])


# --- exact arithmetic ------------------------------------------------------------------------

fractions = st.builds(Fraction, st.integers(-10 ** 7, 10 ** 7), st.sampled_from([1, 2, 3, 12, 100, 400, 10000]))
huge = st.builds(Fraction, st.integers(-10 ** 30, 10 ** 30), st.sampled_from([1, 7, 100]))


def _column(values) -> money.Num:
    return money.from_fractions(values)


def _dynamic(values) -> money.Num:
    """The same values with a per-row denominator."""
    a = np.array([f.numerator for f in values], dtype=object)
    d = np.array([f.denominator for f in values], dtype=object)
    bound = max(abs(f.numerator) for f in values)
    return money.Num(a, d, bound, max(f.denominator for f in values))


def _values(x: money.Num, n: int):
    a = np.broadcast_to(x.a, (n,))
    d = x.d if x.static else np.broadcast_to(x.d, (n,))
    return [Fraction(int(a[i]), int(d if x.static else d[i])) for i in range(n)]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.one_of(fractions, huge), st.one_of(fractions, huge)), min_size=1, max_size=8),
       st.booleans())
def test_money_matches_fractions(pairs, dynamic):
    xs, ys = [p[0] for p in pairs], [p[1] for p in pairs]
    n = len(pairs)
    x = _column(xs)
    y = _dynamic(ys) if dynamic else _column(ys)
    assert _values(money.add(x, y), n) == [a + b for a, b in pairs]
    assert _values(money.sub(x, y), n) == [a - b for a, b in pairs]
    assert _values(money.mul(x, y), n) == [a * b for a, b in pairs]
    quotient, zero = money.div(x, y)
    assert [q for q, (a, b) in zip(_values(quotient, n), pairs) if b != 0] == [a / b for a, b in pairs if b != 0]
    assert (zero is not None) == any(b == 0 for _, b in pairs)
    for op, fn in (("<", lambda a, b: a < b), ("=", lambda a, b: a == b), (">=", lambda a, b: a >= b)):
        assert list(money.compare(x, y, op)) == [fn(a, b) for a, b in pairs]
    assert _values(money.maximum(x, y), n) == [max(a, b) for a, b in pairs]
    assert _values(money.total(y if dynamic else x, axis=0), 1) == [sum(ys if dynamic else xs, Fraction(0))]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(fractions, huge), min_size=1, max_size=8),
       st.sampled_from([Fraction(1), Fraction(1, 100), Fraction(5)]),
       st.sampled_from(["rekenkundig", "naar_beneden", "naar_boven"]))
def test_rounding_matches_the_interpreter(xs, unit, direction):
    from regels.values import round_to
    assert _values(money.round_to(_column(xs), unit, direction), len(xs)) == [round_to(x, unit, direction) for x in xs]
    dynamic = _dynamic([x / 3 for x in xs])
    assert _values(money.round_to(dynamic, unit, direction), len(xs)) == [round_to(x / 3, unit, direction) for x in xs]


def test_overflow_switches_to_exact_python_ints():
    x = money.from_fractions([Fraction(2 ** 61), Fraction(-(2 ** 61))])
    product = money.mul(x, x)
    assert product.a.dtype == object
    assert _values(product, 2) == [Fraction(2 ** 122), Fraction(2 ** 122)]


def test_the_calendar_in_integers_matches_datetime_on_every_day():
    from regels.columnar import calendar as cal
    ordinals = np.arange(1, dt.date.max.toordinal() + 1)
    year, month, day = cal.split(ordinals)
    picked = np.r_[0:800, 730_000:740_000, len(ordinals) - 800:len(ordinals)]  # around year 1, 2000, 9999
    picked = np.r_[picked, np.random.default_rng(3).integers(0, len(ordinals), 20_000)]
    for i in picked.tolist():
        date = dt.date.fromordinal(int(ordinals[i]))
        assert (int(year[i]), int(month[i]), int(day[i])) == (date.year, date.month, date.day)
    # every day: the calendar the columns use counts one day on at a time
    starts = day == 1
    assert (day[~starts] == day[np.flatnonzero(~starts) - 1] + 1).all()
    assert (cal.first_day(cal.month_of(ordinals)) == ordinals - day + 1).all()
    assert (cal.month_of(ordinals) == year * 12 + month - 1).all()
    assert int(starts.sum()) == 9999 * 12


# --- every case file ------------------------------------------------------------------------


def _read_all(variant=None):
    return [read_case_file(path, _RULE_SETS, variant=variant)[1] for path in CASE_FILES]


def test_the_kgb_and_the_toeslagpartner_compile():
    rule_set, plan = plan_for()
    for name in ("kindgebonden_budget", "kindgebonden_budget_maand", "toeslagpartner", "heeft_toeslagpartner",
                 "fiscale_partner", "gezamenlijk_toetsingsinkomen", "vermogen_te_hoog", "toeslagpartner_zonder_bsn"):
        assert plan.supported(rule_set.rule(name)), plan.problems.get(name)
    done, total = plan.coverage()
    assert done == total == len([r for r in rule_set.rules() if r.target is None]), plan.problems


@pytest.mark.parametrize("variant", variant_names(ROOT / "rules"))
def test_every_rule_of_each_variant_compiles(variant):
    _, plan = plan_for([variant])
    done, total = plan.coverage()
    assert done == total, plan.problems


def test_every_case_file_agrees_with_the_interpreter():
    rule_set, plan = plan_for()
    cases = _read_all()
    compared, mismatches = differential.compare(rule_set, plan, cases)
    assert len(cases) == len(CASE_FILES) and compared > 300_000
    assert not mismatches, _report(mismatches)


@pytest.mark.parametrize("variant", variant_names(ROOT / "rules"))
def test_every_case_file_agrees_under_each_variant(variant):
    rule_set, plan = plan_for([variant])
    compared, mismatches = differential.compare(rule_set, plan, _read_all(variant))
    assert compared > 300_000
    assert not mismatches, _report(mismatches)


def test_the_example_case_to_the_cent():
    rule_set, plan = plan_for()
    case = load_case(ROOT / "voorbeelden" / "alleenstaande_ouder_2020.yaml", rule_set)
    result = batch.run(plan, Population.from_cases(rule_set, [case]),
                       [rule_set.rule("kindgebonden_budget"), rule_set.rule("kindgebonden_budget_maand")])
    assert result.cell(rule_set.rule("kindgebonden_budget"), 0) == (Fraction(5389), None)
    january, _ = result.cell(rule_set.rule("kindgebonden_budget_maand"), 0, None, 1)
    april, _ = result.cell(rule_set.rule("kindgebonden_budget_maand"), 0, None, 4)
    assert round(january, 2) == Fraction("433.88") and round(april, 2) == Fraction("454.13")


# --- errors are per household ------------------------------------------------------------------

_CASE = """
casus: {title}
berekeningsjaar: 2020
gegevens:
  aanvrager: ouder
personen:
  ouder:
    geboortedatum: 1984-06-21
    toetsingsinkomen: € 24.000
  kind:
    {birth}
relaties:
  - {{soort: kinderbijslag_voor, ouder: ouder, kind: kind, vanaf: 2008-07-01}}
"""


def test_a_missing_fact_is_an_error_of_that_household_only():
    rule_set, plan = plan_for()
    good = case_from_text(_CASE.format(title="goed", birth="geboortedatum: 2008-03-14"), rule_set)
    bad = case_from_text(_CASE.format(title="zonder geboortedatum", birth="woonland: NL"), rule_set)
    kgb = rule_set.rule("kindgebonden_budget")
    result = batch.run(plan, Population.from_cases(rule_set, [good, bad, good]), [kgb])
    value, site = result.cell(kgb, 1)
    assert value is None and site.kind == "ontbreekt" and site.input_name == "geboortedatum"
    assert result.cell(kgb, 0) == result.cell(kgb, 2)
    assert result.cell(kgb, 0)[1] is None and result.cell(kgb, 0)[0] > 0


# --- what does not compile says so -------------------------------------------------------------


_UNSUPPORTED = """
wet: Testwet
afkorting: TW
bwb: BWBR0000000
artikel: "1"
versies:
  - geldig_vanaf: 2015-01-01
    leden: {"1": "tekst"}
invoer:
  begin_periode: {type: datum, omschrijving: begin}
  inkomen_op_dag: {type: bedrag, van: persoon, tijdsafhankelijk: ja, standaard: € 0, omschrijving: inkomen}
  ontvanger: {type: persoon, omschrijving: wie}
regels:
  som_over_dagen:
    type: bedrag
    omschrijving: een som over dagen van een gegeven dat per dag verschilt
    formule: som van (inkomen_op_dag van ontvanger) op d over d in dagen(begin_periode; begin_periode + 3)
  steunt_erop:
    type: bedrag
    omschrijving: steunt op de som
    formule: som_over_dagen * 2
"""


def test_an_unsupported_construct_names_the_rule_and_the_place(tmp_path):
    from regels.api import load_rules

    (tmp_path / "regelset.yaml").write_text("naam: test\nversie: '1'\n", encoding="utf-8")
    (tmp_path / "tw").mkdir()
    (tmp_path / "tw" / "artikel_1.yaml").write_text(_UNSUPPORTED, encoding="utf-8")
    rule_set = load_rules(tmp_path)
    plan = Plan(rule_set)
    assert plan.coverage() == (0, 2)
    problem = plan.problems["som_over_dagen"].diagnostics[0]
    assert "niet ondersteund door de kolomsgewijze rekenwijze" in problem.message
    assert "som_over_dagen" in problem.message and "som over dagen" in problem.message
    assert problem.pos.file.endswith("artikel_1.yaml") and problem.pos.line > 0
    dependent = plan.problems["steunt_erop"].diagnostics[0]
    assert "steunt op 'som_over_dagen'" in dependent.message
    with pytest.raises(Unsupported):
        batch.run(plan, Population.from_cases(rule_set, []), [rule_set.rule("steunt_erop")])


# --- the columnar input ----------------------------------------------------------------------------


def test_columnar_input_gives_the_same_results_as_the_case():
    rule_set, plan = plan_for()
    case = load_case(ROOT / "voorbeelden" / "alleenstaande_ouder_2020.yaml", rule_set)
    households = from_columns(
        rule_set,
        households={"huishouden": ["h1"], "berekeningsjaar": [2020], "aanvrager": ["amira"]},
        persons={"huishouden": ["h1"] * 3, "persoon": ["amira", "sara", "daan"],
                 "geboortedatum": ["1984-06-21", "2008-03-14", dt.date(2015, 9, 2)],
                 "toetsingsinkomen": ["24000", None, None], "rendementsgrondslag": ["0", None, None],
                 "ingezetene": ["ja"] * 3, "woonadres": ["Lindelaan 4, Utrecht"] * 3},
        relations={"huishouden": ["h1", "h1"], "soort": ["kinderbijslag_voor"] * 2, "eerste": ["amira", "amira"],
                   "tweede": ["sara", "daan"], "vanaf": ["2008-07-01", "2015-10-01"], "tot": [None, ""]},
    )
    rules = plan.compiled_rules()
    from_table = batch.run(plan, Population(rule_set, households), rules)
    from_case = batch.run(plan, Population.from_cases(rule_set, [case]), rules)
    for rule in rules:
        for p in range(3) if rule.voor else [None]:
            for m in range(1, 13) if rule.per == "maand" else [None]:
                assert from_table.cell(rule, 0, p, m) == from_case.cell(rule, 0, p, m), rule.name


# --- random households ------------------------------------------------------------------------------


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case_text())
def test_random_households_agree_with_the_interpreter(text):
    rule_set, plan = plan_for()
    case = case_from_text(text, rule_set)
    _, mismatches = differential.compare(rule_set, plan, [case])
    assert not mismatches, "\n" + text + "\n" + _report(mismatches)


def test_amounts_beyond_int64_stay_exact():
    """An income of a quintillion euros overflows int64 once multiplied by a
    percentage's denominator: the columns switch to Python ints, and agree."""
    rule_set, plan = plan_for()
    text = _CASE.format(title="groot inkomen", birth="geboortedatum: 2008-03-14").replace(
        "€ 24.000", "€ 1.000.000.000.000.000.000,01")
    case = case_from_text(text, rule_set)
    compared, mismatches = differential.compare(rule_set, plan, [case])
    assert compared > 1000 and not mismatches, _report(mismatches)
    result = batch.run(plan, Population.from_cases(rule_set, [case]), [rule_set.rule("vermindering")])
    assert result.runs[0].table(rule_set.rule("vermindering")).x.a.dtype == object


def _as_columns(cases) -> dict:
    """Cases whose facts hold without 'vanaf' as the documented columnar tables."""
    hh = {"huishouden": [], "berekeningsjaar": [], "aanvrager": []}
    persons: dict = {"huishouden": [], "persoon": []}
    relations = {"huishouden": [], "soort": [], "eerste": [], "tweede": [], "vanaf": [], "tot": []}
    names = sorted({name for case in cases for person in case.persons.values() for name in person.facts})
    for name in names:
        persons[name] = []
    for n, case in enumerate(cases):
        hh["huishouden"].append(f"h{n}")
        hh["berekeningsjaar"].append(case.year)
        hh["aanvrager"].append(case.facts["aanvrager"].entries[0].value)
        for pid, person in case.persons.items():
            persons["huishouden"].append(f"h{n}")
            persons["persoon"].append(pid)
            for name in names:
                timeline = person.facts.get(name)
                value = timeline.entries[0].value if timeline else None
                persons[name].append(str(value) if value is not None and not isinstance(value, (bool, dt.date)) else value)
        for kind, facts in case.relations.items():
            for f in facts:
                for key, value in zip(relations, (f"h{n}", kind, f.first, f.second, f.vanaf, f.tot)):
                    relations[key].append(value)
    return {"households": hh, "persons": persons, "relations": relations}


def test_the_vectorised_columnar_reader_agrees_with_the_cases():
    from regels.columnar.columns import population_from_columns

    rule_set, plan = plan_for()

    def simple(case):
        timelines = [t for p in case.persons.values() for t in p.facts.values()] + list(case.facts.values())
        knowledge = [f.knowledge for fs in case.relations.values() for f in fs]
        return set(case.facts) == {"aanvrager"} and all(len(t.entries) == 1 and t.entries[0].vanaf is None
                                                        and t.entries[0].knowledge is None for t in timelines) \
            and all(k is None for k in knowledge)
    cases = [c for c in _read_all() if simple(c)]
    assert len(cases) > 40
    rules = plan.compiled_rules()
    expected = batch.run(plan, Population.from_cases(rule_set, cases), rules)
    got = batch.run(plan, population_from_columns(rule_set, **_as_columns(cases), chunk=7), rules)
    compared = 0
    for h, case in enumerate(cases):
        for rule in rules:
            for p in range(len(case.persons)) if rule.voor else [None]:
                for m in range(1, 13) if rule.per == "maand" else [None]:
                    compared += 1
                    assert got.cell(rule, h, p, m) == expected.cell(rule, h, p, m), (case.path, rule.name, p, m)
    assert compared > 50_000


@settings(max_examples=max(EXAMPLES // 5, 10), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case_text(), st.sampled_from(variant_names(ROOT / "rules")))
def test_random_households_agree_under_the_variants(text, variant):
    rule_set, plan = plan_for([variant])
    case = case_from_text(text, rule_set)
    _, mismatches = differential.compare(rule_set, plan, [case])
    assert not mismatches, "\n" + text + "\n" + _report(mismatches)


def test_a_population_folder_in_one_row_per_household_out(tmp_path):
    import csv

    from regels.columnar import runner

    rule_set, _ = plan_for()
    cases = [load_case(ROOT / "voorbeelden" / "alleenstaande_ouder_2020.yaml", rule_set),
             case_from_text(_CASE.format(title="zonder geboortedatum", birth="woonland: NL"), rule_set)]
    columns = _as_columns(cases)
    folder = tmp_path / "populatie"
    folder.mkdir()
    for name, table in (("huishoudens", columns["households"]), ("personen", columns["persons"]),
                        ("relaties", columns["relations"])):
        with open(folder / f"{name}.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(list(table))
            for row in zip(*table.values()):
                writer.writerow(["" if x is None else x for x in row])
    out = tmp_path / "uit.csv"
    assert runner.main([str(folder), "--uitvoer", str(out), "--regels", str(ROOT / "rules")]) == 0
    with open(out, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["huishouden"] for r in rows] == ["h0", "h1"]
    assert rows[0]["kindgebonden_budget"] == "5389.00" and rows[0]["fout"] == ""
    assert rows[0]["kindgebonden_budget_maand[01]"] == "433.88" and rows[0]["kindgebonden_budget_maand[04]"] == "454.13"
    assert rows[1]["kindgebonden_budget"] == "" and "geboortedatum" in rows[1]["fout"]
    assert not (tmp_path / "uit.csv.tmp").exists()


def test_a_row_of_the_columnar_input_as_a_case_for_the_interpreter():
    from regels.api import evaluate
    from regels.columnar.rows import case_text

    rule_set, _ = plan_for()
    cases = [load_case(ROOT / "voorbeelden" / "alleenstaande_ouder_2020.yaml", rule_set),
             read_case_file(ROOT / "tests" / "casussen" / "partner" / "statushouder_echtgenoot_iran_2016.yaml",
                            _RULE_SETS)[1]]
    columns = _as_columns(cases)
    kgb = [rule_set.rule("kindgebonden_budget"), rule_set.rule("kindgebonden_budget_maand")]
    for row, case in enumerate(cases):
        text = case_text(rule_set, columns["households"], columns["persons"], columns["relations"], row)
        again = evaluate(rule_set, case_from_text(text, rule_set), trace=False, rules=kgb)
        original = evaluate(rule_set, case, trace=False, rules=kgb)
        assert again.values == original.values and again.monthly == original.monthly


_PERSONS = """
wet: Testwet
afkorting: TW
bwb: BWBR0000000
artikel: "2"
versies:
  - geldig_vanaf: 2015-01-01
    leden: {"1": "tekst"}
invoer:
  geboren: {type: datum, van: persoon, omschrijving: geboortedatum}
  bijdrage: {type: bedrag, van: persoon, standaard: € 1, omschrijving: een bedrag per persoon}
  hoofd: {type: persoon, omschrijving: wie}
regels:
  aantal_personen:
    type: geheel getal
    omschrijving: telt iedereen
    formule: aantal p in personen
  iedereen_volwassen:
    type: waar/onwaar
    omschrijving: leest van iedereen de geboortedatum
    formule: voor alle p in personen geldt leeftijd(geboren van p; 1 januari 2020) >= 18
  iemand_zonder_geboortedatum:
    type: waar/onwaar
    omschrijving: waar voor wie niets is opgegeven
    formule: er is een p in personen waarvoor niet opgegeven(geboren van p)
  som_bijdragen:
    type: bedrag
    omschrijving: telt de standaardwaarde van iedereen op
    formule: som van bijdrage van p over p in personen
  aantal_jong:
    type: geheel getal
    per: maand
    omschrijving: telt met een voorwaarde die voor ontbrekende personen waar zou zijn
    formule: aantal p in personen waarvoor niet (leeftijd(geboren van p; eerste_dag(maand)) >= 18)
"""


def test_smaller_households_padded_into_one_group_count_only_their_own_persons(tmp_path):
    from regels.api import load_rules

    (tmp_path / "regelset.yaml").write_text("naam: test\nversie: '1'\n", encoding="utf-8")
    (tmp_path / "tw").mkdir()
    (tmp_path / "tw" / "artikel_2.yaml").write_text(_PERSONS, encoding="utf-8")
    rule_set = load_rules(tmp_path)
    plan = Plan(rule_set)

    def household(n, born):
        people = "\n".join(f"  p{i}:\n    geboren: {born}" for i in range(n))
        return case_from_text(f"casus: {n}\nberekeningsjaar: 2020\ngegevens:\n  hoofd: p0\npersonen:\n{people}\n",
                              rule_set)
    cases = [household(3, "1990-01-01"), household(1, "2010-05-05"), household(2, "1980-01-01")]
    population = Population.from_cases(rule_set, cases)
    assert len(population.groups) == 1 and population.groups[0].valid is not None
    compared, mismatches = differential.compare(rule_set, plan, cases)
    assert compared and not mismatches, _report(mismatches)
    result = batch.run(plan, population, [rule_set.rule("aantal_personen"), rule_set.rule("som_bijdragen")])
    assert [result.cell(rule_set.rule("aantal_personen"), h)[0] for h in range(3)] == [3, 1, 2]
    assert [result.cell(rule_set.rule("som_bijdragen"), h)[0] for h in range(3)] == [3, 1, 2]


_MID_YEAR = """
wet: Testwet
afkorting: TW
bwb: BWBR0000000
artikel: "3"
versies:
  - geldig_vanaf: 2015-01-01
    leden: {"1": "tekst"}
invoer:
  basis: {type: bedrag, van: persoon, standaard: € 100, omschrijving: een bedrag}
  hoofd: {type: persoon, omschrijving: wie}
regels:
  maandbedrag:
    type: bedrag
    per: maand
    voor: p
    omschrijving: een regel met een versie die midden in het jaar begint, en een die ophoudt
    versies:
      - geldig_vanaf: 2015-01-01
        formule: basis van p / 12
      - geldig_vanaf: 2020-07-01
        geldig_tot: 2020-11-01
        formule: basis van p / 7 + € 0,01
  jaarsom:
    type: bedrag
    omschrijving: de som over het jaar, met de maanden waarin geen versie geldt
    formule: som van (som van maandbedrag van p over p in personen) over m in maanden
"""


def test_a_rule_whose_versions_change_within_the_year(tmp_path):
    from regels.api import load_rules

    (tmp_path / "regelset.yaml").write_text("naam: test\nversie: '1'\n", encoding="utf-8")
    (tmp_path / "tw").mkdir()
    (tmp_path / "tw" / "artikel_3.yaml").write_text(_MID_YEAR, encoding="utf-8")
    rule_set = load_rules(tmp_path)
    plan = Plan(rule_set)
    cases = [case_from_text(f"casus: {y}\nberekeningsjaar: {y}\ngegevens:\n  hoofd: a\npersonen:\n  a:\n    basis: € 1.000\n"
                            "  b:\n", rule_set) for y in (2019, 2020)]
    compared, mismatches = differential.compare(rule_set, plan, cases)
    assert compared == 2 * (2 * 12 + 1) and not mismatches, _report(mismatches)
    result = batch.run(plan, Population.from_cases(rule_set, cases), [rule_set.rule("maandbedrag")])
    assert result.cell(rule_set.rule("maandbedrag"), 1, 0, 8) == (Fraction(1000, 7) + Fraction(1, 100), None)
    assert result.cell(rule_set.rule("maandbedrag"), 1, 0, 12)[1].kind == "niet_in_werking"


def test_facts_that_change_over_time_through_the_facts_table():
    """The fourth table of the columnar input: per fact a value from a day on."""
    rule_set, plan = plan_for()
    case = read_case_file(ROOT / "tests" / "casussen" / "wkb" / "woonland_verhuizing_marokko_2020.yaml", _RULE_SETS)[1]
    columns = _as_columns([case])
    facts = {"huishouden": [], "persoon": [], "gegeven": [], "waarde": [], "vanaf": []}
    for pid, person in case.persons.items():
        for name, timeline in person.facts.items():
            if len(timeline.entries) > 1 or timeline.entries[0].vanaf is not None:
                columns["persons"][name] = [None if p == pid else x
                                            for p, x in zip(columns["persons"]["persoon"], columns["persons"][name])]
                for entry in timeline.entries:
                    value = entry.value
                    for key, x in zip(facts, ("h0", pid, name, value if isinstance(value, (bool, dt.date)) else str(value),
                                              entry.vanaf)):
                        facts[key].append(x)
    assert len(facts["gegeven"]) >= 4
    households = from_columns(rule_set, columns["households"], columns["persons"], columns["relations"], facts)
    rules = plan.compiled_rules()
    got = batch.run(plan, Population(rule_set, households), rules)
    expected = batch.run(plan, Population.from_cases(rule_set, [case]), rules)
    for rule in rules:
        for p in range(len(case.persons)) if rule.voor else [None]:
            for m in range(1, 13) if rule.per == "maand" else [None]:
                assert got.cell(rule, 0, p, m) == expected.cell(rule, 0, p, m), (rule.name, p, m)


# --- the mechanisms that make it fast ---------------------------------------------------------------

_MARRIED = """
casus: {title}
berekeningsjaar: 2021
gegevens:
  aanvrager: ouder
personen:
  ouder:
    geboortedatum: 1985-03-02
    toetsingsinkomen: € 31.000
    woonadres: "Dorpsstraat 1"
    ingezetene: ja
  partner:
    geboortedatum: 1984-11-30
    toetsingsinkomen: € 12.000
    woonadres: "Kerkstraat 2"
    ingezetene: ja
  kind:
    geboortedatum: 2015-05-05
    woonadres: "Dorpsstraat 1"
    ingezetene: ja
relaties:
  - {{soort: huwelijk, tussen: [ouder, partner], vanaf: {married}}}
  - {{soort: ouder_van, tussen: [ouder, kind]}}
  - {{soort: kinderbijslag_voor, tussen: [ouder, kind], vanaf: 2015-06-01}}
"""


def _married(married: str):
    rule_set, _ = plan_for()
    return case_from_text(_MARRIED.format(title=f"getrouwd {married}", married=married), rule_set)


def test_a_relation_that_begins_within_the_year_is_read_month_by_month():
    """Facts and relations are read once for the whole year when nothing begins or ends in it, and
    a table that does not change along the months is kept as one month: a marriage on 15 July
    (the partner living elsewhere) must still make the partner toeslagpartner from August on,
    also in a group whose other household married long ago."""
    rule_set, plan = plan_for()
    toeslagpartner = rule_set.rule("toeslagpartner")
    constant = batch.run(plan, Population.from_cases(rule_set, [_married("2010-05-01")]), [toeslagpartner])
    assert constant.runs[0].table(toeslagpartner).x.shape[-1] == 1  # the same in every month: one month
    cases = [_married("2010-05-01"), _married("2021-07-15")]
    result = batch.run(plan, Population.from_cases(rule_set, cases), [toeslagpartner])
    assert [result.cell(toeslagpartner, 1, 1, m)[0] for m in range(1, 13)] == [False] * 7 + [True] * 5
    assert [result.cell(toeslagpartner, 0, 1, m)[0] for m in range(1, 13)] == [True] * 12
    compared, mismatches = differential.compare(rule_set, plan, cases + [_married("2021-07-15")])
    assert compared > 1000 and not mismatches, _report(mismatches)


def test_numpy_text_columns_read_as_the_lists_do():
    """The vectorised reader parses decimal text and hashes texts on numpy text columns (as
    Parquet gives them); the results must be those of the same columns as Python lists."""
    from regels.columnar.columns import _numbers, population_from_columns

    parsed = _numbers(np.array(["12.5", "-3", " 7.25 ", "", "0.001", "100"]))
    assert [Fraction(int(a), parsed.d) for a in parsed.a] == [Fraction("12.5"), -3, Fraction("7.25"), 0,
                                                             Fraction("0.001"), 100]
    for bad in ("1 2", "1.2.3", "2-1", "12,50"):
        with pytest.raises(ValueError):
            _numbers(np.array([bad, "1.00"]))
    rule_set, plan = plan_for()
    cases = [c for c in _read_all() if set(c.facts) == {"aanvrager"} and
             all(len(t.entries) == 1 and t.entries[0].vanaf is None and t.entries[0].knowledge is None
                 for p in c.persons.values() for t in p.facts.values()) and
             all(f.knowledge is None for fs in c.relations.values() for f in fs)]
    columns = _as_columns(cases)

    def as_numpy(values):
        if all(x is None or isinstance(x, str) for x in values):
            return np.array(["" if x is None else x for x in values], dtype=str)
        return values
    typed = {table: {name: as_numpy(values) for name, values in cols.items()} for table, cols in columns.items()}
    assert any(isinstance(x, np.ndarray) and x.dtype.kind == "U" for x in typed["persons"].values())
    rules = [rule_set.rule("kindgebonden_budget"), rule_set.rule("kindgebonden_budget_maand"),
             rule_set.rule("toeslagpartner")]
    expected = batch.run(plan, population_from_columns(rule_set, **columns, chunk=5), rules)
    got = batch.run(plan, population_from_columns(rule_set, **typed, chunk=5), rules)
    for h, case in enumerate(cases):
        for rule in rules:
            for p in range(len(case.persons)) if rule.voor else [None]:
                for m in range(1, 13):
                    assert got.cell(rule, h, p, m) == expected.cell(rule, h, p, m), (case.path, rule.name, p, m)


def test_a_whole_output_column_holds_the_cells():
    rule_set, plan = plan_for()
    # the case files, and a household without a birth date: an error in its row
    cases = _read_all() + [case_from_text(_CASE.format(title="zonder geboortedatum", birth="woonland: NL"),
                                          rule_set)]
    rules = [rule_set.rule("kindgebonden_budget"), rule_set.rule("kindgebonden_budget_maand")]
    result = batch.run(plan, Population.from_cases(rule_set, cases), rules)
    (a, d), err = result.column(rules[0])
    (am, dm), errm = result.column(rules[1])
    assert a.shape == (len(cases),) and am.shape == (len(cases), 12)
    for h in range(len(cases)):
        value, error = result.cell(rules[0], h)
        assert (error is None) == (err[h] == 0)
        assert error is not None or Fraction(int(a[h]), int(d[h])) == value
        for m in range(1, 13):
            value, error = result.cell(rules[1], h, None, m)
            assert (error is None) == (errm[h, m - 1] == 0)
            assert error is not None or Fraction(int(am[h, m - 1]), int(dm[h, m - 1])) == value
    assert err[-1] != 0 and (err[:-1] == 0).all()
    with pytest.raises(ValueError):
        result.column(rule_set.rule("toeslagpartner"))
