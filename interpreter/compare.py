"""`regels vergelijk`: a case under the law and under a policy variant, side
by side, per month and in total, with the variant's rules that made each
difference.

A monthly value is added up over the year only where the rule set does so
itself: a yearly rule whose formula is 'som van X over m in maanden' says that
X is an amount for its month (WKB art. 2: kindgebonden_budget_jaar sums
kindgebonden_budget_maand). Other monthly values may be rates 'op jaarbasis'
(the ALO-kop of lid 6 is € 3.389 in every month of 2025, not € 40.668 over
the year), counts or dates: those are shown per month, without a total."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

from . import values as v
from .api import RuleSets, evaluate, read_case_data
from .case import case_data, declared_variant
from .diagnostics import Diagnostic, Pos, RegelsError
from .evaluate import DeadlineExceeded
from .model import Rule, description_in
from .syntax import Name, Quantifier


@dataclass
class Difference:
    rule: str
    citation: str
    law: str
    variant: str
    months: list = field(default_factory=list)  # (month label, law, variant) for monthly rules
    summed_by: str | None = None  # for a monthly rule: the yearly rule that adds its months up
    note: str | None = None  # for a monthly rule: what its total is, or why there is none
    because: list = field(default_factory=list)  # variant rules that applied: (name, omschrijving)
    law_json: object = None
    variant_json: object = None


def _compared_rules(rule_set, case):
    names = []
    for rule in rule_set.rules():
        if rule.target is None and not rule.voor and (rule.uitkomst or rule.timeline):
            names.append(rule.name)
    for rule in case.requested + [e.rule for e in case.expectations]:
        if rule.name not in names and not rule.voor:
            names.append(rule.name)
    return names


def summing_rules(rule_set, year: int) -> dict[str, Rule]:
    """Per monthly rule that the rule set adds up over the year, the yearly rule
    that does so: its formula (in force on 1 January) is 'som van X over m in
    maanden', with no condition."""
    sums = {}
    for rule in rule_set.rules():
        version = rule.version_on(dt.date(year, 1, 1))
        if rule.per == "maand" or rule.voor or version is None:
            continue
        f = version.formula
        if (isinstance(f, Quantifier) and f.kind == "som" and f.cond is None
                and isinstance(f.domain, Name) and f.domain.name == "maanden" and f.domain.qualifier is None
                and isinstance(f.body, Name) and isinstance(f.body.ref, Rule) and f.body.ref.per == "maand"):
            sums.setdefault(f.body.ref.name, rule)
    return sums


def _month_summary(values, rule, summed_by, fmt) -> tuple[str, object]:
    """The text and JSON for a monthly rule's column: the year total where the
    rule set adds the months up; else no total (JSON null), and as text the
    number of months for a yes/no rule, or the value if it is the same in every
    month."""
    values = list(values)
    if summed_by is not None and rule.type.is_numeric:
        total = sum(values)
        return fmt(total), v.to_json(total, rule.type)
    if rule.type == v.WAARHEID:
        return f"{sum(1 for x in values if x)} maanden waar", None
    if values and all(x == values[0] for x in values):
        return f"elke maand {fmt(values[0])}", None
    return "verschilt per maand", None


def compare(rule_sets: RuleSets, case_path, variant: str | None, language: str = "nl", data=None,
            deadline: float | None = None):
    """The differences between law and variant for a case file, or for a case
    already parsed (`data`, with `case_path` its name); `deadline` is a time limit
    in seconds for all of its evaluations together (api.evaluate)."""
    data = case_data(case_path) if data is None else data
    variant = variant or declared_variant(data)
    if not variant:
        raise RegelsError(Diagnostic(Pos(data.pos.file if hasattr(data, "pos") else str(case_path), 1, 1), "welke variant?",
                                     "geef --variant NAAM, of noem de variant in de casus: variant: NAAM"))
    ends = None if deadline is None else time.monotonic() + deadline  # one limit for all the evaluations
    law = rule_sets.get()
    with_variant, case = read_case_data(data, rule_sets, variant)  # facts only the variant uses are read too
    variant_articles = {a.citation for a in with_variant.articles if a.artikel == variant}
    sums_law, sums_variant = summing_rules(law, case.year), summing_rules(with_variant, case.year)
    rows = []
    for name in _compared_rules(with_variant, case):
        try:
            a = evaluate(law, case, trace=False, rules=[law.rule(name)], deadline=_left(ends))
            b = evaluate(with_variant, case, trace=True, rules=[with_variant.rule(name)], deadline=_left(ends))
        except DeadlineExceeded:
            raise
        except RegelsError:
            continue  # this case lacks the facts for this outcome (e.g. no procedure dates)
        rule = with_variant.rule(name)
        fmt = lambda x: v.format_value(x, rule.type, language)  # noqa: E731
        if name in a.monthly:
            months = [(str(m), fmt(x), fmt(b.monthly[name].get(m))) for m, x in a.monthly[name].items()
                      if b.monthly[name].get(m) != x]
            if not months:
                continue
            # what a rule's months mean is the law's to say; a rule of the variant's own, the variant's
            summed_by = (sums_law if law.rule(name) is not None else sums_variant).get(name)
            law_text, law_json = _month_summary(a.monthly[name].values(), rule, summed_by, fmt)
            var_text, var_json = _month_summary(b.monthly[name].values(), rule, summed_by, fmt)
            diff = Difference(name, rule.article.citation, law_text, var_text, months, law_json=law_json,
                              variant_json=var_json, summed_by=summed_by.name if summed_by else None)
            if summed_by is not None:
                diff.note = (f"het totaal is de som van de maanden, zoals {summed_by.name} "
                             f"({summed_by.article.citation}{' lid ' + summed_by.lid if summed_by.lid else ''})")
            elif rule.type != v.WAARHEID:
                diff.note = ("geen totaal: de regelset telt de maanden van deze regel nergens op "
                             "(een bedrag op jaarbasis, een aantal of een datum is per maand)")
        else:
            x, y = a.values.get(name), b.values.get(name)
            if x == y:
                continue
            diff = Difference(name, rule.article.citation, fmt(x), fmt(y), law_json=v.to_json(x, rule.type),
                              variant_json=v.to_json(y, rule.type))
        seen = set()
        for step in b.steps:
            for exc in step.exceptions:
                if exc.article.citation in variant_articles and exc.name not in seen:
                    seen.add(exc.name)
                    diff.because.append((exc.name, " ".join((description_in(exc, language) or "").split())))
        rows.append(diff)
    variant_article = next(a for a in with_variant.articles if a.artikel == variant)
    return case, variant_article, rows


def _left(ends: float | None) -> float | None:
    """The seconds left before `ends` (a time.monotonic() moment), for api.evaluate(deadline=...)."""
    return None if ends is None else max(ends - time.monotonic(), 0.001)


def compare_json(case, variant, rows) -> dict:
    """What `regels vergelijk --json` and POST /vergelijk give for compare()'s outcome."""
    return {"casus": case.title, "berekeningsjaar": case.year, "variant": variant.artikel,
            "verschillen": [{"regel": r.rule, "bron": r.citation, "wet": r.law_json,
                             "variant": r.variant_json, "opgeteld_in": r.summed_by,
                             "per_maand": [{"maand": m, "wet": a, "variant": b} for m, a, b in r.months],
                             "door": [{"regel": n, "omschrijving": o} for n, o in r.because]}
                            for r in rows]}
