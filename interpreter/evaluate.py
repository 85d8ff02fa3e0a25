"""Evaluate a case against a checked rule set, with a structured trace.

Formulas are compiled once into Python closures. A rule is evaluated for a
person (if it has 'voor:') and a month (if it has 'per: maand'), memoised on
that key. The law date of an evaluation, which picks the rule version, the
article version and the parameter values, is the first day of the month, or
1 January of the berekeningsjaar for yearly rules. Facts that change over time
and parameter values are read on that date too, unless the formula says
'op <datum>'.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from . import values as v
from .case import Case
from .diagnostics import Pos, RegelsError, error
from .knowledge import first_known
from .model import Input, Parameter, Relation, Rule, RuleSet
from .syntax import AsKnown, AtDate, Binary, Call, If, ListLit, Lit, Name, Node, Quantifier, Round, Unary, Van, With


class EvaluationError(RegelsError):
    pass


class MissingFact(EvaluationError):
    """The case does not give a fact a rule needs (and the input has no default)."""

    def __init__(self, diagnostics, input_name: str):
        super().__init__(diagnostics)
        self.input_name = input_name


# --- the trace -----------------------------------------------------------------


@dataclass
class Step:
    """One evaluated rule: its value and everything the value rests on."""

    id: str
    rule: Rule
    person: str | None
    month: v.Month | None
    day: dt.date
    version: Any  # RuleVersion
    article_version: Any  # ArticleVersion or None
    value: Any = None
    exceptions: list = field(default_factory=list)  # Rules whose exception applied, outermost first
    parameters: list = field(default_factory=list)  # (Parameter, ParamValue, key of a table or None)
    inputs: list = field(default_factory=list)  # dicts, see _record_input
    deps: list = field(default_factory=list)  # step ids

    @property
    def effective(self):
        """The rule (or exception) whose formula produced the value."""
        return self.exceptions[-1] if self.exceptions else self.rule

    @property
    def lid(self) -> str | None:
        rule = self.effective
        version = rule.version_on(self.day)
        return (version.lid if version and version.lid else None) or rule.lid

    def to_json(self) -> dict:
        rule = self.rule
        article = rule.article
        av = self.article_version
        effective = self.effective
        effective_version = effective.version_on(self.day)
        return {
            "id": self.id,
            "regel": rule.name,
            "omschrijving": rule.omschrijving,
            "wet": article.wet,
            "bwb": article.bwb,
            "artikel": article.artikel,
            "lid": self.lid,
            "bron": _citation(effective, self.lid),
            "artikelversie": None if av is None else {
                "geldig_vanaf": av.geldig_vanaf.isoformat(),
                "geldig_tot": av.geldig_tot.isoformat() if av.geldig_tot else None,
                "publicatie": av.publicatie,
                "url": av.url,
            },
            "regelversie": {
                "geldig_vanaf": effective_version.geldig_vanaf.isoformat(),
                "geldig_tot": effective_version.geldig_tot.isoformat() if effective_version.geldig_tot else None,
            },
            "bestand": f"{effective_version.pos.file}:{effective_version.pos.line}",
            "formule": " ".join(effective_version.formula_text.split()),
            "persoon": self.person,
            "maand": self.month.key() if self.month else None,
            "type": str(rule.type),
            "waarde": v.to_json(self.value, rule.type),
            **({"exact": v.exact_string(self.value)}
               if rule.type.name in ("bedrag", "getal") and not v.is_whole_cents(self.value) else {}),
            "uitzonderingen": [{
                "regel": e.name,
                "bron": _citation(e, (e.version_on(self.day).lid if e.version_on(self.day) else None) or e.lid),
                "indien": " ".join((e.version_on(self.day).condition_text or "").split()),
            } for e in self.exceptions],
            "parameters": [{
                "naam": p.name,
                **({"sleutel": key} if key is not None else {}),
                "waarde": v.to_json(pv.value[key] if key is not None else pv.value, p.type),
                "geldig_vanaf": pv.vanaf.isoformat(),
                "bron": pv.bron,
                "artikel": _citation(p.article, p.lid),
                "bestand": f"{pv.pos.file}:{pv.pos.line}",
            } for p, pv, key in self.parameters],
            "invoer": [dict(i, waarde=v.to_json(i["waarde"], i["type"]), type=str(i["type"]))
                       for i in self.inputs],
            "afhankelijk_van": list(self.deps),
        }


def _citation(item, lid: str | None) -> str:
    """'WKB art. 2 lid 6' for a rule, parameter or article."""
    article = getattr(item, "article", item)
    text = f"{article.afkorting} art. {article.artikel}"
    if lid:
        text += f" lid {lid}"
    return text


# --- evaluation context ------------------------------------------------------------


class Ctx:
    """What a formula is evaluated in: the month (if any), bound variables, the
    law date, and the date on which facts are read."""

    __slots__ = ("ev", "month", "vars", "day", "at", "own_month")

    def __init__(self, ev, month, vars_, day, at=None, own_month=None):
        self.ev, self.month, self.vars, self.day, self.at = ev, month, vars_, day, at
        # 'maand' in a formula: the month the rule is computed for, also inside
        # 'som ... over m in maanden', where other rules are read for month m.
        self.own_month = own_month if own_month is not None else month

    def bind(self, name, value, month=None):
        new_vars = dict(self.vars)
        new_vars[name] = value
        if month is not None:
            return Ctx(self.ev, month, new_vars, month.first_day(), self.at, self.own_month)
        return Ctx(self.ev, self.month, new_vars, self.day, self.at, self.own_month)

    @property
    def read_day(self) -> dt.date:
        return self.at or self.day


# --- compiling formulas to closures --------------------------------------------------


def compiled(node: Node):
    fn = getattr(node, "_fn", None)
    if fn is None:
        fn = _compile(node)
        node._fn = fn
    return fn


def _fail(pos: Pos, message: str, hint: str | None = None):
    raise EvaluationError(error(pos, message, hint).diagnostics)


def _compile(node: Node):
    if isinstance(node, Lit):
        value = node.value
        return lambda c: value
    if isinstance(node, Name):
        return _compile_name(node)
    if isinstance(node, Van):
        return _compile_van(node)
    if isinstance(node, Call):
        return _compile_call(node)
    if isinstance(node, Unary):
        operand = compiled(node.operand)
        if node.op == "niet":
            return lambda c: not operand(c)
        return lambda c: -operand(c)
    if isinstance(node, Binary):
        return _compile_binary(node)
    if isinstance(node, AtDate):
        expr, date_fn = compiled(node.expr), compiled(node.date)

        def at_date(c):
            return expr(Ctx(c.ev, c.month, c.vars, c.day, date_fn(c), c.own_month))
        return at_date
    if isinstance(node, AsKnown):
        expr, date_fn = compiled(node.expr), compiled(node.date)
        text = node  # for the trace

        def as_known(c):
            day = date_fn(c)
            known = c.ev.known_on(day)
            value = c.ev.in_other(known, lambda: expr(Ctx(known, c.month, c.vars, c.day, c.at, c.own_month)))
            c.ev.record_known(text, day, value, node.type, known)
            return value
        return as_known
    if isinstance(node, With):
        expr = compiled(node.expr)
        values = [(target.name, compiled(value)) for target, (_, _, value) in zip(node.targets, node.bindings)]

        def with_values(c):
            overrides = {name: value(c) for name, value in values}
            other = c.ev.with_overrides(overrides)
            value = c.ev.in_other(other, lambda: expr(Ctx(other, c.month, c.vars, c.day, c.at, c.own_month)))
            c.ev.record_with(node, overrides, c.day, value, node.type)
            return value
        return with_values
    if isinstance(node, Round):
        operand, unit, direction = compiled(node.operand), compiled(node.unit), node.direction
        as_int = node.type == v.GEHEEL

        def rounded(c):
            result = v.round_to(Fraction(operand(c)), Fraction(unit(c)), direction)
            return int(result) if as_int else result
        return rounded
    if isinstance(node, If):
        cond, then, other = compiled(node.cond), compiled(node.then), compiled(node.other)
        return lambda c: then(c) if cond(c) else other(c)
    if isinstance(node, Quantifier):
        return _compile_quantifier(node)
    if isinstance(node, ListLit):
        items = [compiled(i) for i in node.items]
        return lambda c: tuple(i(c) for i in items)
    raise AssertionError(type(node))


def _compile_name(node: Name):
    ref = node.ref
    if isinstance(ref, tuple):
        kind, _ = ref
        name = node.name
        if kind == "var":
            return lambda c: c.vars[name]
        if name == "berekeningsjaar":
            return lambda c: c.ev.year
        if name == "maand":
            return lambda c: c.own_month
        if name == "maanden":
            return lambda c: c.ev.months
        if name == "personen":
            return lambda c: c.ev.person_ids
        raise AssertionError(name)
    if isinstance(ref, Parameter):
        return lambda c: c.ev.parameter(ref, c, node.pos)
    if isinstance(ref, Input):
        return lambda c: c.ev.fact(ref, None, c, node.pos)
    if isinstance(ref, Rule):
        if ref.per == "maand":
            return lambda c: c.ev.rule_value(ref, None, c.month)
        return lambda c: c.ev.rule_value(ref, None, None)
    raise AssertionError(ref)


def _compile_van(node: Van):
    right = compiled(node.right)
    if node.kind == "percentage":
        left = compiled(node.left)
        return lambda c: left(c) * right(c)
    ref = node.left.ref
    pos = node.left.pos
    if isinstance(ref, Input):
        return lambda c: c.ev.fact(ref, right(c), c, pos)
    if ref.per == "maand":
        return lambda c: c.ev.rule_value(ref, right(c), c.month)
    return lambda c: c.ev.rule_value(ref, right(c), None)


def _compile_call(node: Call):
    args = [compiled(a) for a in node.args]
    ref = node.ref
    if isinstance(ref, Parameter):  # a table: naam(sleutel)
        key_fn, pos = args[0], node.pos
        return lambda c: c.ev.parameter(ref, c, pos, key_fn(c))
    if isinstance(ref, Relation):
        first, second = args
        return lambda c: c.ev.related(ref, first(c), second(c), c)
    name = ref
    if name == "begin":
        relation = node.args[0].ref
        first, second = (compiled(a) for a in node.args[0].args)
        pos = node.pos

        def begin(c):
            fact = c.ev.relation_fact(relation, first(c), second(c), c)
            if fact is None or fact.vanaf is None:
                what = "bestaat niet" if fact is None else "heeft geen 'vanaf' in de casus"
                _fail(pos, f"begin({relation.name}({first(c)}; {second(c)})): de relatie {what} "
                           f"op {c.read_day.isoformat()}",
                      f"vraag alleen naar het begin als de relatie bestaat: als {relation.name}(...) dan begin(...) anders ...")
            return fact.vanaf
        return begin
    if name == "opgegeven":  # does the case give this fact (on the date it is read)?
        arg = node.args[0]
        if isinstance(arg, Van):
            inp, person = arg.left.ref, compiled(arg.right)
            return lambda c: c.ev.fact_given(inp, person(c), c)
        inp = arg.ref
        return lambda c: c.ev.fact_given(inp, None, c)
    if name == "maanden_later":
        date_fn, months_fn = args
        return lambda c: _months_later(date_fn(c), int(months_fn(c)))
    if name == "dagen":
        first, last = args

        def days(c):
            start, end = first(c), last(c)
            return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
        return days
    if name == "max":
        return lambda c: max(a(c) for a in args)
    if name == "min":
        return lambda c: min(a(c) for a in args)
    if name == "abs":
        return lambda c: abs(args[0](c))
    if name == "eerste_dag":
        arg = args[0]
        return lambda c: _first_day(arg(c))
    if name == "laatste_dag":
        arg = args[0]
        return lambda c: _last_day(arg(c))
    if name == "leeftijd":
        born, on = args
        return lambda c: _age(born(c), on(c))
    if name == "datum":
        y, m, d = args
        pos = node.pos

        def make_date(c):
            try:
                return dt.date(int(y(c)), int(m(c)), int(d(c)))
            except ValueError:
                _fail(pos, f"datum({y(c)}; {m(c)}; {d(c)}) bestaat niet")
        return make_date
    if name == "jaar":
        arg = args[0]
        return lambda c: arg(c).year
    if name == "maand":
        arg = args[0]
        return lambda c: v.Month(arg(c).year, arg(c).month)
    if name == "vorige_maand":
        arg = args[0]
        return lambda c: arg(c).previous()
    if name == "volgende_maand":
        arg = args[0]
        return lambda c: arg(c).next()
    raise AssertionError(name)


def _months_later(day: dt.date, months: int) -> dt.date:
    """The same day `months` months later; the last day of the month if it is shorter."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = v.Month(year, month + 1).last_day().day
    return dt.date(year, month + 1, min(day.day, last))


def _first_day(value):
    return value.first_day() if isinstance(value, v.Month) else dt.date(int(value), 1, 1)


def _last_day(value):
    return value.last_day() if isinstance(value, v.Month) else dt.date(int(value), 12, 31)


def _age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


_COMPARE = {
    "=": lambda a, b: a == b, "<>": lambda a, b: a != b, "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
}


def _compile_binary(node: Binary):
    left, right, op = compiled(node.left), compiled(node.right), node.op
    if op == "en":
        return lambda c: left(c) and right(c)
    if op == "of":
        return lambda c: left(c) or right(c)
    if op == "vergelijk":
        compare = _COMPARE[node.compare]
        return lambda c: compare(left(c), right(c))
    if op == "in_lijst":
        return lambda c: left(c) in right(c)
    if op == "niet_in_lijst":
        return lambda c: left(c) not in right(c)
    if op == "minimaal":
        return lambda c: max(left(c), right(c))
    if op == "maximaal":
        return lambda c: min(left(c), right(c))
    if node.left.type == v.DATUM and op in ("plus", "min"):
        if node.right.type == v.DATUM:
            return lambda c: (left(c) - right(c)).days
        sign = 1 if op == "plus" else -1
        return lambda c: left(c) + dt.timedelta(days=sign * int(right(c)))
    if op == "plus":
        return lambda c: left(c) + right(c)
    if op == "min":
        return lambda c: left(c) - right(c)
    if op == "maal":
        return lambda c: left(c) * right(c)
    if op == "gedeeld":
        pos = node.pos

        def divide(c):
            divisor = right(c)
            if divisor == 0:
                _fail(pos, "deling door nul", "voorkom dit met 'als ... = 0 dan ... anders ...'")
            return Fraction(left(c)) / divisor
        return divide
    raise AssertionError(op)


def _compile_quantifier(node: Quantifier):
    domain = compiled(node.domain)
    cond = compiled(node.cond) if node.cond is not None else None
    body = compiled(node.body) if node.body is not None else None
    var = node.var
    months = node.domain.type.elem == v.MAAND if node.domain.type and node.domain.type.name == "lijst" else False

    def each(c):
        for item in domain(c):
            inner = c.bind(var, item, item if months else None)
            if cond is None or cond(inner):
                yield inner

    if node.kind == "er_is_een":
        return lambda c: any(True for _ in each(c))
    if node.kind == "voor_alle":
        def for_all(c):
            for item in domain(c):
                if not cond(c.bind(var, item, item if months else None)):
                    return False
            return True
        return for_all
    if node.kind == "aantal":
        return lambda c: sum(1 for _ in each(c))
    zero = 0 if node.type == v.GEHEEL else Fraction(0)
    return lambda c: sum((body(inner) for inner in each(c)), zero)


# --- the evaluation of one case --------------------------------------------------------


class Evaluation:
    def __init__(self, rule_set: RuleSet, case: Case, trace: bool = True):
        self.rule_set = rule_set
        self.case = case
        self.year = case.year
        self.months = tuple(case.months)
        self.person_ids = tuple(case.persons)
        self.trace = trace
        self.memo: dict = {}
        self.steps: dict[str, Step] = {}
        self.frames: list[Step] = []
        self.overrides: dict = {}  # rule or input name -> value, set by 'waarbij'
        # Unconfirmed parameter values ('onbevestigd') each result rests on, so that
        # an outcome can say so: per memo key, and a stack for the rules being computed.
        self.unconfirmed: dict = {}
        self.unconfirmed_stack: list[set] = []

    # rules ----------------------------------------------------------------------

    def rule_value(self, rule: Rule, person, month):
        key = (id(rule), person, month)
        memo = self.memo
        if key in memo:
            if self.unconfirmed_stack and key in self.unconfirmed:
                self.unconfirmed_stack[-1].update(self.unconfirmed[key])
            if self.trace and self.frames:
                step_id = self.step_id(rule, person, month)
                if step_id not in self.frames[-1].deps:
                    self.frames[-1].deps.append(step_id)
            return memo[key]
        return self._evaluate_rule(rule, person, month, key)

    def _evaluate_rule(self, rule: Rule, person, month, key):
        if rule.name in self.overrides:
            self.memo[key] = self.overrides[rule.name]
            return self.memo[key]
        day = month.first_day() if month else dt.date(self.year, 1, 1)
        version = rule.version_on(day)
        if version is None:
            periods = ", ".join(f"{ver.geldig_vanaf} tot {ver.geldig_tot or 'heden'}" for ver in rule.versions)
            _fail(rule.pos, f"regel '{rule.name}' geldt niet op {day.isoformat()} (wel: {periods})",
                  "voeg een versie toe die op deze datum geldt, of reken voor een ander berekeningsjaar")
        ctx = Ctx(self, month, {rule.voor: person} if rule.voor else {}, day)
        step = None
        if self.trace:
            step = Step(self.step_id(rule, person, month), rule, person, month, day, version,
                        rule.article.version_on(day))
            if self.frames and step.id not in self.frames[-1].deps:
                self.frames[-1].deps.append(step.id)
            self.frames.append(step)
        self.unconfirmed_stack.append(set())
        try:
            value, applied = self.resolve(rule, version, ctx)
        finally:
            if step is not None:
                self.frames.pop()
            used = self.unconfirmed_stack.pop()
        if used:
            self.unconfirmed[key] = frozenset(used)
            if self.unconfirmed_stack:
                self.unconfirmed_stack[-1].update(used)
        self.memo[key] = value
        if step is not None:
            step.value = value
            step.exceptions = applied
            self.steps[step.id] = step
        return value

    def resolve(self, rule: Rule, version, ctx: Ctx):
        """The value of a rule after its exceptions: an exception whose condition
        holds replaces the rule's value; two at once is a conflict in the law as
        written, reported with both rules."""
        applicable = []
        for exception in rule.exceptions:
            exc_version = exception.version_on(ctx.day)
            if exc_version is None:
                continue
            if compiled(exc_version.condition)(ctx):
                applicable.append((exception, exc_version))
        if len(applicable) > 1:
            (a, av), (b, bv) = applicable[:2]
            where = " en ".join(filter(None, [
                f"voor {next(iter(ctx.vars.values()))}" if rule.voor else None,
                f"in {ctx.month}" if ctx.month else f"in {self.year}",
            ]))
            raise EvaluationError(error(
                av.pos,
                f"tegenstrijdige uitzonderingen op '{rule.name}' {where}: '{a.name}' ({_citation(a, av.lid or a.lid)}, "
                f"{av.pos}) en '{b.name}' ({_citation(b, bv.lid or b.lid)}, {bv.pos}) gelden allebei",
                "maak de voorwaarden uitsluitend, of maak de een een uitzondering op de ander",
            ).diagnostics)
        if applicable:
            exception, exc_version = applicable[0]
            value, chain = self.resolve(exception, exc_version, ctx)
            return value, [exception] + chain
        return compiled(version.formula)(ctx), []

    def in_other(self, other: "Evaluation", compute):
        """Compute in another evaluation (a known view, a 'waarbij'); the
        unconfirmed values used there count for the rule computed here."""
        if other is self:
            return compute()
        other.unconfirmed_stack.append(set())
        try:
            return compute()
        finally:
            used = other.unconfirmed_stack.pop()
            if used and self.unconfirmed_stack:
                self.unconfirmed_stack[-1].update(used)

    def unconfirmed_for(self, rule: Rule) -> list:
        """The unconfirmed parameter values (Parameter, ParamValue) any value of
        `rule` rests on, in a stable order."""
        found = set()
        for (rule_id, _person, _month), used in self.unconfirmed.items():
            if rule_id == id(rule):
                found |= used
        known = self.rule_set.__dict__.get("_unconfirmed", {})
        return sorted((known[key] for key in found), key=lambda pv: (pv[0].name, pv[1].vanaf))

    def step_id(self, rule: Rule, person, month) -> str:
        text = rule.name
        if person is not None:
            text += f"[{person}]"
        if month is not None:
            text += f"@{month.key()}"
        return text

    # what was known when -------------------------------------------------------------

    def known_on(self, day: dt.date) -> "Evaluation":
        """An evaluation of the same case with the facts as the administration knew
        them on `day` (see Case.as_known_on and the channels under 'kanalen:')."""
        cache = self.__dict__.setdefault("_known", {})
        if day not in cache:
            truth = self.truth
            known = truth.case.as_known_on(day, self.rule_set.channels_for, truth.channel_reaches)
            if known.same_facts(truth.case) and not truth.trace:
                # nothing was unknown on that day: the known view is the true one, values and all
                cache[day] = truth
            else:
                cache[day] = Evaluation(self.rule_set, known, trace=False)
                cache[day].truth = truth
                cache[day].overrides = truth.overrides
        return cache[day]

    def channel_reaches(self, channel, persons, day: dt.date) -> bool:
        """Whether `channel` delivers facts about all of `persons` on `day`: its
        condition (a rule per person and month, e.g. UB Awir art. 1b: under the
        BSN) holds for each of them, on the true facts."""
        if channel.condition is None:
            return True
        rule = self.rule_set.rule(channel.condition)
        month = v.Month(day.year, day.month)
        return all(self.rule_value(rule, person, month) for person in persons)

    @property
    def truth(self) -> "Evaluation":
        """The evaluation on the true facts (this one, unless this is a known view)."""
        return self.__dict__.get("_truth", self)

    @truth.setter
    def truth(self, value):
        self.__dict__["_truth"] = value

    def with_overrides(self, overrides: dict) -> "Evaluation":
        """An evaluation of the same case in which the named rules and inputs have
        the given values ('waarbij'); everything that depends on them is computed again."""
        cache = self.__dict__.setdefault("_with", {})
        key = tuple(sorted(overrides.items(), key=lambda item: item[0]))
        if key not in cache:
            child = Evaluation(self.rule_set, self.case, trace=False)
            child.overrides = {**self.overrides, **overrides}
            cache[key] = child
        return cache[key]

    def record_with(self, node, overrides: dict, day: dt.date, value, type_) -> None:
        if self.trace and self.frames:
            given = "; ".join(f"{name} = {v.format_value(x, t.type)}"
                              for (name, x), t in zip(overrides.items(), node.targets))
            rule = getattr(node.expr, "ref", None)
            what = (f"{rule.name} ({rule.article.citation}" + (f" lid {rule.lid})" if rule.lid else ")")
                    if isinstance(rule, Rule) else "dezelfde regels")
            self._record_input(f"waarbij ({given})", None, value, type_, day,
                               f"berekend met {what}, met deze waarden", f"{node.pos.file}:{node.pos.line}")

    def record_known(self, node, day: dt.date, value, type_, known: "Evaluation") -> None:
        if self.trace and self.frames:
            unknown = self.unknown_relations(known.case, day)
            bron = "de gegevens zoals de uitvoerder ze op die dag kende"
            if unknown:
                bron += "; toen nog niet bekend: " + "; ".join(unknown)
            self._record_input(f"zoals bekend op {day.isoformat()}", None, value, type_, day,
                               bron, f"{node.pos.file}:{node.pos.line}")

    def unknown_relations(self, known_case: Case, day: dt.date) -> list[str]:
        """The relations that had begun by `day` but were not known then, each
        with the channel and day through which they became known later, if so."""
        found = []
        until = dt.date(self.year + 10, 12, 31)
        for name, facts in self.truth.case.relations.items():
            kept = known_case.relations.get(name, [])
            for fact in facts:
                if fact.vanaf is not None and fact.vanaf > day:
                    continue
                if any(k.first == fact.first and k.second == fact.second and k.vanaf == fact.vanaf for k in kept):
                    continue
                later = first_known(fact.knowledge, fact.vanaf, (fact.first, fact.second),
                                    self.rule_set.channels_for(name), self.truth.channel_reaches, day, until)
                what = f"{name}({fact.first}; {fact.second})"
                if later is None:
                    found.append(f"{what}, ook later niet (tot {until.isoformat()})")
                else:
                    via = f"via {later[1].naam}" if later[1] is not None else "volgens de casus"
                    found.append(f"{what}, bekend {via} op {later[0].isoformat()}")
        return found

    # parameters and facts -------------------------------------------------------------

    def parameter(self, parameter: Parameter, ctx: Ctx, pos: Pos, key=None):
        day = ctx.read_day  # the law date, or the date of an enclosing 'op'
        entry = parameter.value_on(day)
        if entry is None:
            first = parameter.values[0].vanaf if parameter.values else None
            _fail(pos, f"parameter '{parameter.name}' heeft geen waarde op {day.isoformat()}"
                       + (f" (de eerste waarde geldt vanaf {first})" if first else ""),
                  f"voeg in {parameter.article.file} een waarde toe die op deze datum geldt")
        value = entry.value
        if entry.onbevestigd is not None and self.unconfirmed_stack:
            # the rule set owns its parameters, so their ids stay valid while it is in use
            self.rule_set.__dict__.setdefault("_unconfirmed", {})[(id(parameter), id(entry))] = (parameter, entry)
            self.unconfirmed_stack[-1].add((id(parameter), id(entry)))
        if parameter.key_type is not None:
            if key not in value:
                _fail(pos, f"tabel '{parameter.name}' heeft geen waarde voor '{key}' (vanaf {entry.vanaf})",
                      f"voeg '{key}' toe aan de tabel in {parameter.article.file}, met de bron")
            value = value[key]
        if self.trace and self.frames:
            frame = self.frames[-1]
            if not any(p is parameter and pv is entry and k == key for p, pv, k in frame.parameters):
                frame.parameters.append((parameter, entry, key))
        return value

    def fact(self, inp: Input, person, ctx: Ctx, pos: Pos):
        day = ctx.read_day
        if person is None and inp.name in self.overrides:
            return self.overrides[inp.name]
        if person is None:
            timeline = self.case.facts.get(inp.name)
            owner_pos = self.case.pos
        else:
            owner = self.case.persons[person]
            timeline = owner.facts.get(inp.name)
            owner_pos = owner.pos
        fact = timeline.at(day) if timeline else None
        if fact is None:
            if not inp.has_default:
                where = f"van '{person}'" if person else "onder 'gegevens'"
                hint = (f"voeg bij personen: {person}: de regel '{inp.name}: ...' toe" if person
                        else f"voeg onder 'gegevens:' de regel '{inp.name}: ...' toe")
                if timeline and timeline.entries:
                    hint = f"het eerste gegeven geldt vanaf {timeline.entries[0].vanaf}; voeg een eerdere waarde toe"
                raise MissingFact(error(owner_pos, f"gegeven '{inp.name}' {where} ontbreekt op {day.isoformat()} "
                                                   f"(nodig voor {pos})", hint).diagnostics, inp.name)
            value, bron, place = inp.default, f"standaardwaarde uit {inp.article.citation}", f"{inp.pos.file}:{inp.pos.line}"
        else:
            value, bron, place = fact.value, fact.bron or "casus", f"{fact.pos.file}:{fact.pos.line}"
        if self.trace and self.frames:
            self._record_input(inp.name, person, value, inp.type, day, bron, place)
        return value

    def fact_given(self, inp: Input, person, ctx: Ctx) -> bool:
        """Whether the case gives `inp` (of `person`) on the read date, not its default."""
        if person is None and inp.name in self.overrides:
            return True
        timeline = (self.case.facts if person is None else self.case.persons[person].facts).get(inp.name)
        given = timeline is not None and timeline.at(ctx.read_day) is not None
        if self.trace and self.frames:
            self._record_input(f"opgegeven({inp.name}{' van ' + person if person else ''})", None, given, v.WAARHEID,
                               ctx.read_day, "casus" if given else "niet in de casus",
                               f"{self.case.pos.file}:{self.case.pos.line}")
        return given

    def relation_fact(self, relation: Relation, first, second, ctx: Ctx):
        """The case's record of this relation between these persons on the read date, or None."""
        day = ctx.read_day
        for fact in self.case.relations.get(relation.name, ()):
            if fact.holds(day) and ((fact.first == first and fact.second == second) or
                                    (relation.symmetric and fact.first == second and fact.second == first)):
                return fact
        return None

    def related(self, relation: Relation, first, second, ctx: Ctx) -> bool:
        day = ctx.read_day
        found = self.relation_fact(relation, first, second, ctx)
        if self.trace and self.frames and found is not None:
            self._record_input(f"{relation.name}({first}; {second})", None, True, v.WAARHEID, day,
                               found.bron or "casus", f"{found.pos.file}:{found.pos.line}")
        return found is not None

    def _record_input(self, name, person, value, type_, day, bron, place):
        frame = self.frames[-1]
        for existing in frame.inputs:
            if existing["naam"] == name and existing["persoon"] == person and existing["waarde"] == value:
                return
        frame.inputs.append({"naam": name, "persoon": person, "waarde": value, "type": type_,
                             "datum": day.isoformat(), "bron": bron, "plaats": place})
