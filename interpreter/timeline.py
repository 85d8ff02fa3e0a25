"""`regels tijdlijn`: the steps of a berekeningsjaar over time. Which rules
belong on the timeline is said in the rule files ('tijdlijn: ja' for a date,
or the name of the date an amount or decision falls on); facts that became
known later ('bekend_vanaf' in the case) are moments on the timeline too."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from . import values as v
from .evaluate import Ctx, Evaluation, MissingFact
from .model import Rule


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


def timeline(rule_set, case, language: str = "nl") -> tuple[list[Moment], dict[str, str], Evaluation]:
    """The moments of the case in date order, and the steps left off because
    the case does not give a fact they need (rule name -> that fact): a case
    without a request date has no deadline for the request, and that is no error."""
    ev = Evaluation(rule_set, case, trace=False)
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
                              " ".join((rule.omschrijving or "").split()), v.to_json(value, rule.type),
                              depths[rule.name]))
    for facts in case.relations.values():
        for fact in facts:
            if fact.bekend_vanaf is not None:
                via = f" via {fact.bekend_via}" if fact.bekend_via else ""
                moments.append(Moment(fact.bekend_vanaf, f"{fact.relation.name}({fact.first}; {fact.second})",
                                      "bekend" if language == "nl" else "known",
                                      f"{fact.relation.article.citation}",
                                      f"de Dienst Toeslagen krijgt dit gegeven{via}"
                                      if language == "nl" else f"the administration learns this{via}", True))
    for person in case.persons.values():
        for name, timeline_ in person.facts.items():
            for entry in timeline_.entries:
                if entry.bekend_vanaf is not None:
                    via = f" via {entry.bekend_via}" if entry.bekend_via else ""
                    moments.append(Moment(entry.bekend_vanaf, f"{name} van {person.id}", str(entry.value), "",
                                          f"de Dienst Toeslagen krijgt dit gegeven{via}", True))
    moments.sort(key=lambda m: (m.day, m.depth, m.what))
    return moments, skipped, ev
