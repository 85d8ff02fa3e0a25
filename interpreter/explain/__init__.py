"""Explanations: the structured trace rendered through Jinja templates into
Dutch or English, as plain text, Markdown or HTML.

The templates only lay out; this module turns the trace into a view. First what
a reader needs (short.py: the answer, the calculation, the reasons); then, on
request (`full`, folded in HTML), the full derivation: grouped by article, each
rule once per run of months with the same reasoning (its values per period), and
the version of each article named once, under the sources."""

from __future__ import annotations

import datetime as dt
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.sandbox import SandboxedEnvironment

from .. import values as v
from ..api import carried_forward_values, defaulted_inputs, format_default, unconfirmed_values
from ..model import description_in
from ..trace import Step, citation as cite, rule_citation
from .words import fact_name_in, source_in

TEMPLATES = Path(__file__).with_name("templates")
FORMATS = {"tekst": "txt", "markdown": "md", "html": "html"}

_environment: SandboxedEnvironment | None = None


def environment() -> SandboxedEnvironment:
    global _environment
    if _environment is None:
        _environment = SandboxedEnvironment(
            loader=FileSystemLoader(str(TEMPLATES)),
            autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        _environment.filters["wrap"] = wrap
        _environment.filters["ljust"] = lambda text, width: str(text).ljust(width)
        _environment.filters["rjust"] = lambda text, width: str(text).rjust(width)
        _environment.filters["cell"] = cell
        _environment.filters["nobreak"] = lambda text: _protect(text).replace("\x00", "\u00a0")
    return _environment


# A space inside an amount or citation is not a place to break a line: '€ 5.389', 'art. 2', 'lid 6'.
_KEEP_TOGETHER = re.compile(r"(€|EUR|t/m) ")
_CITATION = re.compile(r"\S+ art\. \S+(?: lid \S+(?: (?:onder|en) [^\s;),]+)?)?")


def _protect(text: str) -> str:
    text = v.squash(text)  # the no-break space after '€' stays
    text = _CITATION.sub(lambda m: m.group(0).replace(" ", "\x00"), text)
    return _KEEP_TOGETHER.sub(lambda m: m.group(1) + "\x00", text)


def wrap(text, width: int = 80, indent: str = "", first: str | None = None) -> str:
    """Text wrapped to `width` columns; `first` starts the first line, `indent` the others."""
    first = indent if first is None else first
    text = _protect(text)
    lines = textwrap.wrap(text, width=width, initial_indent=first, subsequent_indent=indent,
                          break_long_words=False, break_on_hyphens=False)
    return "\n".join(lines).replace("\x00", " ")


def cell(text, width: int) -> list[str]:
    """A table cell of `width` columns: its lines."""
    text = _protect(text)
    lines = textwrap.wrap(text, width=max(width, 10), break_long_words=False, break_on_hyphens=False) or [""]
    return [line.replace("\x00", " ") for line in lines]


def render_explanation(result, language: str = "nl", fmt: str = "tekst", why: list[str] = (),
                       why_not: list[str] = (), what_changes: list[str] = (), full: bool = False) -> str:
    """The explanation of a result: the answer, the calculation and the reasons first;
    `full` adds the full derivation (HTML always has it, folded). `why` and `why_not` name
    rules whose value (or, for why_not, whose zero or false value) is explained down to the
    facts; `what_changes` names rules for which the facts that would change them are found."""
    from .short import short_view

    view = build_view(result, language)
    view["short"] = short_view(result, language)
    view["full"] = full or fmt == "html"
    view["why"] = why_view(result, language, why, why_not)
    view["what_changes"] = what_changes_view(result, language, what_changes)
    template = environment().get_template(f"{language}/uitleg.{FORMATS[fmt]}.j2")
    text = template.render(**view)
    if fmt == "html":  # € and its amount never wrap apart, also where a formula or law text has a plain space
        text = _AMOUNT_SPACE.sub("\\1\u00a0", text)
    return text


_AMOUNT_SPACE = re.compile(r"(€|EUR) (?=-?\d)")


# --- the view ----------------------------------------------------------------------


def what_changes_view(result, language: str, rule_names) -> list[dict]:
    from .whatif import what_changes

    sections = []
    for name in rule_names:
        _known_rule(result, name, "--wat-verandert")
        if name not in result.rules:  # not an outcome of this case yet: evaluate it too
            from ..api import evaluate

            result = evaluate(result.rule_set, result.case, rules=list(result.rules.values()) +
                              [result.rule_set.rule(name)])
        changes = what_changes(result.rule_set, result.case, result, name, language)
        sections.append({"rule": name, "changes": [{
            "if": c.description_nl if language == "nl" else c.description_en,
            "before": c.before, "after": c.after} for c in changes]})
    return sections


def _known_rule(result, name: str, option: str):
    if result.rule_set.rule(name) is None:
        from ..diagnostics import Diagnostic, Pos, RegelsError, suggest

        raise RegelsError(Diagnostic(Pos(option, 0, 0), f"onbekende regel '{name}'",
                                     suggest(name, [r.name for r in result.rule_set.rules()])))


def why_view(result, language: str, why_rules, why_not_rules) -> list[dict]:
    from .why import flatten, why

    sections = []
    for name, only_falsy in [(n, False) for n in why_rules] + [(n, True) for n in why_not_rules]:
        _known_rule(result, name, "--waarom")
        periods = []
        for period in why(result, name, only_falsy, language):
            months = [m for m in period["months"] if m is not None]
            label = v.format_months(months, language) if months else str(result.case.year)
            if period["person"]:
                label = f"{period['person']}, {label}"
            periods.append({"label": label, "lines": [
                {"depth": depth, "kind": r.kind, "text": r.text.split(" (")[0] if r.kind.startswith("regel") else r.text,
                 "value": r.value, "citation": r.citation, "source": r.source, "description": r.description,
                 "number": r.number, "ref": r.ref}
                for depth, r in flatten(period["reason"])]})
        sections.append({"rule": name, "not": only_falsy, "periods": periods})
    return sections


@dataclass
class StepView:
    number: int
    rule: str
    omschrijving: str | None
    citation: str
    url: str | None
    article_version: str
    publication: str | None
    period: str
    person: str | None
    value: str
    formula: str
    file: str
    exceptions: list = field(default_factory=list)
    parameters: list = field(default_factory=list)
    inputs: list = field(default_factory=list)
    values: list = field(default_factory=list)  # {label, value} per period where the value changes in the run
    lid: str | None = None
    article: str = ""  # the article's citation, by which the full derivation groups the steps
    version_note: str | None = None  # the version, where the case uses more than one of the article
    anchor: str = ""  # its id in the HTML derivation, so that the steps it rests on link to it
    rests_on: list = field(default_factory=list)  # {rule, person, anchor} of the steps its value rests on


def _rests_on(run: list, anchor_of: dict, steps: list) -> list[dict]:
    """The steps a run of months rests on, once each, in the order first read."""
    by_id = {s.id: s for s in steps}
    seen, found = set(), []
    for item in run:
        for dep in item.deps:
            anchor = anchor_of.get(dep)
            if anchor is None or anchor in seen or anchor == anchor_of[item.id]:
                continue
            seen.add(anchor)
            found.append({"rule": by_id[dep].rule.name, "person": by_id[dep].person, "anchor": anchor})
    return found


def _article_order(entry: dict):
    """WKB art. 2 before WKB art. 14: by law, then by article number."""
    law, _, number = entry["citation"].partition(" art. ")
    digits = "".join(c for c in number if c.isdigit())
    return (law.lower(), int(digits or 0), number)


def _version_label(version, language: str) -> str:
    date = lambda day: v.format_date(day, language)  # noqa: E731
    if language == "nl":
        text = f"versie geldig vanaf {date(version.geldig_vanaf)}"
        return text + (f" tot {date(version.geldig_tot)}" if version.geldig_tot else "")
    text = f"version in force from {date(version.geldig_vanaf)}"
    return text + (f" until {date(version.geldig_tot)}" if version.geldig_tot else "")


def _no_version_label(day, language: str) -> str:
    """Said where the article has no version in force on the day of a step (`regels check` warns)."""
    if language == "nl":
        return f"geen versie van het artikel geldt op {v.format_date(day, language)}"
    return f"no version of the article is in force on {v.format_date(day, language)}"


def _signature(step: Step):
    """Two months whose steps have the same signature are explained once (with their
    values per period, where those differ: 'peildatum' is the first day of each month)."""
    return (
        tuple(e.name for e in step.exceptions),
        tuple((p.name, str(pv.value), pv.vanaf, key) for p, pv, key in step.parameters),
        tuple((i["naam"], i["persoon"], str(i["waarde"])) for i in step.inputs),
        id(step.version),
    )


def _groups(steps: list[Step]):
    """Merge consecutive months of the same rule and person with the same reasoning."""
    order: list = []
    groups: dict = {}
    for step in steps:
        key = (step.rule.name, step.person)
        if key not in groups:
            groups[key] = []
            order.append(key)
        runs = groups[key]
        if (step.month is not None and runs and runs[-1][-1].month is not None
                and runs[-1][-1].month.next() == step.month and _signature(runs[-1][-1]) == _signature(step)):
            runs[-1].append(step)
        else:
            runs.append([step])
    for key in order:
        for run in sorted(groups[key], key=lambda r: (r[0].month or v.Month(0, 1))):
            yield run


def build_view(result, language: str = "nl") -> dict:
    fmt = lambda value, type_: v.format_value(value, type_, language)  # noqa: E731
    steps = []
    articles: dict = {}
    anchor_of: dict[str, str] = {}  # step id -> the anchor of the view that shows it
    runs = list(_groups(result.steps))
    for number, run in enumerate(runs, 1):
        for item in run:
            anchor_of[item.id] = f"stap-{number}"
    for run in runs:
        step = run[0]
        rule = step.effective
        article = step.rule.article
        version = rule.version_on(step.day)
        av = step.article_version
        citation = cite(article, step.lid)
        url = av.url if av else None
        articles.setdefault(article.citation, {"citation": article.citation, "wet": article.wet,
                                               "bwb": article.bwb, "versions": {}})
        if av:
            articles[article.citation]["versions"][av.geldig_vanaf] = {
                "label": _version_label(av, language), "publication": description_in(av, language, "publicatie"),
                "url": av.url}
        period = v.format_months([s.month for s in run], language) if step.month else str(result.case.year)
        if step.month:
            values = [{"label": v.format_months(months, language), "value": text}
                      for text, months in v.month_runs((s.month, fmt(s.value, step.rule.type)) for s in run)]
        else:
            values = [{"label": str(result.case.year), "value": fmt(step.value, step.rule.type)}]
        for item in values:
            item["text"] = f"{item['label']}: {item['value']}"
        steps.append(StepView(
            number=len(steps) + 1,
            rule=step.rule.name,
            omschrijving=description_in(step.rule, language),
            citation=citation,
            url=url,
            article_version=_version_label(av, language) if av else _no_version_label(step.day, language),
            publication=description_in(av, language, "publicatie") if av else None,
            period=period,
            person=step.person,
            value=values[0]["value"] if len(values) == 1 else "",
            values=values if len(values) > 1 else [],
            lid=step.lid,
            article=article.citation,
            version_note=_version_label(av, language) if av else _no_version_label(step.day, language),
            formula=v.squash(version.formula_text),
            file=f"{version.pos.file}:{version.pos.line}",
            exceptions=[{
                "rule": e.name,
                "citation": rule_citation(e, step.day),
                "condition": v.squash(e.version_on(step.day).condition_text or ""),
                "omschrijving": description_in(e, language),
            } for e in step.exceptions],
            parameters=[{
                "name": p.name if key is None else f"{p.name}({key})",
                "value": fmt(pv.value[key] if key is not None else pv.value, p.type),
                "since": v.format_date(pv.vanaf, language),
                "source": description_in(pv, language, "bron") or ("geen bron vermeld" if language == "nl" else "no source given"),
                "citation": p.citation_on(step.day),
            } for p, pv, key in step.parameters],
            inputs=[{
                "name": fact_name_in(i["naam"], language),
                "person": i["persoon"],
                "value": fmt(i["waarde"], i["type"]),
                "source": source_in(i["bron"], language, result.rule_set, result.case),
                "place": i["plaats"],
            } for i in step.inputs],
            anchor=anchor_of[step.id],
            rests_on=_rests_on(run, anchor_of, result.steps),
        ))
    outcomes = []
    for name, value in result.values.items():
        rule = result.rules[name]
        outcomes.append({"name": name, "omschrijving": description_in(rule, language), "value": fmt(value, rule.type),
                         "citation": cite(rule, rule.lid)})
    monthly = []
    for name, months in result.monthly.items():
        rule = result.rules[name]
        runs = v.month_runs((month, fmt(value, rule.type)) for month, value in months.items())
        monthly.append({"name": name, "omschrijving": description_in(rule, language),
                        "citation": cite(rule, rule.lid),
                        "periods": [{"label": v.format_months(m, language), "value": text} for text, m in runs]})
    # Articles whose parameters or facts were used count as used too (WML art. 8 for the
    # drempelinkomen, Awir art. 8 for the toetsingsinkomen).
    for step in result.steps:
        sources = [p.article for p, _, _ in step.parameters]
        for fact in step.inputs:
            name = fact["naam"].split("(")[0]
            definition = result.rule_set.input(name) or result.rule_set.relation(name)
            if definition is not None:
                sources.append(definition.article)
        for article in sources:
            entry = articles.setdefault(article.citation, {"citation": article.citation, "wet": article.wet,
                                                           "bwb": article.bwb, "versions": {}})
            version = article.version_on(step.day)
            if version:
                entry["versions"].setdefault(version.geldig_vanaf, {
                    "label": _version_label(version, language),
                    "publication": description_in(version, language, "publicatie"),
                    "url": version.url})
    by_article: dict = {}
    for step in steps:
        by_article.setdefault(step.article, []).append(step)
    sections = []
    for entry in sorted(articles.values(), key=_article_order):
        if entry["citation"] not in by_article:
            continue
        several = len({s.version_note for s in by_article[entry["citation"]]}) > 1
        for step in by_article[entry["citation"]]:
            if not several:
                step.version_note = None
        article = next(a for a in result.rule_set.articles if a.citation == entry["citation"])
        sections.append({"citation": entry["citation"], "wet": entry["wet"], "titel": description_in(article, language, "titel"),
                         "steps": by_article[entry["citation"]]})
    return {
        "title": description_in(result.case, language, "title"),
        "sections": sections,
        "omschrijving": description_in(result.case, language),
        "year": result.case.year,
        "case_file": result.case.path,
        "ruleset": f"{result.rule_set.name} {result.rule_set.version_label}",
        "outcomes": outcomes,
        "monthly": monthly,
        "unconfirmed": [{
            "rule": ", ".join(names),
            "parameter": p.name,
            "value": fmt(entry.value, p.type) if p.key_type is None else entry.raw,
            "since": v.format_date(entry.vanaf, language),
            "citation": p.citation_on(max(entry.vanaf, dt.date(result.case.year, 1, 1))),
            "reason": v.squash(description_in(entry, language, "onbevestigd")),
        } for p, entry, names in unconfirmed_values(result)],
        "carried_forward": [{
            "rule": ", ".join(names),
            "parameter": p.name,
            "value": fmt(entry.value, p.type) if p.key_type is None else entry.raw,
            "since": v.format_date(entry.vanaf, language),
            "from_year": entry.vanaf.year,
            "citation": p.citation_on(max(entry.vanaf, dt.date(result.case.year, 1, 1))),
        } for p, entry, names in carried_forward_values(result)],
        "defaulted": [{
            "rule": ", ".join(names),
            "input": inp.name,
            "value": format_default(inp, language),
            "persons": ", ".join(p for p in persons if p is not None),
            "citation": inp.article.citation,
            "reason": v.squash(description_in(inp, language)) if inp.omschrijving else "",
        } for inp, persons, names in defaulted_inputs(result)],
        "steps": steps,
        "articles": sorted(articles.values(), key=_article_order),
    }
