"""Checks on the rule set as a whole: every parameter value is sourced, the
values that could not be verified are marked as such (and only those), and
the statushouder explanation says what the law says about a spouse abroad."""

import re
from pathlib import Path

import pytest

from regels.api import evaluate, load_case, load_rules
from regels.explain import render_explanation

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def rules():
    return load_rules(ROOT / "rules")


def test_every_parameter_value_has_a_source(rules):
    unsourced = [f"{p.name} {e.vanaf}" for p in rules.parameters() for e in p.values if not e.bron]
    assert unsourced == []


def test_only_the_known_unverified_values_are_marked_and_check_reports_them(rules):
    marked = sorted((p.name, e.vanaf.isoformat()) for p in rules.parameters() for e in p.values if e.onbevestigd)
    assert marked == [
        ("aandeel_betalingscapaciteit", "2015-01-01"),  # Leidraad 79.8: no text says which share
        ("maximale_huurgrens_woonlasten", "2015-01-01"),  # Wet op de huurtoeslag 2015, indexed yearly
        ("meldingstermijn_wijziging", "2015-01-01"),  # URA art. 5, only a ca. 2015 text read
        ("minimumloon_per_maand", "2026-01-01"),  # WML regeling per 1-1-2026 not read
        ("normhuur_minimum_inkomensijkpunt", "2015-01-01"),
        ("rentepercentage_terugvordering", "2020-10-01"),  # the AMvB articles themselves not read
        ("rentepercentage_terugvordering", "2023-07-01"),
        ("rentepercentage_terugvordering", "2024-01-01"),
        ("termijn_herziening_in_voordeel", "2015-01-01"),  # URA art. 5a, only a ca. 2015 text read
        ("termijnbedrag_standaard", "2015-01-01"),
        ("woonlandfactor", "2015-01-01"),
    ]
    warned = [w.message for w in rules.warnings if "onbevestigd" in w.message]
    assert len(warned) == len(marked) and any("woonlandfactor" in w for w in warned)


def test_every_rule_cites_a_lid(rules):
    missing = [r.name for r in rules.rules()
               if not r.lid and not all(v.lid for v in r.versions)]
    assert missing == []


@pytest.mark.parametrize("taal, answer, reasons", [
    ("nl", "U krijgt geen alleenstaande-ouderkop; die is er alleen voor een ouder zonder toeslagpartner",
     ["Youssef is uw echtgenoot en daarom uw partner", "(AWR art. 5a lid 1 onder a)",
      "Youssef is uw toeslagpartner (Awir art. 3 lid 4)", "Uw toeslagpartner heeft geen BSN"]),
    ("en", "You do not get the single-parent supplement; it is only for a parent without a",
     ["Youssef is your spouse and therefore your partner", "(AWR art. 5a lid 1 onder a)",
      "Youssef is your toeslagpartner", "has no BSN"]),
])
def test_statushouder_explanation_answers_the_question_with_the_partner_law(rules, taal, answer, reasons):
    """The case asks whether Amal gets the ALO-kop: the first lines say no, and why (WKB art. 2
    lid 6); the reasons name AWR art. 5a lid 1 onder a (a spouse is a partner wherever he lives)."""
    case = load_case(ROOT / "voorbeelden" / "statushouder_2016.yaml", rules)
    text = render_explanation(evaluate(rules, case), language=taal)
    first = " ".join(" ".join(text.splitlines()[:6]).split())
    assert case.question[taal] in first and answer in first and "(WKB art. 2 lid 6)" in first, first
    for phrase in reasons:
        assert phrase in text, phrase
    # the calculation shows the ALO-kop as nil, with its article and lid
    assert re.search(r"\+ +€\u00a0?0  (alleenstaande-ouderkop|single-parent supplement) +WKB art\. 2 lid 6", text)
    full = render_explanation(evaluate(rules, case), language=taal, full=True)
    assert "alleenstaande_ouderkop (lid 6), " + ("heel 2016: €\u00a00" if taal == "nl" else "all of 2016: €0") in full
    if taal == "nl":
        assert "geen eis aan een BSN" in full


def test_two_candidates_of_equal_rank_without_a_designated_partner_is_reported_not_guessed(rules):
    # Awir art. 3 lid 4 allows one partner, but does not say which of two equal candidates it is:
    # the evaluation names the missing fact instead of adding both incomes or picking one.
    from regels.api import case_from_text
    from regels.diagnostics import RegelsError

    path = ROOT / "tests" / "casussen" / "partner" / "lid4_broer_en_vader_gelijke_rang_2018.yaml"
    text = "\n".join(line for line in path.read_text(encoding="utf-8").splitlines()
                     if not line.startswith("  aangewezen_toeslagpartner:"))
    case = case_from_text(text, rules)
    with pytest.raises(RegelsError) as info:
        evaluate(rules, case)
    assert "gegeven 'aangewezen_toeslagpartner' onder 'gegevens' ontbreekt" in str(info.value)


def test_an_outcome_that_rests_on_an_unconfirmed_value_says_so(rules):
    # the woonlandfactor table is marked 'onbevestigd': every outcome computed with it names it,
    # in the JSON and in the explanation; an outcome that does not use it stays silent
    case = load_case(ROOT / "tests" / "casussen" / "wkb" / "woonland_marokko_2018.yaml", rules)
    result = evaluate(rules, case, trace=False)
    data = result.to_json(trace=False)
    assert [u["parameter"] for u in data["onbevestigd"]["kindgebonden_budget"]] == ["woonlandfactor"]
    assert "LET OP: ONBEVESTIGDE WAARDEN" in render_explanation(evaluate(rules, case))
    plain = evaluate(rules, load_case(ROOT / "voorbeelden" / "alleenstaande_ouder_2020.yaml", rules), trace=False)
    assert "onbevestigd" not in plain.to_json(trace=False)


@pytest.mark.parametrize("casus, lid", [("woonland_turkije_2016.yaml", "11"), ("woonland_marokko_2018.yaml", "11"),
                                        ("woonland_turkije_2021.yaml", "12")])
def test_woonland_for_one_child_cites_the_lid_of_the_text_in_force(rules, casus, lid):
    # one child outside the EU/EEA/Switzerland: lid 11 in the texts 2015-2019, lid 12 from the
    # renumbered text of 2020 (lid 12 before 2020 is the paragraph for more children)
    case = load_case(ROOT / "tests" / "casussen" / "wkb" / casus, rules)
    result = evaluate(rules, case)
    data = result.to_json()
    cited = {s["regel"]: s["bron"] for s in data["trace"]
             if s["regel"] in ("woont_buiten_eer", "woonland_voor_een_kind", "woonlandpercentage")}
    assert cited == dict.fromkeys(["woont_buiten_eer", "woonland_voor_een_kind", "woonlandpercentage"],
                                  f"WKB art. 2 lid {lid}")
    factor = {p["artikel"] for s in data["trace"] for p in s["parameters"] if p["naam"] == "woonlandfactor"}
    assert factor == {f"WKB art. 2 lid {lid}"}
    assert {u["artikel"] for u in data["onbevestigd"]["kindgebonden_budget"]} == {f"WKB art. 2 lid {lid}"}
    other = "12" if lid == "11" else "11"
    for taal in ("nl", "en"):
        for text in (render_explanation(result, language=taal, full=True),
                     render_explanation(result, language=taal, why=["woonlandpercentage"])):
            about = [line for line in text.splitlines()
                     if any(name in line for name in ("woont_buiten_eer", "woonland_voor_een_kind",
                                                      "woonlandpercentage", "woonlandfactor(", "eu_eer_zwitserland ="))]
            assert about and all(f"lid {lid}" in line for line in about if "lid" in line)
            assert not [line for line in about if f"lid {other}" in line]
