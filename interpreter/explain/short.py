"""The answer first: what a reader sees before the full derivation.

From the recorded trace alone (the steps and their values, parameters and
exceptions), and from what the rule files say in the reader's words (`zinnen`,
`opbouw`), this module builds: the answer to the case's question, one sentence
per outcome, the calculation top-down with article and lid per line, and the
decisive reasons, each a sentence. The interpreter knows no law: which rules
are a calculation or a reason, and how they are said, is written in rules/."""

from __future__ import annotations

from .. import values as v
from ..model import PLACEHOLDER, Parameter, Rule, additive_terms, description_in
from ..syntax import Name
from ..trace import citation as cite, rule_citation

NUMERIC = (v.BEDRAG, v.GETAL, v.GEHEEL, v.PERCENTAGE)
WIDTH = 80  # columns of the text explanation


def citation(step) -> str:
    return cite(step.effective, step.lid)


def person_name(person: str | None) -> str:
    """A person's id as a name in a sentence: 'sara' -> 'Sara'."""
    text = (person or "").replace("_", " ")
    return text[:1].upper() + text[1:]


def value_key(value, type_) -> str:
    """Which of a rule's sentences speaks of this value (model.SENTENCE_KEYS)."""
    if type_ == v.WAARHEID:
        return "waar" if value else "onwaar"
    if type_ in NUMERIC and value is not None and value == 0:
        return "nul"
    return "anders"


def period_label(months: list, year: int, language: str, whole_year_none: bool = True) -> str | None:
    """None for the whole year; 'vanaf april 2020' for a run to December; else 'januari t/m maart 2020'."""
    months = [m for m in months if m is not None]
    if not months or (len(months) == 12 and whole_year_none):
        return None
    first, last = months[0], months[-1]
    if last.month == 12 and first.month > 1:
        return ("vanaf " if language == "nl" else "from ") + f"{v.month_name(first.month, language)} {first.year}"
    return v.format_months(months, language)


class Trace:
    """The steps of a result, found by rule, person and month."""

    def __init__(self, result, language: str):
        self.result = result
        self.language = language
        self.year = result.case.year
        self.steps = result.steps
        self.index = {(id(s.rule), s.person, s.month): s for s in result.steps}
        self.said: set[int] = set()  # rules a reader has been told the value of

    def fmt(self, value, type_) -> str:
        return v.format_value(value, type_, self.language)

    def step(self, rule: Rule, person, month):
        person = person if rule.voor else None
        month = month if rule.per == "maand" else None
        return self.index.get((id(rule), person, month))

    def months_of(self, rule: Rule, person=None) -> list:
        return [s for s in self.steps if s.rule is rule and s.person == (person if rule.voor else None)
                and s.month is not None]

    def series(self, rule: Rule, person=None) -> str | None:
        """A monthly rule's values over the year in words: '€ 433,88, vanaf april € 454,13'."""
        steps = sorted(self.months_of(rule, person), key=lambda s: s.month)
        if not steps:
            return None
        parts, last = [], None
        for step in steps:
            text = self.fmt(step.value, rule.type)
            if text != last:
                word = "vanaf" if self.language == "nl" else "from"
                parts.append(text if last is None else f"{word} {v.month_name(step.month.month, self.language)} {text}")
                last = text
        return ", ".join(parts)

    # --- templates ------------------------------------------------------------------

    def fill(self, template: str, step, rule: Rule, used: set) -> str | None:
        """A template with its names filled in from the trace, or None when the trace
        of this step does not hold one of them (then the next template applies)."""
        refs = rule.sentences.refs if rule.sentences else {}
        missing = False

        def value_of(match):
            nonlocal missing
            name = match.group(1).strip()
            if name == "waarde":
                return self.fmt(step.value, step.rule.type)
            if name == "persoon":
                return person_name(step.person)
            if name == "jaar":
                return str(self.year)
            ref = refs.get(name)
            if isinstance(ref, Parameter):
                for parameter, entry, key in step.parameters:
                    if parameter is ref:
                        used.add(id(ref))
                        return self.fmt(entry.value[key] if key is not None else entry.value, ref.type)
            elif isinstance(ref, Rule):
                if ref.per == "maand" and step.month is None:
                    text = self.series(ref, step.person)
                    if text is not None:
                        used.add(id(ref))
                        return text
                else:
                    found = self.step(ref, step.person, step.month)
                    if found is not None:
                        used.add(id(ref))
                        return self.fmt(found.value, ref.type)
            missing = True
            return ""

        text = PLACEHOLDER.sub(value_of, template)
        return None if missing else v.squash(text)

    def text(self, step, part: str, rule: Rule | None = None, key: str | None = None) -> str | None:
        """The rule's sentence ('zin') or calculation label ('post') for this step's value."""
        rule = rule or step.rule
        if rule.sentences is None:
            return None
        key = key or value_key(step.value, step.rule.type)
        for template in rule.sentences.templates(self.language, part, key):
            used: set = set()
            filled = self.fill(template, step, rule, used)
            if filled is not None:
                self.said |= used
                return filled
        return None

    def has_sentence(self, rule: Rule) -> bool:
        return rule.sentences is not None and any("zin" in parts for parts in rule.sentences.texts.values())

    # --- sentences ------------------------------------------------------------------

    def sentences(self, rule: Rule) -> list[dict]:
        """The sentences a rule says over the year, per person, one per run of months
        that say the same: {'text', 'period', 'citation'}."""
        runs: dict = {}
        order = []
        for step in self.steps:
            if step.rule is not rule:
                continue
            text = self.text(step, "zin")
            if text is None:
                continue
            key = step.person
            if key not in runs:
                runs[key] = []
                order.append(key)
            group = runs[key]
            if (group and step.month is not None and group[-1]["text"] == text
                    and group[-1]["months"][-1].next() == step.month and group[-1]["citation"] == citation(step)):
                group[-1]["months"].append(step.month)
            else:
                group.append({"text": text, "months": [step.month], "citation": citation(step)})
        found = []
        for key in order:
            for run in runs[key]:
                found.append(self.sentence(run["text"], period_label(run["months"], self.year, self.language),
                                           run["citation"]))
        if found:
            self.said.add(id(rule))
        return found

    @staticmethod
    def sentence(text: str, period: str | None, cite: str) -> dict:
        text = text.rstrip(" .")
        text = text[:1].upper() + text[1:]
        where = f"{period}; {cite}" if period else cite
        return {"text": f"{text} ({where}).", "period": period, "citation": cite}

    # --- the calculation ------------------------------------------------------------

    def breakdown(self, rule: Rule) -> list[dict]:
        """The calculation of an 'opbouw: ja' rule, per run of months with the same lines:
        the first run in full, later runs only the lines that changed."""
        periods: list[dict] = []
        for step in self.steps:
            if step.rule is not rule:
                continue
            lines = self.breakdown_lines(step)
            if (periods and step.month is not None and periods[-1]["lines"] == lines
                    and periods[-1]["months"][-1].next() == step.month and periods[-1]["person"] == step.person):
                periods[-1]["months"].append(step.month)
            else:
                periods.append({"lines": lines, "months": [step.month], "person": step.person, "step": step})
        shown = []
        previous = None
        for period in periods:
            lines = period["lines"]
            label = period_label(period["months"], self.year, self.language)
            if previous is not None and len(previous) == len(lines) and previous[-1]["sign"] == "=":
                changed = [line for old, line in zip(previous[:-1], lines[:-1]) if old != line]
                lines = changed + [lines[-1]]
            heading = self.text(period["step"], "zin") if previous is None else None
            if previous is None:
                heading = (heading or ("Zo is het berekend" if self.language == "nl" else "How it was calculated"))
                heading = heading.rstrip(" .:") + (f", {label}" if label else "") + ":"
            else:
                heading = (label[:1].upper() + label[1:] if label else "") + ":"
            if period["person"]:
                heading = f"{person_name(period['person'])}: {heading}"
            shown.append({"heading": heading, "lines": lines})
            previous = period["lines"]
        if shown:
            self.said.add(id(rule))
        return shown

    def breakdown_lines(self, step) -> list[dict]:
        version = step.rule.version_on(step.day)
        lines = []
        for sign, term in additive_terms(version.formula):
            ref = term.ref if isinstance(term, Name) else None
            if isinstance(ref, Rule):
                found = self.step(ref, step.person, step.month)
                if found is None:
                    continue
                self.said.add(id(ref))
                lines.append({"sign": "−" if sign == "-" else "+", "amount": self.fmt(found.value, ref.type),
                              "label": self.text(found, "post") or ref.name.replace("_", " "),
                              "citation": citation(found)})
            elif isinstance(ref, Parameter):
                for parameter, entry, key in step.parameters:
                    if parameter is ref:
                        value = entry.value[key] if key is not None else entry.value
                        lines.append({"sign": "−" if sign == "-" else "+", "amount": self.fmt(value, ref.type),
                                      "label": v.squash(description_in(ref, self.language)
                                                        or ref.name.replace("_", " ")),
                                      "citation": ref.citation_on(step.day)})
                        break
        if lines and lines[0]["sign"] == "+":
            lines[0]["sign"] = " "
        for exception in step.exceptions:
            word = "uitzondering" if self.language == "nl" else "exception"
            lines.append({"sign": " ", "amount": "",
                          "label": f"{word}: " + v.squash(description_in(exception, self.language)
                                                          or exception.name),
                          "citation": rule_citation(exception, step.day)})
        lines.append({"sign": "=", "amount": self.fmt(step.value, step.rule.type),
                      "label": self.text(step, "post") or step.rule.name.replace("_", " "),
                      "citation": citation(step)})
        return lines


def short_view(result, language: str) -> dict:
    """The first screen: question and answer, outcomes, calculation, reasons."""
    trace = Trace(result, language)
    case = result.case
    question_rule = case.question_rule
    question = case.question.get(language) or case.question.get("nl")
    answer = []
    if question_rule is not None:
        answer = trace.sentences(question_rule) or _plain(trace, question_rule)
    headline = []
    for name, rule in result.rules.items():
        if rule is question_rule or rule.per == "maand" or rule.voor or not trace.has_sentence(rule):
            continue
        headline.extend(trace.sentences(rule))
    calculations = []
    for rule in _in_trace_order(result, lambda r: r.breakdown):
        calculations.extend(trace.breakdown(rule))
    reasons = []
    for rule in _leaves_first(_in_trace_order(result, trace.has_sentence)):
        if rule is question_rule or rule.breakdown or (rule.name in result.rules and rule.per != "maand"
                                                       and not rule.voor):
            continue
        reasons.extend(trace.sentences(rule))
    others = []
    for name, rule in result.rules.items():
        if id(rule) in trace.said or rule is question_rule:
            continue
        others.extend(_plain(trace, rule))
    lines = [line for c in calculations for line in c["lines"]]
    amount = max([len(line["amount"]) for line in lines] or [0])
    cite = max([len(line["citation"]) for line in lines] or [0])
    widths = {"amount": amount, "label": max(24, WIDTH - 2 - 2 - amount - 2 - 2 - cite)}
    return {"question": question, "answer": answer, "headline": headline, "calculations": calculations,
            "reasons": reasons, "others": others, "widths": widths}


def _leaves_first(rules: list[Rule]) -> list[Rule]:
    """A reason comes after the reasons it rests on: echtgenoot, then toeslagpartner."""
    memo: dict = {}

    def below(rule: Rule) -> set:
        if id(rule) not in memo:
            memo[id(rule)] = set()
            found = set()
            for dep in rule.dependencies() + list(rule.exceptions):
                if isinstance(dep, Rule):
                    found.add(id(dep))
                    found |= below(dep)
            memo[id(rule)] = found
        return memo[id(rule)]

    left, ordered = list(rules), []
    while left:
        ids = {id(r) for r in left}
        ready = next((r for r in left if not (below(r) & (ids - {id(r)}))), left[0])
        ordered.append(ready)
        left.remove(ready)
    return ordered


def _in_trace_order(result, keep) -> list[Rule]:
    seen, rules = set(), []
    for step in result.steps:
        if id(step.rule) not in seen:
            seen.add(id(step.rule))
            if keep(step.rule):
                rules.append(step.rule)
    return rules


def _plain(trace: Trace, rule: Rule) -> list[dict]:
    """An outcome without sentences: its name, value (per period) and ground."""
    steps = [s for s in trace.steps if s.rule is rule and s.person is None]
    if not steps:
        return []
    # in English the rule's English description, not its Dutch name
    name = (v.squash(description_in(rule, "en")) if trace.language == "en" and rule.omschrijving_en
            else rule.name.replace("_", " "))
    if steps[0].month is None:
        return [{"text": f"{name}: {trace.fmt(steps[0].value, rule.type)} ({citation(steps[0])}).",
                 "period": None, "citation": citation(steps[0])}]
    runs = v.month_runs((s.month, trace.fmt(s.value, rule.type)) for s in sorted(steps, key=lambda s: s.month))
    parts = [f"{period_label(months, trace.year, trace.language, whole_year_none=False)}: {text}"
             for text, months in runs]
    return [{"text": f"{name}: {'; '.join(parts)} ({citation(steps[0])}).", "period": None,
             "citation": citation(steps[0])}]
