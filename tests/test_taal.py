"""The semantics of the rules language: literals, exact money, rounding,
versions by date, months, quantifiers, exceptions, defaults and the trace."""

import datetime as dt
import textwrap
from fractions import Fraction
from pathlib import Path

import pytest

from regels import values as v
from regels.api import case_from_text, load_rules
from regels.diagnostics import Pos, RegelsError
from regels.loader import coerce_value
from regels.values import Month
from regels.yamlpos import parse_yaml
from tests.helpers import run_case, write_rules

CASE = """\
casus: test
berekeningsjaar: 2020
gegevens:
  aanvrager: ouder
personen:
  ouder:
    geboortedatum: 1980-01-01
  kind:
    geboortedatum: 2008-05-10
relaties:
  - {soort: kind_van, ouder: ouder, kind: kind, vanaf: 2008-05-10, bron: BRP}
"""

INPUTS = """\
invoer:
  aanvrager: {type: persoon}
  geboortedatum: {type: datum, van: persoon}
  partner: {type: waar/onwaar, van: persoon, tijdsafhankelijk: ja, standaard: nee}
relaties:
  kind_van: {tussen: [ouder, kind]}
"""


def value_of(tmp_path, formula: str, type_: str, inputs: str = INPUTS, case: str = CASE, per: str = "jaar"):
    rules = write_rules(tmp_path, inputs + f"""\
regels:
  x:
    type: {type_}
    per: {per}
    uitkomst: ja
    formule: |
      {formula}
""")
    result = run_case(rules, case)
    return result.value("x")


@pytest.mark.parametrize("formula, type_, expected", [
    ("€ 1.022,50 + € 0,50", "bedrag", Fraction(1023)),
    ("€ 3.050 / 12 * 12", "bedrag", Fraction(3050)),  # exact, no float drift
    ("6,75% van € 10.000", "bedrag", Fraction(675)),
    ("€ 10.000 * 6,75%", "bedrag", Fraction(675)),
    ("108% van (12 * € 1.501,80)", "bedrag", Fraction("19463.328")),
    ("€ 2,50 afgerond op hele euro's", "bedrag", Fraction(3)),
    ("-€ 2,50 afgerond op hele euro's", "bedrag", Fraction(-3)),  # half away from zero
    ("€ 2,49 afgerond op hele euro's", "bedrag", Fraction(2)),
    ("€ 2,99 afgerond naar beneden op hele euro's", "bedrag", Fraction(2)),
    ("€ 2,01 afgerond naar boven op hele euro's", "bedrag", Fraction(3)),
    ("€ 1.001 / 3 afgerond op centen", "bedrag", Fraction("333.67")),
    ("€ 19.463,33 afgerond naar boven op € 1.000", "bedrag", Fraction(20000)),
    ("€ 100 - € 250 minimaal € 0", "bedrag", Fraction(0)),
    ("€ 500 maximaal € 250", "bedrag", Fraction(250)),
    ("max(€ 1; € 3; € 2)", "bedrag", Fraction(3)),
    ("1,5 * 2", "getal", Fraction(3)),
    ("7 / 2", "getal", Fraction(7, 2)),
    ("als 3 > 2 en niet (1 = 2) dan € 1 anders € 2", "bedrag", Fraction(1)),
    ("\"NL\" in [\"NL\"; \"BE\"]", "waar/onwaar", True),
    ("\"DE\" niet in [\"NL\"; \"BE\"]", "waar/onwaar", True),
    ("leeftijd(geboortedatum van aanvrager; 1 januari 2020)", "geheel getal", 40),
    ("leeftijd(geboortedatum van aanvrager; 31 december 2019)", "geheel getal", 39),
    ("aantal p in personen", "geheel getal", 2),
    ("aantal k in personen waarvoor kind_van(aanvrager; k)", "geheel getal", 1),
    ("er is een k in personen waarvoor kind_van(k; aanvrager)", "waar/onwaar", False),
    ("voor alle p in personen geldt leeftijd(geboortedatum van p; 1 januari 2020) >= 11", "waar/onwaar", True),
    ("som van leeftijd(geboortedatum van p; 1 januari 2020) over p in personen", "geheel getal", 51),
    ("aantal m in maanden waarvoor m >= maand(1 juli 2020)", "geheel getal", 6),
    ("berekeningsjaar", "jaar", 2020),
    ("eerste_dag(berekeningsjaar)", "datum", __import__("datetime").date(2020, 1, 1)),
    ("laatste_dag(maand(15 februari 2020))", "datum", __import__("datetime").date(2020, 2, 29)),
])
def test_formula_values(tmp_path, formula, type_, expected):
    value = value_of(tmp_path, formula, type_)
    assert value == expected
    if type_ == "bedrag":
        assert isinstance(value, Fraction)


def test_money_is_never_float(tmp_path):
    rules = write_rules(tmp_path, INPUTS + """\
parameters:
  p:
    type: bedrag
    waarden:
      2019-01-01: {waarde: "€ 1.022,10", bron: test}
regels:
  x: {type: bedrag, uitkomst: ja, formule: p * 3}
""")
    value = run_case(rules, CASE).value("x")
    assert value == Fraction("3066.30") and type(value) is Fraction


def test_parameter_and_rule_versions_are_picked_by_date(tmp_path):
    rules = write_rules(tmp_path, INPUTS + """\
parameters:
  bedrag:
    type: bedrag
    waarden:
      2019-01-01: {waarde: € 100, bron: "oud"}
      2020-07-01: {waarde: € 200, bron: "nieuw"}
regels:
  m:
    type: bedrag
    per: maand
    versies:
      - geldig_vanaf: 2019-01-01
        formule: bedrag
      - geldig_vanaf: 2020-10-01
        formule: bedrag * 2
  totaal: {type: bedrag, uitkomst: ja, formule: som van m over x in maanden}
""")
    result = run_case(rules, CASE)
    months = result.value("m") if "m" in result.monthly else None
    assert result.value("totaal") == 6 * 100 + 3 * 200 + 3 * 400
    assert months is None  # 'm' is not an output; only totaal is
    steps = {s.id: s for s in result.steps}
    assert steps["m@2020-08"].parameters[0][1].bron == "nieuw"
    assert steps["m@2020-11"].version.geldig_vanaf.isoformat() == "2020-10-01"


def test_time_varying_fact_per_month_and_op(tmp_path):
    inputs = INPUTS
    case = CASE.replace("""    geboortedatum: 1980-01-01
""", """    geboortedatum: 1980-01-01
    partner:
      - {vanaf: 2020-01-01, waarde: nee}
      - {vanaf: 2020-07-15, waarde: ja, bron: huwelijksakte}
""")
    rules = write_rules(tmp_path, inputs + """\
regels:
  heeft_partner:
    type: waar/onwaar
    per: maand
    uitkomst: ja
    formule: partner van aanvrager
  partner_eind_van_de_maand:
    type: waar/onwaar
    per: maand
    uitkomst: ja
    formule: partner van aanvrager op laatste_dag(maand)
""")
    result = run_case(rules, case)
    first = result.value("heeft_partner")
    last = result.value("partner_eind_van_de_maand")
    assert [first[Month(2020, m)] for m in (7, 8)] == [False, True]
    assert [last[Month(2020, m)] for m in (6, 7)] == [False, True]
    step = next(s for s in result.steps if s.id == "heeft_partner@2020-08")
    assert step.inputs[-1]["bron"] == "huwelijksakte" and step.inputs[-1]["plaats"] == "<casus>:10"


def test_default_of_an_input_is_used_and_traced(tmp_path):
    rules = write_rules(tmp_path, INPUTS + """\
regels:
  p: {type: waar/onwaar, uitkomst: ja, formule: partner van aanvrager}
""")
    result = run_case(rules, CASE)
    assert result.value("p") is False
    assert "standaardwaarde" in result.steps[-1].inputs[-1]["bron"]


def test_missing_fact_is_a_clear_error(tmp_path):
    rules = write_rules(tmp_path, INPUTS + """\
regels:
  x: {type: datum, uitkomst: ja, formule: geboortedatum van aanvrager}
""")
    case = CASE.replace("    geboortedatum: 1980-01-01\n", "    partner: nee\n")
    with pytest.raises(RegelsError) as exc:
        run_case(rules, case)
    message = exc.value.diagnostics[0].format()
    assert "gegeven 'geboortedatum' van 'ouder' ontbreekt" in message
    assert message.startswith("<casus>:6:3:")


EXCEPTIONS = INPUTS + """\
regels:
  basis:
    type: bedrag
    uitkomst: ja
    lid: "1"
    formule: € 100
  geen_bij_partner:
    uitzondering_op: basis
    lid: "2"
    indien: partner van aanvrager
    formule: € 0
  toch_bij_jong_kind:
    uitzondering_op: geen_bij_partner
    lid: "3"
    indien: er is een k in personen waarvoor kind_van(aanvrager; k) en leeftijd(geboortedatum van k; 1 januari 2020) < 12
    formule: € 50
"""


@pytest.mark.parametrize("partner, child_birth, expected, applied", [
    ("nee", "2008-05-10", 100, []),
    ("ja", "2000-05-10", 0, ["geen_bij_partner"]),
    ("ja", "2010-05-10", 50, ["geen_bij_partner", "toch_bij_jong_kind"]),
    ("nee", "2010-05-10", 100, []),  # an exception to an exception only counts where the exception does
])
def test_exceptions_and_exceptions_to_exceptions(tmp_path, partner, child_birth, expected, applied):
    rules = write_rules(tmp_path, EXCEPTIONS)
    case = CASE.replace("    geboortedatum: 1980-01-01\n", f"    geboortedatum: 1980-01-01\n    partner: {partner}\n")
    case = case.replace("geboortedatum: 2008-05-10", f"geboortedatum: {child_birth}")
    result = run_case(rules, case)
    assert result.value("basis") == expected
    step = next(s for s in result.steps if s.rule.name == "basis")
    assert [e.name for e in step.exceptions] == applied
    assert step.to_json()["lid"] == {0: "1", 1: "2", 2: "3"}[len(applied)]


def test_conflicting_exceptions_name_both_rules(tmp_path):
    rules = write_rules(tmp_path, INPUTS + """\
regels:
  basis: {type: bedrag, uitkomst: ja, formule: € 100}
  eerste:
    uitzondering_op: basis
    indien: waar
    formule: € 1
  tweede:
    uitzondering_op: basis
    indien: 1 = 1
    formule: € 2
""")
    with pytest.raises(RegelsError) as exc:
        run_case(rules, CASE)
    text = exc.value.diagnostics[0].format()
    assert "tegenstrijdige uitzonderingen op 'basis'" in text
    assert "'eerste'" in text and "'tweede'" in text and "artikel.yaml" in text


def test_trace_names_article_lid_version_and_parameter_sources(tmp_path):
    rules = write_rules(tmp_path, INPUTS + """\
parameters:
  kop:
    type: bedrag
    lid: "6"
    waarden:
      2019-01-01: {waarde: € 3.000, bron: "TW art. 1 lid 6 (tekst 2019)"}
regels:
  k:
    type: bedrag
    per: maand
    lid: "6"
    formule: als partner van aanvrager dan € 0 anders kop / 12
  totaal: {type: bedrag, uitkomst: ja, formule: som van k over m in maanden}
""")
    result = run_case(rules, CASE)
    assert result.value("totaal") == 3000
    step = next(s for s in result.to_json()["trace"] if s["id"] == "k@2020-03")
    assert step["bron"] == "TW art. 1 lid 6"
    assert step["artikelversie"]["geldig_vanaf"] == "2019-01-01"
    assert step["parameters"] == [{
        "naam": "kop", "waarde": "3000.00", "geldig_vanaf": "2019-01-01",
        "bron": "TW art. 1 lid 6 (tekst 2019)", "artikel": "TW art. 1 lid 6",
        "bestand": step["parameters"][0]["bestand"],
    }]
    assert step["waarde"] == "250.00"
    names = {(i["naam"], i["persoon"]) for i in step["invoer"]}
    assert ("partner", "ouder") in names and ("aanvrager", None) in names


def test_rule_set_version_is_recorded_and_tracks_content(tmp_path):
    rules = write_rules(tmp_path, INPUTS + "regels:\n  x: {type: bedrag, uitkomst: ja, formule: € 1}\n")
    first = run_case(rules, CASE).to_json(trace=False)["regelset"]
    (rules / "artikel.yaml").write_text((rules / "artikel.yaml").read_text().replace("€ 1", "€ 2"))
    second = run_case(rules, CASE).to_json(trace=False)["regelset"]
    assert first["release"] == second["release"] == "t"
    assert first["hash"].startswith("sha256:") and first["hash"] != second["hash"]


def test_qualified_names_across_articles(tmp_path):
    other = """\
wet: Andere wet
afkorting: AW
bwb: BWBR0000002
artikel: "5a"
versies:
  - geldig_vanaf: 2019-01-01
    publicatie: test
regels:
  drempel: {type: bedrag, formule: € 10}
"""
    rules = write_rules(tmp_path, INPUTS + """\
regels:
  drempel: {type: bedrag, formule: € 1}
  x: {type: bedrag, uitkomst: ja, formule: aw.5a.drempel + drempel}
""", extra={"ander.yaml": other})
    assert run_case(rules, CASE).value("x") == 11


def test_month_rules_yield_twelve_values_and_json_has_two_decimals(tmp_path):
    rules = write_rules(tmp_path, INPUTS + """\
regels:
  m: {type: bedrag, per: maand, uitkomst: ja, formule: € 1.000 / 12}
""")
    data = run_case(rules, CASE).to_json()
    assert list(data["per_maand"]["m"]) == [f"2020-{i:02d}" for i in range(1, 13)]
    assert data["per_maand"]["m"]["2020-01"] == "83.33"
    step = data["trace"][0]
    assert step["exact"] == "250/3"


def test_begin_of_a_relation(tmp_path):
    rules = write_rules(tmp_path, INPUTS + """\
regels:
  sinds_geboorte:
    type: waar/onwaar
    uitkomst: ja
    formule: er is een k in personen waarvoor kind_van(aanvrager; k) en begin(kind_van(aanvrager; k)) = 10 mei 2008
  zonder_relatie:
    type: datum
    formule: begin(kind_van(aanvrager; aanvrager))
""")
    assert run_case(rules, CASE).value("sinds_geboorte") is True
    case = CASE + "uitkomsten: [zonder_relatie]\n"
    with pytest.raises(RegelsError) as exc:
        run_case(rules, case)
    assert "de relatie bestaat niet op 2020-01-01" in exc.value.diagnostics[0].message


def test_expectations_per_person_per_month(tmp_path):
    from regels.casetest import check_case

    rules = write_rules(tmp_path, INPUTS + """\
regels:
  twaalf_of_ouder:
    type: waar/onwaar
    voor: k
    per: maand
    formule: leeftijd(geboortedatum van k; eerste_dag(maand)) >= 12
""")
    from regels.api import case_from_text, load_rules
    rule_set = load_rules(rules)
    case = case_from_text(CASE + """\
verwacht:
  twaalf_of_ouder:
    per_persoon:
      kind: {"2020-01 t/m 2020-05": onwaar, "2020-06 t/m 2020-12": waar}
    bron: geboren 10 mei 2008, dus twaalf op 10 mei 2020; op 1 juni 2020 twaalf
""", rule_set)
    result, mismatches = check_case(rule_set, case)
    assert mismatches == []
    assert result.to_json(trace=False)["per_persoon"]["twaalf_of_ouder"]["kind"]["2020-06"] is True


KNOWLEDGE_RULES = """\
invoer:
  aanvrager: {type: persoon}
  geboortedatum: {type: datum, van: persoon}
  heeft_bsn: {type: waar/onwaar, van: persoon, tijdsafhankelijk: ja, standaard: ja}
relaties:
  kind_van: {tussen: [ouder, kind]}
  huwelijk: {tussen: [a, b], symmetrisch: ja}
kanalen:
  register: {voorwaarde: zichtbaar, standaard: bij_ontstaan, gegevens: [geboortedatum, heeft_bsn, kind_van, huwelijk]}
  melding: {gegevens: alle}
regels:
  zichtbaar: {type: waar/onwaar, per: maand, voor: p, formule: heeft_bsn van p}
  gehuwd:
    type: waar/onwaar
    per: maand
    uitkomst: ja
    formule: er is een p in personen waarvoor huwelijk(aanvrager; p)
  gehuwd_volgens_dienst_eind_2020:
    type: waar/onwaar
    per: maand
    uitkomst: ja
    formule: gehuwd zoals bekend op 31 december 2020
  gehuwd_volgens_dienst_2021:
    type: waar/onwaar
    per: maand
    uitkomst: ja
    formule: gehuwd zoals bekend op 1 april 2021
"""


def _knowledge_case(partner_bsn: str, knowledge: str) -> str:
    case = CASE.replace("  kind:\n", f"  partner:\n    geboortedatum: 1980-05-05\n    heeft_bsn: {partner_bsn}\n  kind:\n")
    return case.replace("relaties:\n", "relaties:\n  - {soort: huwelijk, tussen: [ouder, partner], vanaf: 2010-01-01"
                                      + (f", {knowledge}" if knowledge else "") + "}\n")


@pytest.mark.parametrize("partner_bsn, knowledge, end_2020, april_2021", [
    ("nee", "bekend: {melding: 2021-03-15}", False, True),   # no BSN: the register cannot deliver; the report can
    ("ja", "", True, True),                                  # the register holds it from when it is true
    ("ja", "bekend: {register: 2021-03-15}", False, True),  # entered late (a marriage abroad): respected
    ("ja", "bekend_vanaf: 2021-03-15", False, True),         # the case's own date is respected, BSN or not
    ("nee", "bekend_vanaf: 2021-03-15", False, True),
    ("ja", "bekend: nooit", False, False),                   # never known
    ("ja", "bekend: {register: nooit, melding: 2021-03-15}", False, True),
    ("nee", "bekend: {register: 2020-06-01}", False, False),  # entered, but no BSN to deliver it under
])
def test_zoals_bekend_op_uses_what_the_channels_delivered(tmp_path, partner_bsn, knowledge, end_2020, april_2021):
    from regels.values import Month

    rules = write_rules(tmp_path, KNOWLEDGE_RULES)
    result = run_case(rules, _knowledge_case(partner_bsn, knowledge))
    month = Month(2020, 6)
    assert result.value("gehuwd")[month] is True  # the truth
    assert result.value("gehuwd_volgens_dienst_eind_2020")[month] is end_2020
    assert result.value("gehuwd_volgens_dienst_2021")[month] is april_2021
    step = next(s for s in result.steps if s.id == "gehuwd_volgens_dienst_2021@2020-06")
    assert step.inputs[-1]["naam"] == "zoals bekend op 2021-04-01"


@pytest.mark.parametrize("knowledge, message", [
    ("bekend: {bri: 2021-03-15}", "onbekend kanaal 'bri'"),
    ("bekend: {register: 2009-03-15}", "vóór het gegeven ontstond"),
    ("bekend: altijd", "'bekend' is 'nooit' of een tabel van kanaal: datum"),
    ("bekend_via: melding", "'bekend_via' zonder 'bekend_vanaf'"),
    ("bekend_vanaf: 2021-03-15, bekend_via: brief", "onbekend kanaal 'brief'"),
    ("bekend: {melding: 2021-03-15}, bekend_vanaf: 2021-03-15", "'bekend' en 'bekend_vanaf' samen"),
])
def test_knowledge_in_a_case_is_checked_against_the_channels(tmp_path, knowledge, message):
    from regels.diagnostics import RegelsError

    rules = write_rules(tmp_path, KNOWLEDGE_RULES)
    with pytest.raises(RegelsError) as info:
        run_case(rules, _knowledge_case("ja", knowledge))
    assert message in str(info.value)


def test_a_fact_about_persons_must_reach_the_administration_through_a_named_channel(tmp_path):
    from regels.diagnostics import RegelsError

    rules = write_rules(tmp_path, KNOWLEDGE_RULES.replace("gegevens: [geboortedatum, heeft_bsn, kind_van, huwelijk]",
                                                          "gegevens: [geboortedatum, heeft_bsn, kind_van]"))
    with pytest.raises(RegelsError) as info:
        run_case(rules, _knowledge_case("ja", ""))
    assert "'huwelijk' staat bij geen kanaal" in str(info.value)


@pytest.mark.parametrize("formula, type_, expected", [
    ("31 januari 2020 + 42", "datum", __import__("datetime").date(2020, 3, 13)),
    ("1 maart 2020 - 1", "datum", __import__("datetime").date(2020, 2, 29)),
    ("31 december 2020 - 1 januari 2020", "geheel getal", 365),
    ("maanden_later(31 januari 2020; 1)", "datum", __import__("datetime").date(2020, 2, 29)),
    ("maanden_later(15 maart 2021; 24)", "datum", __import__("datetime").date(2023, 3, 15)),
    # dagen(van; tot): both days included, empty when tot lies before van
    ("aantal d in dagen(1 februari 2020; 1 maart 2020)", "geheel getal", 30),
    ("aantal d in dagen(2 maart 2020; 1 maart 2020)", "geheel getal", 0),
    ("aantal d in dagen(1 januari 2020; 31 december 2020) waarvoor d >= 1 juli 2020", "geheel getal", 184),
])
def test_date_arithmetic(tmp_path, formula, type_, expected):
    assert value_of(tmp_path, formula, type_) == expected


def test_waarbij_computes_the_same_rules_with_other_values(tmp_path):
    # 'x waarbij (a = e)': x as if rule or input a had the value of e; everything that depends on a is
    # computed again, the rule itself and the rest of the case are untouched
    rules = write_rules(tmp_path, INPUTS.replace("invoer:\n", "invoer:\n  grondslag: {type: bedrag, standaard: € 100}\n") + """\
regels:
  verschil:
    type: bedrag
    formule: grondslag - drempel minimaal € 0
  drempel:
    type: bedrag
    formule: € 30
  gewoon:
    type: bedrag
    uitkomst: ja
    formule: verschil
  met_andere_grondslag:
    type: bedrag
    uitkomst: ja
    formule: verschil waarbij (grondslag = € 250)
  met_beide:
    type: bedrag
    uitkomst: ja
    formule: verschil waarbij (grondslag = € 250; drempel = grondslag)
""")
    result = run_case(rules, CASE)
    assert result.value("gewoon") == Fraction(70)
    assert result.value("met_andere_grondslag") == Fraction(220)
    # the values are computed in the case as it is: 'drempel = grondslag' takes the case's € 100
    assert result.value("met_beide") == Fraction(150)


# --- numbers as written: read from the text, never a YAML float ---------------------

NUMBER_HERE = Pos("test.yaml", 1, 1)


def _first(exc: pytest.ExceptionInfo):
    return exc.value.diagnostics[0]


def _dutch_case(persons: str) -> str:
    return ("casus: test\nberekeningsjaar: 2020\ngegevens:\n  aanvrager: moeder\npersonen:\n"
            + textwrap.indent(textwrap.dedent(persons), "  ")
            + "  sara:\n    geboortedatum: 2015-02-01\nrelaties:\n"
            + "  - {soort: kinderbijslag_voor, ouder: moeder, kind: sara}\n")


@pytest.fixture(scope="module")
def fouten_basis():
    return load_rules(Path(__file__).resolve().parent / "fouten" / "basis")


@pytest.mark.parametrize("text, expected", [
    ("€ 3.050", 3050), ("€ 1.022,50", Fraction("1022.50")), ("-€ 25", -25), ("€ -25", -25),
    ("EUR 3.050", 3050), ("€ 0,50", Fraction(1, 2)), ("€ 1.000.000", 1000000), ("3.050", 3050),
    ("35.000", 35000), ("€ 35.000,5", Fraction("35000.5")), ("€ 0,1250", Fraction(1, 8)), ("0750", 750),
    ("€ 1.035,000", None),  # a comma with exactly three digits stays ambiguous, also after a point
])
def test_amounts_are_read_the_dutch_way(text, expected):
    if expected is None:
        with pytest.raises(v.NumberError):
            v.parse_amount_nl(text) if text.startswith("€") else v.parse_number_nl(text)
        return
    parse = v.parse_amount_nl if text.lstrip("-").startswith(("€", "EUR")) else v.parse_number_nl
    value = parse(text)
    assert value == expected and type(value) is Fraction


@pytest.mark.parametrize("text, message, hint", [
    ("€ 35,000", "is dubbelzinnig", "€ 35.000"),
    ("€ 1,505", "is dubbelzinnig", "€ 1,5050"),
    ("1022.10", "een punt scheidt duizendtallen", "1.022,10"),
    ("€ 3.05", "een punt scheidt duizendtallen", "€ 3,05"),
    ("0.750", "een punt scheidt duizendtallen", "0,75"),
    ("1,234.56", "Engelse schrijfwijze", "1.234,56"),
    ("€ ١٢٣", "bevat een cijfer dat geen 0-9 is", "0 tot en met 9"),
    ("１２３", "bevat een cijfer dat geen 0-9 is", "0 tot en met 9"),
    ("€ " + "9" * 31, "heeft meer dan 30 cijfers", "ten hoogste 30 cijfers"),
    ("€ 1,234567890123456789012345678901", "heeft meer dan 30 cijfers", "ten hoogste 30 cijfers"),
])
def test_ambiguous_or_foreign_amounts_are_errors_with_a_hint(text, message, hint):
    with pytest.raises(RegelsError) as exc:
        coerce_value(text, v.BEDRAG, NUMBER_HERE, text)
    assert message in _first(exc).message and hint in _first(exc).hint


def test_a_long_number_is_shortened_in_the_message():
    text = "9" * 5000
    with pytest.raises(RegelsError) as exc:
        coerce_value(text, v.BEDRAG, NUMBER_HERE, text)
    assert len(_first(exc).message) < 200


@pytest.mark.parametrize("raw, type_", [
    ("١٢", v.GEHEEL), ("٢٠٢٠", v.JAAR), ("١,٥", v.GETAL), ("٦,٧٥%", v.PERCENTAGE), ("٢٠٢٠-٠١-٠١", v.DATUM),
    ("١ januari 2020", v.DATUM), ("٢٠٢٠-03", v.MAAND), ("maart ٢٠٢٠", v.MAAND), ("१२", v.GEHEEL),
])
def test_digits_other_than_0_to_9_are_errors_everywhere(raw, type_):
    with pytest.raises(RegelsError) as exc:
        coerce_value(raw, type_, NUMBER_HERE, raw)
    assert "bevat een cijfer dat geen 0-9 is" in _first(exc).message


@pytest.mark.parametrize("yaml_value", ["1_000", "0x1F", "+5", ".inf", ".nan", "1.0e+3", "190:20:30"])
def test_yaml_number_forms_are_not_guessed_at(yaml_value):
    """YAML 1.1 reads these as numbers (1000, 31, ...); a Dutch reader does not."""
    data = parse_yaml(f"waarde: {yaml_value}\n", "test.yaml")
    with pytest.raises(RegelsError):
        coerce_value(data["waarde"], v.BEDRAG, data.pos_of("waarde"), data.raw_of("waarde"))


def test_yaml_never_yields_a_float_or_fraction():
    data = parse_yaml("a: 35.000\nb: 3.2\nc: .nan\nd: 12\ne: -3\n", "test.yaml")
    assert [type(data[k]).__name__ for k in "abcde"] == ["YStr", "YStr", "YStr", "int", "int"]
    assert str(data["b"]) == "3.2"  # an article or lid number stays as written


def test_case_amount_without_euro_sign_is_thousands(fouten_basis):
    """'waarde: 35.000' is YAML's float 35.0; the case means € 35.000."""
    case = case_from_text(_dutch_case("""\
        moeder:
          geboortedatum: 1985-04-12
          inkomen: {waarde: 35.000, bron: inkomensgegeven}
        """), fouten_basis)
    assert case.persons["moeder"].facts["inkomen"].at(dt.date(2020, 1, 1)).value == 35000


def test_case_expected_month_values_are_read_the_dutch_way(fouten_basis):
    text = _dutch_case("""\
        moeder:
          geboortedatum: 1985-04-12
        """) + "verwacht:\n  budget_per_maand:\n    per_maand: {2020-01 t/m 2020-12: 1.250}\n    bron: test\n"
    case = case_from_text(text, fouten_basis)
    assert set(case.expectations[0].per_maand.values()) == {1250}


def test_rule_file_amount_without_euro_sign_is_thousands(tmp_path):
    """'waarde: 3.389' in a rule file is € 3.389, not € 3,389 (YAML's float)."""
    rules = write_rules(tmp_path, """\
        parameters:
          alo_kop:
            type: bedrag
            waarden:
              2019-01-01: {waarde: 3.389, bron: test}
        regels:
          x: {type: bedrag, uitkomst: ja, formule: alo_kop}
        """)
    rule_set = load_rules(rules)
    assert rule_set.definitions["alo_kop"][0].values[0].value == 3389


# --- numbers on output ---------------------------------------------------------------

@pytest.mark.parametrize("type_", [v.BEDRAG, v.GETAL, v.PERCENTAGE])
def test_a_computed_number_too_large_to_show_is_a_clear_error(type_):
    huge = Fraction(10 ** 5000)
    with pytest.raises(v.ValueTooLarge) as exc:
        v.to_json(huge, type_)
    assert "meer dan 30 cijfers" in str(exc.value)
    with pytest.raises(v.ValueTooLarge):
        v.format_value(huge, type_)
    assert v.too_many_digits(huge) and not v.too_many_digits(Fraction(10 ** 29, 3))


def test_an_exact_fraction_too_long_to_write_is_a_clear_error():
    assert v.exact_string(Fraction(16270529, 37500)) == "16270529/37500"
    with pytest.raises(v.ValueTooLarge) as exc:
        v.exact_string(Fraction(1, 3 ** 10000))
    assert "te lang om exact te schrijven" in str(exc.value)


@pytest.mark.parametrize("formula, message", [
    ("€ 1,234.56 * 2", "is de Engelse schrijfwijze"),
    ("0.750 * 2", "een punt scheidt duizendtallen"),
    ("2 * 1.5", "een getal met een punt als decimaalteken"),  # the grammar's own message
    ("€ 12,345 * 2", "is dubbelzinnig"),
])
def test_numbers_in_a_formula_follow_the_same_rule(tmp_path, formula, message):
    rules = write_rules(tmp_path, f"""\
        regels:
          x: {{type: bedrag, uitkomst: ja, formule: "{formula}"}}
        """)
    with pytest.raises(RegelsError) as exc:
        load_rules(rules)
    assert message in _first(exc).message


def test_a_number_with_thousands_in_a_formula_is_read(tmp_path):
    assert value_of(tmp_path, "1.000.000 * € 0,50 + € 12,3450", "bedrag") == Fraction("500012.345")
