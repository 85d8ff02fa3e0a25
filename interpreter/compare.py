"""`regels vergelijk`: a case under the law and under a policy variant, side
by side, per month and in total, with the variant's rules that made each
difference."""

from __future__ import annotations

from dataclasses import dataclass, field

from . import values as v
from .api import RuleSets, evaluate, read_case_file
from .case import case_data, declared_variant
from .diagnostics import Diagnostic, Pos, RegelsError


@dataclass
class Difference:
    rule: str
    citation: str
    law: str
    variant: str
    months: list = field(default_factory=list)  # (month label, law, variant) for monthly rules
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


def compare(directory, case_path, variant: str | None, language: str = "nl"):
    variant = variant or declared_variant(case_data(case_path))
    if not variant:
        raise RegelsError(Diagnostic(Pos(str(case_path), 1, 1), "welke variant?",
                                     "geef --variant NAAM, of noem de variant in de casus: variant: NAAM"))
    rule_sets = RuleSets(directory)
    law = rule_sets.get()
    with_variant, case = read_case_file(case_path, rule_sets, variant)  # facts only the variant uses are read too
    variant_articles = {a.citation for a in with_variant.articles if a.artikel == variant}
    rows = []
    for name in _compared_rules(with_variant, case):
        try:
            a = evaluate(law, case, trace=False, rules=[law.rule(name)])
            b = evaluate(with_variant, case, trace=True, rules=[with_variant.rule(name)])
        except RegelsError:
            continue  # this case lacks the facts for this outcome (e.g. no procedure dates)
        rule = with_variant.rule(name)
        fmt = lambda x: v.format_value(x, rule.type, language)  # noqa: E731
        if name in a.monthly:
            months = [(str(m), fmt(x), fmt(b.monthly[name].get(m))) for m, x in a.monthly[name].items()
                      if b.monthly[name].get(m) != x]
            law_total = a.monthly[name]
            var_total = b.monthly[name]
            if not months:
                continue
            law_text = fmt(sum(law_total.values())) if rule.type.is_numeric else f"{sum(1 for x in law_total.values() if x)} maanden waar"
            var_text = fmt(sum(var_total.values())) if rule.type.is_numeric else f"{sum(1 for x in var_total.values() if x)} maanden waar"
            diff = Difference(name, rule.article.citation, law_text, var_text, months)
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
                    diff.because.append((exc.name, " ".join((exc.omschrijving or "").split())))
        rows.append(diff)
    variant_article = next(a for a in with_variant.articles if a.artikel == variant)
    return case, variant_article, rows
