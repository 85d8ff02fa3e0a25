"""Both backends on the same cases: every value of every rule the columnar
backend compiles, for every person and month, against the interpreter (the
reference), to the exact fraction, and the same error where the interpreter
raises one."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from .. import values as v
from ..diagnostics import RegelsError
from ..evaluate import Evaluation, MissingFact
from ..model import Rule, RuleSet
from . import batch
from .compiler import Plan
from .tables import Population


@dataclass
class Mismatch:
    case: str
    rule: str
    person: str | None
    month: int | None
    interpreter: object
    columnar: object

    def __str__(self) -> str:
        where = "".join([f"[{self.person}]" if self.person else "", f"@{self.month}" if self.month else ""])
        return f"{self.case}: {self.rule}{where}: interpreter {self.interpreter!r}, columnar {self.columnar!r}"


def _kind_of(exc: RegelsError) -> str:
    if isinstance(exc, MissingFact):
        return "ontbreekt"
    text = exc.diagnostics[0].message
    for words, kind in (("tegenstrijdige", "tegenstrijdig"), ("deling door nul", "deling_door_nul"),
                        ("geldt niet op", "niet_in_werking"), ("heeft geen waarde op", "parameter"),
                        ("heeft geen waarde voor", "tabel"), ("begin(", "begin"), ("bestaat niet", "datum")):
        if words in text:
            return kind
    return "anders"


def _same(a, b, rule: Rule) -> bool:
    if rule.type.name in v.NUMERIC or rule.type.name == "jaar":
        return Fraction(a) == Fraction(b)
    return a == b


def compare(rule_set: RuleSet, plan: Plan, cases: list, rules: list[Rule] | None = None) -> tuple[int, list[Mismatch]]:
    """(number of values compared, mismatches) over `cases` for `rules` (by
    default every rule that compiles)."""
    rules = rules if rules is not None else plan.compiled_rules()
    population = Population.from_cases(rule_set, cases)
    result = batch.run(plan, population, rules)
    compared, found = 0, []
    for h, case in enumerate(cases):
        ev = Evaluation(rule_set, case, trace=False)
        people = list(case.persons)
        for rule in rules:
            for p in (range(len(people)) if rule.voor else [None]):
                for month in (range(1, 13) if rule.per == "maand" else [None]):
                    expected, expected_error = None, None
                    try:
                        expected = ev.rule_value(rule, people[p] if p is not None else None,
                                                 v.Month(case.year, month) if month else None)
                    except RegelsError as exc:
                        expected_error = exc
                    got, site = result.cell(rule, h, p, month)
                    compared += 1
                    if expected_error is not None:
                        same = site is not None and site.kind == _kind_of(expected_error) and (
                            not isinstance(expected_error, MissingFact) or site.input_name == expected_error.input_name)
                        if not same:
                            found.append(Mismatch(case.path, rule.name, people[p] if p is not None else None, month,
                                                  expected_error.diagnostics[0].message,
                                                  site.format() if site else got))
                    elif site is not None or not _same(expected, got, rule):
                        found.append(Mismatch(case.path, rule.name, people[p] if p is not None else None, month,
                                              expected, site.format() if site else got))
    return compared, found
