"""Running a case file as a test: compare the expected values (each with its
source) with what the rules give, and describe every difference readably."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from . import values as v
from .api import Result, RuleSets, evaluate, read_case_file
from .case import Case
from .diagnostics import Diagnostic, Pos, RegelsError
from .model import RuleSet


@dataclass
class Comparison:
    """One expected value of a case against the value the rules give."""

    rule: str
    where: str | None  # a month or person, or None for the year
    expected: str
    actual: str
    bron: str
    pos: Pos
    ok: bool = False
    expected_json: object = None  # the two values as the JSON output writes them
    actual_json: object = None

    @property
    def name(self) -> str:
        return self.rule + (f" ({self.where})" if self.where else "")

    def format(self) -> str:
        return (f"{self.pos}: {self.name}\n"
                f"    verwacht: {self.expected}\n"
                f"    berekend: {self.actual}\n"
                f"    bron van de verwachting: {self.bron}")

    def to_json(self) -> dict:
        return {"uitkomst": self.rule, "waar": self.where, "goed": self.ok,
                "verwacht": self.expected_json, "berekend": self.actual_json,
                "verwacht_tekst": self.expected, "berekend_tekst": self.actual, "bron": self.bron,
                "bestand": self.pos.file, "regel": self.pos.line, "kolom": self.pos.column}


Mismatch = Comparison  # a comparison that failed


def same(expected, actual, type_: v.Type) -> bool:
    """Amounts compare on whole cents: an expected value is written in cents,
    the exact value is rounded half away from zero to cents for the comparison."""
    if actual is None:
        return False
    if type_ == v.BEDRAG:
        return Fraction(expected) == v.round_to(Fraction(actual), v.CENT, "rekenkundig")
    return expected == actual


def check_case(rule_set: RuleSet, case: Case, result: Result | None = None) -> tuple[Result, list[Mismatch]]:
    """The expected values of a case that the rules do not give."""
    result, comparisons = compare_case(rule_set, case, result)
    return result, [c for c in comparisons if not c.ok]


def compare_case(rule_set: RuleSet, case: Case, result: Result | None = None) -> tuple[Result, list[Comparison]]:
    """Every expected value of a case (each month, each person) against what the rules give."""
    result = result or evaluate(rule_set, case, trace=False)
    comparisons = []
    for exp in case.expectations:
        rule = exp.rule

        def compare(where, expected, actual, missing="geen waarde"):
            comparisons.append(Comparison(
                rule.name, where, v.format_value(expected, rule.type),
                v.format_value(actual, rule.type) if actual is not None else missing, exp.bron, exp.pos,
                same(expected, actual, rule.type), v.to_json(expected, rule.type),
                v.to_json(actual, rule.type) if actual is not None else None))

        if exp.per_maand is not None:
            got = result.monthly.get(rule.name, {})
            for month, expected in exp.per_maand.items():
                compare(str(month), expected, got.get(month), "geen waarde (regel geldt niet)")
        elif exp.per_persoon is not None:
            got = result.per_person.get(rule.name, {})
            for person, expected in exp.per_persoon.items():
                actual = got.get(person)
                if isinstance(expected, dict):  # a monthly rule per person
                    for month, month_expected in expected.items():
                        compare(f"{person}, {month}", month_expected, (actual or {}).get(month))
                else:
                    compare(person, expected, actual)
        else:
            compare(None, exp.value, result.values.get(rule.name))
    return result, comparisons


def check_case_file(path, rule_sets: RuleSets) -> tuple[Case, list[Mismatch]]:
    """Run a case file as a test: 'verwacht' under the law and, for a case that
    names a variant, 'verwacht_met_variant' under the law with that variant."""
    case, comparisons = compare_case_file(path, rule_sets)
    return case, [c for c in comparisons if not c.ok]


def compare_case_file(path, rule_sets: RuleSets) -> tuple[Case, list[Comparison]]:
    """Every expected value of a case file, passed or not (see check_case_file)."""
    law, case = read_case_file(path, rule_sets)
    if not case.expectations and not case.variant_expectations:
        raise RegelsError(Diagnostic(case.pos, "de casus heeft geen 'verwacht:'",
                                     "een testcasus noemt verwachte waarden, elk met een bron"))
    _, comparisons = compare_case(law, case)
    if case.variant_expectations:
        with_variant = rule_sets.get([case.variant])
        _, under_variant = compare_case(with_variant, case.for_rule_set(with_variant, case.variant_expectations))
        for comparison in under_variant:
            comparison.rule += f" (met variant {case.variant})"
        comparisons += under_variant
    return case, comparisons


# --- the report of 'regels test' -----------------------------------------------------------------


@dataclass
class CaseReport:
    """One case file run as a test: its comparisons, or the errors that stopped it."""

    file: str  # as the user named it (<stdin> for standard input)
    title: str | None = None
    comparisons: list[Comparison] = field(default_factory=list)
    errors: list[Diagnostic] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def status(self) -> str:
        """'fout' (the case could not be run), 'mis' (a value differs) or 'goed'."""
        if self.errors:
            return "fout"
        return "mis" if any(not c.ok for c in self.comparisons) else "goed"


def report_json(reports: list[CaseReport]) -> dict:
    """The report of 'regels test --json' (docs/cli.md)."""
    count = {status: sum(1 for r in reports if r.status == status) for status in ("goed", "mis", "fout")}
    return {"casussen": [{"bestand": r.file, "titel": r.title, "uitslag": r.status,
                          "verwachtingen": len(r.comparisons),
                          "verschillen": [c.to_json() for c in r.comparisons if not c.ok],
                          "fouten": [d.to_json() for d in r.errors]} for r in reports],
            "totaal": {"casussen": len(reports), **count}}


def junit_xml(reports: list[CaseReport]) -> str:
    """The report as JUnit XML, the format CI systems read: a testsuite per case
    file, a testcase per expected value (a case that could not be run is one
    testcase with an error), a failure naming expected and computed value and
    the source of the expectation."""
    import xml.etree.ElementTree as ET

    failures = sum(1 for r in reports for c in r.comparisons if not c.ok)
    errors = sum(1 for r in reports if r.errors)
    tests = sum(len(r.comparisons) if not r.errors else 1 for r in reports)
    root = ET.Element("testsuites", name="regels test", tests=str(tests), failures=str(failures),
                      errors=str(errors), time=f"{sum(r.seconds for r in reports):.3f}")
    for r in reports:
        classname = r.file.removesuffix(".yaml").replace("/", ".").replace("\\", ".")
        suite = ET.SubElement(root, "testsuite", name=r.file, tests=str(len(r.comparisons) if not r.errors else 1),
                              failures=str(sum(1 for c in r.comparisons if not c.ok)),
                              errors=str(1 if r.errors else 0), time=f"{r.seconds:.3f}", file=r.file)
        if r.title:
            properties = ET.SubElement(suite, "properties")
            ET.SubElement(properties, "property", name="casus", value=r.title)
        if r.errors:
            case = ET.SubElement(suite, "testcase", classname=classname, name="casus lezen en berekenen",
                                 file=r.file)
            first = r.errors[0]
            element = ET.SubElement(case, "error", type="fout", message=first.message)
            element.text = "\n".join(d.format() for d in r.errors)
            continue
        for c in r.comparisons:
            case = ET.SubElement(suite, "testcase", classname=classname, name=c.name, file=c.pos.file,
                                 line=str(c.pos.line))
            if not c.ok:
                element = ET.SubElement(case, "failure", type="verschil",
                                        message=f"verwacht {c.expected}, berekend {c.actual}")
                element.text = c.format()
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def summary_line(counts: dict[str, int]) -> str:
    """The last line of `regels test`: how many case files were right, wrong, or could not run."""
    return f"{counts.get('goed', 0)} goed, {counts.get('mis', 0)} mis, {counts.get('fout', 0)} fout"
