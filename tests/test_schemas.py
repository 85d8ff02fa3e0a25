"""The JSON Schemas for rule files and case files (schemas/*.schema.json).

Editors use them to help while typing (see docs/regelformaat.md). These tests
check that the schemas are valid, that every real rule file and case file in
the repository satisfies them, that they reject typical mistakes, and that
they list exactly the keys the loader accepts.

The schemas describe the YAML as JSON data. yaml.safe_load turns an unquoted
2020-01-01 into a date; `plain()` turns dates back into ISO strings and every
key into a string, which is what an editor sees too.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from regels import case as case_module
from regels import loader
from regels import values as v
from regels.diagnostics import RegelsError

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "schemas"
RULE_SCHEMA = SCHEMAS / "regelbestand.schema.json"
CASE_SCHEMA = SCHEMAS / "casus.schema.json"


def plain(data):
    """YAML data as JSON data: dates -> ISO strings, keys -> strings."""
    if isinstance(data, dict):
        return {_key(k): plain(item) for k, item in data.items()}
    if isinstance(data, list):
        return [plain(item) for item in data]
    if isinstance(data, (dt.date, dt.datetime)):
        return data.isoformat()
    return data


def _key(key) -> str:
    if isinstance(key, (dt.date, dt.datetime)):
        return key.isoformat()
    if isinstance(key, bool):
        return "true" if key else "false"
    return str(key)


def load_schema(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def validator(path: Path) -> Draft202012Validator:
    return Draft202012Validator(load_schema(path))


def problems(path: Path, data) -> list[str]:
    errors = sorted(validator(path).iter_errors(plain(data)), key=lambda e: list(e.absolute_path))
    return ["/".join(map(str, e.absolute_path)) + ": " + e.message for e in errors]


def yaml_file(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


# --- which files --------------------------------------------------------------------

def _under(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.yaml")) if folder.is_dir() else []


def _rules_case_folder(path: Path) -> bool:
    """rules/casussen/... holds cases, not law (see loader.NOT_LAW)."""
    rel = path.relative_to(ROOT / "rules")
    return rel.parts[0] == "casussen"


RULE_FILES = [p for p in _under(ROOT / "rules") if p.name != loader.MANIFEST and not _rules_case_folder(p)]
RULE_FILES += [p for p in _under(ROOT / "tests" / "fouten" / "basis") if p.name != loader.MANIFEST]
CASE_FILES = (_under(ROOT / "voorbeelden") + _under(ROOT / "tests" / "casussen")
              + [p for p in _under(ROOT / "rules") if _rules_case_folder(p)])
MANIFESTS = [p for p in _under(ROOT / "rules") + _under(ROOT / "tests" / "fouten" / "basis")
             if p.name == loader.MANIFEST]
# tests/fouten/regels and tests/fouten/casussen are broken on purpose: not validated here.


def params(files: list[Path], what: str):
    if not files:
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"nog geen {what}"))]
    return [pytest.param(p, id=p.relative_to(ROOT).as_posix()) for p in files]


# --- the schemas themselves ---------------------------------------------------------

@pytest.mark.parametrize("path", [RULE_SCHEMA, CASE_SCHEMA], ids=lambda p: p.name)
def test_schema_is_valid_draft_2020_12(path):
    schema = load_schema(path)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


CONDITIONAL = {"if", "then", "else", "not"}  # refinements of a property described elsewhere


def _undescribed(schema, where: str = "") -> list[str]:
    """Properties without a description (the Dutch help an editor shows)."""
    missing = []
    if isinstance(schema, list):
        for item in schema:
            missing += _undescribed(item, where)
        return missing
    if not isinstance(schema, dict):
        return missing
    for key, sub in schema.items():
        if key in CONDITIONAL:
            continue
        if key in ("properties", "$defs"):
            for name, item in sub.items():
                if key == "properties" and isinstance(item, dict) and not ({"description", "$ref"} & set(item)):
                    missing.append(f"{where}/{name}")
                missing += _undescribed(item, f"{where}/{name}")
        elif isinstance(sub, (dict, list)):
            missing += _undescribed(sub, where)
    return missing


@pytest.mark.parametrize("path", [RULE_SCHEMA, CASE_SCHEMA], ids=lambda p: p.name)
def test_every_property_has_a_description(path):
    assert _undescribed(load_schema(path)) == []


def _keys(schema: dict, *pointer: str) -> set[str]:
    node = schema
    for part in pointer:
        node = node[part]
    return set(node["properties"])


def test_rule_schema_lists_exactly_the_keys_the_loader_accepts():
    schema = load_schema(RULE_SCHEMA)
    value_object = next(s for s in schema["$defs"]["parameterwaarde"]["anyOf"] if s.get("type") == "object")
    assert set(schema["properties"]) == loader.ARTICLE_KEYS
    assert _keys(schema, "$defs", "versie") == loader.VERSION_KEYS
    assert _keys(schema, "$defs", "parameter") == loader.PARAMETER_KEYS
    assert set(value_object["properties"]) == loader.VALUE_KEYS
    assert _keys(schema, "$defs", "invoer") == loader.INPUT_KEYS
    assert _keys(schema, "$defs", "relatie") == loader.RELATION_KEYS
    assert _keys(schema, "$defs", "regel") == loader.RULE_KEYS
    assert _keys(schema, "$defs", "regelversie") == loader.RULE_VERSION_KEYS


def test_case_schema_lists_exactly_the_keys_the_loader_accepts():
    schema = load_schema(CASE_SCHEMA)
    fact_object = next(s for s in schema["$defs"]["gegeven"]["anyOf"] if s.get("type") == "object")
    expectation = schema["properties"]["verwacht"]["additionalProperties"]
    assert set(schema["properties"]) == case_module.CASE_KEYS
    assert set(fact_object["properties"]) == case_module.FACT_KEYS
    assert set(schema["$defs"]["periode"]["properties"]) == case_module.FACT_KEYS
    assert set(expectation["properties"]) == case_module.EXPECT_KEYS


def test_type_names_are_those_the_loader_accepts():
    enum = load_schema(RULE_SCHEMA)["$defs"]["type"]["enum"]
    assert set(v.TYPE_NAMES) <= set(enum)
    for name in enum:
        assert v.parse_type(name) is not None, name


# --- the files in the repository -------------------------------------------------------

@pytest.mark.parametrize("path", params(RULE_FILES, "regelbestanden"))
def test_rule_file_satisfies_schema(path):
    assert problems(RULE_SCHEMA, yaml_file(path)) == []


@pytest.mark.parametrize("path", params(CASE_FILES, "casussen"))
def test_case_file_satisfies_schema(path):
    assert problems(CASE_SCHEMA, yaml_file(path)) == []


@pytest.mark.parametrize("path", params(MANIFESTS, "regelset-bestanden"))
def test_manifest_has_only_known_keys(path):
    data = yaml_file(path)
    assert isinstance(data, dict) and set(map(str, data)) <= loader.MANIFEST_KEYS


# --- typical mistakes are rejected, and the loader agrees ------------------------------

GOOD_RULE_FILE = """\
wet: Testwet
afkorting: TW
bwb: BWBR0000001
artikel: "1"
versies:
  - geldig_vanaf: 2019-01-01
    publicatie: test
    leden:
      "1": "De ouder heeft aanspraak op € 1.000 per kind; het percentage is 6,75%."
parameters:
  bedrag_per_kind:
    type: bedrag
    lid: "1"
    waarden:
      2019-01-01: {waarde: € 1.000, bron: "TW art. 1 lid 1"}
  afbouw:
    type: percentage
    lid: "1"
    waarden:
      2019-01-01:
        waarde: 6,75%
        bron: "TW art. 1 lid 1"
        andere_bronnen:
          - {waarde: "7%", bron: "een oude brochure"}
invoer:
  aanvrager: {type: persoon}
  inkomen: {type: bedrag, van: persoon}
  heeft_partner: {type: waar/onwaar, van: persoon, tijdsafhankelijk: ja, standaard: nee}
relaties:
  ouder_van: {tussen: [ouder, kind]}
regels:
  aantal_kinderen:
    type: geheel getal
    per: maand
    lid: "1"
    formule: aantal k in personen waarvoor ouder_van(aanvrager; k)
  budget_maand:
    type: bedrag
    per: maand
    versies:
      - geldig_vanaf: 2019-01-01
        formule: |
          aantal_kinderen * bedrag_per_kind / 12
          - afbouw van inkomen van aanvrager / 12
          minimaal € 0
  geen_budget_met_partner:
    uitzondering_op: budget_maand
    indien: heeft_partner van aanvrager
    formule: € 0
  budget:
    type: bedrag
    uitkomst: ja
    formule: (som van budget_maand over m in maanden) afgerond op hele euro's
"""


def rule_doc(text: str = GOOD_RULE_FILE, **changes):
    data = yaml.safe_load(text)
    for path, value in changes.items():
        *parents, last = path.split("__")
        node = data
        for part in parents:
            node = node[part]
        if value is DELETE:
            del node[last]
        else:
            node[last] = value
    return data


DELETE = object()


def loader_accepts(tmp_path: Path, data) -> bool:
    file = tmp_path / "artikel.yaml"
    file.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    try:
        loader.load_article(file)
    except RegelsError:
        return False
    return True


def test_a_good_rule_file_is_accepted_by_schema_and_loader(tmp_path):
    data = rule_doc()
    assert problems(RULE_SCHEMA, data) == []
    assert loader_accepts(tmp_path, data)


BAD_RULE_FILES = {
    "onbekende sleutel 'regel'": lambda: {**rule_doc(), "regel": rule_doc()["regels"]},
    "'wet' ontbreekt": lambda: rule_doc(wet=DELETE),
    "'versies' ontbreekt": lambda: rule_doc(versies=DELETE),
    "per: kwartaal": lambda: rule_doc(regels__aantal_kinderen__per="kwartaal"),
    "onbekend type": lambda: rule_doc(regels__budget__type="bedrg"),
    "percentage als getal": lambda: rule_doc(parameters__afbouw__waarden={dt.date(2019, 1, 1): {"waarde": 0.0675, "bron": "x"}}),
    "onbekende sleutel in een parameterwaarde": lambda: rule_doc(
        parameters__bedrag_per_kind__waarden={dt.date(2019, 1, 1): {"waarde": "€ 1.000", "bronn": "x"}}),
    "ingangsdatum die geen datum is": lambda: rule_doc(
        parameters__bedrag_per_kind__waarden={"vanaf 2019": {"waarde": "€ 1.000", "bron": "x"}}),
    "regel zonder formule": lambda: rule_doc(regels__budget={"type": "bedrag"}),
    "regel met formule en versies": lambda: rule_doc(
        regels__budget={"type": "bedrag", "formule": "€ 1", "versies": [{"formule": "€ 2"}]}),
    "uitzondering zonder indien": lambda: rule_doc(
        regels__geen_budget_met_partner={"uitzondering_op": "budget_maand", "formule": "€ 0"}),
    "indien zonder uitzondering_op": lambda: rule_doc(
        regels__budget={"type": "bedrag", "indien": "waar", "formule": "€ 1"}),
    "invoer van iets anders dan een persoon": lambda: rule_doc(invoer__inkomen={"type": "bedrag", "van": "huishouden"}),
    "relatie met drie rollen": lambda: rule_doc(relaties__ouder_van={"tussen": ["a", "b", "c"]}),
    "naam met een spatie": lambda: rule_doc(regels={"kindgebonden budget": {"type": "bedrag", "formule": "€ 1"}}),
    # In a {...} table YAML splits at the comma: {waarde: 6, "75%": null}.
    "percentage met komma in een {...}-tabel": lambda: rule_doc(
        parameters__afbouw__waarden=yaml.safe_load("2019-01-01: {waarde: 6,75%, bron: x}")),
}


@pytest.mark.parametrize("name", list(BAD_RULE_FILES))
def test_a_wrong_rule_file_is_rejected_by_schema_and_loader(tmp_path, name):
    data = BAD_RULE_FILES[name]()
    assert problems(RULE_SCHEMA, data), f"het schema accepteert: {name}"
    assert not loader_accepts(tmp_path, data), f"de loader accepteert: {name}"


GOOD_CASE = """\
casus: Alleenstaande ouder
berekeningsjaar: 2020
gegevens:
  aanvrager: moeder
personen:
  moeder:
    inkomen: {waarde: € 0, bron: aangifte IB 2020}
    heeft_partner:
      - {vanaf: 2020-01-01, waarde: nee, bron: BRP}
      - {vanaf: 2020-07-15, waarde: ja, bron: huwelijksakte}
  sara:
relaties:
  - {soort: ouder_van, ouder: moeder, kind: sara, vanaf: 2012-05-10, bron: BRP}
  - {soort: ouder_van, tussen: [moeder, sara], tot: 2030-05-10}
verwacht:
  budget:
    waarde: € 583
    bron: handmatig uit de wettekst
  budget_maand:
    per_maand:
      2020-01 t/m 2020-07: € 83,33
      augustus 2020: € 0
      2020-09 t/m 2020-12: € 0
    bron: handmatig
uitkomsten: [aantal_kinderen]
"""


def case_doc(**changes):
    return rule_doc(GOOD_CASE, **changes)


def test_a_good_case_is_accepted():
    assert problems(CASE_SCHEMA, case_doc()) == []


def test_the_good_examples_are_a_working_rule_set_and_test_case(tmp_path):
    """The two good documents above are not just well-formed: they check and run."""
    from regels.api import case_from_text, load_rules
    from regels.casetest import check_case

    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / loader.MANIFEST).write_text('naam: schema-test\nversie: "1"\n', encoding="utf-8")
    (rules / "artikel.yaml").write_text(GOOD_RULE_FILE, encoding="utf-8")
    rule_set = load_rules(rules)
    assert rule_set.warnings == []
    _, mismatches = check_case(rule_set, case_from_text(GOOD_CASE, rule_set))
    assert mismatches == []


BAD_CASES = {
    "onbekende sleutel 'persoonen'": lambda: {**case_doc(), "persoonen": {}},
    "'berekeningsjaar' ontbreekt": lambda: case_doc(berekeningsjaar=DELETE),
    "berekeningsjaar als tekst": lambda: case_doc(berekeningsjaar="2020"),
    "verwachting zonder bron": lambda: case_doc(verwacht={"budget": {"waarde": "€ 583"}}),
    "verwachting met waarde en per_maand": lambda: case_doc(
        verwacht={"budget": {"waarde": "€ 583", "per_maand": {"2020-01": "€ 1"}, "bron": "x"}}),
    "per_maand met een sleutel die geen maand is": lambda: case_doc(
        verwacht={"budget_maand": {"per_maand": {"jan": "€ 1"}, "bron": "x"}}),
    "gegeven met onbekende sleutel": lambda: case_doc(
        personen={"moeder": {"inkomen": {"waarde": "€ 1", "bron": "x", "tot": "2020-05-01"}}}),
    "tijdlijn zonder vanaf": lambda: case_doc(
        personen={"moeder": {"heeft_partner": [{"waarde": "ja"}]}}),
    "relatie zonder soort": lambda: case_doc(relaties=[{"ouder": "moeder", "kind": "sara"}]),
}


@pytest.mark.parametrize("name", list(BAD_CASES))
def test_a_wrong_case_is_rejected(name):
    assert problems(CASE_SCHEMA, BAD_CASES[name]()), f"het schema accepteert: {name}"
