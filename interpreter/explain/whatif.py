"""'Wat verandert de uitkomst': the facts whose change would change a result.

Every fact the result rests on (from the trace) is changed in turn — a
relation taken away, a yes/no fact turned around — and so is the moment the
administration learned a relation (late through its channel, or never): known
from the start instead.
The case is evaluated again; the changes that move the result are reported
with the new value."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from dataclasses import dataclass

from .. import values as v
from ..api import evaluate
from ..case import Fact, Timeline
from ..diagnostics import RegelsError
from ..evaluate import Evaluation
from ..knowledge import Knowledge, first_known


@dataclass
class Change:
    description_nl: str
    description_en: str
    before: str
    after: str


def _closure(result, rule_name: str) -> set[str]:
    """The ids of the trace steps the rule's values rest on."""
    steps = {s.id: s for s in result.steps}
    todo = [s.id for s in result.steps if s.rule.name == rule_name]
    seen: set[str] = set()
    while todo:
        step_id = todo.pop()
        if step_id in seen or step_id not in steps:
            continue
        seen.add(step_id)
        todo.extend(steps[step_id].deps)
    return seen


def _value(result, rule_name: str, language: str) -> str:
    """The result for the rule as a reader compares it: the year value, or the
    months grouped by value for a monthly rule."""
    rule = result.rules[rule_name]
    if rule_name in result.values:
        return v.format_value(result.values[rule_name], rule.type, language)
    runs = v.month_runs((month, v.format_value(value, rule.type, language))
                        for month, value in result.monthly.get(rule_name, {}).items())
    return "; ".join(f"{v.format_months(months, language)}: {text}" for text, months in runs)


def what_changes(rule_set, case, result, rule_name: str, language: str = "nl") -> list[Change]:
    """The single-fact changes that change `rule_name`'s result."""
    rule = rule_set.rule(rule_name)
    if rule is None or rule.voor:
        return []
    used = _closure(result, rule_name)
    steps = [s for s in result.steps if s.id in used]
    candidates = []
    seen = set()
    for step in steps:
        for fact in step.inputs:
            name, person = fact["naam"], fact["persoon"]
            key = (name, person)
            if key in seen:
                continue
            seen.add(key)
            if "(" in name and rule_set.relation(name.split("(")[0]):  # a relation that holds: take it away
                candidates.append(("relatie", name, person))
            elif fact["type"] == v.WAARHEID and person is not None:
                candidates.append(("omdraaien", name, person))
    # relations the administration learned late or never: what if it had known them from the start?
    learned = {}
    reaches = Evaluation(rule_set, case, trace=False).channel_reaches
    until = dt.date(case.year + 10, 12, 31)
    for relation, facts in case.relations.items():
        for index, fact in enumerate(facts):
            since = max(fact.vanaf or dt.date.min, dt.date(case.year - 1, 1, 1))
            found = first_known(fact.knowledge, fact.vanaf, (fact.first, fact.second),
                                rule_set.channels_for(relation), reaches, since, until)
            if found is None or found[0] > since:
                candidates.append(("eerder_bekend", relation, index))
                learned[(relation, index)] = found
    before = _value(result, rule_name, language)
    changes = []
    for kind, name, person in candidates:
        variant = _variant(rule_set, case, kind, name, person)
        if variant is None:
            continue
        try:
            other = evaluate(rule_set, variant, trace=False, rules=[rule])
        except RegelsError:
            continue  # the changed case is incomplete (e.g. a date now missing): not a useful answer
        after = _value(other, rule_name, language)
        if after != before:
            if kind == "relatie":
                nl = f"als {name} er niet was geweest"
                en = f"if {name} had not existed"
            elif kind == "eerder_bekend":
                fact = case.relations[name][person]
                what = f"{name}({fact.first}; {fact.second})"
                found = learned[(name, person)]
                nl = (f"als de uitvoerder {what} vanaf het begin had gekend "
                      + (f"(nu pas vanaf {v.format_date_nl(found[0])})" if found else "(nu nooit)"))
                en = (f"if the administration had known {what} from the start "
                      + (f"(now only from {found[0].isoformat()})" if found else "(now never)"))
            else:
                new = variant.persons[person].facts[name].entries[0].value
                nl = f"als {name} van {person} {v.format_value(new, v.WAARHEID, 'nl')} was geweest"
                en = f"if {name} of {person} had been {v.format_value(new, v.WAARHEID, 'en')}"
            changes.append(Change(nl, en, before, after))
    return changes


def _variant(rule_set, case, kind: str, name: str, person):
    """The case with one fact changed, or None when there is nothing to change."""
    variant = copy.copy(case)
    if kind == "eerder_bekend":  # name is the relation, person the index of the fact
        facts = list(case.relations[name])
        fact = facts[person]
        facts[person] = dataclasses.replace(fact, knowledge=Knowledge(since=fact.vanaf or dt.date.min))
        variant.relations = dict(case.relations)
        variant.relations[name] = facts
        return variant
    if kind == "relatie":
        relation, args = name.split("(", 1)
        first, second = [a.strip() for a in args.rstrip(")").split(";")]
        facts = case.relations.get(relation, [])
        kept = [f for f in facts if {f.first, f.second} != {first, second}]
        if len(kept) == len(facts):
            return None
        variant.relations = dict(case.relations)
        variant.relations[relation] = kept
        return variant
    owner = case.persons.get(person)
    if owner is None:
        return None
    new_owner = copy.copy(owner)
    new_owner.facts = dict(owner.facts)
    timeline = owner.facts.get(name)
    if timeline is None:  # the rules' default was used: take the opposite for the whole year
        new_owner.facts[name] = Timeline([Fact(not rule_set.input(name).default, "wat-als", owner.pos)])
    else:
        new_owner.facts[name] = Timeline([Fact(not e.value, "wat-als", e.pos, e.vanaf) for e in timeline.entries])
    variant.persons = dict(case.persons)
    variant.persons[person] = new_owner
    return variant
