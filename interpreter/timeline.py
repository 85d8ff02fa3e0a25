"""`regels tijdlijn`: the steps of a berekeningsjaar over time. Which rules
belong on the timeline is said in the rule files ('tijdlijn: ja' for a date,
or the name of the date an amount or decision falls on); facts that became
known later ('bekend_vanaf' in the case) are moments on the timeline too.

The evaluator computes the values, dates and the days facts became known
(api.evaluate_timeline, trace.TimelineTrace); this module only lays them out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from . import values as v
from .api import evaluate_timeline
from .model import Rule, description_in
from .trace import citation


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


def _rule_citation(rule) -> str:
    return citation(rule, rule.lid or next((ver.lid for ver in rule.versions if ver.lid), None))


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


@dataclass
class Timeline:
    moments: list[Moment]
    skipped: dict[str, str]  # rule name -> the fact the case does not give, so the step does not occur
    never_known: list[str]  # facts the administration had not learned by the last moment
    until: dt.date
    truths: list  # (Rule, value): the rule set's yearly outcomes on the true facts


def timeline(rule_set, case, language: str = "nl", deadline: float | None = None) -> Timeline:
    """The moments of the case in date order, including the days on which the
    administration learned facts and through which channel; the steps left
    off because the case does not give a fact they need (a case without a
    request date has no deadline for the request, and that is no error); and
    the facts that never became known. `deadline` is a time limit in seconds
    (api.evaluate)."""
    data = evaluate_timeline(rule_set, case, deadline=deadline)
    depths = _depths(rule_set)
    moments = [Moment(day, rule.name, v.format_value(value, rule.type, language), _rule_citation(rule),
                      v.squash(description_in(rule, language) or ""), v.to_json(value, rule.type), depths[rule.name])
               for rule, value, day in data.dated]
    unknown: list[str] = []
    for fact in data.learned:
        if not (fact.relation or fact.stated):
            continue  # a fact of a person is a moment only if the case says when it became known
        if fact.found is None:
            unknown.append(fact.what)
            continue
        day, channel = fact.found
        if not fact.stated and day <= fact.since:
            continue  # known as soon as it was true: not a moment of its own
        via = channel_label(channel, language)
        moments.append(Moment(day, fact.what, "bekend" if language == "nl" else "known",
                              channel.citation if channel is not None else fact.citation,
                              f"de Dienst Toeslagen krijgt dit gegeven {via}" if language == "nl"
                              else f"the administration learns this {via}", True))
    moments.sort(key=lambda m: (m.day, m.depth, m.what))
    return Timeline(moments, data.skipped, unknown, data.until, data.truths)


def channel_label(channel, language: str) -> str:
    """'via de Basisregistratie Personen (BRP)', or how a case's own date reads."""
    if channel is None:
        return "(volgens de casus)" if language == "nl" else "(as the case states)"
    return f"via {description_in(channel, language, 'naam')}"


def timeline_json(rule_set, case, result: Timeline) -> dict:
    """What `regels tijdlijn --json` and POST /tijdlijn give."""
    return {"casus": case.title, "berekeningsjaar": case.year,
            "regelset": rule_set.version, "tijdlijn": [m.to_json() for m in result.moments],
            "volgens_de_wet": {r.name: v.to_json(x, r.type) for r, x in result.truths},
            "niet_op_de_tijdlijn": [{"regel": n, "ontbreekt": i} for n, i in result.skipped.items()],
            "nooit_bekend": result.never_known, "nooit_bekend_tot": result.until.isoformat()}
