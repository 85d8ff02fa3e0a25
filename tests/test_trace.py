"""The trace records what the explanations need (the branch an `als` took, the
witness or counterexample of a quantifier, which fact came through which
channel), and the explanations read it and nothing else (issue 12, item 3)."""

import ast
import datetime as dt
from pathlib import Path

import pytest

from regels import evaluate as evaluate_module
from regels.api import evaluate, load_case, load_rules
from regels.explain import render_explanation
from regels.explain.why import flatten, why

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "interpreter"
# what an explanation must not use: the evaluator's compiled closures and their context
FORBIDDEN = {"compiled", "compiled_traced", "_compile", "Ctx"}


def _explanation_modules():
    return sorted((PACKAGE / "explain").glob("*.py")) + [PACKAGE / "timeline.py"]


def _imports(path: Path):
    """(module, name) for every name imported in a module; (module, None) for 'import module'."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            for alias in node.names:
                yield module, alias.name
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None


def test_no_explanation_module_imports_the_compiled_closures():
    found = []
    for path in _explanation_modules():
        for module, name in _imports(path):
            from_evaluate = module.split(".")[-1] == "evaluate"
            if from_evaluate and (name in FORBIDDEN or name == "*"):
                found.append(f"{path.name}: from {module} import {name}")
            if name is None and module.endswith("evaluate"):
                found.append(f"{path.name}: import {module}")
    assert found == []


@pytest.mark.parametrize("name", ["why.py", "../timeline.py"])
def test_why_and_timeline_do_not_import_the_evaluator_at_all(name):
    path = (PACKAGE / "explain" / name).resolve()
    assert not [m for m, _ in _imports(path) if m.split(".")[-1] == "evaluate"]


@pytest.fixture(scope="module")
def rules():
    return load_rules(ROOT / "rules")


def _case(rules, name, monkeypatch=None):
    return load_case(ROOT / "voorbeelden" / f"{name}.yaml", rules)


def _step(result, step_id):
    return next(s for s in result.steps if s.id == step_id)


def test_the_branch_of_an_als_is_recorded(rules, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = evaluate(rules, _case(rules, "statushouder_2016"))
    step = _step(result, "alleenstaande_ouderkop@2016-03").to_json()
    assert step["keuzes"] == [{"soort": "als", "voorwaarde": "aantal_kinderen > 0 en niet heeft_toeslagpartner",
                               "waarde": False, "tak": "anders"}]


def test_the_witness_and_the_counterexample_of_a_quantifier_are_recorded(rules, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = evaluate(rules, _case(rules, "statushouder_2016"))
    has_partner = _step(result, "heeft_toeslagpartner@2016-05").to_json()["keuzes"]
    assert {"soort": "er_is_een", "formule": "er is een p in personen waarvoor toeslagpartner van p",
            "waarde": True, "getuige": "youssef"} in has_partner
    single = evaluate(rules, _case(rules, "alleenstaande_ouder_2020"))
    # nobody is the toeslagpartner: 'er is een' went over every person
    none = _step(single, "heeft_toeslagpartner@2020-05").to_json()["keuzes"]
    assert none[0]["waarde"] is False and none[0]["over"] == ["amira", "sara", "daan"]
    # 'voor alle m in maanden geldt toeslagpartner van p' fails in the first month
    whole_year = [s.to_json() for s in single.steps if s.rule.name == "partner_heel_jaar"][0]["keuzes"]
    assert whole_year == [{"soort": "voor_alle", "formule": "voor alle m in maanden geldt toeslagpartner van p",
                           "waarde": False, "tegenvoorbeeld": "2020-01"}]


def test_which_fact_came_through_which_channel_is_recorded(rules, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = evaluate(rules, _case(rules, "statushouder_2016_tijdlijn"))
    steps = [s.to_json() for s in result.steps if s.channels]
    assert steps, "a 'zoals bekend op' records the channels"
    facts = {f["gegeven"]: f for day in steps[0]["kanalen"] for f in day["gegevens"]}
    marriage = facts["huwelijk(amal; youssef)"]
    assert marriage["bekend"] is False and marriage["later_bekend"] == "2018-03-15"
    assert marriage["kanaal"] and marriage["bron"].startswith("UB Awir art. 1b")
    assert facts["ouder_van(amal; lina)"]["bekend"] is True
    assert facts["ouder_van(amal; lina)"]["kanaal"] == "de Basisregistratie Personen (BRP)"


def test_steps_without_choices_read_as_before(rules, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = evaluate(rules, _case(rules, "alleenstaande_ouder_2020"))
    plain = _step(result, "peildatum@2020-04").to_json()
    assert "keuzes" not in plain and "kanalen" not in plain


def test_waarom_renders_from_the_trace_without_computing(rules, monkeypatch):
    """Once the case is evaluated, the explanation computes nothing: with the
    evaluator's closures and rule values made to fail, it still renders."""
    monkeypatch.chdir(ROOT)
    result = evaluate(rules, _case(rules, "statushouder_2016"))

    def no_computing(*args, **kwargs):
        raise AssertionError("the explanation computed a formula")

    monkeypatch.setattr(evaluate_module, "compiled", no_computing)
    monkeypatch.setattr(evaluate_module, "compiled_traced", no_computing)
    monkeypatch.setattr(evaluate_module.Evaluation, "rule_value", no_computing)
    text = render_explanation(result, why=["kindgebonden_budget"], why_not=["alleenstaande_ouderkop"])
    assert "gegeven huwelijk(amal; youssef) = waar (bron: Syrische huwelijksakte" in text
    assert "namelijk p = youssef" in text  # the witness, from the trace


def test_waarom_goes_down_to_the_facts_and_refers_back_by_number(rules, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = evaluate(rules, _case(rules, "alleenstaande_ouder_2020"))
    periods = why(result, "kindgebonden_budget")
    lines = list(flatten(periods[0]["reason"]))
    shown = [r.number for _, r in lines if r.kind == "regel"]
    assert shown == list(range(1, len(shown) + 1))
    # every reference back names a step explained above it
    for index, (_, reason) in enumerate(lines):
        if reason.kind == "regel_eerder":
            assert reason.ref in [r.number for _, r in lines[:index] if r.kind == "regel"]
    # the yearly amount is explained through the sum of its months down to the case's facts
    texts = [r.text for _, r in lines]
    assert any(t.startswith("kindgebonden_budget_maand") for t in texts)
    assert "kinderbijslag_voor(amira; sara)" in texts
    assert any(r.kind == "parameter" and r.text == "alo_kop" for _, r in lines)


def test_waarom_niet_uses_the_recorded_witness(rules, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = evaluate(rules, _case(rules, "statushouder_2016"))
    periods = why(result, "alleenstaande_ouderkop", only_falsy=True)
    assert len(periods) == 1 and len(periods[0]["months"]) == 12  # one reasoning for the whole year
    lines = [(r.kind, r.text) for _, r in flatten(periods[0]["reason"])]
    assert ("getuige", "p = youssef") in lines
    assert ("gegeven", "huwelijk(amal; youssef)") in lines


def test_the_timeline_reads_what_the_evaluator_gave(rules, monkeypatch):
    monkeypatch.chdir(ROOT)
    from regels.timeline import timeline

    result = timeline(rules, _case(rules, "statushouder_2016_tijdlijn"))
    learned = [m for m in result.moments if m.what == "huwelijk(amal; youssef)"]
    assert learned and learned[0].day.isoformat() == "2018-03-15"
    assert {rule.name for rule, _ in result.truths} >= {"kindgebonden_budget"}


def test_waarom_names_the_exceptions_that_applied_and_why(tmp_path):
    from .test_taal import CASE, EXCEPTIONS, run_case, write_rules

    rules = write_rules(tmp_path, EXCEPTIONS)
    case = CASE.replace("    geboortedatum: 1980-01-01\n", "    geboortedatum: 1980-01-01\n    partner: ja\n")
    case = case.replace("geboortedatum: 2008-05-10", "geboortedatum: 2010-05-10")
    result = run_case(rules, case)
    lines = [(r.kind, r.text, r.value) for _, r in flatten(why(result, "basis")[0]["reason"])]
    assert lines[0][0] == "regel" and lines[0][2] == "€\u00a050"  # a no-break space after the euro sign (values.py)
    texts = [text for _, text, _ in lines]
    assert "uitzondering geen_bij_partner: partner van aanvrager" in texts
    applied = next(t for t in texts if t.startswith("uitzondering toch_bij_jong_kind: er is een k in personen"))
    witness = texts[texts.index(applied) + 1]
    assert witness.startswith("k = ")  # the child that made 'er is een' true, from the trace


LID_PER_DATE = """\
invoer:
  aanvrager: {type: persoon}
parameters:
  toeslag:
    type: bedrag
    lid: {2019-01-01: "1", 2020-01-01: "2"}
    waarden:
      2019-01-01: {waarde: € 100, bron: "TW art. 1"}
  vast:
    type: bedrag
    lid: "3"
    waarden:
      2019-01-01: {waarde: € 5, bron: "TW art. 1"}
regels:
  x:
    type: bedrag
    uitkomst: ja
    formule: toeslag + vast
"""


@pytest.mark.parametrize("year, lid", [(2019, "1"), (2020, "2"), (2024, "2")])
def test_a_parameter_whose_lid_changes_is_cited_with_the_lid_of_that_day(tmp_path, year, lid):
    # when the law renumbers its leden, 'lid:' maps dates to leden; each step cites the lid on its day
    from tests.helpers import run_case, write_rules
    rules = write_rules(tmp_path, LID_PER_DATE)
    result = run_case(rules, f"casus: t\nberekeningsjaar: {year}\ngegevens: {{aanvrager: a}}\npersonen: {{a: {{}}}}\n")
    cited = {p["naam"]: p["artikel"] for s in result.to_json()["trace"] for p in s["parameters"]}
    assert cited == {"toeslag": f"TW art. 1 lid {lid}", "vast": "TW art. 1 lid 3"}
    toeslag, vast = result.rule_set.articles[0].parameters["toeslag"], result.rule_set.articles[0].parameters["vast"]
    assert toeslag.lid == "2" and toeslag.all_lids == ["1", "2"] and toeslag.lid_on(dt.date(2018, 6, 1)) == "1"
    assert vast.lid_on(dt.date(2024, 1, 1)) == "3" and vast.lid_changes == []
