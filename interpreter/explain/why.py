"""'Waarom (niet)': why a rule has the value it has, as a tree of reasons, read
from the recorded trace alone (trace.py): nothing is computed again.

A step is explained by walking its formula with what the evaluator recorded
while computing it: the branch each `als` took, the part of an `en` or `of`
that decided it, the person or month that made a quantifier true (or false,
or none that did), the exception that applied; a reference to another rule is
the step it read, explained in turn, down to the facts with their sources and
the parameter values with theirs. Each step is explained once and numbered;
a later mention refers to that number."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .. import values as v
from ..formula_text import render
from ..model import Input, Parameter, Relation, Rule, description_in
from ..syntax import AsKnown, AtDate, Binary, Call, If, Lit, Name, Node, Quantifier, Unary, Van, With, children
from ..trace import Step, citation, format_item, rule_citation
from .words import fact_name_in, source_in

# How many items of a quantifier are explained one by one (the rest are counted).
MAX_ITEMS_EXPLAINED = 12


@dataclass
class Reason:
    kind: str  # regel | regel_eerder | voorwaarde | gegeven | parameter | getuige | geen
    text: str  # what is stated: a formula part, a rule name, a fact
    value: str = ""
    citation: str = ""
    source: str = ""  # where a fact or parameter value comes from
    description: str = ""  # the rule's omschrijving
    children: list["Reason"] = field(default_factory=list)
    number: int | None = None  # a step's number where it is explained ('regel')
    ref: int | None = None  # the number of the step explained before ('regel_eerder')
    step_id: str | None = field(default=None, repr=False)  # the step of a 'regel' or 'regel_eerder'


_text = render  # formula text in the language's own syntax (formula_text.py)

_UNKNOWN = object()  # a value the trace does not give


class _Scope:
    """Where a part of a formula is explained: the step, the variables bound (the
    rule's person, the quantifiers' items), which of those a quantifier bound (a
    choice is found by those: a quantifier computed once for all persons recorded
    its choices under the person it was first computed for), and the month."""

    __slots__ = ("step", "vars", "qvars", "month")

    def __init__(self, step: Step, vars_: dict, qvars: dict, month):
        self.step, self.vars, self.qvars, self.month = step, vars_, qvars, month

    def bind(self, name, item) -> "_Scope":
        month = item if isinstance(item, v.Month) else self.month
        return _Scope(self.step, {**self.vars, name: item}, {**self.qvars, name: item}, month)


class Explainer:
    def __init__(self, steps: list[Step], language: str = "nl", max_depth: int = 60, rule_set=None, case=None):
        self.language = language
        self.rule_set, self.case = rule_set, case  # to say the sources of facts in English (words.source_in)
        self.of = " van " if language == "nl" else " of "
        self.max_depth = max_depth
        self.by_key = {(id(s.rule), s.person, s.month): s for s in steps}
        self.by_id = {s.id: s for s in steps}
        self.numbers: dict[str, int] = {}  # step id -> its number in this explanation
        self._choices: dict[str, dict] = {}

    def fmt(self, value, type_) -> str:
        return v.format_value(value, type_, self.language)

    def source(self, text) -> str:
        return source_in(text, self.language, self.rule_set, self.case) or ""

    def said(self, dutch: str, english: str) -> str:
        return dutch if self.language == "nl" else english

    def reset(self) -> None:
        self.numbers.clear()

    # steps ------------------------------------------------------------------------

    def step(self, step: Step, depth: int = 0) -> Reason:
        """Why `step` has its value."""
        rule = step.rule
        name = (rule.name + (f"{self.of}{step.person}" if step.person else "")
                + (f" ({v.format_month(step.month, self.language)})" if step.month else ""))
        reason = Reason("regel", name, self.fmt(step.value, rule.type), rule_citation(step.effective, step.day),
                        description=description_in(rule, self.language) or "", step_id=step.id)
        if step.id in self.numbers:
            reason.kind, reason.ref = "regel_eerder", self.numbers[step.id]
            return reason
        reason.number = self.numbers[step.id] = len(self.numbers) + 1
        if depth >= self.max_depth:
            return reason
        scope = _Scope(step, {rule.voor: step.person} if rule.voor else {}, {}, step.month)
        for exception in step.exceptions:  # the exceptions that applied, outermost first
            version = exception.version_on(step.day)
            cond = Reason("voorwaarde", f"{self.said('uitzondering', 'exception')} {exception.name}: "
                                        f"{_text(version.condition)}",
                          self.fmt(True, v.WAARHEID), rule_citation(exception, step.day),
                          description=description_in(exception, self.language) or "")
            cond.children = self.node(version.condition, True, scope, depth + 1)
            reason.children.append(cond)
        version = step.effective_version
        reason.children.extend(self.node(version.formula, step.value, scope, depth + 1))
        return reason

    # what the step recorded -------------------------------------------------------------

    def choice(self, node: Node, scope: _Scope):
        """(value, detail) of the choice recorded at `node` under the scope's quantifier
        items, or None if the evaluation did not get there."""
        index = self._choices.get(scope.step.id)
        if index is None:
            index = self._choices[scope.step.id] = {}
            for recorded, bound, value, detail in scope.step.choices:
                index.setdefault(id(recorded), []).append((bound, value, detail))
        for bound, value, detail in index.get(id(node), ()):
            if all(bound.get(name, _UNKNOWN) == item for name, item in scope.qvars.items()):
                return value, detail
        return None

    def dep(self, rule: Rule, person, scope: _Scope):
        """The steps for `rule` (for `person`, if known) that the step read."""
        month = scope.month if rule.per == "maand" else None
        if person is not _UNKNOWN:
            found = self.by_key.get((id(rule), person, month))
            return [found] if found is not None and found.id in scope.step.deps else []
        found = []
        for step_id in scope.step.deps:
            step = self.by_id.get(step_id)
            if step is not None and step.rule is rule and step.month == month:
                found.append(step)
        return found

    def value_of(self, node: Node, scope: _Scope):
        """The value of a simple part (a literal, a variable, a fact, a rule's step) as the
        trace records it; _UNKNOWN for anything else."""
        if isinstance(node, Lit):
            return node.value
        if isinstance(node, Name):
            ref = node.ref
            if isinstance(ref, tuple):
                return scope.vars.get(node.name, _UNKNOWN) if ref[0] == "var" else _UNKNOWN
            if isinstance(ref, Rule):
                found = self.dep(ref, None, scope)
                return found[0].value if len(found) == 1 else _UNKNOWN
            if isinstance(ref, Input):
                found = self.inputs(ref.name, None, scope)
                return found[0]["waarde"] if len(found) == 1 else _UNKNOWN
        if isinstance(node, Van) and node.kind == "kenmerk":
            person = self.value_of(node.right, scope)
            ref = node.left.ref
            if isinstance(ref, Rule):
                found = self.dep(ref, person, scope)
                return found[0].value if len(found) == 1 else _UNKNOWN
            if isinstance(ref, Input) and person is not _UNKNOWN:
                found = self.inputs(ref.name, person, scope)
                return found[0]["waarde"] if len(found) == 1 else _UNKNOWN
        return _UNKNOWN

    def inputs(self, name: str, person, scope: _Scope, prefix: bool = False) -> list[dict]:
        return [i for i in scope.step.inputs
                if (i["naam"].startswith(name) if prefix else i["naam"] == name)
                and (person is _UNKNOWN or i["persoon"] == person)]

    # the parts of a formula ------------------------------------------------------------

    def node(self, node: Node, value, scope: _Scope, depth: int) -> list[Reason]:
        """The reasons inside a formula part whose value (if known) is `value`: for a
        condition, only the parts that decided it."""
        if isinstance(node, If):
            chosen = self.choice(node, scope)
            if chosen is None:
                return []
            cond = chosen[0]
            reason = Reason("voorwaarde", _text(node.cond), self.fmt(cond, v.WAARHEID))
            reason.children = self.node(node.cond, cond, scope, depth)
            return [reason] + self.node(node.then if cond else node.other, value, scope, depth)
        if isinstance(node, Binary) and node.op in ("en", "of"):
            return self.logic(node, value, scope, depth)
        if isinstance(node, Unary) and node.op == "niet":
            return self.node(node.operand, (not value) if isinstance(value, bool) else _UNKNOWN, scope, depth)
        if isinstance(node, Quantifier):
            return self.quantifier(node, scope, depth)
        if isinstance(node, AsKnown):
            return self.as_known(node, scope, depth)
        if isinstance(node, With):
            return [Reason("gegeven", fact_name_in(i["naam"], self.language), self.fmt(i["waarde"], i["type"]),
                           source=self.source(i["bron"]))
                    for i in self.inputs("waarbij (", None, scope, prefix=True)]
        if isinstance(node, AtDate):
            # the facts read on that date are those the step recorded, with their date; the
            # date itself (mostly the month's peildatum) is left out, so that months that
            # read the same facts are explained once
            return self.node(node.expr, value, scope, depth)
        reference = self.reference(node, scope, depth)
        if reference is not None:
            return reference
        reasons = []
        for child in children(node):
            reasons.extend(self.node(child, _UNKNOWN, scope, depth))
        return reasons

    def logic(self, node: Binary, value, scope: _Scope, depth: int) -> list[Reason]:
        """The parts of an 'en' or 'of' that decided it."""
        chosen = self.choice(node, scope)
        if chosen is None:
            parts = self._parts_unrecorded(node, value, scope)
        else:
            left, whole = chosen
            if node.op == "en":
                parts = [(node.left, left)] if not left else (
                    [(node.right, whole)] if not whole else [(node.left, left), (node.right, whole)])
            else:
                parts = [(node.left, left)] if left else (
                    [(node.right, whole)] if whole else [(node.left, left), (node.right, whole)])
        reasons = []
        for part, part_value in parts:
            if isinstance(part, Binary) and part.op == node.op:  # a en b en c: one list
                reasons.extend(self.logic(part, part_value, scope, depth))
                continue
            shown = self.fmt(part_value, v.WAARHEID) if isinstance(part_value, bool) else ""
            reason = Reason("voorwaarde", _text(part), shown)
            reason.children = self.node(part, part_value, scope, depth)
            reasons.append(reason)
        return reasons

    def _parts_unrecorded(self, node: Binary, value, scope: _Scope) -> list:
        """The parts of an 'en' or 'of' the evaluator computed one by one rather than as a
        whole (the conditions of a quantifier it computes once per item): each part with
        its value as far as the trace gives it; the decisive ones if known."""
        parts = [(p, self.truth(p, scope)) for p in _operands(node, node.op)]
        if node.op == "en" and value is True or node.op == "of" and value is False:
            return [(p, value) for p, _ in parts]
        deciding = node.op == "of"  # the value of a part that decides: onwaar for 'en', waar for 'of'
        unknown = [p for p, x in parts if x is _UNKNOWN]
        if isinstance(value, bool) and len(unknown) == 1 and all(x is not deciding for _, x in parts):
            # all other parts were known not to decide it: this one did
            parts = [(p, deciding if p is unknown[0] else x) for p, x in parts]
        decisive = [(p, x) for p, x in parts if x is deciding]
        return decisive[:1] or parts

    def truth(self, node: Node, scope: _Scope):
        """The value of a condition as the trace records it, or _UNKNOWN."""
        if isinstance(node, Unary) and node.op == "niet":
            inner = self.truth(node.operand, scope)
            return (not inner) if isinstance(inner, bool) else _UNKNOWN
        if isinstance(node, (Binary, Quantifier)):
            chosen = self.choice(node, scope)
            if chosen is None:
                return _UNKNOWN
            return chosen[1] if isinstance(node, Binary) else chosen[0]
        found = self.value_of(node, scope)
        return found if isinstance(found, bool) else _UNKNOWN

    def quantifier(self, node: Quantifier, scope: _Scope, depth: int) -> list[Reason]:
        chosen = self.choice(node, scope)
        if chosen is None:
            return []
        value, detail = chosen
        over = f"{node.var} in {_text(node.domain)}"
        if node.kind in ("er_is_een", "voor_alle") and bool(value) == (node.kind == "er_is_een"):
            # the item that made it true ('er is een') or false ('voor alle')
            found = node.kind == "er_is_een"
            inner = scope.bind(node.var, detail)
            reason = Reason("getuige", f"{node.var} = {format_item(detail, self.language)}",
                            self.fmt(found, v.WAARHEID))
            reason.children = self.node(node.cond, found, inner, depth)
            return [reason] + self.node(node.domain, _UNKNOWN, scope, depth)
        items = detail or ()
        if node.kind == "er_is_een":  # none did: why not, for each
            head, holds = f"{self.said('voor geen enkele', 'for no')} {over}: {_text(node.cond)}", False
        elif node.kind == "voor_alle":  # all did
            head, holds = f"{self.said('voor alle', 'for every')} {over}: {_text(node.cond)}", True
        elif not items:
            return [Reason("geen", f"{self.said('geen enkele', 'no')} {over}"
                           + (f" {self.said('waarvoor', 'for which')} {_text(node.cond)}" if node.cond else ""),
                           "")] + self.node(node.domain, _UNKNOWN, scope, depth)
        else:  # aantal, som: the items counted or summed
            head, holds = (f"{node.var} in {_text(node.domain)}" + (f" {self.said('waarvoor', 'for which')} {_text(node.cond)}"
                                                                    if node.cond is not None else "")), True
        reasons = [Reason("geen", head, "")]
        for item in items[:MAX_ITEMS_EXPLAINED]:
            inner = scope.bind(node.var, item)
            reason = Reason("voorwaarde", f"{node.var} = {format_item(item, self.language)}",
                            self.fmt(holds, v.WAARHEID) if node.cond is not None else "")
            if node.cond is not None:
                reason.children = self.node(node.cond, holds, inner, depth)
            if node.body is not None:
                reason.children.extend(self.node(node.body, _UNKNOWN, inner, depth))
            reasons.append(reason)
        if len(items) > MAX_ITEMS_EXPLAINED:
            reasons.append(Reason("geen", f"... ({len(items) - MAX_ITEMS_EXPLAINED} meer)" if self.language == "nl"
                                  else f"... ({len(items) - MAX_ITEMS_EXPLAINED} more)", ""))
        return reasons + self.node(node.domain, _UNKNOWN, scope, depth)

    def as_known(self, node: AsKnown, scope: _Scope, depth: int) -> list[Reason]:
        """The value as the administration knew it, and how each fact stood with it then
        (which channel had brought it, since when; or not yet)."""
        day = self.value_of(node.date, scope)
        entries = self.inputs("zoals bekend op ", None, scope, prefix=True)
        if isinstance(day, dt.date):
            entries = [i for i in entries if i["naam"] == f"zoals bekend op {day.isoformat()}"]
        reasons = self.node(node.date, _UNKNOWN, scope, depth)
        for entry in entries:
            known_day = dt.date.fromisoformat(entry["datum"])
            reason = Reason("gegeven", f"{_text(node.expr)} {self.said('zoals bekend op', 'as known on')} {entry['datum']}",
                            self.fmt(entry["waarde"], entry["type"]), source=self.source(entry["bron"]))
            for channel_day, facts in scope.step.channels:
                if channel_day == known_day:
                    reason.children.extend(self.known_fact(fact) for fact in facts)
            reasons.append(reason)
        return reasons

    def known_fact(self, fact) -> Reason:
        nl = self.language == "nl"
        via = (f"via {description_in(fact.channel, self.language, 'naam')} ({fact.channel.citation})"
               if fact.channel is not None
               else ("volgens de casus" if nl else "as the case states"))
        if fact.known:
            value, source = ("bekend" if nl else "known"), f"{via}, " + (f"sinds {fact.day.isoformat()}" if nl
                                                                          else f"since {fact.day.isoformat()}")
        elif fact.day is not None:
            value = "nog niet bekend" if nl else "not known yet"
            source = (f"later bekend {via} op {fact.day.isoformat()}" if nl
                      else f"known later {via} on {fact.day.isoformat()}")
        else:
            value, source = ("nog niet bekend" if nl else "not known yet"), ("ook later niet" if nl else "nor later")
        return Reason("gegeven", fact.what, value, source=source)

    # references ------------------------------------------------------------------------

    def reference(self, node: Node, scope: _Scope, depth: int):
        """The reasons for a reference to a rule, a fact, a relation or a parameter
        (None if `node` is none of these)."""
        if isinstance(node, Van) and node.kind == "kenmerk":
            person = self.value_of(node.right, scope)
            ref = node.left.ref
            around = self.node(node.right, _UNKNOWN, scope, depth) if person is _UNKNOWN else []
            if isinstance(ref, Rule):
                return around + [self.step(s, depth) for s in self.dep(ref, person, scope)]
            return around + self.facts(ref, person, scope)
        if isinstance(node, Name):
            ref = node.ref
            if isinstance(ref, Rule):
                return [self.step(s, depth) for s in self.dep(ref, None, scope)]
            if isinstance(ref, Input):
                return self.facts(ref, None, scope)
            if isinstance(ref, Parameter):
                return self.parameter(ref, None, scope)
            return []
        if isinstance(node, Call):
            if isinstance(node.ref, Parameter):  # a table: naam(sleutel)
                key = self.value_of(node.args[0], scope)
                return self.node(node.args[0], _UNKNOWN, scope, depth) + self.parameter(node.ref, key, scope)
            if isinstance(node.ref, Relation):
                return self.relation(node, scope, depth)
            if node.func == "begin":  # its relation is explained where its existence was tested (als ... dan begin(...))
                return []
            if node.func == "opgegeven":
                arg = node.args[0]
                name = arg.left.ref.name if isinstance(arg, Van) else arg.ref.name
                return [Reason("gegeven", fact_name_in(i["naam"], self.language), self.fmt(i["waarde"], i["type"]),
                           source=self.source(i["bron"]))
                        for i in self.inputs(f"opgegeven({name}", None, scope, prefix=True)]
        return None

    def facts(self, inp: Input, person, scope: _Scope) -> list[Reason]:
        return [Reason("gegeven", inp.name + (f"{self.of}{i['persoon']}" if i["persoon"] else ""),
                       self.fmt(i["waarde"], i["type"]), source=self.source(f"{i['bron']}; {i['plaats']}"))
                for i in self.inputs(inp.name, person, scope)]

    def parameter(self, parameter: Parameter, key, scope: _Scope) -> list[Reason]:
        found = []
        for p, entry, k in scope.step.parameters:
            if p is parameter and (key is _UNKNOWN or k == key):
                value = entry.value[k] if k is not None else entry.value
                found.append(Reason("parameter", parameter.name + (f"({k})" if k is not None else ""),
                                    self.fmt(value, parameter.type), citation(parameter.article, parameter.lid_on(scope.step.day)),
                                    source=description_in(entry, self.language, "bron") or ""))
        return found

    def relation(self, node: Call, scope: _Scope, depth: int) -> list[Reason]:
        relation = node.ref
        first, second = (self.value_of(a, scope) for a in node.args)
        reasons = [r for a, x in zip(node.args, (first, second)) if x is _UNKNOWN
                   for r in self.node(a, _UNKNOWN, scope, depth)]
        if first is not _UNKNOWN and second is not _UNKNOWN:
            names = {f"{relation.name}({first}; {second})"}
            if relation.symmetric:
                names.add(f"{relation.name}({second}; {first})")
            found = [i for i in scope.step.inputs if i["naam"] in names]
            if not found:  # the evaluator records a relation that holds; this one did not
                return reasons + [Reason("gegeven", f"{relation.name}({first}; {second})",
                                         self.fmt(False, v.WAARHEID), source="niet in de casus"
                                         if self.language == "nl" else "not in the case")]
        else:
            found = self.inputs(f"{relation.name}(", None, scope, prefix=True)
        return reasons + [Reason("gegeven", i["naam"], self.fmt(i["waarde"], i["type"]),
                                 source=self.source(f"{i['bron']}; {i['plaats']}")) for i in found]


def _operands(node: Node, op: str) -> list:
    """a en b en c -> [a, b, c]."""
    if isinstance(node, Binary) and node.op == op:
        return _operands(node.left, op) + _operands(node.right, op)
    return [node]


def why(result, rule_name: str, only_falsy: bool = False, language: str = "nl") -> list[dict]:
    """Reasons per period (grouped months with the same reasoning) for a rule of
    a result, from its trace; with only_falsy, only the periods where it is zero
    or false. A rule the result did not compute is computed by the API first."""
    from ..api import with_rule

    rule = result.rule_set.rule(rule_name)
    if rule is None:
        return []
    result = with_rule(result, rule)
    persons = list(result.case.persons)
    steps = sorted((s for s in result.steps if s.rule is rule),
                   key=lambda s: (persons.index(s.person) if s.person in persons else -1, s.month or v.Month(0, 1)))
    explainer = Explainer(result.steps, language, rule_set=result.rule_set, case=result.case)
    # the signature of a step's reasoning, with every step it rests on in full; one
    # explainer for all months, so that a step shared by months is walked once
    signatures = _Signatures(Explainer(result.steps, language, rule_set=result.rule_set, case=result.case))
    periods = []
    for step in steps:
        if only_falsy and step.value not in (False, 0):
            continue
        signature = signatures.of(step)
        last = periods[-1] if periods else None
        if (last and last["signature"] == signature and last["person"] == step.person
                and step.month is not None and last["months"][-1] is not None
                and last["months"][-1].next() == step.month):
            last["months"].append(step.month)
            continue
        explainer.reset()
        periods.append({"signature": signature, "person": step.person, "months": [step.month],
                        "reason": explainer.step(step)})
    return periods


class _Signatures:
    """Months whose reasons read the same (apart from the month) are explained once: a
    step's signature is its rule, its value and the signatures of its reasons, the steps
    it rests on included in full (however the explanation numbers them)."""

    def __init__(self, explainer: Explainer):
        self.explainer = explainer
        self.memo: dict[str, tuple] = {}

    def of(self, step: Step) -> tuple:
        if step.id not in self.memo:
            self._walk(self.explainer.step(step))
        return self.memo[step.id]

    def _walk(self, reason: Reason) -> tuple:
        if reason.kind == "regel_eerder":
            return self.memo[reason.step_id]
        signature = (reason.text.split(" (")[0] if reason.kind == "regel" else reason.text, reason.value,
                     tuple(self._walk(child) for child in reason.children))
        if reason.kind == "regel":
            self.memo[reason.step_id] = signature
        return signature


def flatten(reason: Reason, depth: int = 0):
    """(depth, reason) pairs, parents first, for templates."""
    yield depth, reason
    for child in reason.children:
        yield from flatten(child, depth + 1)
