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
from .files import STDIN_NAME, is_stdin, read_stdin
from .knowledge import Knowledge, known_on
from .loader import coerce_value, display_path
from .model import Input, Relation, Rule, RuleSet
from .yamlpos import YList, YMap, load_yaml, load_yaml_bytes, parse_yaml

CASE_KEYS = {"casus", "casus_en", "omschrijving", "omschrijving_en", "berekeningsjaar", "variant", "gegevens", "personen",
             "relaties", "verwacht", "verwacht_met_variant", "uitkomsten", "vraag", "vraag_en", "vraag_regel"}
KNOWLEDGE_KEYS = {"bekend", "bekend_vanaf", "bekend_via"}
FACT_KEYS = {"waarde", "bron", "bron_en", "vanaf"} | KNOWLEDGE_KEYS
EXPECT_KEYS = {"waarde", "per_maand", "per_persoon", "bron"}
# A case is one household; this bounds the work of evaluating it
# (docs/regelformaat.md, "Grenzen bij het lezen"). The cases of the law have
# at most 7 persons; a 'bereken --json' trace of 100 takes about 0,35 GB.
MAX_PERSONS = 100


@dataclass
class Fact:
    value: Any
    bron: str | None
    pos: Pos
    vanaf: dt.date | None = None
    knowledge: Knowledge | None = None  # how and when the administration learned it, if the case says
    bron_en: str | None = None  # the source in English, for an explanation in English


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
    knowledge: Knowledge | None = None
    bron_en: str | None = None

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
    year_pos: Pos | None = None  # where 'berekeningsjaar' is written, for a year the rule set does not cover
    question: dict = field(default_factory=dict)  # 'vraag', 'vraag_en': language -> the question the case asks
    question_rule: Rule | None = None  # 'vraag_regel': the rule whose value answers it
    title_en: str | None = None  # 'casus_en': the title in English, for an explanation in English
    omschrijving_en: str | None = None

    @property
    def months(self) -> list[v.Month]:
        return [v.Month(self.year, m) for m in range(1, 13)]

    def as_known_on(self, day: dt.date, channels_for, reaches) -> "Case":
        """The case as the administration knew it on `day` (see known_on):
        `channels_for(name)` gives the channels that carry a kind of fact and
        `reaches(channel, persons, day)` whether a channel delivers facts about
        those persons on that day. What happens after `day` is not known: a
        relation then simply goes on."""
        persons = {}
        for pid, person in self.persons.items():
            facts = {}
            for name, timeline in person.facts.items():
                entries = [e for e in timeline.entries
                           if (e.vanaf is None or e.vanaf <= day)
                           and known_on(e.knowledge, name, e.vanaf, (pid,), day, channels_for(name), reaches)]
                if entries:
                    facts[name] = Timeline(entries)
            persons[pid] = Person(pid, person.pos, facts, person.spec)
        relations = {}
        for name, facts in self.relations.items():
            kept = []
            for fact in facts:
                happened = fact.vanaf is None or fact.vanaf <= day
                if happened and known_on(fact.knowledge, name, fact.vanaf, (fact.first, fact.second), day,
                                         channels_for(name), reaches):
                    ends_later = fact.tot is not None and fact.tot > day
                    kept.append(RelationFact(fact.relation, fact.first, fact.second, fact.vanaf,
                                             None if ends_later else fact.tot, fact.bron, fact.pos, fact.knowledge,
                                             fact.bron_en))
            relations[name] = kept
        global_facts = {}
        for name, timeline in self.facts.items():
            entries = [e for e in timeline.entries
                       if e.knowledge is None or e.knowledge.since is None or e.knowledge.since <= day]
            if entries:
                global_facts[name] = Timeline(entries)
        return Case(self.path, self.title, self.omschrijving, self.year, persons, global_facts, relations,
                    [], [], self.pos, self.variant, year_pos=self.year_pos, title_en=self.title_en,
                    omschrijving_en=self.omschrijving_en)

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
                    self.variant_expectations, self.year_pos, dict(self.question),
                    rule_set.rule(self.question_rule.name) if self.question_rule else None,
                    self.title_en, self.omschrijving_en)


def case_data(path):
    """A case file's YAML, with positions, not yet read against a rule set.
    The path '-' is standard input (files.STDIN), named <stdin> in messages."""
    if is_stdin(path):
        return load_yaml_bytes(read_stdin(), STDIN_NAME)
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
        if isinstance(year, str):  # "2020" in quotes, or digits other than 0-9
            try:
                year = coerce_value(year, v.JAAR, data.pos_of("berekeningsjaar"), data.raw_of("berekeningsjaar"))
            except RegelsError as exc:
                self.problems.add(exc)
                self.problems.raise_if_errors()
        if not isinstance(year, int) or isinstance(year, bool) or not 1900 < year < 2200:
            self.problems.error(data.pos_of("berekeningsjaar") if "berekeningsjaar" in data else data.pos,
                                "'berekeningsjaar' ontbreekt of is geen jaartal", "bijvoorbeeld: berekeningsjaar: 2020")
            self.problems.raise_if_errors()
        persons = self.persons(data)
        case = Case(
            path=data.pos.file, title=self.text(data, "casus") or Path(data.pos.file).stem,
            omschrijving=self.text(data, "omschrijving") or None,
            title_en=self.text(data, "casus_en") or None, omschrijving_en=self.text(data, "omschrijving_en") or None,
            year=year, persons=persons, facts={}, relations={}, expectations=[], requested=[], pos=data.pos,
            year_pos=data.pos_of("berekeningsjaar"),
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
        self.question(data, case)
        return case

    def question(self, data: YMap, case: Case) -> None:
        """'vraag' (and 'vraag_en'): the question the case asks, answered first in the
        explanation by the value of 'vraag_regel', which is then computed too."""
        for key, lang in (("vraag", "nl"), ("vraag_en", "en")):
            text = self.text(data, key)
            if text:
                case.question[lang] = " ".join(text.split())
        if "vraag_regel" in data:
            rule = self.rule(str(data.get("vraag_regel")), data.pos_of("vraag_regel"))
            if rule is not None:
                if rule.voor:
                    self.problems.error(data.pos_of("vraag_regel"), f"'vraag_regel: {rule.name}' geldt per persoon",
                                        "noem een regel die voor de hele casus geldt, zoals een uitkomst")
                else:
                    case.question_rule = rule
                    if rule not in case.requested:
                        case.requested.append(rule)
        elif case.question:
            self.problems.error(data.key_pos_of("vraag" if "vraag" in data else "vraag_en"),
                                "een 'vraag' zonder 'vraag_regel'",
                                "noem de regel die de vraag beantwoordt, bijvoorbeeld: vraag_regel: alleenstaande_ouderkop")

    def text(self, data: YMap, key: str) -> str | None:
        """A text as written ('casus: ja' is the title 'ja'); a list or table is an error."""
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, (YMap, YList)):
            what = "lijst" if isinstance(value, YList) else "tabel"
            self.problems.error(data.pos_of(key), f"'{key}' is een tekst, maar YAML leest hier een {what}",
                                "staat er een dubbele punt, '[' of '{' in de tekst? zet de tekst dan tussen "
                                "aanhalingstekens, of schrijf hem als blok: " + key + ": >-")
            return None
        return data.raw_of(key)

    def persons(self, data: YMap) -> dict[str, Person]:
        raw = data.get("personen")
        if raw is None:
            return {}
        if not isinstance(raw, YMap):
            self.problems.error(data.pos_of("personen"), "'personen' is een tabel: per persoon een naam met gegevens")
            return {}
        persons = {}
        for number, (name, spec) in enumerate(raw.items(), start=1):
            if number > MAX_PERSONS:
                raise error(raw.key_pos_of(name), f"de casus noemt meer dan {MAX_PERSONS} personen",
                            f"een casus beschrijft één huishouden, met ten hoogste {MAX_PERSONS} personen "
                            "(de grens MAX_PERSONS); maak een casus per huishouden")
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
                                        _text(item.get("bron")), item.pos, vanaf,
                                        self.knowledge(item, inp.name, vanaf, inp.of_person), _text(item.get("bron_en"))))
                entries.sort(key=lambda f: f.vanaf)  # stable: equal dates keep the order of the file
                for earlier, later in zip(entries, entries[1:]):
                    if earlier.vanaf == later.vanaf:
                        raise error(later.pos, f"twee waarden van '{inp.name}' gaan op dezelfde dag in "
                                               f"({later.vanaf.isoformat()})",
                                    f"de eerste staat op regel {earlier.pos.line}; elke waarde heeft een eigen "
                                    "'vanaf', anders zou de volgorde in het bestand beslissen")
            elif isinstance(raw, YMap) and "waarde" in raw:
                self.fact_keys(raw)
                vanaf = coerce_value(raw["vanaf"], v.DATUM, raw.pos_of("vanaf")) if "vanaf" in raw else None
                entries.append(Fact(self.value(inp.type, raw["waarde"], raw.pos_of("waarde"), persons,
                                               raw.raw_of("waarde")),
                                    _text(raw.get("bron")), raw.pos, vanaf,
                                    self.knowledge(raw, inp.name, vanaf, inp.of_person), _text(raw.get("bron_en"))))
            else:
                entries.append(Fact(self.value(inp.type, raw, pos, persons, text), None, pos))
        except RegelsError as exc:
            self.problems.add(exc)
        return Timeline(entries)

    def knowledge(self, item: YMap, fact_name: str, vanaf, through_channels: bool = True) -> Knowledge | None:
        """How and when the administration learned a fact or relation:
        'bekend: {kanaal: datum | nooit, ...}' or 'bekend: nooit', or in short
        'bekend_vanaf: datum' (with 'bekend_via: kanaal'). The channels are
        those of the rule set ('kanalen:') that carry this kind of fact."""
        if not any(key in item for key in KNOWLEDGE_KEYS):
            return None
        channels = self.rs.channels_for(fact_name) if through_channels else []
        names = [c.name for c in channels]
        if "bekend_via" in item and "bekend_vanaf" not in item:
            raise error(item.key_pos_of("bekend_via"), "'bekend_via' zonder 'bekend_vanaf'",
                        "zeg ook wanneer: bekend_vanaf: 2018-03-15, of schrijf bekend: {kanaal: datum}")
        if "bekend" in item and "bekend_vanaf" in item:
            raise error(item.key_pos_of("bekend_vanaf"), "'bekend' en 'bekend_vanaf' samen",
                        "kies één vorm: bekend: {kanaal: datum} (per kanaal), of bekend_vanaf: datum")
        if not through_channels and ("bekend" in item or "bekend_via" in item):
            key = "bekend" if "bekend" in item else "bekend_via"
            raise error(item.key_pos_of(key), f"'{key}' bij een gegeven onder 'gegevens'",
                        "gegevens van de casus als geheel komen niet via een kanaal; zeg alleen bekend_vanaf: datum")

        def check_channel(name, pos) -> str:
            if name not in names:
                known = self.rs.channel(name)
                what = (f"kanaal '{name}' levert geen '{fact_name}'" if known is not None
                        else f"onbekend kanaal '{name}'")
                raise error(pos, what, suggest(name, names) or
                            (f"kanalen voor '{fact_name}': " + ", ".join(names) if names
                             else f"geen kanaal levert '{fact_name}'"))
            return name

        def day_after_fact(raw, pos) -> dt.date:
            day = coerce_value(raw, v.DATUM, pos)
            if vanaf is not None and day < vanaf:
                raise error(pos, f"bekend op {day.isoformat()}, vóór het gegeven ontstond ({vanaf.isoformat()})",
                            "een register of melding kan een gegeven pas hebben als het er is")
            return day

        if "bekend_vanaf" in item:
            day = day_after_fact(item["bekend_vanaf"], item.pos_of("bekend_vanaf"))
            if "bekend_via" in item:
                return Knowledge(((check_channel(str(item["bekend_via"]), item.pos_of("bekend_via")), day),))
            return Knowledge(since=day)
        raw = item["bekend"]
        if isinstance(raw, str) and raw.strip() == "nooit":
            return Knowledge(never=True)
        if not isinstance(raw, YMap) or not raw:
            raise error(item.pos_of("bekend"), "'bekend' is 'nooit' of een tabel van kanaal: datum",
                        "bijvoorbeeld: bekend: {brp: 2019-03-01} of bekend: {brp: nooit, melding: 2020-05-01}"
                        + (f"; kanalen voor '{fact_name}': " + ", ".join(names) if names else ""))
        entries = []
        for name, value in raw.items():
            channel = check_channel(str(name), raw.key_pos_of(name))
            if isinstance(value, str) and value.strip() == "nooit":
                entries.append((channel, None))
            else:
                entries.append((channel, day_after_fact(value, raw.pos_of(name))))
        return Knowledge(tuple(entries))

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
            allowed = {"soort", "tussen", "vanaf", "tot", "bron", "bron_en", *KNOWLEDGE_KEYS, *relation.roles}
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
            if ok and first == second:
                self.problems.error(second_pos, f"'{relation.name}' tussen '{first}' en zichzelf",
                                    "een relatie is er tussen twee verschillende personen")
                continue
            if ok:
                cycle = _closes_cycle(relation, case.relations.get(relation.name, []), first, second)
                if cycle:
                    role_a, role_b = relation.roles
                    self.problems.error(item.pos, f"'{relation.name}' vormt een kring: " + " → ".join(cycle),
                                        f"niemand is (via anderen) zijn eigen {role_a}; controleer de volgorde "
                                        f"van de rollen ({role_a}: ..., {role_b}: ...)")
                    continue
            try:
                vanaf = coerce_value(item["vanaf"], v.DATUM, item.pos_of("vanaf")) if "vanaf" in item else None
                tot = coerce_value(item["tot"], v.DATUM, item.pos_of("tot")) if "tot" in item else None
                known = self.knowledge(item, relation.name, vanaf)
            except RegelsError as exc:
                self.problems.add(exc)
                continue
            if vanaf and tot and tot <= vanaf:
                self.problems.error(item.pos_of("tot"), "'tot' ligt niet na 'vanaf'",
                                    "'tot' is de eerste dag waarop de relatie niet meer bestaat")
            if ok:
                case.relations.setdefault(relation.name, []).append(
                    RelationFact(relation, first, second, vanaf, tot, _text(item.get("bron")), item.pos, known,
                                 _text(item.get("bron_en"))))

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
            parsed = coerce_value(value, rule.type, table.pos_of(key), table.raw_of(key))
            month = first
            while month <= last:
                if month in result:
                    raise error(key_pos, f"{month} staat twee keer in 'per_maand'")
                result[month] = parsed
                month = month.next()
        return result


def _closes_cycle(relation: Relation, facts: list[RelationFact], first: str, second: str) -> list[str] | None:
    """For a relation with a direction (two different roles, not symmetric, like
    ouder_van): the persons of the cycle that first -> second would close, or None.
    Periods are not considered: no one is ever their own parent."""
    if relation.symmetric or relation.roles[0] == relation.roles[1]:
        return None
    following: dict[str, list[str]] = {}
    for fact in facts:
        following.setdefault(fact.first, []).append(fact.second)
    path, seen = [second], {second}

    def reaches(person: str) -> bool:
        if person == first:
            return True
        for nxt in following.get(person, []):
            if nxt not in seen:
                seen.add(nxt)
                path.append(nxt)
                if reaches(nxt):
                    return True
                path.pop()
        return False

    return [first] + path if reaches(second) else None


def _text(value) -> str | None:
    return None if value is None else str(value)
