"""'Waarom (niet)': why a rule has the value it has, as a tree of reasons.

The formula that produced the value is walked again in the same context: a
condition shows whether it held and, for 'en'/'of', which part decided it; a
quantifier names the person or month that made it true (or says none did); a
reference to another rule is explained in turn, down to the facts and their
sources. Values come from the evaluation's memo, so nothing is recomputed
differently from the result itself."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .. import values as v
from ..evaluate import Ctx, Evaluation, compiled
from ..formula_text import render as _render
from ..model import Input, Parameter, Relation, Rule
from ..syntax import AtDate, Binary, Call, If, Name, Node, Quantifier, Unary, Van


@dataclass
class Reason:
    kind: str  # regel | voorwaarde | gegeven | parameter | getuige | geen
    text: str  # what is stated: a formula part, a rule name, a fact
    value: str = ""
    citation: str = ""
    source: str = ""  # where a fact or parameter value comes from
    description: str = ""  # the rule's omschrijving
    children: list["Reason"] = field(default_factory=list)


def _citation(rule: Rule, day: dt.date) -> str:
    version = rule.version_on(day)
    lid = (version.lid if version and version.lid else None) or rule.lid
    return f"{rule.article.afkorting} art. {rule.article.artikel}" + (f" lid {lid}" if lid else "")


class Explainer:
    def __init__(self, ev: Evaluation, language: str = "nl", max_depth: int = 12):
        self.ev = ev
        self.language = language
        self.max_depth = max_depth
        self.explained: set = set()  # a rule is explained once; later mentions refer back

    def fmt(self, value, type_) -> str:
        return v.format_value(value, type_, self.language)

    def rule(self, rule: Rule, person, month, depth: int = 0, seen: frozenset = frozenset()) -> Reason:
        """Why `rule` (for this person and month) has its value."""
        value = self.ev.rule_value(rule, person, month)
        day = month.first_day() if month else dt.date(self.ev.year, 1, 1)
        name = rule.name + (f" van {person}" if person else "") + (f" ({month})" if month else "")
        reason = Reason("regel", name, self.fmt(value, rule.type), _citation(rule, day),
                        description=rule.omschrijving or "")
        key = (rule.name, person, month)
        if depth >= self.max_depth or key in seen or key in self.explained:
            reason.kind = "regel_eerder"
            return reason
        self.explained.add(key)
        seen = seen | {key}
        ctx = Ctx(self.ev, month, {rule.voor: person} if rule.voor else {}, day)
        version, applied = rule.version_on(day), None
        # The exception that decided the value, if any, is the first reason.
        current = rule
        while True:
            chosen = None
            for exception in current.exceptions:
                exc_version = exception.version_on(day)
                if exc_version is not None and compiled(exc_version.condition)(ctx):
                    chosen = (exception, exc_version)
                    break
            if chosen is None:
                break
            current, version = chosen
            applied = current
        if applied is not None:
            cond = Reason("voorwaarde", f"uitzondering {applied.name}: {' '.join(version.condition_text.split())}",
                          self.fmt(True, v.WAARHEID), _citation(applied, day),
                          description=applied.omschrijving or "")
            cond.children = self.node(version.condition, ctx, depth + 1, seen)
            reason.children.append(cond)
        reason.children.extend(self.node(version.formula, ctx, depth + 1, seen))
        return reason

    def node(self, node: Node, ctx: Ctx, depth: int, seen) -> list[Reason]:
        """The reasons inside a formula part: only the parts that decided it."""
        if isinstance(node, If):
            cond = compiled(node.cond)(ctx)
            reason = Reason("voorwaarde", _text(node.cond), self.fmt(cond, v.WAARHEID))
            reason.children = self.node(node.cond, ctx, depth, seen)
            branch = node.then if cond else node.other
            return [reason] + self.node(branch, ctx, depth, seen)
        if isinstance(node, Binary) and node.op in ("en", "of"):
            left, right = compiled(node.left)(ctx), compiled(node.right)(ctx)
            decisive = []
            if node.op == "en":
                decisive = [n for n, val in ((node.left, left), (node.right, right)) if not val] or [node.left, node.right]
            else:
                decisive = [n for n, val in ((node.left, left), (node.right, right)) if val] or [node.left, node.right]
            reasons = []
            for part in decisive:
                if isinstance(part, Binary) and part.op == node.op:
                    reasons.extend(self.node(part, ctx, depth, seen))
                    continue
                value = compiled(part)(ctx)
                reason = Reason("voorwaarde", _text(part), self.fmt(value, part.type))
                reason.children = self.node(part, ctx, depth, seen)
                reasons.append(reason)
            return reasons
        if isinstance(node, Unary) and node.op == "niet":
            return self.node(node.operand, ctx, depth, seen)
        if isinstance(node, Quantifier) and node.kind in ("er_is_een", "voor_alle", "aantal"):
            return self.quantifier(node, ctx, depth, seen)
        if isinstance(node, AtDate):
            date = compiled(node.date)(ctx)
            inner = Ctx(ctx.ev, ctx.month, ctx.vars, ctx.day, date, ctx.own_month)
            return self.node(node.expr, inner, depth, seen)
        reasons = []
        for ref_node in _references(node):
            reasons.extend(self.reference(ref_node, ctx, depth, seen))
        return reasons

    def quantifier(self, node: Quantifier, ctx: Ctx, depth: int, seen) -> list[Reason]:
        months = node.domain.type.elem == v.MAAND
        hits, misses = [], []
        for item in compiled(node.domain)(ctx):
            inner = ctx.bind(node.var, item, item if months else None)
            holds = compiled(node.cond)(inner) if node.cond is not None else True
            (hits if holds else misses).append((item, inner))
        label = lambda item: str(item)  # noqa: E731
        if node.kind == "voor_alle":
            relevant, found = misses, False
        else:
            relevant, found = hits, True
        if not relevant:
            text = ("voor alle " if node.kind == "voor_alle" else "voor geen enkele ") + f"{node.var} in {_text(node.domain)}"
            return [Reason("geen", text, "")]
        reasons = []
        for item, inner in relevant[:5]:
            reason = Reason("getuige", f"{node.var} = {label(item)}", self.fmt(found, v.WAARHEID))
            if node.cond is not None:
                reason.children = self.node(node.cond, inner, depth, seen)
            reasons.append(reason)
        return reasons

    def reference(self, node: Node, ctx: Ctx, depth: int, seen) -> list[Reason]:
        if isinstance(node, Van) and node.kind == "kenmerk":
            person = compiled(node.right)(ctx)
            ref = node.left.ref
            if isinstance(ref, Rule):
                month = ctx.month if ref.per == "maand" else None
                return [self.rule(ref, person, month, depth, seen)]
            return [self.fact(ref, person, ctx)]
        if isinstance(node, Name):
            ref = node.ref
            if isinstance(ref, Rule):
                month = ctx.month if ref.per == "maand" else None
                return [self.rule(ref, None, month, depth, seen)]
            if isinstance(ref, Input):
                return [self.fact(ref, None, ctx)]
            if isinstance(ref, Parameter) and ref.key_type is None:
                entry = ref.value_on(ctx.read_day)
                return [Reason("parameter", ref.name, self.fmt(entry.value, ref.type),
                               f"{ref.article.afkorting} art. {ref.article.artikel}" + (f" lid {ref.lid}" if ref.lid else ""),
                               source=entry.bron or "")]
            return []
        if isinstance(node, Call) and isinstance(node.ref, Relation):
            first, second = (compiled(a)(ctx) for a in node.args)
            fact = self.ev.relation_fact(node.ref, first, second, ctx)
            text = f"{node.ref.name}({first}; {second})"
            source = (fact.bron or "casus") + f"; {fact.pos.file}:{fact.pos.line}" if fact else "niet in de casus"
            return [Reason("gegeven", text, self.fmt(fact is not None, v.WAARHEID), source=source)]
        return []

    def fact(self, inp: Input, person, ctx: Ctx) -> Reason:
        day = ctx.read_day
        timeline = self.ev.case.persons[person].facts.get(inp.name) if person else self.ev.case.facts.get(inp.name)
        entry = timeline.at(day) if timeline else None
        if entry is None:
            value, source = inp.default, f"standaardwaarde uit {inp.article.citation}"
        else:
            value, source = entry.value, (entry.bron or "casus") + f"; {entry.pos.file}:{entry.pos.line}"
        text = inp.name + (f" van {person}" if person else "")
        return Reason("gegeven", text, self.fmt(value, inp.type), source=source)


def _text(node: Node) -> str:
    """The formula text of a node, as the author wrote it, when available."""
    return getattr(node, "source_text", None) or _render(node)


def _references(node: Node):
    """Rule references, facts and parameters directly inside an expression
    (not inside nested conditions, which explain themselves)."""
    from ..syntax import children

    if isinstance(node, (Name, Van)) or (isinstance(node, Call) and isinstance(node.ref, Relation)):
        yield node
        return
    if isinstance(node, (If, Quantifier)):
        return
    for child in children(node):
        yield from _references(child)


def why(result, rule_name: str, only_falsy: bool = False, language: str = "nl") -> list[dict]:
    """Reasons per period (grouped months with the same reasoning) for a rule of
    a result; with only_falsy, only the periods where it is zero or false."""
    ev = result.evaluation
    rule = result.rule_set.rule(rule_name)
    if rule is None:
        return []
    explainer = Explainer(ev, language)
    periods = []
    months = result.case.months if rule.per == "maand" else [None]
    people = [None]
    if rule.voor:
        people = [p for p in result.case.persons]
    for person in people:
        for month in months:
            if month is not None and rule.version_on(month.first_day()) is None:
                continue
            value = ev.rule_value(rule, person, month)
            if only_falsy and value not in (False, 0):
                continue
            explainer.explained.clear()
            reason = explainer.rule(rule, person, month)
            signature = _signature(reason)
            if periods and periods[-1]["signature"] == signature and periods[-1]["person"] == person:
                periods[-1]["months"].append(month)
            else:
                periods.append({"signature": signature, "person": person, "months": [month], "reason": reason})
    return periods


def _signature(reason: Reason):
    """Months whose reasons read the same (apart from the month) are explained once."""
    text = reason.text.split(" (")[0] if reason.kind.startswith("regel") else reason.text
    return (text, reason.value, tuple(_signature(c) for c in reason.children))


def flatten(reason: Reason, depth: int = 0):
    """(depth, reason) pairs, parents first, for templates."""
    yield depth, reason
    for child in reason.children:
        yield from flatten(child, depth + 1)
