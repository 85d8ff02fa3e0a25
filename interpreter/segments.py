"""Segments: the months of a berekeningsjaar in which a monthly rule provably has
the same value, so that the evaluator computes it once per segment, not per month.

A monthly rule, for a person, is computed on the first day of the month. Its value
depends on the month only through what it reads on that day (facts, relations,
parameter values, rule versions, the values of the monthly rules it refers to) and
through the month itself ('maand'). This module classifies each rule by how its
formulas (every version, and every exception to it) use the month:

- CLEAN: only through what is read on the first day of the month, also inside
  'op eerste_dag(maand)' (or a rule that is exactly that, like awir.5.peildatum),
  and anything inside 'over m in maanden' (read for the month m, not for this one);
- THRESHOLD: as CLEAN, and besides by comparing the first day of the month (or the
  last day of the month before) with a date fact or a date literal, or by an age
  on that day of a date fact: 'leeftijd(geboortedatum van p; eerste_dag(maand)) >= 18'.
  Such a value can only change on the days around those dates and their anniversaries;
- DAY: the rule's value is the first day of the month (plus a fixed offset): a value
  per month, but one that CLEAN uses only as the date of 'op';
- OTHER: anything else (a month in any other use, 'zoals bekend op', 'waarbij'):
  computed every month.

For a CLEAN or THRESHOLD rule the change days of a case are the days on which
anything it (transitively, through the monthly rules it refers to) reads may change:
the 'vanaf' of a fact of an input it reads (of any person), the 'vanaf' and 'tot' of
a relation it reads, the 'vanaf' of a value of a parameter it reads, the 'geldig_vanaf'
and 'geldig_tot' of a version of any rule involved, and the days around the date
thresholds. Two months are in one segment when no change day falls after the first
day of the earlier one and on or before the first day of the later one: every read
then finds the same fact, relation, value and version, so the computation takes the
same path to the same value (and the same error)."""

from __future__ import annotations

import datetime as dt

from . import values as v
from .model import Input, Parameter, Relation, Rule
from .syntax import AsKnown, AtDate, Binary, Call, If, ListLit, Lit, Name, Quantifier, Round, Unary, Van, With

CLEAN, THRESHOLD, OTHER = 0, 1, 3
_MONTH, _PREVIOUS_MONTH = "month", "previous month"  # 'maand' and 'vorige_maand(maand)', only as arguments
_ONE_MONTH = dt.timedelta(days=31)


class _Closure:
    """What a rule reads, transitively through the monthly rules it refers to."""

    __slots__ = ("inputs", "relations", "parameters", "rules", "thresholds", "shift", "running")

    def __init__(self):
        self.inputs, self.relations, self.parameters, self.rules, self.thresholds = set(), set(), {}, {}, set()
        self.shift = False  # the change days count a month later too (see _running)
        # the rule's own formula has a _running quantifier: the same value, but it reads the
        # months up to this one, so the trace of each month differs (not merged by add)
        self.running = False

    def add(self, other: "_Closure") -> None:
        self.inputs |= other.inputs
        self.relations |= other.relations
        self.parameters.update(other.parameters)
        self.rules.update(other.rules)
        self.thresholds |= other.thresholds
        self.shift = self.shift or other.shift


class _Analysis:
    """The classification of every rule of a rule set (cached on the rule set)."""

    def __init__(self, year: int):
        # only the versions in force on a first day of a month of this berekeningsjaar count
        self.first, self.last = dt.date(year, 1, 1), dt.date(year, 12, 1)
        self.kind: dict[int, object] = {}  # id(rule) -> CLEAN | THRESHOLD | OTHER | ("day", offset)
        self.closure: dict[int, _Closure] = {}
        self.static: dict[int, frozenset] = {}

    def rule(self, rule: Rule):
        found = self.kind.get(id(rule))
        if found is not None:
            return found
        closure = _Closure()
        kinds = []
        for part in _parts(rule):
            closure.rules[id(part)] = part
            for version in part.versions:
                if version.geldig_vanaf > self.last or (version.geldig_tot is not None
                                                        and version.geldig_tot <= self.first):
                    continue
                for tree in (version.formula, version.condition):
                    if tree is not None:
                        kinds.append(self.node(tree, False, closure))
        if rule.exceptions or not kinds:
            result = _combine(kinds)
        elif all(isinstance(k, tuple) and k[0] == "day" for k in kinds) and len(set(kinds)) == 1:
            result = kinds[0]
        else:
            result = _combine(kinds)
        self.kind[id(rule)] = result
        self.closure[id(rule)] = closure
        return result

    def static_days(self, rule: Rule, closure: _Closure) -> frozenset:
        """The change days of `rule` that the rule set gives: a parameter value or a rule version starts or ends."""
        found = self.static.get(id(rule))
        if found is None:
            days = set()
            for parameter in closure.parameters.values():
                days.update(entry.vanaf for entry in parameter.values)
            for part in closure.rules.values():
                for version in part.versions:
                    days.add(version.geldig_vanaf)
                    if version.geldig_tot is not None:
                        days.add(version.geldig_tot)
            low = self.first - _ONE_MONTH  # only days that can fall between two first days (or a month before)
            found = self.static[id(rule)] = frozenset(d for d in days if low < d <= self.last)
        return found

    def node(self, node, in_months: bool, closure: _Closure):
        """How the value of `node` depends on the month the rule is computed for."""
        if isinstance(node, Lit):
            return CLEAN
        if isinstance(node, Name):
            return self._name(node, None, in_months, closure)
        if isinstance(node, Van):
            if node.kind == "percentage":
                return _combine([self.node(node.left, in_months, closure), self.node(node.right, in_months, closure)])
            return self._name(node.left, node.right, in_months, closure)
        if isinstance(node, Call):
            return self._call(node, in_months, closure)
        if isinstance(node, Binary):
            left, right = self.node(node.left, in_months, closure), self.node(node.right, in_months, closure)
            if node.op == "vergelijk" and not in_months:
                for day, other in ((left, node.right), (right, node.left)):
                    threshold = _date_fact(other)
                    if _is_day(day) and threshold is not None:
                        closure.thresholds.add((threshold, "vergelijk", day[1]))
                        return THRESHOLD
            return _combine([left, right])
        if isinstance(node, AtDate):
            date = self.node(node.date, in_months, closure)
            expr = self.node(node.expr, in_months, closure)
            if own_day_date(node.date) and not in_months:  # read on the first day: what the rule reads anyway
                return expr
            return _combine([expr, date])
        if isinstance(node, (AsKnown, With)):
            for child in ([node.expr, node.date] if isinstance(node, AsKnown)
                          else [node.expr] + [value for _, _, value in node.bindings]):
                self.node(child, in_months, closure)
            return OTHER
        if isinstance(node, Unary):
            return _combine([self.node(node.operand, in_months, closure)])
        if isinstance(node, Round):
            return _combine([self.node(node.operand, in_months, closure), self.node(node.unit, in_months, closure)])
        if isinstance(node, If):
            return _combine([self.node(n, in_months, closure) for n in (node.cond, node.then, node.other)])
        if isinstance(node, ListLit):
            return _combine([self.node(n, in_months, closure) for n in node.items])
        if isinstance(node, Quantifier):
            domain = self.node(node.domain, in_months, closure)
            over_months = (node.domain.type is not None and node.domain.type.name == "lijst"
                           and node.domain.type.elem == v.MAAND)
            inner = in_months or (over_months and domain == CLEAN)
            running = self._running(node, in_months, over_months, domain, closure)
            if running is not None:
                return running
            parts = [self.node(n, inner, closure) for n in (node.cond, node.body) if n is not None]
            return _combine([domain] + parts)
        return OTHER

    def _running(self, node: Quantifier, in_months: bool, over_months: bool, domain, closure: _Closure):
        """'er is een m in maanden waarvoor m <= maand en X' (or 'm < maand'): whether X held
        in a month up to this one (before this one). From one month to the next it changes
        only where X, read for the months, changes: X is classified as if read for this month,
        and its change days count; for '<' a month later (and from January to February)."""
        if in_months or not over_months or domain != CLEAN or node.kind != "er_is_een":
            return None
        parts = _conjuncts(node.cond) if node.cond is not None else []
        if len(parts) < 2 or not _month_up_to(parts[0], node.var):
            return None
        kinds = [self.node(p, False, closure) for p in parts[1:]]
        if _combine(kinds) == OTHER:
            return None
        closure.running = True
        if parts[0].compare == "<":
            closure.shift = True
        return _combine(kinds)

    def _name(self, node: Name, person, in_months: bool, closure: _Closure):
        kinds = [] if person is None else [self.node(person, in_months, closure)]
        ref = node.ref
        if isinstance(ref, tuple):
            if ref[0] != "var" and node.name == "maand":
                return OTHER if in_months else _MONTH
            return _combine(kinds)
        if isinstance(ref, Input):
            closure.inputs.add(ref.name)
        elif isinstance(ref, Parameter):
            closure.parameters[id(ref)] = ref
        elif isinstance(ref, Rule) and ref.per == "maand":
            kind = self.rule(ref)
            closure.add(self.closure[id(ref)])
            if not in_months:  # inside 'over m in maanden' it is read for the month m
                if _is_day(kind) and _combine(kinds) == CLEAN:
                    return kind  # the first day of the month, for a date of 'op'
                kinds.append(kind)
        elif not isinstance(ref, Rule):
            return OTHER
        return _combine(kinds)

    def _call(self, node: Call, in_months: bool, closure: _Closure):
        ref = node.ref
        args = [self.node(a, in_months, closure) for a in node.args]
        if isinstance(ref, Parameter):
            closure.parameters[id(ref)] = ref
        elif isinstance(ref, Relation):
            closure.relations.add(ref.name)
        elif ref == "begin":
            pass  # the relation is the argument, added above
        elif ref == "eerste_dag" and args == [_MONTH]:
            return ("day", 0)
        elif ref == "vorige_maand" and args == [_MONTH]:
            return _PREVIOUS_MONTH
        elif ref == "laatste_dag" and args == [_PREVIOUS_MONTH]:
            return ("day", -1)
        elif ref == "leeftijd" and not in_months and _is_day(args[1]):
            threshold = _date_fact(node.args[0])
            if threshold is not None:
                closure.thresholds.add((threshold, "leeftijd", args[1][1]))
                return THRESHOLD
        return _combine(args)


def _conjuncts(node) -> list:
    if isinstance(node, Binary) and node.op == "en":
        return _conjuncts(node.left) + _conjuncts(node.right)
    return [node]


def _month_up_to(node, var: str) -> bool:
    """'m <= maand' or 'm < maand', m the variable of the quantifier."""
    return (isinstance(node, Binary) and node.op == "vergelijk" and node.compare in ("<", "<=")
            and isinstance(node.left, Name) and isinstance(node.left.ref, tuple) and node.left.ref[0] == "var" and node.left.name == var
            and isinstance(node.right, Name) and isinstance(node.right.ref, tuple)
            and node.right.ref[0] != "var" and node.right.name == "maand")


def own_day_date(node) -> bool:
    """Whether a date is the first day of the month the rule is computed for, in every
    version: 'eerste_dag(maand)', or a monthly rule that is just that (awir.5.peildatum).
    The evaluator uses the same test to date the trace of a month taken from its segment."""
    if isinstance(node, Call) and node.ref == "eerste_dag" and len(node.args) == 1:
        arg = node.args[0]
        return isinstance(arg, Name) and isinstance(arg.ref, tuple) and arg.ref[0] != "var" and arg.name == "maand"
    if isinstance(node, Name) and isinstance(node.ref, Rule):
        rule = node.ref
        return (rule.per == "maand" and rule.voor is None and not rule.exceptions and bool(rule.versions)
                and all(version.condition is None and own_day_date(version.formula) for version in rule.versions))
    return False


def _is_day(kind) -> bool:
    return isinstance(kind, tuple) and kind[0] == "day"


def _combine(kinds) -> int:
    """A value computed from parts: a day of the month or the month itself, in any use
    other than those above, makes it OTHER."""
    result = CLEAN
    for kind in kinds:
        if not isinstance(kind, int):
            return OTHER
        result = max(result, kind)
    return result


def _date_fact(node):
    """('input', name) for a date fact read directly (geboortedatum van p), ('date', day)
    for a date literal; None for anything else."""
    if isinstance(node, Lit) and isinstance(node.value, dt.date):
        return ("date", node.value)
    name = node.left if isinstance(node, Van) and node.kind != "percentage" else node
    if isinstance(name, Name) and isinstance(name.ref, Input) and name.ref.type == v.DATUM:
        return ("input", name.ref.name)
    return None


def _parts(rule: Rule):
    """The rule and, recursively, its exceptions: resolve evaluates all their conditions."""
    yield rule
    for exception in rule.exceptions:
        yield from _parts(exception)


def analysis(rule_set, year: int) -> _Analysis:
    cache = rule_set.__dict__.setdefault("_segments", {})
    found = cache.get(year)
    if found is None:
        found = cache[year] = _Analysis(year)
    return found


# --- per case ------------------------------------------------------------------------------


class Segments:
    """For one evaluation: per monthly rule, the month each month of the year takes its
    value from (the first month of its segment), or None if it is computed every month."""

    def __init__(self, rule_set, year: int, cases):
        self.rule_set = rule_set
        self.analysis = analysis(rule_set, year)
        self.year = year
        self.cases = cases  # the case evaluated and, for a known view, the true case
        self.starts: dict[int, tuple | None] = {}
        self._input_days: dict[str, set] = {}
        self._input_values: dict[str, set] = {}
        self._relation_days: dict[str, set] = {}
        self._thresholds: dict[tuple, set] = {}
        self._by_days: dict[frozenset, tuple] = {}
        self.first, self.last = dt.date(year, 1, 1), dt.date(year, 12, 1)

    def same_trace(self, rule: Rule) -> bool:
        """Whether the months of a segment also read the same (so that their trace is alike)."""
        return not self.analysis.closure[id(rule)].running

    def start(self, rule: Rule, month: v.Month):
        """The month whose value `rule` has in `month` as well (possibly `month` itself), or None."""
        starts = self.starts.get(id(rule), False)
        if starts is False:
            starts = self.starts[id(rule)] = self._starts(rule)
        if starts is None or month.year != self.year:
            return None
        return starts[month.month - 1]

    def _starts(self, rule: Rule):
        kind = self.analysis.rule(rule)
        if kind not in (CLEAN, THRESHOLD):
            return None
        closure = self.analysis.closure[id(rule)]
        days = set(self.analysis.static_days(rule, closure))  # each set below holds only days in the window
        for name in closure.inputs:
            days |= self.input_days(name)
        for name in closure.relations:
            days |= self.relation_days(name)
        for threshold in closure.thresholds:
            found = self._thresholds.get(threshold)
            if found is None:
                (source, name), how, offset = threshold
                found = set()
                for date in (self.input_values(name) if source == "input" else {name}):
                    found |= self._threshold_days(date, how, offset)
                self._thresholds[threshold] = found = self._window(found)
            days |= found
        if closure.shift:  # a change in one month may show in the next (see _running)
            days |= {_month_later(d) for d in days}
            days.add(dt.date(self.year, 2, 1))
        key = frozenset(d for d in days if self.first < d <= self.last)
        starts = self._by_days.get(key)
        if starts is None:
            starts, current = [], 1
            for m in range(1, 13):
                # a change day after the first day of the month before, up to the first day of this one
                if m > 1 and any((d.month == m and d.day == 1) or (d.month == m - 1 and d.day > 1) for d in key):
                    current = m
                starts.append(v.Month(self.year, current))
            starts = self._by_days[key] = tuple(starts)
        return starts

    def _threshold_days(self, date, how: str, offset: int) -> set:
        """The days on which a comparison of the first day of the month (plus `offset`
        days) with `date` may change (`date` - offset, and the day after), or the age on
        that day of someone born on `date` (its anniversaries - offset; 29 February
        counts on 28 February and 1 March)."""
        if not isinstance(date, dt.date):
            return set()
        around = []
        if how == "vergelijk":
            around.append(date)
        else:
            for year in range(self.year - 1, self.year + 2):
                try:
                    around.append(date.replace(year=year))
                except ValueError:  # 29 February in a year without it
                    around += [dt.date(year, 2, 28), dt.date(year, 3, 1)]
        days = set()
        for day in around:
            for shift in (-offset, 1 - offset):
                try:
                    days.add(day + dt.timedelta(days=shift))
                except OverflowError:
                    pass
        return days

    def _window(self, days) -> frozenset:
        """The days that can matter: after a first day of a month of the year (or up to a
        month before, for a change that shows a month later) and not after the last."""
        low = self.first - _ONE_MONTH
        return frozenset(d for d in days if low < d <= self.last)

    def _timelines(self, name: str):
        for case in self.cases:
            timeline = case.facts.get(name)
            if timeline is not None:
                yield timeline
            for person in case.persons.values():
                timeline = person.facts.get(name)
                if timeline is not None:
                    yield timeline

    def input_days(self, name: str) -> set:
        found = self._input_days.get(name)
        if found is None:
            found = self._input_days[name] = self._window(
                {e.vanaf for t in self._timelines(name) for e in t.entries if e.vanaf is not None})
        return found

    def input_values(self, name: str) -> set:
        """Every value of a date input in the case, and its default (used where a case does not give it)."""
        found = self._input_values.get(name)
        if found is None:
            found = {e.value for t in self._timelines(name) for e in t.entries}
            inp = self.rule_set.input(name)
            if inp is not None and inp.has_default:
                found.add(inp.default)
            self._input_values[name] = found
        return found

    def relation_days(self, name: str) -> set:
        found = self._relation_days.get(name)
        if found is None:
            found = self._relation_days[name] = self._window(
                {d for case in self.cases for fact in case.relations.get(name, ()) for d in (fact.vanaf, fact.tot)
                 if d is not None})
        return found


def _month_later(day: dt.date) -> dt.date:
    """The first day of the month after the month that follows `day`'s month starts on or after `day`:
    a change on `day` shows on the first day of a month from then on, and a month later for '<'."""
    month = v.Month(day.year, day.month)
    if day.day != 1:
        month = month.next()
    return month.next().first_day()
