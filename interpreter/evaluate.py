"""Evaluate a case against a checked rule set, with a structured trace.

Formulas are compiled once into Python closures. A rule is evaluated for a
person (if it has 'voor:') and a month (if it has 'per: maand'), memoised on
that key. The law date of an evaluation, which picks the rule version, the
article version and the parameter values, is the first day of the month, or
1 January of the berekeningsjaar for yearly rules. Facts that change over time
and parameter values are read on that date too, unless the formula says
'op <datum>'.

A formula that cannot be computed (a date outside the calendar, rounding to
a unit of 0, a range of more days than MAX_DAYS_IN_RANGE) is an
EvaluationError at the place in the rule file where it happens; `regels
check` computes the parts of a formula that are constants beforehand
(constant_errors). An evaluation may be given a time limit (DeadlineExceeded).
"""

from __future__ import annotations

import datetime as dt
import time
from fractions import Fraction

from . import values as v
from .builtins import BUILTINS, CALENDAR, MAX_DAYS_IN_RANGE  # noqa: F401 (the limit is read as evaluate's)
from .builtins import outside_calendar as _outside_calendar
from .case import Case, RelationFact
from .diagnostics import Diagnostic, Pos, RegelsError, error
from .knowledge import first_known
from .model import Input, Parameter, Relation, Rule, RuleSet
from .segments import Segments, own_day_date
from .trace import KnownFact, LearnedFact, Step, citation as _citation
from .syntax import (AsKnown, AtDate, Binary, Call, If, ListLit, Lit, Name, Node, Quantifier, Round, Unary, Van, With,
                     children)


# --- limits ------------------------------------------------------------------------

# How many step ids a rule set remembers for the cases evaluated with it (see step_id):
# a bound on a cache, not on what a case may hold.
REMEMBERED_STEP_IDS = 100_000

# How often the time limit is looked at: once every this many steps (rule
# evaluations and quantifier iterations), so that the clock costs next to nothing.
DEADLINE_EVERY = 256


# Whether an evaluation without trace computes a monthly rule once per segment of months in
# which it provably has one value (segments.py); off, every month is computed (the tests
# compare the two).
USE_SEGMENTS = True


class EvaluationError(RegelsError):
    pass


class DeadlineExceeded(EvaluationError):
    """The evaluation took longer than the time limit it was given (api.evaluate(deadline=...))."""


class MissingFact(EvaluationError):
    """The case does not give a fact a rule needs (and the input has no default)."""

    def __init__(self, diagnostics, input_name: str):
        super().__init__(diagnostics)
        self.input_name = input_name


# --- the trace: see trace.py ---------------------------------------------------------


def _version_on(rule_set: RuleSet, item, day: dt.date):
    """item.version_on(day) for a rule or an article, remembered on the (checked, so no
    longer changing) rule set: the same few days are asked for every case."""
    cache = rule_set.__dict__.get("_version_on")
    if cache is None:
        cache = rule_set.__dict__["_version_on"] = {}
    key = (id(item), day)
    try:
        return cache[key]
    except KeyError:
        found = cache[key] = item.version_on(day)
        return found


# --- evaluation context ------------------------------------------------------------


class Ctx:
    """What a formula is evaluated in: the month (if any), bound variables, the
    law date, and the date on which facts are read."""

    __slots__ = ("ev", "month", "vars", "day", "at", "own_month", "rel_month", "rel_day")

    def __init__(self, ev, month, vars_, day, at=None, own_month=None, rel_month=True, rel_day=True):
        self.ev, self.month, self.vars, self.day, self.at = ev, month, vars_, day, at
        # 'maand' in a formula: the month the rule is computed for, also inside
        # 'som ... over m in maanden', where other rules are read for month m.
        self.own_month = own_month if own_month is not None else month
        # For the trace of a month taken from its segment (Evaluation._clone): whether
        # 'month' is the rule's own month, and whether facts are read on its first day.
        self.rel_month, self.rel_day = rel_month, rel_day

    def bind(self, name, value, month=None):
        new_vars = {**self.vars, name: value}
        if month is not None:
            return Ctx(self.ev, month, new_vars, month.first_day(), self.at, self.own_month, False, False)
        return Ctx(self.ev, self.month, new_vars, self.day, self.at, self.own_month, self.rel_month, self.rel_day)

    @property
    def read_day(self) -> dt.date:
        return self.at or self.day


# --- compiling formulas to closures --------------------------------------------------


# Whether the closures being compiled are those of an evaluation with a trace
# (compiled_traced): they also record the choices made (trace.py), so that an
# evaluation without a trace runs closures that do not look at the trace at all.
_TRACED = False


def compiled(node: Node):
    if _TRACED:
        return compiled_traced(node)
    fn = getattr(node, "_fn", None)
    if fn is None:
        fn = _compile(node)
        node._fn = fn
    return fn


def compiled_traced(node: Node):
    """The closure of `node` for an evaluation with a trace: the same computation, which
    also records in the step being computed the branch each 'als' took, the values that
    decided 'en' and 'of', and the items that made a quantifier true or false."""
    global _TRACED
    fn = getattr(node, "_fn_traced", None)
    if fn is None:
        before, _TRACED = _TRACED, True
        try:
            fn = _compile(node)
        finally:
            _TRACED = before
        node._fn_traced = fn
    return fn


def _choose(c, node, value, detail) -> None:
    """Record a choice (trace.py) in the step or captured part being computed, if any:
    none in a known view or a 'waarbij', which keep no trace."""
    frames = c.ev.frames
    if frames:
        frames[-1].choices.append((node, c.vars, value, detail))


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
        own_day = own_day_date(node.date)  # 'op eerste_dag(maand)': read on the first day of the month

        def at_date(c):
            return expr(Ctx(c.ev, c.month, c.vars, c.day, date_fn(c), c.own_month, c.rel_month,
                            c.rel_month and own_day))
        return at_date
    if isinstance(node, AsKnown):
        expr, date_fn = compiled(node.expr), compiled(node.date)
        text = node  # for the trace

        def as_known(c):
            day = date_fn(c)
            known = c.ev.known_on(day)
            value = c.ev.in_other(known, lambda: expr(Ctx(known, c.month, c.vars, c.day, c.at, c.own_month,
                                                          c.rel_month, c.rel_day)))
            c.ev.record_known(text, day, value, node.type, known)
            return value
        return as_known
    if isinstance(node, With):
        expr = compiled(node.expr)
        values = [(target.name, compiled(value)) for target, (_, _, value) in zip(node.targets, node.bindings)]

        def with_values(c):
            overrides = {name: value(c) for name, value in values}
            other = c.ev.with_overrides(overrides)
            value = c.ev.in_other(other, lambda: expr(Ctx(other, c.month, c.vars, c.day, c.at, c.own_month,
                                                          c.rel_month, c.rel_day)))
            c.ev.record_with(node, overrides, c.day, value, node.type)
            return value
        return with_values
    if isinstance(node, Round):
        operand, unit, direction = compiled(node.operand), compiled(node.unit), node.direction
        as_int = node.type == v.GEHEEL
        unit_pos, unit_type = node.unit.pos, node.unit.type

        def rounded(c):
            step = Fraction(unit(c))
            if step <= 0:  # a negative unit would round the other way: no silent answer
                _fail(unit_pos, f"afronden op {v.format_value(step, unit_type)} kan niet: "
                                "de eenheid moet groter zijn dan nul",
                      "rond af op een eenheid groter dan nul, bijvoorbeeld hele euro's, centen of € 1.000")
            result = v.round_to(Fraction(operand(c)), step, direction)
            return int(result) if as_int else result
        return rounded
    if isinstance(node, If):
        cond, then, other = compiled(node.cond), compiled(node.then), compiled(node.other)
        if _TRACED:
            def traced_if(c):
                value = cond(c)
                frames = c.ev.frames  # _choose, inlined: this runs for every 'als'
                if frames:
                    frames[-1].choices.append((node, c.vars, value, None))
                return then(c) if value else other(c)
            return traced_if
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
            return lambda c: c.ev.rule_value(ref, None, c.month, c.rel_month)
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
        return lambda c: c.ev.rule_value(ref, right(c), c.month, c.rel_month)
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
    fn, pos = BUILTINS[name].scalar, node.pos
    if len(args) == 1:
        a0 = args[0]
        return lambda c: fn(pos, a0(c))
    if len(args) == 2:
        a0, a1 = args
        return lambda c: fn(pos, a0(c), a1(c))
    return lambda c: fn(pos, *[a(c) for a in args])


_COMPARE = {
    "=": lambda a, b: a == b, "<>": lambda a, b: a != b, "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
}


def _compile_binary(node: Binary):
    left, right, op = compiled(node.left), compiled(node.right), node.op
    if _TRACED and op in ("en", "of"):
        both = op == "en"

        def traced_logic(c):
            value = left(c)
            result = (right(c) if value else value) if both else (value or right(c))
            frames = c.ev.frames  # _choose, inlined: this runs for every 'en' and 'of'
            if frames:
                frames[-1].choices.append((node, c.vars, value, result))
            return result
        return traced_logic
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
        sign, pos = (1 if op == "plus" else -1), node.op_pos or node.pos

        def shift(c):
            day, days = left(c), int(right(c))
            try:
                return day + dt.timedelta(days=sign * days)
            except OverflowError:
                _outside_calendar(pos, f"{v.format_date_nl(day)} {'+' if sign > 0 else '-'} {v.format_count_nl(days)} dagen")
        return shift
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
    compute = _compile_quantifier_loop(node)
    return compute if _free_variables(node) else _hoisted(node, compute)


def _compile_quantifier_loop(node: Quantifier):
    domain = compiled(node.domain)
    cond = compiled(node.cond) if node.cond is not None else None
    body = compiled(node.body) if node.body is not None else None
    var = node.var
    months = node.domain.type.elem == v.MAAND if node.domain.type and node.domain.type.name == "lijst" else False

    def each(c):
        ev = c.ev
        timed = ev.deadline is not None
        for item in domain(c):
            if timed:
                ev.tick()
            inner = c.bind(var, item, item if months else None)
            if cond is None or cond(inner):
                yield inner

    prefix, rest = _own_conditions(node)
    if prefix is not None:
        each = _filtered(node, domain, prefix, rest, months)

    if _TRACED:
        return _traced_quantifier(node, each, domain, cond, body, var, months)
    if node.kind == "er_is_een":
        return lambda c: any(True for _ in each(c))
    if node.kind == "voor_alle":
        def for_all(c):
            ev = c.ev
            timed = ev.deadline is not None
            for item in domain(c):
                if timed:
                    ev.tick()
                if not cond(c.bind(var, item, item if months else None)):
                    return False
            return True
        return for_all
    if node.kind == "aantal":
        return lambda c: sum(1 for _ in each(c))
    zero = 0 if node.type == v.GEHEEL else Fraction(0)
    return lambda c: sum((body(inner) for inner in each(c)), zero)


def _traced_quantifier(node: Quantifier, each, domain, cond, body, var, months):
    """The quantifier of an evaluation with a trace: it also records which item made it
    true ('er is een'), which made it false ('voor alle'), or which it counted or summed."""
    if node.kind == "er_is_een":
        def exists(c):
            for inner in each(c):
                _choose(c, node, True, inner.vars[var])
                return True
            _choose(c, node, False, domain(c))  # none did: the items it went over (as the list is held already)
            return False
        return exists
    if node.kind == "voor_alle":
        def for_all(c):
            ev = c.ev
            timed = ev.deadline is not None
            items = domain(c)
            for item in items:
                if timed:
                    ev.tick()
                if not cond(c.bind(var, item, item if months else None)):
                    _choose(c, node, False, item)
                    return False
            _choose(c, node, True, items)  # all did: the items it went over
            return True
        return for_all
    if node.kind == "aantal":
        def count(c):
            items = [inner.vars[var] for inner in each(c)]
            _choose(c, node, len(items), items)
            return len(items)
        return count
    zero = 0 if node.type == v.GEHEEL else Fraction(0)

    def total(c):
        items, result = [], zero
        for inner in each(c):
            items.append(inner.vars[var])
            result += body(inner)
        _choose(c, node, result, items)
        return result
    return total


def _conjuncts(node: Node) -> list:
    """a en b en c -> [a, b, c], in the order they are evaluated."""
    if isinstance(node, Binary) and node.op == "en":
        return _conjuncts(node.left) + _conjuncts(node.right)
    return [node]


def _own_conditions(node: Quantifier):
    """For 'x in D waarvoor A en B' where D and A use no variable from outside (A only x)
    but the quantifier as a whole does (B or the summed part): (A, B) as lists of
    conditions, else (None, None). A can then be computed once per item (see _filtered)."""
    if node.kind == "voor_alle" or node.cond is None or _free_variables(node.domain) or not _free_variables(node):
        return None, None
    parts = _conjuncts(node.cond)
    own = 0
    while own < len(parts) and _free_variables(parts[own]) <= {node.var}:
        own += 1
    if own == 0:
        return None, None
    return [compiled(p) for p in parts[:own]], [compiled(p) for p in parts[own:]]


def _filtered(node: Quantifier, domain, prefix: list, rest: list, months: bool):
    """The items of 'x in D waarvoor A en B' when D and A depend on x alone: D once,
    and A(x) once per item, per month and read date, each with what it read. A use goes
    through the items in order, recording again what A read and computing B only where
    A holds, as the plain loop does; A(x) is first computed when a use first reaches x,
    so nothing is computed that the plain loop would not. Once A is known for every
    item, a use goes through the items for which A holds only, replaying before each
    what A read for the items before it where A fails, merged into one record
    (_segments): the notes and the trace are those of the plain loop, also when a
    use stops early ('er is een'). This keeps 'er is een p in personen waarvoor
    toeslagpartner van p en kinderbijslag_voor(p; kind)', computed for each kind,
    from costing persons x kinds."""
    node_id, var = id(node), node.var

    def own(inner):
        for condition in prefix:
            if not condition(inner):
                return False
        return True

    def each(c):
        ev = c.ev
        key = (node_id, c.month, c.day, c.at, c.own_month)
        table = ev.hoisted.get(key)
        if table is None:  # [items, rows computed so far, _segments(items, rows) once all are known]
            table = ev.hoisted[key] = [tuple(domain(c)), [], None]
        items, rows, holding = table
        timed = ev.deadline is not None
        if holding is not None:
            segments, tail = holding
            for before, item, captured in segments:
                if timed:
                    ev.tick()
                if before is not None:
                    ev.replay(before)
                ev.replay(captured)
                inner = c.bind(var, item, item if months else None)
                if all(condition(inner) for condition in rest):
                    yield inner
            if tail is not None:
                ev.replay(tail)
            return
        for index, item in enumerate(items):
            if timed:
                ev.tick()
            inner = None
            if index == len(rows):
                inner = c.bind(var, item, item if months else None)
                rows.append(ev.capture(lambda: own(inner)))
                if len(rows) == len(items):
                    table[2] = _segments(items, rows)
            if ev.replay(rows[index]):
                inner = inner or c.bind(var, item, item if months else None)
                if all(condition(inner) for condition in rest):
                    yield inner
    return each


def _segments(items: tuple, rows: list) -> tuple:
    """([(what the failing rows before it read, item, its row)] for each item whose row
    holds, what the failing rows after the last one read): see _filtered."""
    segments, failing = [], []
    for item, row in zip(items, rows):
        if row[0]:
            segments.append((_merged(failing), item, row))
            failing = []
        else:
            failing.append(row)
    return segments, _merged(failing)


def _merged(rows: list):
    """Captured computations (Evaluation.capture) as one: replaying it records what
    replaying each in turn records. None if there are none."""
    if len(rows) <= 1:
        return rows[0] if rows else None
    noted = frozenset().union(*(row[2] for row in rows))
    frames = [row[1] for row in rows if row[1] is not None]
    frame = None
    if frames:
        frame = _Recorded()
        deps, parameters, inputs = set(), set(), set()
        for part in frames:
            frame.rel_deps |= part.rel_deps
            frame.fixed_deps |= part.fixed_deps
            frame.choices.extend(part.choices)
            if part.channels:
                frame.channels = [*frame.channels, *part.channels]
            for step_id in part.deps:
                if step_id not in deps:
                    deps.add(step_id)
                    frame.deps.append(step_id)
            for entry in part.parameters:
                key = (id(entry[0]), id(entry[1]), entry[2])
                if key not in parameters:
                    parameters.add(key)
                    frame.parameters.append(entry)
            for entry in part.inputs:
                try:
                    key = (entry["naam"], entry["persoon"], entry["waarde"])
                    if key in inputs:
                        continue
                    inputs.add(key)
                except TypeError:  # a value that cannot be hashed: replay compares it
                    pass
                frame.inputs.append(entry)
    return None, frame, noted


def _free_variables(node: Node, bound: frozenset = frozenset()) -> set:
    """The variables (of a quantifier or 'voor:') a formula uses that it does not bind itself."""
    if isinstance(node, Name):
        return {node.name} if isinstance(node.ref, tuple) and node.ref[0] == "var" and node.name not in bound else set()
    found: set = set()
    if isinstance(node, Quantifier):
        found |= _free_variables(node.domain, bound)
        for part in (node.cond, node.body):
            if part is not None:
                found |= _free_variables(part, bound | {node.var})
        return found
    for child in children(node):
        found |= _free_variables(child, bound)
    return found


def _hoisted(node: Quantifier, compute):
    """A quantifier that uses no variable of the formula around it has one value per
    month and read date, whichever person that formula is computed for ('er is een q in
    personen waarvoor kandidaat_lid_1 van q' in the rule 'toeslagpartner' for p): it is
    computed once per evaluation, and each use records what it read again, so that the
    trace and the notes are the same as if it were computed every time."""
    node_id = id(node)

    def hoisted(c):
        ev = c.ev
        key = (node_id, c.month, c.day, c.at, c.own_month)
        found = ev.hoisted.get(key)
        if found is None:
            found = ev.hoisted[key] = ev.capture(lambda: compute(c))
        return ev.replay(found)
    return hoisted


# --- the evaluation of one case --------------------------------------------------------


class Evaluation:
    def __init__(self, rule_set: RuleSet, case: Case, trace: bool = True, deadline: float | None = None):
        self.rule_set = rule_set
        self.case = case
        self.year = case.year
        check_year_covered(rule_set, case)
        self.months = tuple(case.months)
        self.person_ids = tuple(case.persons)
        self.trace = trace
        self.memo: dict = {}
        self.steps: dict[str, Step] = {}
        self.frames: list[Step] = []
        # per open frame, the step ids and inputs it has recorded, so that recording
        # once is a set lookup rather than a scan of everything recorded so far
        self.frame_seen: list[tuple[set, set]] = []
        self.step_ids: dict = {}  # memo key -> step id, in a trace
        self.step_keys: dict = {}  # step id -> (rule, person, month), in a trace
        # the facts recorded in the trace that were read on the first day of the month of the
        # step (see _clone), by id (holding them, so that an id is not reused)
        self.relative_inputs: dict = {}
        self.step_ids_of_rule_set: dict = rule_set.__dict__.setdefault("_step_ids", {})  # the same, of any case
        self.overrides: dict = {}  # rule or input name -> value, set by 'waarbij'
        # What an outcome must mention, per memo key, and a stack for the rules being
        # computed: parameter values marked 'onbevestigd', parameter values carried forward
        # from an earlier year (see carried_forward), and inputs the case does not give
        # that were taken from their 'standaard'. Items are (kind, id(parameter), id(value))
        # or (kind, id(input), person).
        self.noted: dict = {}
        self.noted_stack: list[set] = []
        self.relation_index: dict = {}  # relation name -> {(first, second): [facts]}, see relation_fact
        self.hoisted: dict = {}  # quantifiers computed once, see _hoisted
        self.segments = None  # see segments.py; made when first needed (a known view's truth is set later)
        # The time limit: a time.monotonic() moment, or None; the limit itself for the message.
        self.deadline = None if deadline is None else time.monotonic() + deadline
        self.time_limit = deadline
        self.ticks = 0

    # the time limit ------------------------------------------------------------------

    def tick(self) -> None:
        """Count a step; every DEADLINE_EVERY steps, stop if the time limit has passed."""
        self.ticks += 1
        if self.ticks % DEADLINE_EVERY == 0 and time.monotonic() > self.deadline:
            raise DeadlineExceeded(error(
                self.case.pos, f"de berekening duurt langer dan de tijdslimiet van "
                               f"{v.format_number_nl(Fraction(str(self.time_limit)))} s",
                "reken zonder tijdslimiet (de opdrachtregel heeft er geen), of vereenvoudig de casus of de "
                "formules die over veel personen of dagen tellen").diagnostics)

    def share_limit(self, other: "Evaluation") -> "Evaluation":
        """A known view or 'waarbij' evaluation counts against the same time limit."""
        other.deadline, other.time_limit = self.deadline, self.time_limit
        return other

    # rules ----------------------------------------------------------------------

    def rule_value(self, rule: Rule, person, month, relative: bool = False):
        """The value of `rule` for `person` in `month`; `relative`: read for the own month of
        the formula that reads it (for the trace of a month taken from its segment)."""
        key = (id(rule), person, month)
        memo = self.memo
        if key in memo:
            if self.noted_stack and key in self.noted:
                self.noted_stack[-1].update(self.noted[key])
            if self.trace and self.frames:
                self._record_dep(self.step_ids.get(key) or self.step_id(rule, person, month), relative)
            return memo[key]
        return self._evaluate_rule(rule, person, month, key, relative)

    def _record_dep(self, step_id: str, relative: bool) -> None:
        frame = self.frames[-1]
        seen = self.frame_seen[-1][0]
        if step_id not in seen:
            seen.add(step_id)
            frame.deps.append(step_id)
        (frame.rel_deps if relative else frame.fixed_deps).add(step_id)

    def _evaluate_rule(self, rule: Rule, person, month, key, relative: bool = False):
        if rule.name in self.overrides:
            self.memo[key] = self.overrides[rule.name]
            return self.memo[key]
        if month is not None and USE_SEGMENTS:
            # a month in the segment of an earlier month has its value (segments.py)
            segments = self.segments
            if segments is None:
                segments = self.segments = Segments(self.rule_set, self.year, (self.case, self.truth.case))
            start = segments.start(rule, month)
            if start is not None and start != month and self.trace and segments.same_trace(rule):
                first = self.steps.get(self.step_ids.get((id(rule), person, start)))
                if first is not None and self._clonable(first):
                    return self._clone(rule, person, month, key, relative, first, (id(rule), person, start))
            elif start is not None and start != month and not self.trace:
                try:
                    value = self.rule_value(rule, person, start)
                except DeadlineExceeded:
                    raise
                except EvaluationError:
                    pass  # computed for this month instead, so that the error names this month
                else:
                    noted = self.noted.get((id(rule), person, start))
                    if noted:
                        self.noted[key] = noted
                    self.memo[key] = value
                    return value
        if self.deadline is not None:
            self.tick()
        day = month.first_day() if month else dt.date(self.year, 1, 1)
        version = _version_on(self.rule_set, rule, day)
        if version is None:
            periods = ", ".join(f"{ver.geldig_vanaf} tot {ver.geldig_tot or 'heden'}" for ver in rule.versions)
            _fail(rule.pos, f"regel '{rule.name}' geldt niet op {day.isoformat()} (wel: {periods})",
                  "voeg een versie toe die op deze datum geldt, of reken voor een ander berekeningsjaar")
        ctx = Ctx(self, month, {rule.voor: person} if rule.voor else {}, day)
        step = None
        if self.trace:
            step = self._open_step(key, rule, person, month, day, version, relative)
        self.noted_stack.append(set())
        try:
            value, applied = self.resolve(rule, version, ctx)
        except (ValueError, OverflowError, ZeroDivisionError):
            # The formulas report what they know; this is the net under them, so that no
            # input ends in a Python error: a number or date beyond what can be computed.
            _fail(version.formula.pos, f"de formule van '{rule.name}' kan niet worden uitgerekend: een datum valt "
                                       f"buiten de kalender ({CALENDAR}) of een getal is te groot",
                  "controleer de getallen in de formule en de gegevens in de casus waarmee hier gerekend wordt")
        finally:
            if step is not None:
                self.frames.pop()
                self.frame_seen.pop()
            used = self.noted_stack.pop()
        if isinstance(value, (int, Fraction)) and not isinstance(value, bool) and v.too_many_digits(value):
            # stopped where the formula makes it, not later when the output is written
            _fail(version.formula.pos, f"'{rule.name}' wordt een getal van meer dan {v.MAX_DIGITS} cijfers",
                  f"een getal heeft ten hoogste {v.MAX_DIGITS} cijfers (de grens MAX_DIGITS); controleer de "
                  "formule en de gegevens in de casus waarmee hier gerekend wordt")
        if used:
            self.noted[key] = frozenset(used)
            if self.noted_stack:
                self.noted_stack[-1].update(used)
        self.memo[key] = value
        if step is not None:
            step.value = value
            step.exceptions = applied
            self.steps[step.id] = step
        return value

    def _clonable(self, first: Step) -> bool:
        """Whether the step of a later month of the segment can be made from `first` (see
        _clone): no step it depends on was read both for its own month and for a fixed one
        (the later month would list them apart), and every one is a step of this evaluation.
        Then also: its deps as (rule, person, month, whether read for the own month), in order."""
        plan = first.clone_plan
        if plan is None:
            keys = self.step_keys
            if (first.rel_deps & first.fixed_deps) or not all(d in keys for d in first.deps):
                plan = first.clone_plan = False
            else:
                relative = first.rel_deps
                plan = first.clone_plan = [(*keys[d], d in relative) for d in first.deps]
        return plan is not False

    def _clone(self, rule: Rule, person, month, key, relative: bool, first: Step, first_key):
        """The value and the step of `rule` for `person` in `month`, a later month of the
        segment that `first` starts (segments.py): the same value, version, exceptions,
        parameter values and facts, the facts read on the first day of the month dated on
        this month's, and the steps read for the own month read for this month, as the
        formula would read them (in the same order, so the trace lists the steps as if
        computed): the computation takes the same path to the same value."""
        day = month.first_day()
        step = self._open_step(key, rule, person, month, day, first.version, relative)
        self.noted_stack.append(set())
        try:
            memo, step_ids, seen = self.memo, self.step_ids, self.frame_seen[-1][0]
            deps, rel_deps, fixed_deps = step.deps, step.rel_deps, step.fixed_deps
            for dep_rule, dep_person, dep_month, relative in first.clone_plan:
                dep_key = (id(dep_rule), dep_person, month if relative else dep_month)
                if dep_key in memo:  # rule_value's memo hit, without the notes (those of `first` count)
                    step_id = step_ids.get(dep_key) or self.step_id(dep_rule, dep_person, dep_key[2])
                    if step_id not in seen:
                        seen.add(step_id)
                        deps.append(step_id)
                    (rel_deps if relative else fixed_deps).add(step_id)
                else:
                    self.rule_value(dep_rule, dep_person, dep_key[2], relative)
        finally:
            self.frames.pop()
            self.frame_seen.pop()
            self.noted_stack.pop()
        relative_inputs = self.relative_inputs
        inputs = first.inputs
        if any(id(entry) in relative_inputs for entry in inputs):
            today, inputs = day.isoformat(), list(inputs)
            for index, entry in enumerate(inputs):
                if id(entry) in relative_inputs:
                    entry = inputs[index] = dict(entry, datum=today)
                    relative_inputs[id(entry)] = entry
        else:
            inputs = list(inputs)
        step.inputs, step.parameters, step.exceptions = inputs, list(first.parameters), list(first.exceptions)
        step.choices, step.channels = first.choices, first.channels  # shared: a finished step's are not changed
        noted = self.noted.get(first_key)
        if noted:
            self.noted[key] = noted
            if self.noted_stack:
                self.noted_stack[-1].update(noted)
        value = step.value = self.memo[first_key]
        self.memo[key] = value
        self.steps[step.id] = step
        return value

    def _open_step(self, key, rule: Rule, person, month, day: dt.date, version, relative) -> "Step":
        """A new step of the trace for (rule, person, month), recorded as read by the step
        being computed (if any) and made the one whose reads are recorded now."""
        step = Step(self.step_ids_of_rule_set.get(key) or self.step_id(rule, person, month), rule, person,
                    month, day, version, _version_on(self.rule_set, rule.article, day))
        self.step_ids[key] = step.id
        self.step_keys[step.id] = (rule, person, month)
        if self.frames:
            self._record_dep(step.id, relative)
        self.frames.append(step)
        self.frame_seen.append((set(), set()))
        return step

    def resolve(self, rule: Rule, version, ctx: Ctx):
        """The value of a rule after its exceptions: an exception whose condition
        holds replaces the rule's value; two at once is a conflict in the law as
        written, reported with both rules."""
        applicable = []
        closure = compiled_traced if self.trace else compiled
        for exception in rule.exceptions:
            exc_version = _version_on(self.rule_set, exception, ctx.day)
            if exc_version is None:
                continue
            if closure(exc_version.condition)(ctx):
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
        return closure(version.formula)(ctx), []

    def in_other(self, other: "Evaluation", compute):
        """Compute in another evaluation (a known view, a 'waarbij'); the parameter
        values noted there (unconfirmed, carried forward) count for the rule computed here."""
        if other is self:
            return compute()
        other.noted_stack.append(set())
        try:
            return compute()
        finally:
            used = other.noted_stack.pop()
            if used and self.noted_stack:
                self.noted_stack[-1].update(used)

    def _noted_for(self, rule: Rule, kind: str) -> list:
        # per rule, everything noted for any of its values: gathered in one pass over the
        # memo keys (again only if more was computed since), not once per rule asked for
        cached = self.__dict__.get("_noted_by_rule")
        if cached is None or cached[0] != len(self.noted):
            by_rule: dict = {}
            for (rule_id, _person, _month), used in self.noted.items():
                by_rule.setdefault(rule_id, set()).update(used)
            cached = self.__dict__["_noted_by_rule"] = (len(self.noted), by_rule)
        found = {item for item in cached[1].get(id(rule), ()) if item[0] == kind}
        known = self.rule_set.__dict__.get("_noted", {})
        if kind == DEFAULTED:
            return sorted((known[item[1:]] for item in found), key=lambda ip: (ip[0].name, ip[1] or ""))
        return sorted((known[item[1:]] for item in found), key=lambda pv: (pv[0].name, pv[1].vanaf))

    def unconfirmed_for(self, rule: Rule) -> list:
        """The unconfirmed parameter values (Parameter, ParamValue) any value of
        `rule` rests on, in a stable order."""
        return self._noted_for(rule, UNCONFIRMED)

    def carried_forward_for(self, rule: Rule) -> list:
        """The parameter values (Parameter, ParamValue) carried forward from an
        earlier year that any value of `rule` rests on (see carried_forward)."""
        return self._noted_for(rule, CARRIED_FORWARD)

    def defaulted_for(self, rule: Rule) -> list:
        """The inputs (Input, person or None) any value of `rule` took from their
        'standaard' because the case does not give them (see fact)."""
        return self._noted_for(rule, DEFAULTED)

    def note(self, kind: str, parameter: Parameter, entry) -> None:
        self._note(kind, (id(parameter), id(entry)), (parameter, entry))

    def _note(self, kind: str, key: tuple, noted: tuple) -> None:
        # the rule set owns its parameters and inputs, so their ids stay valid while it is in use
        self.rule_set.__dict__.setdefault("_noted", {})[key] = noted
        self.noted_stack[-1].add((kind, *key))

    def capture(self, compute) -> tuple:
        """Compute a part of a formula with a frame of its own: (value, what it recorded
        in the trace or None, the parameter values it noted)."""
        frame = _Recorded() if self.trace and self.frames else None
        if frame is not None:
            self.frames.append(frame)
            self.frame_seen.append((set(), set()))
        self.noted_stack.append(set())
        try:
            value = compute()
        finally:
            if frame is not None:
                self.frames.pop()
                self.frame_seen.pop()
            noted = frozenset(self.noted_stack.pop())
        return value, frame, noted

    def replay(self, captured: tuple):
        """Record what a captured computation read, in the current frame, as if it ran here."""
        value, frame, noted = captured
        if noted and self.noted_stack:
            self.noted_stack[-1].update(noted)
        if frame is not None and self.frames:
            if frame.deps:
                # a captured frame lists each step once: add those not recorded here yet, in
                # order (a quantifier over all persons replays hundreds at a time)
                current = self.frames[-1]
                deps, seen = current.deps, self.frame_seen[-1][0]
                new = [step_id for step_id in frame.deps if step_id not in seen] if seen else frame.deps
                deps.extend(new)
                seen.update(new)
                current.rel_deps |= frame.rel_deps
                current.fixed_deps |= frame.fixed_deps
            for entry in frame.parameters:
                self._record_parameter(*entry)
            for entry in frame.inputs:
                self._add_input(entry)
            if frame.choices:
                self.frames[-1].choices.extend(frame.choices)
            if frame.channels:
                current = self.frames[-1]
                current.channels = [*current.channels, *frame.channels]
        return value

    def step_id(self, rule: Rule, person, month) -> str:
        text = rule.name
        if person is not None:
            text += f"[{person}]"
        if month is not None:
            text += f"@{month.key()}"
        # the same for every case: kept on the rule set (whose rules the keys' ids name),
        # up to a bound, as persons' names differ from case to case
        if len(self.step_ids_of_rule_set) < REMEMBERED_STEP_IDS:
            self.step_ids_of_rule_set[(id(rule), person, month)] = text
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
                cache[day] = self.share_limit(Evaluation(self.rule_set, known, trace=False))
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
            child = self.share_limit(Evaluation(self.rule_set, self.case, trace=False))
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
            frame = self.frames[-1]
            if not any(known_day == day for known_day, _ in frame.channels):
                frame.channels = [*frame.channels, (day, self.knowledge_on(day))]

    def facts_learned(self, until: dt.date) -> list:
        """When the administration learned each fact of the case (trace.LearnedFact): the
        first day, from the start of the year before the berekeningsjaar (or from when the
        fact became true, if later) up to `until`, and the channel that brought it."""
        found = []
        floor = dt.date(self.year - 1, 1, 1)
        for fact, what, name, persons in facts_with_knowledge(self.case):
            relation = isinstance(fact, RelationFact)
            since = max(fact.vanaf or dt.date.min, floor)
            hit = first_known(fact.knowledge, fact.vanaf, persons, self.rule_set.channels_for(name),
                              self.channel_reaches, since, until)
            found.append(LearnedFact(what, fact.relation.article.citation if relation else "", relation,
                                     fact.knowledge is not None, since, hit))
        return found

    def named_value(self, name: str):
        """The value of a yearly rule or a fact of the case (not of a person) by name, on
        1 January of the berekeningsjaar."""
        rule = self.rule_set.rule(name)
        if rule is not None:
            return self.rule_value(rule, None, None)
        inp = self.rule_set.input(name)
        return self.fact(inp, None, Ctx(self, None, {}, dt.date(self.year, 1, 1)), inp.pos)

    def knowledge_on(self, day: dt.date) -> list:
        """How each fact of the case that had happened by `day` stood with the administration
        on that day: through which channel it was known since when, or that it was not known
        yet (and when and through which channel it became known later, if so). The relations,
        and the facts of persons that a channel carries or of which the case says when they
        became known. Once per day, on an evaluation without a trace, so that the channels'
        conditions (a BSN), read over months nobody else asks for, add no steps to this one."""
        cache = self.__dict__.setdefault("_knowledge_on", {})
        if day in cache:
            return cache[day]
        truth = self.truth
        plain = truth.__dict__.get("_plain")
        if plain is None:
            plain = truth.__dict__["_plain"] = truth.share_limit(Evaluation(self.rule_set, truth.case, trace=False))
            plain.overrides = truth.overrides
        floor = min(dt.date(self.year - 1, 1, 1), day)
        later = dt.date(self.year + 10, 12, 31)
        found = []
        for fact, what, name, persons in facts_with_knowledge(truth.case):
            if fact.vanaf is not None and fact.vanaf > day:
                continue  # not true yet on that day: nothing to know
            channels = self.rule_set.channels_for(name)
            if not channels and fact.knowledge is None:
                continue  # known as soon as true: nothing to say
            since = min(max(fact.vanaf or dt.date.min, floor), day)
            hit = first_known(fact.knowledge, fact.vanaf, persons, channels, plain.channel_reaches, since, day)
            if hit is not None:
                found.append(KnownFact(what, True, hit[0], hit[1]))
            else:
                hit = first_known(fact.knowledge, fact.vanaf, persons, channels, plain.channel_reaches, day, later)
                found.append(KnownFact(what, False, *(hit or (None, None))))
        cache[day] = found
        return found

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
        if self.noted_stack:
            if entry.onbevestigd is not None:
                self.note(UNCONFIRMED, parameter, entry)
            if day.year > entry.vanaf.year and carried_forward(parameter, entry):
                self.note(CARRIED_FORWARD, parameter, entry)
        if parameter.key_type is not None:
            if key not in value:
                _fail(pos, f"tabel '{parameter.name}' heeft geen waarde voor '{key}' (vanaf {entry.vanaf})",
                      f"voeg '{key}' toe aan de tabel in {parameter.article.file}, met de bron")
            value = value[key]
        if self.trace and self.frames:
            self._record_parameter(parameter, entry, key)
        return value

    def _record_parameter(self, parameter, entry, key) -> None:
        frame = self.frames[-1]
        if not any(p is parameter and pv is entry and k == key for p, pv, k in frame.parameters):
            frame.parameters.append((parameter, entry, key))

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
            if self.noted_stack and not self._given_in_case(inp, person, day):
                self._note(DEFAULTED, (id(inp), person), (inp, person))
        else:
            value, bron, place = fact.value, fact.bron or "casus", f"{fact.pos.file}:{fact.pos.line}"
        if self.trace and self.frames:
            self._record_input(inp.name, person, value, inp.type, day, bron, place, ctx.rel_day)
        return value

    def _given_in_case(self, inp: Input, person, day: dt.date) -> bool:
        """Whether the case itself gives `inp` on `day`: a known view (known_on) lacks
        facts the administration did not know yet, but the case did give them."""
        case = self.truth.case
        if case is self.case:
            return False
        timeline = (case.facts if person is None else case.persons[person].facts).get(inp.name)
        return timeline is not None and timeline.at(day) is not None

    def fact_given(self, inp: Input, person, ctx: Ctx) -> bool:
        """Whether the case gives `inp` (of `person`) on the read date, not its default."""
        if person is None and inp.name in self.overrides:
            return True
        timeline = (self.case.facts if person is None else self.case.persons[person].facts).get(inp.name)
        given = timeline is not None and timeline.at(ctx.read_day) is not None
        if self.trace and self.frames:
            self._record_input(f"opgegeven({inp.name}{' van ' + person if person else ''})", None, given, v.WAARHEID,
                               ctx.read_day, "casus" if given else "niet in de casus",
                               f"{self.case.pos.file}:{self.case.pos.line}", ctx.rel_day)
        return given

    def relation_fact(self, relation: Relation, first, second, ctx: Ctx):
        """The case's record of this relation between these persons on the read date, or None:
        the first one in the case that holds then, found by the pair of persons."""
        index = self.relation_index.get(relation.name)
        if index is None:
            index = self.relation_index[relation.name] = {}
            for fact in self.case.relations.get(relation.name, ()):
                index.setdefault(_pair(relation, fact.first, fact.second), []).append(fact)
        day = ctx.read_day
        for fact in index.get(_pair(relation, first, second), ()):
            if fact.holds(day):
                return fact
        return None

    def related(self, relation: Relation, first, second, ctx: Ctx) -> bool:
        day = ctx.read_day
        found = self.relation_fact(relation, first, second, ctx)
        if self.trace and self.frames and found is not None:
            self._record_input(f"{relation.name}({first}; {second})", None, True, v.WAARHEID, day,
                               found.bron or "casus", f"{found.pos.file}:{found.pos.line}", ctx.rel_day)
        return found is not None

    def _record_input(self, name, person, value, type_, day, bron, place, relative: bool = False):
        """`relative`: read on the first day of the step's own month (see _clone)."""
        try:  # recorded already (see _add_input): no need to make the entry
            if (name, person, value) in self.frame_seen[-1][1]:
                return
        except TypeError:
            pass
        entry = {"naam": name, "persoon": person, "waarde": value, "type": type_,
                 "datum": day.isoformat(), "bron": bron, "plaats": place}
        if relative:
            self.relative_inputs[id(entry)] = entry
        self._add_input(entry)

    def _add_input(self, entry: dict) -> None:
        """Record a fact the current step read, once per name, person and value."""
        frame, seen = self.frames[-1], self.frame_seen[-1][1]
        name, person, value = entry["naam"], entry["persoon"], entry["waarde"]
        try:
            key = (name, person, value)
            if key in seen:
                return
            seen.add(key)
        except TypeError:  # a value that cannot be hashed: compare as before
            if any(i["naam"] == name and i["persoon"] == person and i["waarde"] == value for i in frame.inputs):
                return
        frame.inputs.append(entry)


def facts_with_knowledge(case: Case):
    """(fact, how to name it, its name in the rule set, the persons it concerns) for every
    relation of the case, and every fact of a person (each value it has over time)."""
    for name, facts in case.relations.items():
        for fact in facts:
            yield fact, f"{name}({fact.first}; {fact.second})", name, (fact.first, fact.second)
    for person in case.persons.values():
        for name, timeline in person.facts.items():
            for entry in timeline.entries:
                yield entry, f"{name} van {person.id}", name, (person.id,)


class _Recorded:
    """What a part of a formula recorded for the trace while it was captured (Evaluation.capture)."""

    __slots__ = ("deps", "parameters", "inputs", "rel_deps", "fixed_deps", "choices", "channels")

    def __init__(self):
        self.deps, self.parameters, self.inputs, self.choices, self.channels = [], [], [], [], ()
        self.rel_deps, self.fixed_deps = set(), set()  # see Step


def _pair(relation: Relation, first, second) -> tuple:
    """How relation_fact finds a relation: by its two persons, in either order if it is symmetric."""
    if relation.symmetric and second < first:
        return (second, first)
    return (first, second)


# --- what an outcome must say about the parameter values it rests on ---------------------

UNCONFIRMED, CARRIED_FORWARD, DEFAULTED = "onbevestigd", "doorgetrokken", "standaard"


def carried_forward(parameter: Parameter, entry) -> bool:
    """Whether `entry`, read in a later year than the one it took effect in, is carried
    forward: it is the parameter's last value, and the parameter is one the rule set
    gives a new value every year (it has values from 1 January of the year of its last
    value and of the year before). Such a parameter changes with the years (an indexed
    amount, the minimum wage); for a later year the rule set simply has no value yet.
    A parameter that holds for years (a percentage in the law, a list of countries) is
    not carried forward: its last value is in force until the law changes it."""
    cache = parameter.__dict__.get("_carried_forward")
    if cache is None:
        values = parameter.values
        last = values[-1] if values else None
        january = {e.vanaf.year for e in values if (e.vanaf.month, e.vanaf.day) == (1, 1)}
        cache = parameter.__dict__["_carried_forward"] = (
            (last,) if last is not None and {last.vanaf.year, last.vanaf.year - 1} <= january else ())
    return entry in cache


# --- the years a rule set covers ------------------------------------------------------------

def covered_years(rule_set: RuleSet) -> tuple[int, int | None]:
    """The berekeningsjaren the rule set has rules for: from the first year in which one
    of its outcomes ('uitkomst: ja', or any rule if none is marked) is in force, to the
    last (None: no end). Cached on the rule set."""
    cached = rule_set.__dict__.get("_covered_years")
    if cached is None:
        rules = [r for r in rule_set.rules() if r.uitkomst and r.target is None] or list(rule_set.rules())
        versions = [ver for r in rules for ver in r.versions]
        first = min((ver.geldig_vanaf.year for ver in versions), default=dt.MINYEAR)
        ends = [ver.geldig_tot for ver in versions]
        last = None if not ends or None in ends else max((end - dt.timedelta(days=1)).year for end in ends)
        cached = rule_set.__dict__["_covered_years"] = (first, last)
    return cached


def check_year_covered(rule_set: RuleSet, case: Case) -> None:
    """A berekeningsjaar before (or after) the rule set is an error, not an empty outcome."""
    first, last = covered_years(rule_set)
    if first <= case.year and (last is None or case.year <= last):
        return
    years = f"de berekeningsjaren {first} tot en met {last}" if last is not None else f"berekeningsjaar {first} en later"
    where = "vóór" if case.year < first else "na"
    raise EvaluationError(error(
        case.year_pos or case.pos,
        f"berekeningsjaar {case.year} valt {where} de regelset: die heeft regels voor {years}",
        f"reken voor een jaar dat de regelset kent, of voeg in {rule_set.directory} de versies van de artikelen "
        f"voor {case.year} toe").diagnostics)


# --- what `regels check` computes beforehand ----------------------------------------------

# Functions that compute from their arguments alone (no case, no parameters).
_PURE_FUNCTIONS = {"max", "min", "abs", "eerste_dag", "laatste_dag", "leeftijd", "datum", "jaar", "maand",
                   "vorige_maand", "volgende_maand", "maanden_later", "dagen"}


class _YearOnly:
    """What a constant part of a formula may read from its evaluation: the berekeningsjaar."""

    deadline = None

    def __init__(self, year: int):
        self.year = year


def constant_errors(tree: Node, first_year: int, last_year: int) -> list:
    """The errors the evaluator would give for the parts of a formula that depend on
    nothing but literals and 'berekeningsjaar': `€ 1 afgerond op € 0`,
    `maanden_later(1 januari 2020; 999999999999)`, `dagen(1 januari 0001; 31 december 9999)`.
    A part with 'berekeningsjaar' is computed for the first and the last year of the
    version (`first_year`, `last_year`) and reported only if it fails in both: a part
    that fails in one year only may be one a condition avoids in that year. Quantifiers
    are not computed (only their list), so checking never takes long."""
    found: list = []
    closed: dict[int, tuple[bool, bool]] = {}  # id(node) -> (closed, uses berekeningsjaar)

    def visit(node: Node) -> tuple[bool, bool]:
        parts = [visit(child) for child in children(node)]
        if isinstance(node, Lit):
            result = (True, False)
        elif isinstance(node, Name):
            year = isinstance(node.ref, tuple) and node.ref[0] == "builtin" and node.name == "berekeningsjaar"
            result = (year, year)
        elif isinstance(node, (Unary, Binary, If, ListLit, Round)) or (
                isinstance(node, Call) and isinstance(node.ref, str) and node.ref in _PURE_FUNCTIONS):
            result = (all(c for c, _ in parts), any(y for _, y in parts))
        else:
            result = (False, False)
        closed[id(node)] = result
        return result

    def compute(node: Node, year: int):
        try:
            compiled(node)(Ctx(_YearOnly(year), None, {}, dt.date(year, 1, 1)))
        except EvaluationError as exc:
            return exc.diagnostics
        except Exception:  # anything else is left to the evaluator, which reports it where it happens
            return None
        return None

    def search(node: Node):
        is_closed, uses_year = closed[id(node)]
        if is_closed and not isinstance(node, Lit):
            problems = compute(node, first_year)
            if problems and uses_year:
                if last_year != first_year and not compute(node, last_year):
                    return
                years = f"{first_year} en {last_year}" if last_year != first_year else str(first_year)
                problems = [Diagnostic(d.pos, d.message, ((d.hint + "; ") if d.hint else "")
                                       + f"berekend met berekeningsjaar {years}", d.severity) for d in problems]
            found.extend(problems or ())
            return
        for child in children(node):
            search(child)

    visit(tree)
    search(tree)
    return found
