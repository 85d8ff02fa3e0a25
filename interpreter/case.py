"""Case files: a household over a berekeningsjaar, written the way a legal
specialist writes it, read against the inputs and relations the rules declare."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import values as v
from .diagnostics import Collector, Pos, RegelsError, error, suggest
from .loader import coerce_value, display_path
from .model import Input, Relation, Rule, RuleSet
from .yamlpos import YList, YMap, load_yaml, parse_yaml

CASE_KEYS = {"casus", "omschrijving", "berekeningsjaar", "variant", "gegevens", "personen", "relaties", "verwacht",
             "verwacht_met_variant", "uitkomsten"}
FACT_KEYS = {"waarde", "bron", "vanaf", "bekend_vanaf", "bekend_via"}
EXPECT_KEYS = {"waarde", "per_maand", "per_persoon", "bron"}


@dataclass
class Fact:
    value: Any
    bron: str | None
    pos: Pos
    vanaf: dt.date | None = None
    bekend_vanaf: dt.date | None = None  # when the administration learned it, if not when it happened
    bekend_via: str | None = None  # how: BRP, partnerformulier, SVB-verwantschapsquery, ...


@dataclass
class Timeline:
    """A fact that may change over time; entries sorted by 'vanaf' (None first)."""

    entries: list[Fact]

    def at(self, day: dt.date) -> Fact | None:
        found = None
        for entry in self.entries:
            if entry.vanaf is None or entry.vanaf <= day:
                found = entry
        return found


@dataclass
class Person:
    id: str
    pos: Pos
    facts: dict[str, Timeline] = field(default_factory=dict)
    spec: Any = field(default=None, repr=False)  # the YAML it was read from


@dataclass
class RelationFact:
    relation: Relation
    first: str
    second: str
    vanaf: dt.date | None
    tot: dt.date | None  # exclusive: the first day the relation no longer holds
    bron: str | None
    pos: Pos
    bekend_vanaf: dt.date | None = None
    bekend_via: str | None = None

    def holds(self, day: dt.date) -> bool:
        return (self.vanaf is None or self.vanaf <= day) and (self.tot is None or day < self.tot)


@dataclass
class Expectation:
    rule: Rule
    bron: str
    pos: Pos
    value: Any = None  # for 'waarde'
    per_maand: dict | None = None  # Month -> value
    per_persoon: dict | None = None  # person id -> value, or -> {Month: value} for monthly rules


@dataclass
class Case:
    path: str
    title: str
    omschrijving: str | None
    year: int
    persons: dict[str, Person]
    facts: dict[str, Timeline]  # global inputs, e.g. aanvrager
    relations: dict[str, list[RelationFact]]
    expectations: list[Expectation]
    requested: list[Rule]
    pos: Pos
    variant: str | None = None  # the policy variant whose inputs the case uses ('variant:')
    variant_expectations: list[Expectation] = field(default_factory=list)  # 'verwacht_met_variant:'

    @property
    def months(self) -> list[v.Month]:
        return [v.Month(self.year, m) for m in range(1, 13)]

    def as_known_on(self, day: dt.date, visible) -> "Case":
        """The case as the administration knew it on `day`: a fact counts once it
        was reported ('bekend_vanaf'), or once it happened if `visible(person, day)`
        holds for every person it concerns (the regular flow of data). What
        happens after `day` is not known: a relation then simply goes on."""

        def known(fact, persons) -> bool:
            # known by the date it was reported, or by the regular flow of data
            # once it happened, whichever comes first
            if fact.bekend_vanaf is not None and fact.bekend_vanaf <= day:
                return True
            happened = fact.vanaf is None or fact.vanaf <= day
            return happened and all(visible(p, day) for p in persons)

        persons = {}
        for pid, person in self.persons.items():
            facts = {}
            for name, timeline in person.facts.items():
                entries = [e for e in timeline.entries if known(e, [pid])]
                if entries:
                    facts[name] = Timeline(entries)
            persons[pid] = Person(pid, person.pos, facts, person.spec)
        relations = {}
        for name, facts in self.relations.items():
            kept = []
            for fact in facts:
                if known(fact, [fact.first, fact.second]):
                    ends_later = fact.tot is not None and fact.tot > day
                    kept.append(RelationFact(fact.relation, fact.first, fact.second, fact.vanaf,
                                             None if ends_later else fact.tot, fact.bron, fact.pos,
                                             fact.bekend_vanaf, fact.bekend_via))
            relations[name] = kept
        global_facts = {}
        for name, timeline in self.facts.items():
            entries = [e for e in timeline.entries if e.bekend_vanaf is None or e.bekend_vanaf <= day]
            if entries:
                global_facts[name] = Timeline(entries)
        return Case(self.path, self.title, self.omschrijving, self.year, persons, global_facts, relations,
                    [], [], self.pos, self.variant)

    def same_facts(self, other: "Case") -> bool:
        """Whether both cases hold exactly the same facts and relations."""
        return self.persons == other.persons and self.facts == other.facts and self.relations == other.relations

    def for_rule_set(self, rule_set: RuleSet, expectations: list[Expectation] | None = None) -> "Case":
        """The same facts, with the expectations (by default 'verwacht') and
        requested outcomes bound to the rules of `rule_set`: a case read with a
        variant's inputs is also evaluated under the law alone."""
        def bind(exp: Expectation) -> Expectation:
            return Expectation(rule_set.rule(exp.rule.name), exp.bron, exp.pos, exp.value, exp.per_maand,
                               exp.per_persoon)

        chosen = self.expectations if expectations is None else expectations
        return Case(self.path, self.title, self.omschrijving, self.year, self.persons, self.facts, self.relations,
                    [bind(e) for e in chosen if rule_set.rule(e.rule.name)],
                    [rule_set.rule(r.name) for r in self.requested if rule_set.rule(r.name)], self.pos, self.variant,
                    self.variant_expectations)


def case_data(path):
    """A case file's YAML, with positions, not yet read against a rule set."""
    path = Path(path)
    return load_yaml(path, display_path(path))


def declared_variant(data) -> str | None:
    """The policy variant a case names under 'variant:', looked up before the
    case is read: its inputs must be known when the case is read."""
    name = data.get("variant") if isinstance(data, YMap) else None
    return name if isinstance(name, str) else None


def load_case(path, rule_set: RuleSet) -> Case:
    return read_case(case_data(path), rule_set)


def parse_case(text: str, name: str, rule_set: RuleSet) -> Case:
    """A case from text (for the API and tests)."""
    return read_case(parse_yaml(text, name), rule_set)


def read_case(data, rule_set: RuleSet) -> Case:
    problems = Collector()
    reader = _CaseReader(rule_set, problems)
    case = reader.read(data)
    problems.raise_if_errors()
    return case


_MONTH_RANGE = re.compile(r"^\s*(.+?)\s+t/m\s+(.+?)\s*$")


class _CaseReader:
    def __init__(self, rule_set: RuleSet, problems: Collector):
        self.rs = rule_set
        self.problems = problems

    def read(self, data) -> Case:
        if not isinstance(data, YMap):
            raise error(getattr(data, "pos", Pos("<casus>", 1, 1)), "een casus is een tabel met 'casus:', 'berekeningsjaar:' en 'personen:'")
        for key in data:
            if key not in CASE_KEYS:
                self.problems.error(data.key_pos_of(key), f"onbekende sleutel '{key}' in de casus",
                                    suggest(str(key), CASE_KEYS) or "toegestaan: " + ", ".join(sorted(CASE_KEYS)))
        # A misspelt section ('persoonen') would make everything that refers to
        # it an error too; report the cause alone.
        self.problems.raise_if_errors()
        year = data.get("berekeningsjaar")
        if not isinstance(year, int) or isinstance(year, bool) or not 1900 < year < 2200:
            self.problems.error(data.pos_of("berekeningsjaar") if "berekeningsjaar" in data else data.pos,
                                "'berekeningsjaar' ontbreekt of is geen jaartal", "bijvoorbeeld: berekeningsjaar: 2020")
            self.problems.raise_if_errors()
        persons = self.persons(data)
        case = Case(
            path=data.pos.file, title=str(data.get("casus") or Path(data.pos.file).stem),
            omschrijving=str(data["omschrijving"]) if data.get("omschrijving") else None,
            year=year, persons=persons, facts={}, relations={}, expectations=[], requested=[], pos=data.pos,
        )
        gegevens = data.get("gegevens")
        if gegevens is not None:
            if not isinstance(gegevens, YMap):
                self.problems.error(data.pos_of("gegevens"), "'gegevens' is een tabel van naam: waarde")
            else:
                for name, raw in gegevens.items():
                    inp = self.input(name, gegevens.key_pos_of(name), of_person=False)
                    if inp:
                        case.facts[name] = self.timeline(inp, raw, gegevens.pos_of(name), persons,
                                                         gegevens.raw_of(name))
        for name, person in persons.items():
            spec = person.spec
            if spec is None:
                continue
            for attr, raw in spec.items():
                inp = self.input(attr, spec.key_pos_of(attr), of_person=True)
                if inp:
                    person.facts[attr] = self.timeline(inp, raw, spec.pos_of(attr), persons, spec.raw_of(attr))
        self.relations(data, case)
        self.variant(data, case)
        case.expectations = self.expectations(data, case, "verwacht")
        case.variant_expectations = self.expectations(data, case, "verwacht_met_variant")
        if case.variant_expectations and not case.variant:
            self.problems.error(data.key_pos_of("verwacht_met_variant"), "'verwacht_met_variant' zonder 'variant'",
                                "noem de variant: variant: NAAM (een bestand in rules/varianten/)")
        requested = data.get("uitkomsten") or []
        if not isinstance(requested, list):
            self.problems.error(data.pos_of("uitkomsten"), "'uitkomsten' is een lijst van namen van regels")
            requested = []
        for i, name in enumerate(requested):
            rule = self.rule(str(name), requested.item_pos[i])
            if rule:
                case.requested.append(rule)
        return case

    def persons(self, data: YMap) -> dict[str, Person]:
        raw = data.get("personen")
        if raw is None:
            return {}
        if not isinstance(raw, YMap):
            self.problems.error(data.pos_of("personen"), "'personen' is een tabel: per persoon een naam met gegevens")
            return {}
        persons = {}
        for name, spec in raw.items():
            if spec is not None and not isinstance(spec, YMap):
                self.problems.error(raw.pos_of(name), f"de gegevens van '{name}' zijn een tabel van naam: waarde")
                continue
            persons[str(name)] = Person(str(name), raw.key_pos_of(name), spec=spec)
        return persons

    def input(self, name, pos: Pos, of_person: bool) -> Input | None:
        inp = self.rs.input(str(name))
        kinds = [i for i in self.rs.inputs() if i.of_person == of_person]
        if inp is None or inp.of_person != of_person:
            where = "van een persoon" if of_person else "onder 'gegevens'"
            if inp is not None:
                other = "onder 'gegevens'" if of_person else "bij een persoon onder 'personen'"
                self.problems.error(pos, f"'{name}' is geen gegeven {where}", f"'{name}' hoort {other}")
            else:
                self.problems.error(pos, f"onbekend gegeven '{name}' {where}",
                                    suggest(str(name), [i.name for i in kinds])
                                    or "bekende gegevens: " + ", ".join(sorted(i.name for i in kinds)))
            return None
        return inp

    def rule(self, name: str, pos: Pos) -> Rule | None:
        rule = self.rs.rule(name)
        if rule is None or rule.target is not None:
            self.problems.error(pos, f"onbekende regel '{name}'", suggest(name, [r.name for r in self.rs.rules()]))
            return None
        return rule

    def value(self, inp_type: v.Type, raw, pos: Pos, persons: dict, text: str | None = None):
        value = coerce_value(raw, inp_type, pos, text)
        if inp_type == v.PERSOON and value not in persons:
            raise error(pos, f"onbekende persoon '{value}'", suggest(value, persons) or "noem een persoon uit 'personen'")
        return value

    def timeline(self, inp: Input, raw, pos: Pos, persons: dict, text: str | None = None) -> Timeline:
        entries = []
        try:
            is_timeline = isinstance(raw, YList) and (
                inp.type.name != "lijst" or any(isinstance(item, YMap) and "vanaf" in item for item in raw))
            if is_timeline:
                if not inp.time_varying:
                    raise error(pos, f"'{inp.name}' verandert niet in de tijd en heeft één waarde",
                                "schrijf de waarde direct, zonder lijst met 'vanaf'")
                for item, item_pos in zip(raw, raw.item_pos):
                    if not isinstance(item, YMap) or "vanaf" not in item or "waarde" not in item:
                        raise error(item_pos, f"elk element van '{inp.name}' heeft 'vanaf' en 'waarde'",
                                    "bijvoorbeeld: - {vanaf: 2020-03-01, waarde: ja, bron: BRP}")
                    self.fact_keys(item)
                    vanaf = coerce_value(item["vanaf"], v.DATUM, item.pos_of("vanaf"))
                    entries.append(Fact(self.value(inp.type, item["waarde"], item.pos_of("waarde"), persons,
                                                   item.raw_of("waarde")),
                                        _text(item.get("bron")), item.pos, vanaf, *self.knowledge(item)))
                entries.sort(key=lambda f: f.vanaf)
            elif isinstance(raw, YMap) and "waarde" in raw:
                self.fact_keys(raw)
                vanaf = coerce_value(raw["vanaf"], v.DATUM, raw.pos_of("vanaf")) if "vanaf" in raw else None
                entries.append(Fact(self.value(inp.type, raw["waarde"], raw.pos_of("waarde"), persons,
                                               raw.raw_of("waarde")),
                                    _text(raw.get("bron")), raw.pos, vanaf, *self.knowledge(raw)))
            else:
                entries.append(Fact(self.value(inp.type, raw, pos, persons, text), None, pos))
        except RegelsError as exc:
            self.problems.add(exc)
        return Timeline(entries)

    def knowledge(self, item: YMap):
        """'bekend_vanaf' and 'bekend_via' of a fact or relation."""
        known = coerce_value(item["bekend_vanaf"], v.DATUM, item.pos_of("bekend_vanaf")) if "bekend_vanaf" in item else None
        return known, _text(item.get("bekend_via"))

    def fact_keys(self, item: YMap) -> None:
        for key in item:
            if key not in FACT_KEYS:
                self.problems.error(item.key_pos_of(key), f"onbekende sleutel '{key}' bij een gegeven",
                                    suggest(str(key), FACT_KEYS) or "toegestaan: waarde, vanaf, bron")

    def relations(self, data: YMap, case: Case) -> None:
        raw = data.get("relaties")
        if raw is None:
            return
        if not isinstance(raw, YList):
            self.problems.error(data.pos_of("relaties"), "'relaties' is een lijst",
                                "bijvoorbeeld: - {soort: ouder_van, ouder: moeder, kind: sara, vanaf: 2010-05-03}")
            return
        for item, pos in zip(raw, raw.item_pos):
            if not isinstance(item, YMap) or "soort" not in item:
                self.problems.error(pos, "een relatie heeft een 'soort'", "bijvoorbeeld: soort: ouder_van")
                continue
            relation = self.rs.relation(str(item["soort"]))
            if relation is None:
                self.problems.error(item.pos_of("soort"), f"onbekende relatie '{item['soort']}'",
                                    suggest(str(item["soort"]), [r.name for r in self.rs.relations()]))
                continue
            allowed = {"soort", "tussen", "vanaf", "tot", "bron", "bekend_vanaf", "bekend_via", *relation.roles}
            for key in item:
                if key not in allowed:
                    self.problems.error(item.key_pos_of(key), f"onbekende sleutel '{key}' bij relatie '{relation.name}'",
                                        suggest(str(key), allowed) or "toegestaan: " + ", ".join(sorted(allowed)))
            if "tussen" in item:
                pair = item["tussen"]
                if not isinstance(pair, YList) or len(pair) != 2:
                    self.problems.error(item.pos_of("tussen"), "'tussen' noemt twee personen: [a, b]")
                    continue
                first, second = str(pair[0]), str(pair[1])
                first_pos, second_pos = pair.item_pos
            else:
                role_a, role_b = relation.roles
                if role_a == role_b:
                    self.problems.error(item.pos, f"relatie '{relation.name}' noemt beide personen '{role_a}'",
                                        "schrijf de twee personen als: tussen: [a, b]")
                    continue
                missing = [r for r in relation.roles if r not in item]
                if missing:
                    self.problems.error(item.pos, f"relatie '{relation.name}' mist '{missing[0]}'",
                                        f"noem beide personen: {role_a}: ..., {role_b}: ...")
                    continue
                first, second = str(item[role_a]), str(item[role_b])
                first_pos, second_pos = item.pos_of(role_a), item.pos_of(role_b)
            ok = True
            for person, person_pos in ((first, first_pos), (second, second_pos)):
                if person not in case.persons:
                    self.problems.error(person_pos, f"onbekende persoon '{person}'",
                                        suggest(person, case.persons) or "noem een persoon uit 'personen'")
                    ok = False
            try:
                vanaf = coerce_value(item["vanaf"], v.DATUM, item.pos_of("vanaf")) if "vanaf" in item else None
                tot = coerce_value(item["tot"], v.DATUM, item.pos_of("tot")) if "tot" in item else None
                known = self.knowledge(item)
            except RegelsError as exc:
                self.problems.add(exc)
                continue
            if vanaf and tot and tot <= vanaf:
                self.problems.error(item.pos_of("tot"), "'tot' ligt niet na 'vanaf'",
                                    "'tot' is de eerste dag waarop de relatie niet meer bestaat")
            if ok:
                case.relations.setdefault(relation.name, []).append(
                    RelationFact(relation, first, second, vanaf, tot, _text(item.get("bron")), item.pos, *known))

    def variant(self, data: YMap, case: Case) -> None:
        if "variant" not in data:
            return
        name = data["variant"]
        if not isinstance(name, str):
            self.problems.error(data.pos_of("variant"), "'variant' is de naam van één beleidsvariant",
                                "bijvoorbeeld: variant: afzien_terugvordering_alo_kop")
        elif name not in self.rs.variants:
            self.problems.error(data.pos_of("variant"), f"de casus hoort bij variant '{name}', die niet is geladen",
                                f"laad de regels met die variant: load_rules(map, ['{name}'])")
        else:
            case.variant = name

    def expectations(self, data: YMap, case: Case, key: str) -> list[Expectation]:
        found: list[Expectation] = []
        raw = data.get(key)
        if raw is None:
            return found
        if not isinstance(raw, YMap):
            self.problems.error(data.pos_of(key), f"'{key}' is een tabel: per regel de verwachte waarde en de bron")
            return found
        for name, spec in raw.items():
            rule = self.rule(str(name), raw.key_pos_of(name))
            if rule is None:
                continue
            if not isinstance(spec, YMap):
                self.problems.error(raw.pos_of(name), f"de verwachting voor '{name}' is een tabel met 'waarde' en 'bron'",
                                    "bijvoorbeeld: {waarde: € 1.234, bron: 'WKB art. 2 lid 1, tekst 2020'}")
                continue
            for key in spec:
                if key not in EXPECT_KEYS:
                    self.problems.error(spec.key_pos_of(key), f"onbekende sleutel '{key}' in een verwachting",
                                        suggest(str(key), EXPECT_KEYS) or "toegestaan: " + ", ".join(sorted(EXPECT_KEYS)))
            bron = _text(spec.get("bron"))
            if not bron:
                self.problems.error(spec.pos, f"de verwachte waarde van '{name}' heeft geen 'bron'",
                                    "noem waar de verwachte waarde vandaan komt: een berekening uit de wettekst, "
                                    "een beschikking, het Handboek")
            kinds = [k for k in ("waarde", "per_maand", "per_persoon") if k in spec]
            if len(kinds) != 1:
                self.problems.error(spec.pos, f"de verwachting voor '{name}' heeft precies één van: waarde, per_maand, per_persoon")
                continue
            kind = kinds[0]
            expectation = Expectation(rule, bron or "", spec.pos)
            try:
                if kind == "waarde":
                    if rule.per == "maand" or rule.voor:
                        what = "per_maand" if rule.per == "maand" and not rule.voor else "per_persoon"
                        raise error(spec.key_pos_of("waarde"), f"'{name}' heeft geen enkele waarde voor het jaar",
                                    f"gebruik '{what}'")
                    expectation.value = coerce_value(spec["waarde"], rule.type, spec.pos_of("waarde"), spec.raw_of("waarde"))
                elif kind == "per_maand":
                    if rule.voor:
                        raise error(spec.key_pos_of("per_maand"), f"'{name}' wordt per persoon berekend",
                                    "gebruik 'per_persoon', met per persoon de maanden: {sara: {2020-01: ...}}")
                    if rule.per != "maand":
                        raise error(spec.key_pos_of("per_maand"), f"'{name}' wordt niet per maand berekend",
                                    "gebruik 'waarde'")
                    expectation.per_maand = self.month_values(spec["per_maand"], spec.pos_of("per_maand"), rule, case.year)
                else:
                    if not rule.voor:
                        raise error(spec.key_pos_of("per_persoon"), f"'{name}' wordt niet per persoon berekend",
                                    "gebruik 'per_maand'" if rule.per == "maand" else "gebruik 'waarde'")
                    table = spec["per_persoon"]
                    if not isinstance(table, YMap):
                        raise error(spec.pos_of("per_persoon"), "'per_persoon' is een tabel: persoon: waarde")
                    expectation.per_persoon = {}
                    for person, value in table.items():
                        if str(person) not in case.persons:
                            raise error(table.key_pos_of(person), f"onbekende persoon '{person}'", suggest(str(person), case.persons))
                        if rule.per == "maand":
                            # per person a table of months: {sara: {2020-01 t/m 2020-12: waar}}
                            expectation.per_persoon[str(person)] = self.month_values(
                                value, table.pos_of(person), rule, case.year)
                        else:
                            expectation.per_persoon[str(person)] = coerce_value(
                                value, rule.type, table.pos_of(person), table.raw_of(person))
            except RegelsError as exc:
                self.problems.add(exc)
                continue
            found.append(expectation)
        return found

    def month_values(self, table, pos: Pos, rule: Rule, year: int) -> dict:
        if not isinstance(table, YMap):
            raise error(pos, "'per_maand' is een tabel: maand: waarde",
                        "bijvoorbeeld: 2020-01: € 250 of '2020-01 t/m 2020-12': € 250")
        result = {}
        for key, value in table.items():
            key_pos = table.key_pos_of(key)
            text = str(key)
            match = _MONTH_RANGE.match(text)
            try:
                if match:
                    first, last = v.parse_month(match.group(1)), v.parse_month(match.group(2))
                else:
                    first = last = v.parse_month(text)
            except (ValueError, IndexError):
                raise error(key_pos, f"'{text}' is geen maand", "schrijf 2020-03, maart 2020 of '2020-01 t/m 2020-06'")
            if first.year != year or last.year != year or last < first:
                raise error(key_pos, f"'{text}' ligt niet (geheel) in berekeningsjaar {year}")
            parsed = coerce_value(value, rule.type, table.pos_of(key))
            month = first
            while month <= last:
                if month in result:
                    raise error(key_pos, f"{month} staat twee keer in 'per_maand'")
                result[month] = parsed
                month = month.next()
        return result


def _text(value) -> str | None:
    return None if value is None else str(value)
