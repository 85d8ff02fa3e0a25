"""'zinnen', 'opbouw' and 'vraag': what the short explanation says comes from the
rule files and the case, and `regels check` guards it."""

from __future__ import annotations

import pytest

from regels.api import case_from_text, evaluate, load_rules
from regels.diagnostics import RegelsError
from regels.explain import render_explanation as _render
from tests.helpers import run_case, write_rules


def render_explanation(*args, **kwargs) -> str:
    """The explanation with plain spaces: these tests are about the sentences; the no-break
    space after '€' is tested in test_uitleg_engels.py."""
    return _render(*args, **kwargs).replace("\u00a0", " ")

BODY = """\
parameters:
  basis: {type: bedrag, lid: "1", waarden: {2019-01-01: {waarde: € 1.200, bron: test}}}
  toeslag_hoog: {type: bedrag, lid: "1", waarden: {2019-01-01: {waarde: € 600, bron: test}}}
  toeslag_laag: {type: bedrag, lid: "1", waarden: {2019-01-01: {waarde: € 120, bron: test}}}
invoer:
  aanvrager: {type: persoon}
  geboortedatum: {type: datum, van: persoon}
  alleen: {type: waar/onwaar, standaard: ja}
regels:
  leeftijd_kind:
    type: geheel getal
    per: maand
    voor: k
    lid: "1"
    formule: leeftijd(geboortedatum van k; eerste_dag(maand))
  toeslag:
    type: bedrag
    per: maand
    lid: "2"
    formule: als (er is een k in personen waarvoor k <> aanvrager en leeftijd_kind van k >= 1) dan toeslag_hoog anders toeslag_laag
    zinnen:
      nl:
        post: ["hoge toeslag {toeslag_hoog}", "lage toeslag {toeslag_laag}"]
        zin: {nul: "", anders: ["De toeslag is hoog: {toeslag_hoog}", "De toeslag is laag: {toeslag_laag}"]}
      en: {post: supplement, zin: The supplement}
  is_alleen:
    type: waar/onwaar
    per: maand
    lid: "3"
    formule: alleen
    zinnen:
      nl: {waar: "U staat er alleen voor", onwaar: ""}
      en: {waar: "You are on your own"}
  bedrag_jaar:
    type: bedrag
    per: maand
    lid: "4"
    opbouw: ja
    formule: (basis + toeslag) minimaal € 0
    zinnen:
      nl: {zin: Zo is het berekend, post: "samen; per maand {bedrag_maand}"}
      en: {zin: The calculation, post: "together; a month {bedrag_maand}"}
  bedrag_maand:
    type: bedrag
    per: maand
    lid: "5"
    formule: bedrag_jaar / 12
  bedrag:
    type: bedrag
    lid: "6"
    uitkomst: ja
    formule: som van bedrag_maand over m in maanden
    zinnen:
      nl: {nul: "U krijgt niets", anders: "U krijgt over {jaar} {waarde}, per maand {bedrag_maand}"}
      en: {anders: "You get {waarde} for {jaar}, a month {bedrag_maand}"}
"""

CASE = """\
casus: zinnen
vraag: Hoeveel krijgt de ouder?
vraag_en: How much does the parent get?
vraag_regel: bedrag
uitkomsten: [is_alleen]
berekeningsjaar: 2020
gegevens:
  aanvrager: ouder
personen:
  ouder: {geboortedatum: 1990-01-01}
  kind: {geboortedatum: 2019-06-15}
"""


@pytest.fixture
def result(tmp_path):
    return run_case(write_rules(tmp_path, BODY), CASE)


def test_the_answer_comes_first_with_the_calculation_and_its_changes(result):
    text = render_explanation(result)
    lines = text.splitlines()
    flat = "\n".join(" ".join(line.split()) for line in lines)
    assert lines[2] == "Hoeveel krijgt de ouder?"
    # the monthly amount changes in July, when the child turns one (the higher supplement)
    assert lines[3] == "U krijgt over 2020 € 1.560, per maand € 110, vanaf juli € 150 (TW art. 1 lid 6)."
    assert "Zo is het berekend, januari t/m juni 2020:" in text
    assert "\n€ 1.200 basis TW art. 1 lid 1\n" in flat  # a parameter term: its omschrijving or name
    assert "\n+ € 120 lage toeslag € 120 TW art. 1 lid 2\n" in flat  # the first template the step's trace fills
    assert "\n= € 1.320 samen; per maand € 110 TW art. 1 lid 4\n" in flat
    after = flat[flat.index("Vanaf juli 2020:"):]
    assert "+ € 600 hoge toeslag € 600" in after and "= € 1.800 samen; per maand € 150" in after
    assert "basis" not in after  # a later period shows only what changed
    assert "- U staat er alleen voor (TW art. 1 lid 3)." in text
    assert "De toeslag is hoog: € 600 (vanaf juli 2020; TW art. 1 lid 2)." in text
    assert "De toeslag is laag: € 120 (januari t/m juni 2020; TW art. 1 lid 2)." in text


def test_english_sentences(result):
    text = " ".join(render_explanation(result, language="en").split())
    assert "How much does the parent get?" in text
    assert "for 2020, a month" in text and "(TW art. 1 lid 6)." in text
    assert "You are on your own (TW art. 1 lid 3)." in text
    assert "The calculation, January to June 2020:" in text and "supplement" in text


def test_an_empty_sentence_says_nothing(tmp_path):
    case = CASE.replace("personen:", "  alleen: nee\npersonen:")
    text = render_explanation(run_case(write_rules(tmp_path, BODY), case))
    assert "U staat er alleen voor" not in text
    assert "- is alleen: heel 2020: onwaar (TW art. 1 lid 3)." in text  # an outcome without a sentence: plain


def test_the_full_derivation_is_on_request(result):
    assert "AFLEIDING PER ARTIKEL" not in render_explanation(result)
    full = render_explanation(result, full=True)
    assert "AFLEIDING PER ARTIKEL" in full and "BRONNEN" in full
    assert "bedrag_jaar (lid 4), januari t/m december 2020" in full.replace("heel 2020", "januari t/m december 2020")


@pytest.mark.parametrize("old, new, message", [
    ("per maand {bedrag_maand}", "per maand {bedrag_mand}", "onbekende naam 'bedrag_mand'"),
    ("{jaar} {waarde}", "{jaar} {waarde} {persoon}",
     "'{persoon}' in de zinnen van 'bedrag', maar die regel geldt niet per persoon"),
    ("U staat er alleen voor", "U staat er alleen voor {geboortedatum}",
     "'{geboortedatum}' in de zinnen van 'is_alleen' noemt geen regel of parameter"),
    ('{waar: "U staat er alleen voor", onwaar: ""}', '{nul: "U staat er alleen voor"}',
     "'zinnen: nl: nul' hoort bij een bedrag of getal; 'is_alleen' is een waar/onwaar"),
    ('{nul: "U krijgt niets"', '{waar: "U krijgt niets"', "'zinnen: nl: waar' hoort bij een regel van het type"),
    ("(basis + toeslag) minimaal", "(basis + toeslag * 2) minimaal",
     "'opbouw: ja' bij 'bedrag_jaar': elk deel van de som moet een regel of parameter zijn"),
])
def test_check_guards_the_sentences(tmp_path, old, new, message):
    (tmp_path / "goed").mkdir()
    load_rules(write_rules(tmp_path / "goed", BODY))  # as written, the rules pass
    assert old in BODY
    with pytest.raises(RegelsError) as caught:
        load_rules(write_rules(tmp_path, BODY.replace(old, new, 1)))
    text = str(caught.value)
    assert message in text and "artikel.yaml:" in text, text


def test_check_warns_where_the_english_is_missing(tmp_path):
    body = BODY.replace('      en: {waar: "You are on your own"}\n', "")
    warnings = [w.message for w in load_rules(write_rules(tmp_path, body)).warnings]
    assert "regel 'is_alleen' heeft geen Engelse zinnen ('zinnen: en')" in warnings, warnings


@pytest.mark.parametrize("new, message", [
    ("vraag_regel: bedragg\n", "onbekende regel 'bedragg'"),
    ("", "een 'vraag' zonder 'vraag_regel'"),
    ("vraag_regel: leeftijd_kind\n", "'vraag_regel: leeftijd_kind' geldt per persoon"),
])
def test_a_case_question_names_a_rule(tmp_path, new, message):
    rules = load_rules(write_rules(tmp_path, BODY))
    with pytest.raises(RegelsError) as caught:
        case_from_text(CASE.replace("vraag_regel: bedrag\n", new, 1), rules)
    assert message in str(caught.value)


def test_the_question_rule_is_computed_even_when_not_an_outcome(tmp_path):
    rules = load_rules(write_rules(tmp_path, BODY))
    case = case_from_text(CASE.replace("vraag_regel: bedrag", "vraag_regel: is_alleen")
                          .replace("uitkomsten: [is_alleen]\n", ""), rules)
    result = evaluate(rules, case)
    assert "is_alleen" in result.rules
    assert render_explanation(result).splitlines()[3] == "U staat er alleen voor (TW art. 1 lid 3)."
