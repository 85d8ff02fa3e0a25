"""A population as columns: households, persons with their facts as interval
tables, and relations as pair tables with vanaf/tot.

Two ways in: a list of `Case` objects (so that every case file runs through
both backends), or the documented columnar input (see `from_columns`): a
household table, a person table, optionally a table of facts that change over
time, and a relation table.

Households are packed in groups of the same berekeningsjaar and the same
number of persons. Within a group every array is dense and unpadded:
(households, persons, slots) for facts, (households, persons, persons, slots)
for relations. The year being the same in a group makes every law date of a
month (and so every rule version and parameter value read on it) a constant of
the group. The month axis is the 12 months of the berekeningsjaar; segments
between change points are a later refinement.

Dates are day ordinals (datetime.date.toordinal), months are year * 12 +
month - 1, texts are ids in the population's string pool, persons are their
index in the household (in the order of the case file).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np

from .. import values as v
from ..model import Relation, RuleSet
from . import money

# A slot without an entry begins on NEVER, so it never applies; a fact without
# 'vanaf' begins on ALWAYS.
NEVER = 1 << 40
ALWAYS = -(1 << 40)


class StringPool:
    """Texts as small integers; equal texts get the same id."""

    def __init__(self):
        self.ids: dict[str, int] = {}
        self.texts: list[str] = []

    def ids_of(self, texts: list[str]) -> np.ndarray:
        """The ids of many texts at once (as id() gives them, one by one)."""
        ids = self.ids
        new = [t for t in dict.fromkeys(texts) if t not in ids]
        ids.update(zip(new, range(len(self.texts), len(self.texts) + len(new))))
        self.texts.extend(new)
        return np.fromiter(map(ids.__getitem__, texts), dtype=np.int64, count=len(texts))

    def id(self, text: str) -> int:
        found = self.ids.get(text)
        if found is None:
            found = self.ids[text] = len(self.texts)
            self.texts.append(text)
        return found


@dataclass
class Household:
    """One household as plain data, the common form of both ways in. Values
    are Python values of the rules language: Fraction, bool, datetime.date, str;
    a person-valued fact holds the person's index."""

    key: Any
    year: int
    persons: list[str]
    facts: dict[str, list[tuple]] = field(default_factory=dict)  # input -> [(vanaf | None, value, knowledge)]
    person_facts: dict[str, dict[int, list[tuple]]] = field(default_factory=dict)  # input -> person -> entries
    relations: dict[str, list[tuple]] = field(default_factory=dict)  # relation -> [(a, b, vanaf, tot, knowledge)]
    # knowledge (knowledge.Knowledge or None): what the case says about when the administration learned it


def household_from_case(case, person_inputs: set, key=None) -> Household:
    """A case as plain data; facts whose value is a person (aanvrager) hold its index."""
    index = {pid: i for i, pid in enumerate(case.persons)}

    def entries(name, timeline):
        if name in person_inputs:
            return [(e.vanaf, index[e.value], e.knowledge) for e in timeline.entries]
        return [(e.vanaf, e.value, e.knowledge) for e in timeline.entries]

    hh = Household(key if key is not None else case.path, case.year, list(case.persons))
    for name, timeline in case.facts.items():
        hh.facts[name] = entries(name, timeline)
    for i, person in enumerate(case.persons.values()):
        for name, timeline in person.facts.items():
            hh.person_facts.setdefault(name, {})[i] = entries(name, timeline)
    for name, facts in case.relations.items():
        hh.relations[name] = [(index[f.first], index[f.second], f.vanaf, f.tot, f.knowledge) for f in facts]
    return hh


def households_from_cases(cases, rule_set: RuleSet) -> list[Household]:
    person_inputs = {i.name for i in rule_set.inputs() if i.type == v.PERSOON}
    return [household_from_case(case, person_inputs, key=n) for n, case in enumerate(cases)]


# --- the documented columnar input ----------------------------------------------------


def _coerce(raw, type_: v.Type, persons: dict | None = None):
    """A cell of the columnar input as a value of the rules language."""
    name = type_.name
    if name in v.NUMERIC:
        if isinstance(raw, (int, Fraction)):
            return Fraction(raw)
        if isinstance(raw, Decimal):
            return Fraction(raw)
        if isinstance(raw, float):
            raise ValueError(f"{raw!r}: een bedrag of getal als float is niet exact; geef tekst of centen")
        return Fraction(str(raw).strip())
    if name == "datum":
        return raw if isinstance(raw, dt.date) else dt.date.fromisoformat(str(raw).strip())
    if name == "waar/onwaar":
        if isinstance(raw, (bool, np.bool_)):
            return bool(raw)
        text = str(raw).strip().lower()
        if text in ("ja", "waar", "true", "1"):
            return True
        if text in ("nee", "onwaar", "false", "0"):
            return False
        raise ValueError(f"{raw!r} is geen waar/onwaar")
    if name == "persoon":
        return persons[str(raw)]
    return str(raw)


def from_columns(rule_set: RuleSet, households: dict, persons: dict, relations: dict | None = None,
                 facts: dict | None = None) -> list[Household]:
    """Households from columns (dicts of equal-length sequences, e.g. from CSV,
    Parquet or a DataFrame's to_dict('list')):

    - households: 'huishouden' (id), 'berekeningsjaar', and one column per global
      input ('aanvrager', ...); an empty cell (None or '') is a fact not given;
    - persons: 'huishouden', 'persoon' (id within the household, in order), and
      one column per person input ('geboortedatum', 'toetsingsinkomen', ...), a
      value without 'vanaf';
    - relations: 'huishouden', 'soort', 'eerste', 'tweede', 'vanaf', 'tot'
      (vanaf/tot may be empty; 'tot' is the first day the relation no longer holds);
    - facts (optional, facts that change over time): 'huishouden', 'persoon'
      (empty for a global input), 'gegeven', 'waarde', 'vanaf'.
    """
    inputs = {i.name: i for i in rule_set.inputs()}
    order = list(households["huishouden"])
    by_key: dict = {}
    for row, key in enumerate(order):
        by_key[key] = Household(key, int(households["berekeningsjaar"][row]), [])
    hh_persons: dict = {k: {} for k in by_key}
    for row, key in enumerate(persons["huishouden"]):
        hh = by_key[key]
        pid = str(persons["persoon"][row])
        hh_persons[key][pid] = len(hh.persons)
        hh.persons.append(pid)

    def empty(x) -> bool:
        return x is None or (isinstance(x, str) and x.strip() == "") or (isinstance(x, float) and x != x)

    for row, key in enumerate(order):
        hh = by_key[key]
        for column, values in households.items():
            if column in ("huishouden", "berekeningsjaar") or empty(values[row]):
                continue
            inp = inputs[column]
            hh.facts[column] = [(None, _coerce(values[row], inp.type, hh_persons[key]), None)]
    for column, values in persons.items():
        if column in ("huishouden", "persoon"):
            continue
        inp = inputs[column]
        for row, key in enumerate(persons["huishouden"]):
            if empty(values[row]):
                continue
            p = hh_persons[key][str(persons["persoon"][row])]
            by_key[key].person_facts.setdefault(column, {})[p] = [
                (None, _coerce(values[row], inp.type, hh_persons[key]), None)]
    if facts:
        for row, key in enumerate(facts["huishouden"]):
            hh, name = by_key[key], facts["gegeven"][row]
            inp = inputs[name]
            vanaf = None if empty(facts["vanaf"][row]) else _coerce(facts["vanaf"][row], v.DATUM)
            value = _coerce(facts["waarde"][row], inp.type, hh_persons[key])
            who = facts["persoon"][row]
            if empty(who):
                entries = hh.facts.setdefault(name, [])
            else:
                entries = hh.person_facts.setdefault(name, {}).setdefault(hh_persons[key][str(who)], [])
            entries.append((vanaf, value, None))
        for hh in by_key.values():
            for entries in list(hh.facts.values()) + [e for m in hh.person_facts.values() for e in m.values()]:
                entries.sort(key=lambda e: (e[0] is not None, e[0] or dt.date.min))
    if relations:
        for row, key in enumerate(relations["huishouden"]):
            hh = by_key[key]
            index = hh_persons[key]
            vanaf, tot = relations["vanaf"][row], relations["tot"][row]
            hh.relations.setdefault(relations["soort"][row], []).append((
                index[str(relations["eerste"][row])], index[str(relations["tweede"][row])],
                None if empty(vanaf) else _coerce(vanaf, v.DATUM), None if empty(tot) else _coerce(tot, v.DATUM), None))
    return [by_key[k] for k in order]


# --- groups of equal shape --------------------------------------------------------------


def _ordinal(day) -> int:
    return ALWAYS if day is None else day.toordinal()


class Group:
    """Households of one berekeningsjaar with the same number of persons, as
    dense arrays built on first use."""

    def __init__(self, rule_set: RuleSet, year: int, n_persons: int, households: list[Household],
                 rows: np.ndarray, pool: StringPool):
        self.rule_set = rule_set
        self.year = year
        self.P = n_persons
        self.households = households
        self.rows = rows  # the households' positions in the population
        self.n = len(households)
        self.pool = pool
        # households with fewer persons are padded: valid[h, p] says which persons are real
        # (None: every household has P persons); quantifiers over persons skip the others
        counts = np.array([len(hh.persons) for hh in households], dtype=np.int64)
        self.valid = None if (counts == n_persons).all() else np.arange(n_persons)[None, :] < counts[:, None]
        self._inputs: dict = {}
        self._relations: dict = {}
        self._empty: dict = {}
        # fact or relation name -> {slot index: (Knowledge, persons concerned)}, for slots whose case says how it became known
        self._knowledge: dict = {}

    def person_name(self, row: int, index: int) -> str:
        return self.households[row].persons[index]

    def slot_knowledge(self, definition) -> dict:
        """The slots of a fact or relation for which the case says how and when it
        became known (after input_table or relation_table has been built)."""
        return self._knowledge.get(definition.name, {})

    def empty(self, definition) -> bool:
        """Whether no household of the group has this fact or relation at all."""
        if definition.name not in self._empty:
            if isinstance(definition, Relation):
                self._empty[definition.name] = not any(hh.relations.get(definition.name) for hh in self.households)
            elif definition.of_person:
                self._empty[definition.name] = not any(hh.person_facts.get(definition.name) for hh in self.households)
            else:
                self._empty[definition.name] = not any(hh.facts.get(definition.name) for hh in self.households)
        return self._empty[definition.name]

    def input_table(self, inp):
        """(values, vanaf) with shape (n, E) for a global input, (n, P, E) for a
        person input: per slot the value and the day from which it holds; the
        slots of a fact are in the order of their 'vanaf'."""
        found = self._inputs.get(inp.name)
        if found is not None:
            return found
        P = self.P
        if inp.of_person:
            lists = [[hh.person_facts.get(inp.name, {}).get(p, []) for p in range(P)] for hh in self.households]
            E = max([len(e) for per in lists for e in per] + [1])
            shape = (self.n, P, E)
            flat = [(h, p, s, entry) for h, per in enumerate(lists) for p, entries in enumerate(per)
                    for s, entry in enumerate(entries)]
        else:
            lists = [hh.facts.get(inp.name, []) for hh in self.households]
            E = max([len(e) for e in lists] + [1])
            shape = (self.n, E)
            flat = [(h, s, entry) for h, entries in enumerate(lists) for s, entry in enumerate(entries)]
        vanaf = np.full(shape, NEVER, dtype=np.int64)
        index = tuple(np.array([f[k] for f in flat], dtype=np.int64) for k in range(len(shape)))
        raw = [f[-1] for f in flat]
        if flat:
            vanaf[index] = [_ordinal(e[0]) for e in raw]
        for f in flat:
            if f[-1][2] is not None:
                self._knowledge.setdefault(inp.name, {})[f[:-1]] = (f[-1][2], f[1:2] if inp.of_person else ())
        values = self._pack([e[1] for e in raw], inp.type, shape, index)
        self._inputs[inp.name] = (values, vanaf)
        return values, vanaf

    def _pack(self, raw: list, type_: v.Type, shape, index):
        name = type_.name
        if name in v.NUMERIC:
            packed = money.from_fractions(raw) if raw else money.from_fractions([0])
            a = np.zeros(shape, dtype=packed.a.dtype)
            if raw:
                a[index] = packed.a
            return money.Num(a, packed.d, packed.bound)
        if name == "datum":
            out = np.ones(shape, dtype=np.int64)
            if raw:
                out[index] = [x.toordinal() for x in raw]
            return out
        if name == "waar/onwaar":
            out = np.zeros(shape, dtype=bool)
            if raw:
                out[index] = raw
            return out
        if name == "persoon":
            out = np.zeros(shape, dtype=np.int64)
            if raw:
                out[index] = raw
            return out
        if name == "tekst":
            out = np.zeros(shape, dtype=np.int64)
            if raw:
                out[index] = [self.pool.id(x) for x in raw]
            return out
        raise NotImplementedError(f"gegevens van type {type_}")

    def relation_table(self, relation):
        """(vanaf, tot) with shape (n, P, P, K): per ordered pair of persons the
        records of the relation between them, in the order of the case file (a
        symmetric relation is recorded in both directions)."""
        found = self._relations.get(relation.name)
        if found is not None:
            return found
        per_pair: list[tuple] = []
        counts: dict = {}
        for h, hh in enumerate(self.households):
            for a, b, vanaf, tot, knowledge in hh.relations.get(relation.name, []):
                pairs = [(a, b)] + ([(b, a)] if relation.symmetric and a != b else [])
                for x, y in pairs:
                    slot = counts.get((h, x, y), 0)
                    counts[(h, x, y)] = slot + 1
                    per_pair.append((h, x, y, slot, _ordinal(vanaf), NEVER if tot is None else tot.toordinal()))
                    if knowledge is not None:
                        self._knowledge.setdefault(relation.name, {})[(h, x, y, slot)] = (knowledge, (a, b))
        K = max(counts.values(), default=1)
        shape = (self.n, self.P, self.P, K)
        start = np.full(shape, NEVER, dtype=np.int64)
        end = np.full(shape, NEVER, dtype=np.int64)
        if per_pair:
            cols = list(zip(*per_pair))
            index = tuple(np.array(c, dtype=np.int64) for c in cols[:4])
            start[index] = cols[4]
            end[index] = cols[5]
        self._relations[relation.name] = (start, end)
        return start, end


class Population:
    """Households in groups of equal shape; results come back in the original order."""

    def __init__(self, rule_set: RuleSet, households: list[Household], chunk: int = 20_000, least: int = 1_000):
        """`chunk`: the most households in one group, so that the arrays of a group
        (households x persons x persons x months for a pair of persons) stay in memory.
        `least`: households of a size with fewer than this many in a year join the
        next larger size, padded, so that a small population is not cut into many
        small groups (each group costs a fixed time per formula)."""
        self.rule_set = rule_set
        self.households = households
        self.pool = StringPool()
        by_year: dict = {}
        for i, hh in enumerate(households):
            by_year.setdefault(hh.year, {}).setdefault(len(hh.persons), []).append(i)
        buckets = []
        for year, by_size in sorted(by_year.items()):
            pending: list = []
            sizes = sorted(by_size)
            for k, size in enumerate(sizes):
                pending += by_size[size]
                if len(pending) >= least or k == len(sizes) - 1:
                    buckets.append((year, size, pending))
                    pending = []
        self.groups = [Group(rule_set, year, P, [households[i] for i in rows[start:start + chunk]],
                             np.array(rows[start:start + chunk]), self.pool)
                       for year, P, rows in buckets for start in range(0, len(rows), chunk)]

    def prepare(self) -> "Population":
        """Pack every fact and relation of the rule set into the groups' arrays now
        rather than on first use (so that evaluation can be timed alone)."""
        for group in self.groups:
            for definition in list(self.rule_set.inputs()) + list(self.rule_set.relations()):
                if not group.empty(definition):
                    (group.relation_table if isinstance(definition, Relation) else group.input_table)(definition)
        return self

    @classmethod
    def from_cases(cls, rule_set: RuleSet, cases) -> "Population":
        return cls(rule_set, households_from_cases(cases, rule_set))

    def __len__(self) -> int:
        return len(self.households)
