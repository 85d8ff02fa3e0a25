"""Limits and evaluation errors (issue 10).

Nothing a rule file or a case makes the evaluator do ends in a Python
exception, a hang, or a silent answer: a formula that cannot be computed is a
located error (in `regels check` where its values are constants), a
berekeningsjaar the rule set does not cover is an error, values carried
forward from an earlier year are named, and an evaluation can be given a time
limit. The limits are tested by their messages, never by timing."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from regels import evaluate as evaluator
from regels.api import case_from_text, evaluate, load_rules
from regels.cli import main
from regels.diagnostics import RegelsError
from regels.explain import render_explanation
from tests.helpers import HEADER, run_case, write_rules

ROOT = Path(__file__).resolve().parent.parent

INPUTS = """\
invoer:
  aanvrager: {type: persoon}
  eenheid: {type: bedrag, standaard: € 1}
  stappen: {type: geheel getal, standaard: 0}
  startdatum: {type: datum, standaard: 2020-01-15}
  einddatum: {type: datum, standaard: 2020-01-31}
"""

CASE = """\
casus: grenzen
berekeningsjaar: 2020
gegevens:
  aanvrager: ouder
{facts}
personen:
  ouder: {{}}
"""


def _errors_of(tmp_path, formula: str, type_: str, facts: str = "", year: int = 2020) -> list:
    rules = write_rules(tmp_path, INPUTS + f"""\
regels:
  x:
    type: {type_}
    uitkomst: ja
    formule: {formula}
""")
    case = CASE.format(facts=textwrap.indent(facts, "  ")).replace("2020\n", f"{year}\n", 1)
    with pytest.raises(RegelsError) as caught:
        run_case(rules, case)
    return caught.value.diagnostics


# --- 1. a formula that cannot be computed is a located error -------------------------------

@pytest.mark.parametrize("formula, type_, facts, message", [
    ("€ 10 afgerond op eenheid", "bedrag", "eenheid: € 0", "afronden op € 0 kan niet"),
    ("€ 10 afgerond op eenheid", "bedrag", "eenheid: -€ 1", "afronden op -€ 1 kan niet"),
    ("maanden_later(startdatum; stappen)", "datum", "stappen: 999999999999", "valt buiten de kalender"),
    ("maanden_later(startdatum; stappen)", "datum", "stappen: -99999", "valt buiten de kalender"),
    ("startdatum + stappen", "datum", "stappen: 999999999", "valt buiten de kalender"),
    ("startdatum - stappen", "datum", "stappen: 99999999999999999999", "valt buiten de kalender"),
    ("eerste_dag(berekeningsjaar - stappen)", "datum", "stappen: 3000", "valt buiten de kalender"),
    ("laatste_dag(berekeningsjaar + stappen)", "datum", "stappen: 99999", "valt buiten de kalender"),
    ("datum(stappen; 1; 1)", "datum", "stappen: 99999999999999999999", "bestaat niet"),
    ("eenheid * stappen * stappen * stappen * stappen", "bedrag", "stappen: 100000000", "meer dan 30 cijfers"),
    ("eerste_dag(vorige_maand(maand(startdatum)))", "datum", "startdatum: 0001-01-15", "valt buiten de kalender"),
    ("laatste_dag(volgende_maand(maand(startdatum)))", "datum", "startdatum: 9999-12-15", "valt buiten de kalender"),
])
def test_a_formula_that_cannot_be_computed_is_a_located_error(tmp_path, formula, type_, facts, message):
    diagnostics = _errors_of(tmp_path, formula, type_, facts)
    first = diagnostics[0]
    assert message in first.message
    assert first.pos.file.endswith("artikel.yaml") and first.pos.line > 0, first.format()
    assert first.hint, first.format()


def test_days_in_a_range_are_limited(tmp_path):
    first = _errors_of(tmp_path, "som van € 1 over d in dagen(startdatum; einddatum)", "bedrag",
                       "startdatum: 0001-01-01\neinddatum: 9999-12-31")[0]
    limit = f"{evaluator.MAX_DAYS_IN_RANGE:,}".replace(",", ".")
    assert "dagen(" in first.message and limit in first.message, first.format()
    assert first.pos.file.endswith("artikel.yaml") and first.hint


def test_a_range_within_the_limit_is_computed(tmp_path):
    rules = write_rules(tmp_path, INPUTS + """\
regels:
  x: {type: geheel getal, uitkomst: ja, formule: aantal d in dagen(startdatum; einddatum)}
""")
    facts = f"startdatum: 2000-01-01\neinddatum: {2000 + evaluator.MAX_DAYS_IN_RANGE // 366}-01-01"
    assert run_case(rules, CASE.format(facts=textwrap.indent(facts, "  "))).value("x") > 300


@pytest.mark.parametrize("formula, type_, message", [
    ("€ 1 afgerond op € 0", "bedrag", "afronden op € 0 kan niet"),
    ("10% afgerond op 0%", "percentage", "afronden op 0% kan niet"),
    ("maanden_later(1 januari 2020; 999999999999)", "datum", "valt buiten de kalender"),
    ("1 januari 2020 + 999999999", "datum", "valt buiten de kalender"),
    ("eerste_dag(berekeningsjaar - 3000)", "datum", "valt buiten de kalender"),
    ("som van € 1 over d in dagen(1 januari 0001; 31 december 9999)", "bedrag", "dagen("),
    ("€ 1 / 0", "bedrag", "deling door nul"),
])
def test_check_rejects_constant_formulas_that_cannot_be_computed(tmp_path, formula, type_, message):
    """Before any case runs: load_rules checks the rule set."""
    rules = write_rules(tmp_path, INPUTS + f"""\
regels:
  x:
    type: {type_}
    uitkomst: ja
    formule: {formula}
""")
    with pytest.raises(RegelsError) as caught:
        load_rules(rules)
    first = caught.value.diagnostics[0]
    assert message in first.message and first.pos.file.endswith("artikel.yaml"), first.format()


@pytest.mark.parametrize("formula", [
    "als berekeningsjaar = 2019 dan € 0 anders € 1 / (berekeningsjaar - jaar(1 januari 2019))",
    "als stappen = 0 dan € 0 anders € 1 / (berekeningsjaar - jaar(1 januari 2019))",
])
def test_check_accepts_what_fails_only_in_a_year_a_condition_avoids(tmp_path, formula):
    """A part that depends on the berekeningsjaar is rejected by check only if it
    cannot be computed in any year; otherwise the evaluator reports it where it happens."""
    rules = write_rules(tmp_path, INPUTS + f"""\
regels:
  x: {{type: bedrag, uitkomst: ja, formule: {formula}}}
""")
    load_rules(rules)


def test_cli_reports_an_evaluation_error_with_exit_2(tmp_path, capsys):
    rules = write_rules(tmp_path, INPUTS + """\
regels:
  x: {type: datum, uitkomst: ja, formule: maanden_later(startdatum; stappen)}
""")
    case = tmp_path / "casus.yaml"
    case.write_text(CASE.format(facts="  stappen: 999999999999"), encoding="utf-8")
    assert main(["bereken", str(case), "--regels", str(rules)]) == 2
    err = capsys.readouterr().err
    assert re.match(r"^\S*artikel\.yaml:\d+:\d+: fout: ", err), err
    assert "Traceback" not in err and "interne fout" not in err


# --- 2. a berekeningsjaar the rule set does not cover -----------------------------------------

def _real_case(year: int) -> str:
    text = (ROOT / "voorbeelden" / "alleenstaande_ouder_2020.yaml").read_text(encoding="utf-8")
    text = text.replace("berekeningsjaar: 2020", f"berekeningsjaar: {year}")
    return text.split("\nverwacht:")[0] + "\n"  # the expectations are those of 2020


@pytest.fixture(scope="module")
def real_rules():
    return load_rules(ROOT / "rules")


@pytest.mark.parametrize("year", [2014, 1999])
def test_a_year_before_the_rule_set_is_an_error(real_rules, year):
    case = case_from_text(_real_case(year), real_rules, "casus.yaml")
    with pytest.raises(RegelsError) as caught:
        evaluate(real_rules, case)
    first = caught.value.diagnostics[0]
    year_line = _real_case(year).splitlines().index(f"berekeningsjaar: {year}") + 1
    assert (first.pos.file, first.pos.line) == ("casus.yaml", year_line), first.format()
    assert str(year) in first.message and "2015" in first.message, first.format()
    assert first.hint


def test_a_year_before_an_inline_rule_set_is_an_error(tmp_path):
    rules = write_rules(tmp_path, INPUTS + """\
regels:
  x: {type: bedrag, uitkomst: ja, formule: € 1}
""")
    with pytest.raises(RegelsError) as caught:
        run_case(rules, CASE.format(facts="").replace("2020", "2018", 1))
    assert "2018" in caught.value.diagnostics[0].message and "2019" in caught.value.diagnostics[0].message


def test_a_year_after_an_inline_rule_set_that_ends_is_an_error(tmp_path):
    rules = write_rules(tmp_path, INPUTS + """\
regels:
  x:
    type: bedrag
    uitkomst: ja
    versies:
      - {geldig_vanaf: 2019-01-01, geldig_tot: 2021-01-01, formule: € 1}
""")
    assert run_case(rules, CASE.format(facts="")).value("x") == 1
    with pytest.raises(RegelsError) as caught:
        run_case(rules, CASE.format(facts="").replace("2020", "2022", 1))
    message = caught.value.diagnostics[0].message
    assert "2022 valt na de regelset" in message and "2019 tot en met 2020" in message, message


YEARLY = """\
parameters:
  jaarbedrag:
    type: bedrag
    waarden:
      2019-01-01: {waarde: € 100, bron: "tekst 2019"}
      2020-01-01: {waarde: € 110, bron: "tekst 2020"}
  vast_bedrag:
    type: bedrag
    waarden:
      2019-01-01: {waarde: € 5, bron: "tekst 2019"}
regels:
  x: {type: bedrag, uitkomst: ja, formule: jaarbedrag + vast_bedrag}
  y: {type: bedrag, uitkomst: ja, formule: vast_bedrag}
  met_waarbij: {type: bedrag, uitkomst: ja, formule: x waarbij (eenheid = € 2)}
  zoals_bekend: {type: bedrag, uitkomst: ja, formule: x zoals bekend op 1 januari 2023}
"""


def test_values_carried_forward_are_named(tmp_path):
    """jaarbedrag gets a value every year; in 2022 the rule set has none, so the 2020
    value is carried forward. vast_bedrag has one value for all years: not carried."""
    rules = write_rules(tmp_path, INPUTS + YEARLY)
    result = run_case(rules, CASE.format(facts="").replace("2020", "2022", 1))
    assert result.value("x") == 115
    carried = {name: [(p.name, e.vanaf.isoformat()) for p, e in used] for name, used in result.carried_forward.items()}
    assert carried == {"x": [("jaarbedrag", "2020-01-01")], "met_waarbij": [("jaarbedrag", "2020-01-01")],
                       "zoals_bekend": [("jaarbedrag", "2020-01-01")]}
    data = result.to_json(trace=False)
    assert data["doorgetrokken"]["x"][0]["parameter"] == "jaarbedrag"
    assert data["doorgetrokken"]["x"][0]["geldig_vanaf"] == "2020-01-01"
    assert "2020" in data["doorgetrokken"]["x"][0]["reden"] and "2022" in data["doorgetrokken"]["x"][0]["reden"]
    assert "y" not in data["doorgetrokken"]
    for language, words in (("nl", "doorgetrokken"), ("en", "carried forward")):
        for fmt in ("tekst", "markdown", "html"):
            text = render_explanation(result, language=language, fmt=fmt)
            assert words in text.lower() and "jaarbedrag" in text, (language, fmt)


def test_no_value_is_carried_forward_in_a_year_with_values(tmp_path):
    rules = write_rules(tmp_path, INPUTS + YEARLY)
    result = run_case(rules, CASE.format(facts=""))
    assert result.carried_forward == {}
    assert "doorgetrokken" not in result.to_json(trace=False)
    assert "doorgetrokken" not in render_explanation(result)


def test_bereken_names_the_values_carried_forward(tmp_path, capsys):
    rules = write_rules(tmp_path, INPUTS + YEARLY)
    case = tmp_path / "casus.yaml"
    case.write_text(CASE.format(facts="").replace("2020", "2022", 1), encoding="utf-8")
    assert main(["bereken", str(case), "--regels", str(rules)]) == 0
    out = capsys.readouterr().out
    assert "doorgetrokken" in out and "jaarbedrag" in out and "2020-01-01" in out


def test_the_real_rule_set_after_its_last_values(real_rules):
    result = evaluate(real_rules, case_from_text(_real_case(2027), real_rules), trace=False)
    carried = {p.name: e.vanaf.year for used in result.carried_forward.values() for p, e in used}
    assert carried.get("bedrag_een_kind") == 2026 and carried.get("minimumloon_per_maand") == 2026, carried
    assert "woonlandfactor" not in carried  # one value for all years: not carried forward
    # the 2026 minimum wage is both unconfirmed and carried forward: the explanation says both
    for language, words in (("nl", ("onbevestigde waarden", "doorgetrokken waarden")),
                            ("en", ("unconfirmed values", "values carried forward"))):
        for fmt in ("tekst", "markdown", "html"):
            text = render_explanation(result, language=language, fmt=fmt).lower()
            assert all(w in text for w in words) and text.count("minimumloon_per_maand") >= 2, (language, fmt)


@pytest.mark.parametrize("year", [2020, 2025, 2026])
def test_the_real_rule_set_carries_nothing_forward_in_its_own_years(real_rules, year):
    result = evaluate(real_rules, case_from_text(_real_case(year), real_rules), trace=False)
    assert result.carried_forward == {}


# --- 3b. a fact the case leaves out that the rules take from its 'standaard' -----------------

DEFAULTS = """\
invoer:
  aanvrager: {type: persoon}
  inkomen:
    type: bedrag
    van: persoon
    standaard: € 0
    omschrijving: "het inkomen; zonder opgave telt het als nihil (lid 3)"
  korting: {type: bedrag, standaard: € 0}
regels:
  x: {type: bedrag, uitkomst: ja, formule: inkomen van aanvrager + € 1}
  y: {type: bedrag, uitkomst: ja, formule: € 2}
  z: {type: bedrag, uitkomst: ja, per: maand, formule: (inkomen van aanvrager) zoals bekend op 1 december 2019}
"""


def test_facts_taken_from_their_default_are_named(tmp_path):
    rules = write_rules(tmp_path, DEFAULTS)
    result = run_case(rules, CASE.format(facts=""))
    assert result.value("x") == 1
    named = {name: [(i.name, person) for i, person in used] for name, used in result.defaulted.items()}
    assert named == {"x": [("inkomen", "ouder")], "z": [("inkomen", "ouder")]}
    entry = result.to_json(trace=False)["standaardwaarden"]["x"][0]
    assert entry["invoer"] == "inkomen" and entry["persoon"] == "ouder" and entry["waarde"] == "0.00"
    assert "nihil" in entry["omschrijving"] and entry["bestand"].startswith(str(rules / "artikel.yaml"))
    for language, words in (("nl", "standaardwaarde"), ("en", "default")):
        for fmt in ("tekst", "markdown", "html"):
            # the answer names the fact and its default; the full derivation also why (its omschrijving)
            text = render_explanation(result, language=language, fmt=fmt)
            assert words in text.lower() and re.search(r"inkomen = (€|EUR)\W?0\b", text), (language, fmt)
            full = render_explanation(result, language=language, fmt=fmt, full=True)
            assert words in full.lower() and "inkomen" in full and "nihil" in full, (language, fmt)


def test_a_fact_the_case_gives_is_not_named_as_default(tmp_path):
    """Also not where a 'zoals bekend op' view does not know it yet: the case gave it."""
    rules = write_rules(tmp_path, DEFAULTS)
    case = CASE.format(facts="").replace("  ouder: {}", "  ouder: {inkomen: {waarde: € 10, vanaf: 2020-01-01}}")
    result = run_case(rules, case)
    assert result.value("x") == 11
    assert set(result.value("z").values()) == {0}  # not known yet on 1 December 2019
    assert result.defaulted == {}
    assert "standaardwaarden" not in result.to_json(trace=False)
    assert "standaardwaarde" not in render_explanation(result).lower()


def test_bereken_names_the_facts_taken_from_their_default(tmp_path, capsys):
    rules = write_rules(tmp_path, DEFAULTS)
    case = tmp_path / "casus.yaml"
    case.write_text(CASE.format(facts=""), encoding="utf-8")
    assert main(["bereken", str(case), "--regels", str(rules)]) == 0
    out = capsys.readouterr().out
    assert "standaardwaarde" in out and "inkomen = €\u00a00" in out and "van ouder" in out, out


def test_a_missing_toetsingsinkomen_is_named_in_the_real_rule_set(real_rules):
    """Awir art. 8: without an inkomensgegeven the toetsingsinkomen counts as nil (the
    rule file's omschrijving says why); the outcome says it took that from the standaard."""
    text, removed = re.subn(r"\n    toetsingsinkomen:\n      waarde: .*\n      bron: .*(?:\n      bron_en: .*)?", "", _real_case(2020), count=1)
    assert removed == 1
    result = evaluate(real_rules, case_from_text(text, real_rules), trace=False)
    named = {(i.name, person) for used in result.defaulted.values() for i, person in used}
    assert ("toetsingsinkomen", "amira") in named, named
    entry = next(e for e in result.to_json(trace=False)["standaardwaarden"]["kindgebonden_budget"]
                 if e["invoer"] == "toetsingsinkomen")
    assert "art. 14 lid 3" in entry["omschrijving"] and entry["bestand"].startswith("rules/awir/artikel_8.yaml")


# --- 3. a percentage in the law text that disagrees with its parameter -----------------------

def _percentage_rules(tmp_path, text_percentage: str, value: str) -> Path:
    header = HEADER.replace('leden: {"1": "tekst"}',
                            f'leden: {{"8": "verminderd met {text_percentage} van het verschil"}}')
    return write_rules(tmp_path, f"""\
parameters:
  afbouwpercentage:
    type: percentage
    lid: "8"
    waarden:
      2019-01-01: {{waarde: "{value}", bron: test}}
regels:
  x: {{type: bedrag, uitkomst: ja, formule: afbouwpercentage van € 1.000}}
""", header=header)


def test_a_percentage_that_disagrees_with_the_law_text_is_reported(tmp_path):
    warnings = [w.message for w in load_rules(_percentage_rules(tmp_path, "7,10%", "7,60%")).warnings]
    assert any("afbouwpercentage" in w and "7,60%" in w and "7,10%" in w for w in warnings), warnings


def test_a_percentage_that_agrees_with_the_law_text_is_not_reported(tmp_path):
    warnings = [w.message for w in load_rules(_percentage_rules(tmp_path, "7,10%", "7,10%")).warnings]
    assert not any("afbouwpercentage" in w and "noemt" in w for w in warnings), warnings


# --- 4. geldig_tot before geldig_vanaf; the explanation never cites '()' ---------------------

def test_an_explanation_without_an_article_version_cites_no_empty_brackets(tmp_path):
    """A rule in force on a day the article has no version (a warning, not an error)."""
    header = HEADER.replace("geldig_vanaf: 2019-01-01", "geldig_vanaf: 2020-01-01")
    rules = write_rules(tmp_path, INPUTS + """\
regels:
  x:
    type: bedrag
    uitkomst: ja
    lid: "1"
    versies:
      - geldig_vanaf: 2019-01-01
        formule: € 1
""", header=header)
    result = run_case(rules, CASE.format(facts="").replace("2020", "2019", 1))
    for language in ("nl", "en"):
        for fmt in ("tekst", "markdown", "html"):
            text = render_explanation(result, language=language, fmt=fmt)
            assert "()" not in text, (language, fmt)


# --- 5. cost grows gently with the household ---------------------------------------------------

# a parent and n children, counted per month
CHILDREN_RULES = """\
invoer:
  aanvrager: {type: persoon}
  geboortedatum: {type: datum, van: persoon}
relaties:
  kind_van: {tussen: [ouder, kind]}
regels:
  is_kind: {type: waar/onwaar, per: maand, voor: k, formule: kind_van(aanvrager; k)}
  aantal_kinderen: {type: geheel getal, per: maand, uitkomst: ja, formule: aantal k in personen waarvoor is_kind van k}
"""


def _children_case(n: int) -> str:
    people = "".join(f"  k{i}: {{geboortedatum: 2015-01-01}}\n" for i in range(n))
    relations = "".join(f"  - {{soort: kind_van, ouder: ouder, kind: k{i}, vanaf: 2015-02-01}}\n" for i in range(n))
    return ("casus: kinderen\nberekeningsjaar: 2020\ngegevens:\n  aanvrager: ouder\npersonen:\n"
            "  ouder: {geboortedatum: 1980-01-01}\n" + people + "relaties:\n" + relations)


def test_relation_lookups_do_not_scan_every_relation(tmp_path, monkeypatch):
    """A relation between two persons is looked up by the pair: the number of
    relation records inspected grows with the lookups, not with lookups x relations."""
    from regels import case as case_module

    rules = write_rules(tmp_path, CHILDREN_RULES)
    rule_set = load_rules(rules)
    fact_class = type(case_from_text(_children_case(1), rule_set).relations["kind_van"][0])
    inspected = []
    original = fact_class.holds
    monkeypatch.setattr(fact_class, "holds", lambda self, day: inspected.append(1) or original(self, day))
    n = 40
    result = evaluate(rule_set, case_from_text(_children_case(n), rule_set), trace=False)
    assert set(result.value("aantal_kinderen").values()) == {n}
    lookups = (n + 1) * 12
    assert len(inspected) <= 2 * lookups, f"{len(inspected)} relaties bekeken voor {lookups} opzoekingen"


@pytest.mark.parametrize("trace", [False, True])
def test_a_filtered_quantifier_goes_through_the_items_its_own_condition_holds_for(tmp_path, monkeypatch, trace):
    """'er is een p in personen waarvoor is_partner van p en kind_van(p; k)', for each k:
    is_partner is computed once per person, and a use replays what it read for the
    persons it fails for as one record, even when that noted something (here a
    'standaard'), instead of going through every person again: not persons x kinds."""
    rules = write_rules(tmp_path, """\
invoer:
  aanvrager: {type: persoon}
  partner: {type: waar/onwaar, van: persoon, standaard: nee}
  geboortedatum: {type: datum, van: persoon}
relaties:
  kind_van: {tussen: [ouder, kind]}
regels:
  is_partner: {type: waar/onwaar, voor: p, formule: partner van p}
  kind_van_partner: {type: waar/onwaar, voor: k, formule: er is een p in personen waarvoor is_partner van p en kind_van(p; k)}
  aantal_kinderen: {type: geheel getal, uitkomst: ja, formule: aantal k in personen waarvoor kind_van_partner van k}
""")
    n = 40
    case = _children_case(n).replace("  ouder: {geboortedatum: 1980-01-01}\n",
                                     "  ouder: {geboortedatum: 1980-01-01}\n  p: {partner: ja, geboortedatum: 1980-01-01}\n")
    case = case.replace("ouder: ouder, kind: k0,", "ouder: p, kind: k0,").replace("ouder: ouder, kind: k1,", "ouder: p, kind: k1,")
    rule_set = load_rules(rules)
    replayed = []
    original = evaluator.Evaluation.replay
    monkeypatch.setattr(evaluator.Evaluation, "replay", lambda self, captured: replayed.append(1) or original(self, captured))
    result = evaluate(rule_set, case_from_text(case, rule_set), trace=trace)
    assert result.value("aantal_kinderen") == 2
    assert {i.name for used in result.defaulted.values() for i, _person in used} == {"partner"}
    persons = n + 2
    assert len(replayed) <= 4 * persons, f"{len(replayed)} keer teruggespeeld voor {persons} personen"


def test_trace_results_are_the_same_with_many_persons(tmp_path):
    """The trace lists each dependency once, in the order it was first used."""
    rules = write_rules(tmp_path, CHILDREN_RULES + """\
  twee_keer: {type: geheel getal, per: maand, uitkomst: ja, formule: aantal_kinderen + aantal_kinderen}
""")
    result = run_case(rules, _children_case(5))
    steps = {s.id: s for s in result.steps}
    deps = list(steps["aantal_kinderen@2020-03"].deps)
    assert deps == [f"is_kind[{p}]@2020-03" for p in ["ouder"] + [f"k{i}" for i in range(5)]]
    assert list(steps["twee_keer@2020-03"].deps) == ["aantal_kinderen@2020-03"]
    assert steps["twee_keer@2020-03"].to_json()["afhankelijk_van"] == ["aantal_kinderen@2020-03"]


def test_the_json_trace_is_written_step_by_step_as_json_dumps_gives_it(tmp_path):
    """bereken --json streams the trace (Result.write_json) rather than building one string."""
    import io
    import json

    rules = write_rules(tmp_path, CHILDREN_RULES)
    result = run_case(rules, _children_case(3))
    for trace in (True, False):
        out = io.StringIO()
        result.write_json(out, trace=trace)
        assert out.getvalue() == json.dumps(result.to_json(trace=trace), ensure_ascii=False, indent=2) + "\n"
    from regels.api import _indented_json

    for value in ({"a": [1, 2.5, None, True, "é\n\"", {}, []], "b": {"c": -3}}, [], {}, [[[]]], ["x", "y"], {1: 2}):
        assert _indented_json(value, "") == json.dumps(value, ensure_ascii=False, indent=2), value


# --- 6. a time limit per evaluation ------------------------------------------------------------

EXPENSIVE = """\
regels:
  duur:
    type: geheel getal
    uitkomst: ja
    formule: |
      som van (som van (aantal e in dagen(d; einddatum)) over d in dagen(c; einddatum)) over c in dagen(startdatum; einddatum)
  goedkoop: {type: geheel getal, formule: aantal d in dagen(startdatum; einddatum)}
  via_waarbij: {type: geheel getal, formule: duur waarbij (eenheid = € 2)}
"""
LONG = "startdatum: 2019-01-01\neinddatum: 2025-12-31"  # 2557^3 / 6 iterations: far more than any time limit allows


def test_an_evaluation_stops_at_its_time_limit(tmp_path):
    rule_set = load_rules(write_rules(tmp_path, INPUTS + EXPENSIVE))
    case = case_from_text(CASE.format(facts=textwrap.indent(LONG, "  ")), rule_set, "casus.yaml")
    with pytest.raises(evaluator.DeadlineExceeded) as caught:
        evaluate(rule_set, case, trace=False, deadline=0.2)
    first = caught.value.diagnostics[0]
    assert "tijdslimiet" in first.message and "0,2 s" in first.message, first.format()
    assert first.pos.file == "casus.yaml" and first.hint
    assert isinstance(caught.value, RegelsError)


def test_the_time_limit_holds_inside_waarbij(tmp_path):
    rule_set = load_rules(write_rules(tmp_path, INPUTS + EXPENSIVE))
    case = case_from_text(CASE.format(facts=textwrap.indent(LONG, "  ")), rule_set, "casus.yaml")
    with pytest.raises(evaluator.DeadlineExceeded):
        evaluate(rule_set, case, trace=True, deadline=0.2, rules=[rule_set.rule("via_waarbij")])


def test_an_evaluation_within_its_time_limit_is_unchanged(tmp_path):
    rule_set = load_rules(write_rules(tmp_path, INPUTS + EXPENSIVE))
    case = case_from_text(CASE.format(facts="  startdatum: 2020-01-01\n  einddatum: 2020-01-03"), rule_set)
    assert evaluate(rule_set, case, deadline=60).value("duur") == 10  # 3 + 2 + 1 + 2 + 1 + 1
    assert evaluate(rule_set, case).value("duur") == 10  # no limit by default


def test_a_real_case_stops_at_a_tiny_time_limit(real_rules):
    """The HTTP service of a later issue gives each evaluation a limit; the error names it."""
    case = case_from_text(_real_case(2020), real_rules, "casus.yaml")
    with pytest.raises(RegelsError) as caught:
        evaluate(real_rules, case, deadline=0.000001)
    assert isinstance(caught.value, evaluator.DeadlineExceeded)
    first = caught.value.diagnostics[0]
    assert first.message == "de berekening duurt langer dan de tijdslimiet van 0,000001 s", first.format()
    assert first.pos.file == "casus.yaml" and "tijdslimiet" in first.hint
