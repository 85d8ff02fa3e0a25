"""Running a case file as a test: compare the expected values (each with its
source) with what the rules give, and describe every difference readably."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from . import values as v
from .api import Result, RuleSets, evaluate, read_case_file
from .case import Case
from .diagnostics import Diagnostic, Pos, RegelsError
from .model import RuleSet


@dataclass
class Mismatch:
    rule: str
    where: str | None  # a month or person, or None for the year
    expected: str
    actual: str
    bron: str
    pos: Pos

    def format(self) -> str:
        place = f" ({self.where})" if self.where else ""
        return (f"{self.pos}: {self.rule}{place}\n"
                f"    verwacht: {self.expected}\n"
                f"    berekend: {self.actual}\n"
                f"    bron van de verwachting: {self.bron}")


def same(expected, actual, type_: v.Type) -> bool:
    """Amounts compare on whole cents: an expected value is written in cents,
    the exact value is rounded half away from zero to cents for the comparison."""
    if actual is None:
        return False
    if type_ == v.BEDRAG:
        return Fraction(expected) == v.round_to(Fraction(actual), v.CENT, "rekenkundig")
    return expected == actual


def check_case(rule_set: RuleSet, case: Case, result: Result | None = None) -> tuple[Result, list[Mismatch]]:
    result = result or evaluate(rule_set, case, trace=False)
    mismatches = []
    for exp in case.expectations:
        rule = exp.rule
        show = lambda value: v.format_value(value, rule.type)  # noqa: E731
        if exp.per_maand is not None:
            got = result.monthly.get(rule.name, {})
            for month, expected in exp.per_maand.items():
                actual = got.get(month)
                if not same(expected, actual, rule.type):
                    mismatches.append(Mismatch(rule.name, str(month), show(expected),
                                               show(actual) if actual is not None else "geen waarde (regel geldt niet)",
                                               exp.bron, exp.pos))
        elif exp.per_persoon is not None:
            got = result.per_person.get(rule.name, {})
            for person, expected in exp.per_persoon.items():
                actual = got.get(person)
                if isinstance(expected, dict):  # a monthly rule per person
                    for month, month_expected in expected.items():
                        month_actual = (actual or {}).get(month)
                        if not same(month_expected, month_actual, rule.type):
                            mismatches.append(Mismatch(rule.name, f"{person}, {month}", show(month_expected),
                                                       show(month_actual), exp.bron, exp.pos))
                elif not same(expected, actual, rule.type):
                    mismatches.append(Mismatch(rule.name, person, show(expected), show(actual), exp.bron, exp.pos))
        else:
            actual = result.values.get(rule.name)
            if not same(exp.value, actual, rule.type):
                mismatches.append(Mismatch(rule.name, None, show(exp.value), show(actual), exp.bron, exp.pos))
    return result, mismatches


def check_case_file(path, rule_sets: RuleSets) -> tuple[Case, list[Mismatch]]:
    """Run a case file as a test: 'verwacht' under the law and, for a case that
    names a variant, 'verwacht_met_variant' under the law with that variant."""
    law, case = read_case_file(path, rule_sets)
    if not case.expectations and not case.variant_expectations:
        raise RegelsError(Diagnostic(case.pos, "de casus heeft geen 'verwacht:'",
                                     "een testcasus noemt verwachte waarden, elk met een bron"))
    _, mismatches = check_case(law, case)
    if case.variant_expectations:
        with_variant = rule_sets.get([case.variant])
        _, under_variant = check_case(with_variant, case.for_rule_set(with_variant, case.variant_expectations))
        for mismatch in under_variant:
            mismatch.rule += f" (met variant {case.variant})"
        mismatches += under_variant
    return case, mismatches
