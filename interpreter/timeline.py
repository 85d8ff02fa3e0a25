"""`regels tijdlijn`: the steps of a berekeningsjaar over time. Which rules
belong on the timeline is said in the rule files ('tijdlijn: ja' for a date,
or the name of the date an amount or decision falls on); facts that became
known later ('bekend_vanaf' in the case) are moments on the timeline too."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from . import values as v
from .evaluate import Ctx, Evaluation, MissingFact
from .knowledge import first_known
from .model import Rule, description_in


@dataclass
class Moment:
    day: dt.date
    what: str  # rule name, or a description of a fact that became known
    value: str
    citation: str
    description: str
    value_json: object = None
    depth: int = 0  # on one day, a step comes after the steps it depends on

    def to_json(self) -> dict:
        return {"datum": self.day.isoformat(), "wat": self.what, "waarde": self.value_json,
                "bron": self.citation, "omschrijving": self.description}


def _citation(rule) -> str:
    lid = rule.lid or next((ver.lid for ver in rule.versions if ver.lid), None)
    return f"{rule.article.afkorting} art. {rule.article.artikel}" + (f" lid {lid}" if lid else "")


def _depths(rule_set) -> dict[str, int]:
    """Per rule, the length of its longest chain of rule dependencies (the
    checker has ruled out cycles)."""
    depths: dict[str, int] = {}

    def depth(rule) -> int:
        if rule.name not in depths:
            used = [d for d in rule.dependencies() if isinstance(d, Rule)]
            depths[rule.name] = 1 + max((depth(d) for d in used), default=0)
        return depths[rule.name]

    for rule in rule_set.rules():
        depth(rule)
    return depths


def _date_of(ev: Evaluation, rule_set, name: str):
    rule = rule_set.rule(name)
    if rule is not None:
        return ev.rule_value(rule, None, None)
    inp = rule_set.input(name)
    ctx = Ctx(ev, None, {}, dt.date(ev.year, 1, 1))
    return ev.fact(inp, None, ctx, inp.pos)


@dataclass
class Timeline:
    moments: list[Moment]
    skipped: dict[str, str]  # rule name -> the fact the case does not give, so the step does not occur
    never_known: list[str]  # facts the administration had not learned by the last moment
    until: dt.date
    evaluation: Evaluation


def timeline(rule_set, case, language: str = "nl", deadline: float | None = None) -> Timeline:
    """The moments of the case in date order, including the days on which the
    administration learned facts and through which channel; the steps left
    off because the case does not give a fact they need (a case without a
    request date has no deadline for the request, and that is no error); and
    the facts that never became known. `deadline` is a time limit in seconds
    (api.evaluate)."""
    ev = Evaluation(rule_set, case, trace=False, deadline=deadline)
    depths = _depths(rule_set)
    moments: list[Moment] = []
    skipped: dict[str, str] = {}
    for rule in rule_set.rules():
        if rule.timeline is None or rule.target is not None or rule.voor or rule.per == "maand":
            continue
        if rule.version_on(case.months[0].first_day()) is None:
            continue
        try:
            value = ev.rule_value(rule, None, None)
            day = value if rule.timeline == "ja" else _date_of(ev, rule_set, rule.timeline)
        except MissingFact as missing:
            skipped[rule.name] = missing.input_name
            continue
        moments.append(Moment(day, rule.name, v.format_value(value, rule.type, language), _citation(rule),
                              " ".join((description_in(rule, language) or "").split()), v.to_json(value, rule.type),
                              depths[rule.name]))
    until = max([m.day for m in moments] + [dt.date(case.year + 1, 12, 31)])
    unknown: list[str] = []
    for fact, what, citation in _facts_with_knowledge(case):
        persons = (fact.first, fact.second) if hasattr(fact, "first") else (what.rsplit(" ", 1)[-1],)
        name = fact.relation.name if hasattr(fact, "relation") else what.split(" ")[0]
        since = max(fact.vanaf or dt.date.min, dt.date(case.year - 1, 1, 1))
        found = first_known(fact.knowledge, fact.vanaf, persons, rule_set.channels_for(name), ev.channel_reaches,
                            since, until)
        if found is None:
            if fact.knowledge is not None or hasattr(fact, "relation"):
                unknown.append(what)
            continue
        day, channel = found
        if fact.knowledge is None and day <= since:
            continue  # known as soon as it was true: not a moment of its own
        via = channel_label(channel, language)
        moments.append(Moment(day, what, "bekend" if language == "nl" else "known",
                              channel.citation if channel is not None else citation,
                              f"de Dienst Toeslagen krijgt dit gegeven {via}" if language == "nl"
                              else f"the administration learns this {via}", True))
    moments.sort(key=lambda m: (m.day, m.depth, m.what))
    return Timeline(moments, skipped, unknown, until, ev)


def truths(rule_set, result: Timeline) -> list:
    """What the law grants on the true facts: the rule set's yearly outcomes
    ('uitkomst: ja'), as (rule, value)."""
    return [(r, result.evaluation.rule_value(r, None, None)) for r in rule_set.rules()
            if r.uitkomst and r.target is None and not r.voor and r.per != "maand"]


def timeline_json(rule_set, case, result: Timeline) -> dict:
    """What `regels tijdlijn --json` and POST /tijdlijn give."""
    return {"casus": case.title, "berekeningsjaar": case.year,
            "regelset": rule_set.version, "tijdlijn": [m.to_json() for m in result.moments],
            "volgens_de_wet": {r.name: v.to_json(x, r.type) for r, x in truths(rule_set, result)},
            "niet_op_de_tijdlijn": [{"regel": n, "ontbreekt": i} for n, i in result.skipped.items()],
            "nooit_bekend": result.never_known, "nooit_bekend_tot": result.until.isoformat()}


def channel_label(channel, language: str) -> str:
    """'via de Basisregistratie Personen (BRP)', or how a case's own date reads."""
    if channel is None:
        return "(volgens de casus)" if language == "nl" else "(as the case states)"
    return f"via {description_in(channel, language, 'naam')}"


def _facts_with_knowledge(case):
    """(fact, how to name it, citation) for every relation, and for every fact
    of a person about which the case says when it became known."""
    for facts in case.relations.values():
        for fact in facts:
            yield fact, f"{fact.relation.name}({fact.first}; {fact.second})", fact.relation.article.citation
    for person in case.persons.values():
        for name, timeline_ in person.facts.items():
            for entry in timeline_.entries:
                if entry.knowledge is not None:
                    yield entry, f"{name} van {person.id}", ""
