"""The checked rule set, evaluated column-wise over a group of households.

Every rule becomes a table over (household[, person][, month]); every formula
is evaluated once per group over all its rows, with numpy. The semantics are
those of evaluate.py, the reference, including which error a case raises:

- A value carries an error column next to its data: 0 where it is fine,
  else the code of the error site (a missing fact, a conflict of exceptions,
  a division by zero, ...) that the interpreter would raise first. Both sides
  of 'als' are computed, but only the error of the branch taken counts; 'en'
  and 'of' count the right operand's error only where the interpreter would
  evaluate it; 'er is een' and 'voor alle' stop at the first person that
  decides, as the interpreter's loop does. Combining errors in the
  interpreter's order of evaluation gives, per row, exactly the error it raises.
- A formula is evaluated in a frame: the household axis, one axis per
  variable bound by 'voor' or a quantifier (persons or months), and the month
  on which rules are read and law dates fall. Every array in a frame has one
  dimension per axis (size 1 where it does not depend on it), so numpy
  broadcasting lines everything up; a quantifier adds an axis and reduces it.
- All households in a group have the same berekeningsjaar, so the law date of
  each month, the rule version in force and each parameter value read on it
  are constants of the group.

A construct this backend cannot evaluate yet is reported by `Plan` as
'niet ondersteund door de kolomsgewijze rekenwijze', naming the rule and the
place; nothing falls back silently.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .. import values as v
from ..builtins import BUILTINS
from ..diagnostics import Diagnostic, Pos, RegelsError
from ..model import Input, Parameter, Relation, Rule, RuleSet
from ..syntax import AsKnown, AtDate, Binary, Call, If, ListLit, Lit, Name, Quantifier, Round, Unary, Van, With, children, walk
from . import calendar as cal
from . import money
from .money import Num
from .tables import ALWAYS, Group


class Unsupported(RegelsError):
    """A rule the columnar backend cannot evaluate (yet)."""


def _unsupported(pos: Pos, what: str, rule: Rule) -> Unsupported:
    return Unsupported(Diagnostic(pos, f"niet ondersteund door de kolomsgewijze rekenwijze: {what} in regel "
                                       f"'{rule.name}'",
                                  "reken deze regel met de interpreter (regels bereken)"))


@dataclass(frozen=True)
class Site:
    """A place where evaluation can fail, and how: what the error column's codes mean."""

    kind: str  # ontbreekt | tegenstrijdig | deling_door_nul | datum | parameter | tabel | niet_in_werking | begin
    message: str
    pos: Pos | None = None
    input_name: str | None = None

    def format(self) -> str:
        return f"{self.pos}: fout: {self.message}" if self.pos else f"fout: {self.message}"


# --- which rules compile ------------------------------------------------------------------


def _rules_tree(rule: Rule) -> list[Rule]:
    """A rule with its exceptions, and theirs."""
    found = [rule]
    for exception in rule.exceptions:
        found += _rules_tree(exception)
    return found


def _day_sum_problem(node: Quantifier):
    """'som van X op d over d in dagen(a; b)' is a sum over pieces of the period
    in which X is constant: X may read the day d only through 'op d', and then
    only parameters (their values change on known dates). The node that is not
    allowed, or None."""
    if node.kind != "som" or node.cond is not None:
        return node
    var = node.var

    def bad(tree, inside_op: bool):
        if isinstance(tree, AtDate) and isinstance(tree.date, Name) and tree.date.name == var:
            return bad(tree.expr, True)
        if isinstance(tree, Name) and tree.name == var:
            return tree
        if inside_op and (isinstance(tree, (Van, AsKnown, With, Quantifier, AtDate)) or
                          (isinstance(tree, Name) and not isinstance(tree.ref, Parameter)) or
                          (isinstance(tree, Call) and not isinstance(tree.ref, Parameter)
                           and tree.ref not in ("max", "min", "abs"))):
            if not (isinstance(tree, Van) and tree.kind == "percentage"):
                return tree
        for child in children(tree):
            found = bad(child, inside_op)
            if found is not None:
                return found
        return None
    return bad(node.body, False)


def _describe(node) -> str:
    return {Name: "de dag of een naam die geen parameter is", Call: "een functie", Van: "een kenmerk",
            Quantifier: "een som of telling"}.get(type(node), "deze vorm")


def _parameters_in(tree) -> list:
    return [n.ref for n in walk(tree) if isinstance(n, (Name, Call)) and isinstance(n.ref, Parameter)]


class Plan:
    """The rule set as the columnar backend sees it: which rules it can
    evaluate, why not the others, and the table of error sites."""

    def __init__(self, rule_set: RuleSet):
        self.rule_set = rule_set
        self.sites: list[Site | None] = [None]
        self._site_codes: dict = {}
        self.problems: dict[str, Unsupported] = {}
        self.causes: dict[str, Unsupported] = {}  # the construct itself, for a rule that rests on it
        self._signatures: dict = {}
        done: set = set()
        for rule in rule_set.rules():
            if rule.target is None:
                self._check(rule.root, done)

    def site(self, key, kind: str, message: str, pos: Pos | None = None, input_name: str | None = None) -> int:
        code = self._site_codes.get(key)
        if code is None:
            code = self._site_codes[key] = len(self.sites)
            self.sites.append(Site(kind, message, pos, input_name))
        return code

    def signature(self, rule: Rule, day: dt.date) -> tuple:
        """Which versions of a rule and its exceptions are in force on a day (cached)."""
        key = (id(rule), day)
        found = self._signatures.get(key)
        if found is None:
            found = self._signatures[key] = tuple(id(m.version_on(day)) for m in _rules_tree(rule))
        return found

    def supported(self, rule: Rule) -> bool:
        return rule.root.name not in self.problems

    def compiled_rules(self) -> list[Rule]:
        return [r for r in self.rule_set.rules() if r.target is None and self.supported(r)]

    def _check(self, rule: Rule, done: set) -> Unsupported | None:
        if rule.name in done:
            return self.problems.get(rule.name)
        done.add(rule.name)
        problem = None
        for member in _rules_tree(rule):
            for version in member.versions:
                for tree in (version.formula, version.condition):
                    if tree is not None and problem is None:
                        problem = self._check_tree(tree, member)
        if problem is None:
            for dep in rule.dependencies() + [d for e in _rules_tree(rule)[1:] for d in e.dependencies()]:
                if isinstance(dep, Rule) and dep.root is not rule:
                    inner = self._check(dep.root, done)
                    if inner is not None:
                        cause = self.causes[dep.root.name]
                        d = cause.diagnostics[0]
                        problem = Unsupported(Diagnostic(rule.pos, f"regel '{rule.name}' steunt op '{dep.root.name}'; "
                                                                   f"{d.message} ({d.pos})", d.hint))
                        self.causes[rule.name] = cause
                        break
        if problem is not None:
            self.problems[rule.name] = problem
            self.causes.setdefault(rule.name, problem)
        return problem

    def _check_tree(self, tree, rule: Rule) -> Unsupported | None:
        allowed_lists: set = set()
        domains: set = set()
        for node in walk(tree):
            if isinstance(node, Call) and node.ref == "dagen" and id(node) not in domains:
                return _unsupported(node.pos, "'dagen(...)' buiten 'som van ... over d in dagen(...)'", rule)
            if isinstance(node, Quantifier):
                dom = node.domain
                if isinstance(dom, Call) and dom.ref == "dagen":
                    problem = _day_sum_problem(node)
                    if problem is not None:
                        return _unsupported(problem.pos, "in een som over dagen: " + _describe(problem), rule)
                elif not (isinstance(dom, Name) and isinstance(dom.ref, tuple) and dom.name in ("personen", "maanden")):
                    return _unsupported(dom.pos, "een domein anders dan 'personen', 'maanden' of 'dagen(...)'", rule)
                domains.add(id(dom))
            if isinstance(node, Binary) and node.op in ("in_lijst", "niet_in_lijst"):
                allowed_lists.add(id(node.right))
                right = node.right
                if isinstance(right, ListLit):
                    if not all(isinstance(i, Lit) for i in right.items):
                        return _unsupported(right.pos, "een lijst met iets anders dan vaste waarden", rule)
                elif not (isinstance(right, Name) and isinstance(right.ref, Parameter)):
                    return _unsupported(right.pos, "'in' met iets anders dan een lijst of een lijst-parameter", rule)
            if isinstance(node, ListLit) and id(node) not in allowed_lists:
                return _unsupported(node.pos, "een lijst buiten 'in'", rule)
            if isinstance(node, Name) and isinstance(node.ref, tuple) and node.name in ("personen", "maanden") \
                    and id(node) not in domains:
                return _unsupported(node.pos, f"'{node.name}' buiten een 'er is een', 'aantal' of 'som'", rule)
            if isinstance(node, Round) and not isinstance(node.unit, Lit):
                return _unsupported(node.unit.pos, "afronden op een eenheid die geen vaste waarde is", rule)
            if isinstance(node, Name) and isinstance(node.ref, Parameter) and node.ref.type.name == "lijst" \
                    and id(node) not in allowed_lists:
                return _unsupported(node.pos, "een lijst-parameter buiten 'in'", rule)
        return None

    def coverage(self) -> tuple[int, int]:
        """(rules that compile, rules), counting each rule with its exceptions once."""
        roots = [r for r in self.rule_set.rules() if r.target is None]
        return sum(1 for r in roots if self.supported(r)), len(roots)


# --- values in a frame ------------------------------------------------------------------------


class V:
    """A column value in a frame: kind, data, error codes (None: no error possible)."""

    __slots__ = ("kind", "x", "err", "ident")

    def __init__(self, kind: str, x, err=None, ident=None):
        self.kind = kind  # num | bool | date | month | text | person | tlist
        self.x = x  # Num for num, else an int/bool array
        self.err = err
        self.ident = ident  # the axis this value enumerates (a bound person variable), if so


def _fingerprint(value: "V") -> tuple:
    """The values of a column, hashable: equal values give the same evaluation."""
    def raw(a):  # object arrays by their values: their bytes are addresses
        a = np.asarray(a)
        return tuple(a.tolist()) if a.dtype == object else (a.dtype.str, a.shape, np.ascontiguousarray(a).tobytes())
    if value.kind == "num":
        x = value.x
        return ("num", raw(x.a), x.d if x.static else raw(x.d))
    return (value.kind, raw(value.x))


def _kind(type_: v.Type) -> str:
    name = type_.name
    if name in v.NUMERIC or name == "jaar":
        return "num"
    return {"waar/onwaar": "bool", "datum": "date", "maand": "month", "tekst": "text",
            "persoon": "person"}.get(name, name)


def first_error(*errors):
    """The first error in the interpreter's order of evaluation."""
    result = None
    for e in errors:
        if e is None:
            continue
        result = e if result is None else np.where(result != 0, result, e)
    return result


def _fold_last(op, a: np.ndarray) -> np.ndarray:
    """op.reduce over the last axis, item by item: for the few persons or months of an
    axis this is much faster than numpy's reduction over a short, strided last axis."""
    size = a.shape[-1]
    if size > 16:
        return op.reduce(a, axis=-1)
    result = a[..., 0].copy()
    for k in range(1, size):
        op(result, a[..., k], out=result)
    return result


def _covering(val: V) -> V:
    """A value whose data covers its error column (what reads it broadcasts the data)."""
    if val.err is None:
        return val
    shape_x = val.x.a.shape if val.kind == "num" else val.x.shape
    shape = np.broadcast_shapes(shape_x, val.err.shape)
    if shape == shape_x:
        return val
    x = money.broadcast(val.x, shape) if val.kind == "num" else np.broadcast_to(val.x, shape)
    return V(val.kind, x, val.err)


def _constant_along(a: np.ndarray, axis: int) -> bool:
    before = (slice(None),) * axis
    first = a[before + (slice(0, 1),)]
    # the first against the last item first: where something changes, that usually shows it
    if not (first == a[before + (slice(-1, None),)]).all():
        return False
    return bool((a == first).all())


def _pruned(err):
    """None for an error column without errors, so that what follows stays cheap."""
    return None if err is None or not err.any() else err


def _masked(mask, err):
    """The error where `mask` holds (the operand is evaluated there), else none."""
    if err is None:
        return None
    err = np.where(mask, err, 0)
    return err if err.any() else None


def _expand(x):
    if isinstance(x, Num):
        return Num(x.a[..., None], x.d if x.static else x.d[..., None], x.bound, x.dbound)
    return x[..., None]


def _expand_v(val: V) -> V:
    return V(val.kind, _expand(val.x), None if val.err is None else val.err[..., None])


@dataclass
class Frame:
    axes: tuple  # ("h", None) | ("p", None) | ("m", positions)
    vars: dict  # name -> ("person" | "month", axis)
    month: object  # None | ("axis", j): the month rules are read for
    own: object  # None | ("axis", j): what 'maand' means
    at: V | None  # the date of an enclosing 'op'

    @property
    def ndim(self) -> int:
        return len(self.axes)

    def extend(self, axis, var: str, kind: str, months: bool) -> "Frame":
        j = len(self.axes)
        new_vars = dict(self.vars)
        new_vars[var] = (kind, j)
        def grow(month):
            return ("value", month[1][..., None]) if month is not None and month[0] == "value" else month
        return Frame(self.axes + (axis,), new_vars, ("axis", j) if months else grow(self.month), grow(self.own),
                     None if self.at is None else _expand_v(self.at))


def _select(cond, a: V, b: V) -> V:
    """'als': a where cond holds, b elsewhere; the error of the branch taken."""
    if a.kind == "num":
        x = money.where(cond, a.x, b.x)
    else:
        x = np.where(cond, a.x, b.x)
    if a.err is None and b.err is None:
        err = None
    else:
        err = _pruned(np.where(cond, 0 if a.err is None else a.err, 0 if b.err is None else b.err))
    return V(a.kind, x, err)


def _first_along(err, stop=None):
    """The error of the first item (last axis) that stops a loop over the items:
    with `stop`, the loop ends at the first item that has an error or decides."""
    nonzero = err != 0
    halt = nonzero if stop is None else (nonzero | stop)
    j = np.argmax(halt, axis=-1)[..., None]
    picked = np.take_along_axis(err, j, axis=-1)[..., 0]
    return np.where(np.take_along_axis(halt, j, axis=-1)[..., 0], picked, 0)


# --- evaluation of one group -------------------------------------------------------------------


class GroupRun:
    """The rule tables of one group of households, computed on demand."""

    def __init__(self, plan: Plan, group: Group, overrides: dict | None = None, truth: "GroupRun | None" = None):
        self.plan = plan
        self.g = group
        self.n, self.P, self.year = group.n, group.P, group.year
        self.tables: dict[int, V] = {}
        # 'waarbij': yearly rules and global inputs with given values, (n,) per name
        self.overrides: dict[str, V] = overrides or {}
        self.truth = truth or self  # the evaluation on the true facts (this one, unless a known view)
        self._known: dict = {}
        self._with: dict = {}
        self.view_error = None  # for a known view: per household, an error in deciding what was known
        self.month_days = np.array([dt.date(self.year, m, 1).toordinal() for m in range(1, 13)], dtype=np.int64)
        self._params: dict = {}
        self._changes: dict = {}
        self._spans: dict = {}
        self._rows = np.arange(self.n)  # the row numbers, read-only
        self._rows.flags.writeable = False

    # helpers ------------------------------------------------------------------------------------

    def along(self, frame: Frame, j: int, values) -> np.ndarray:
        shape = [1] * frame.ndim
        shape[j] = len(values)
        return np.asarray(values).reshape(shape)

    def ones(self, frame: Frame, value, dtype=np.int64) -> np.ndarray:
        return np.full((1,) * frame.ndim, value, dtype=dtype)

    def hidx(self, frame: Frame) -> np.ndarray:
        return self._rows.reshape((self.n,) + (1,) * (frame.ndim - 1))

    def law_day(self, frame: Frame) -> np.ndarray:
        if frame.month is None:
            return self.ones(frame, self.month_days[0])
        if frame.month[0] == "value":
            return cal.first_day(frame.month[1])
        j = frame.month[1]
        return self.along(frame, j, self.month_days[list(frame.axes[j][1])])

    def read_day(self, frame: Frame, starts=None) -> np.ndarray:
        """The day facts are read on. With `starts` (the days on which the facts to
        read begin or end): if none falls between the first and the last month of the
        year, every month reads what 1 January reads, and the value does not depend
        on the month."""
        if frame.at is not None:
            day = frame.at.x
            if starts is not None and day.size > 1:
                # facts read on days lo..hi that do not change after lo: all read what lo reads
                lo, hi = self._span(day)
                if not self._changes_in(starts, lo, hi):
                    return self.ones(frame, lo)
            return day
        if frame.month is not None and frame.month[0] == "axis" and starts is not None \
                and not self._changes_in(starts, self.month_days[0], self.month_days[-1]):
            return self.ones(frame, self.month_days[0])
        return self.law_day(frame)

    def _span(self, day: np.ndarray) -> tuple[int, int]:
        found = self._spans.get(id(day))
        if found is None:
            # the array is kept with the answer, so that its id is not reused
            found = self._spans[id(day)] = (int(day.min()), int(day.max()), day)
        return found[0], found[1]

    def _changes_in(self, arrays, first: int, last: int) -> bool:
        """Whether a day in `arrays` (when facts begin or end) falls in first+1..last."""
        key = tuple(id(a) for a in arrays) + (first, last)
        found = self._changes.get(key)
        if found is None:
            # the arrays are kept with the answer, so that their ids are not reused
            found = self._changes[key] = (any(bool(((a > first) & (a <= last)).any()) for a in arrays), arrays)
        return found[0]

    def month_positions(self, frame: Frame):
        """The current month as a position 0..11 in the year: an index array, or an axis."""
        if frame.month[0] == "value":
            positions = frame.month[1] - self.year * 12
            if ((positions < 0) | (positions > 11)).any():
                raise Unsupported(Diagnostic(Pos("<kolomsgewijs>", 0, 0), "niet ondersteund door de kolomsgewijze "
                                             "rekenwijze: een regel per maand gelezen buiten het berekeningsjaar"))
            return positions
        j = frame.month[1]
        positions = frame.axes[j][1]
        return self.along(frame, j, np.array(positions))

    def placeholder(self, kind: str, frame: Frame) -> V:
        if kind == "num":
            return V(kind, money.const(0, frame.ndim))
        return V(kind, self.ones(frame, 1 if kind == "date" else 0, bool if kind == "bool" else np.int64))

    def const(self, value, type_: v.Type, frame: Frame) -> V:
        kind = _kind(type_)
        if kind == "num":
            return V(kind, money.const(value, frame.ndim))
        if kind == "bool":
            return V(kind, self.ones(frame, bool(value), bool))
        if kind == "date":
            return V(kind, self.ones(frame, value.toordinal()))
        if kind == "text":
            return V(kind, self.ones(frame, self.g.pool.id(value)))
        if kind == "month":
            return V(kind, self.ones(frame, value.year * 12 + value.month - 1))
        raise AssertionError(type_)

    # rule tables ----------------------------------------------------------------------------------

    def table(self, rule: Rule) -> V:
        """The values of a rule for every household (person, month) of the group,
        in the layout (n[, P][, 12])."""
        found = self.tables.get(id(rule))
        if found is not None:
            return found
        if rule.name in self.overrides:
            self.tables[id(rule)] = self.overrides[rule.name]
            return self.overrides[rule.name]
        axes = [("h", None)]
        vars_ = {}
        if rule.voor:
            axes.append(("p", None))
            for member in _rules_tree(rule):
                if member.voor:
                    vars_[member.voor] = ("person", 1)
        kind = _kind(rule.type)
        if rule.per != "maand":
            frame = Frame(tuple(axes), vars_, None, None, None)
            result = self._compact(self.resolve_rule(rule, frame))
        else:
            j = len(axes)
            # months in which the rule and its exceptions have the same versions share one evaluation
            runs: dict = {}
            for pos in range(12):
                day = dt.date(self.year, pos + 1, 1)
                signature = tuple(id(m.version_on(day)) for m in _rules_tree(rule))
                runs.setdefault(signature, []).append(pos)
            if len(runs) == 1:
                frame = Frame(tuple(axes) + (("m", tuple(range(12))),), vars_, ("axis", j), ("axis", j), None)
                result = self._compact(self.resolve_rule(rule, frame))
            else:
                shape = [self.n] + ([self.P] if rule.voor else []) + [12]
                parts = []
                for positions in runs.values():
                    frame = Frame(tuple(axes) + (("m", tuple(positions)),), vars_, ("axis", j), ("axis", j), None)
                    part = self.resolve_rule(rule, frame)
                    parts.append((positions, self._normalise(part, shape[:-1] + [len(positions)])))
                result = self._compact(self._stitch(kind, parts, shape))
        self.tables[id(rule)] = result
        return result

    def _compact(self, val: V) -> V:
        """A table as computed: a dimension a rule does not depend on stays of size 1,
        so that what reads it stays small too; an error column without errors is dropped."""
        if val.err is not None and not val.err.any():
            val.err = None
        arrays = [val.x.a] + ([] if val.x.static else [val.x.d]) if val.kind == "num" else [val.x]
        if val.err is not None:
            arrays.append(val.err)
        ndim = max(a.ndim for a in arrays)
        # a person or month axis along which nothing differs in this group: size 1, so that
        # what reads the table (the pair tables over persons, the months) stays small
        for axis in range(1, ndim):
            if all(a.ndim == ndim for a in arrays) and any(a.shape[axis] > 1 for a in arrays) and \
                    all(a.shape[axis] == 1 or _constant_along(a, axis) for a in arrays):
                arrays = [a if a.shape[axis] == 1 else np.take(a, [0], axis=axis) for a in arrays]
        if val.kind == "num":
            a, rest = arrays[0], arrays[1:]
            d = val.x.d if val.x.static else rest.pop(0)
            val = V("num", Num(a, d, val.x.bound, val.x.dbound), rest[0] if rest else None)
        else:
            val = V(val.kind, arrays[0], arrays[1] if len(arrays) > 1 else None)
        return val

    def _normalise(self, val: V, shape) -> V:
        """A value broadcast to the full layout of a table."""
        shape = tuple(shape)
        x = money.broadcast(val.x, shape) if val.kind == "num" else np.broadcast_to(val.x, shape)
        err = None if val.err is None else np.broadcast_to(val.err, shape)
        return V(val.kind, x, err)

    def _stitch(self, kind: str, parts, shape) -> V:
        shape = tuple(shape)
        err = None
        if any(p.err is not None for _, p in parts):
            err = np.zeros(shape, dtype=np.int64)
        if kind == "num":
            nums = [p.x for _, p in parts]
            if all(x.static for x in nums):
                d = 1
                for x in nums:
                    d = d * x.d // math.gcd(d, x.d)
                bound = max(x.bound * (d // x.d) for x in nums)
                a = np.zeros(shape, dtype=np.int64 if bound <= money.LIMIT else object)
                for (positions, p), x in zip(parts, nums):
                    a[..., positions] = money._fit(x.a, bound) * (d // x.d)
                x = Num(a, d, bound)
            else:
                big = max(max(x.bound, x.dbound) for x in nums)
                dtype = np.int64 if big <= money.LIMIT else object
                a = np.zeros(shape, dtype=dtype)
                dd = np.ones(shape, dtype=dtype)
                for (positions, p), x in zip(parts, nums):
                    a[..., positions] = x.a
                    dd[..., positions] = x.d
                x = Num(a, dd, max(x.bound for x in nums), max(x.dbound for x in nums))
        else:
            x = np.zeros(shape, dtype=parts[0][1].x.dtype)
            for positions, p in parts:
                x[..., positions] = p.x
        if err is not None:
            for positions, p in parts:
                if p.err is not None:
                    err[..., positions] = p.err
        return V(kind, x, err)

    def resolve_rule(self, rule: Rule, frame: Frame) -> V:
        law_days = self.law_day(frame)
        days = np.unique(law_days) if law_days.size > 1 else law_days.reshape(-1)
        by_signature: dict = {}
        for d in days.tolist():
            day = dt.date.fromordinal(d)
            by_signature.setdefault(self.plan.signature(rule, day), []).append(day)
        if len(by_signature) == 1:
            return self._resolve_on(rule, frame, dt.date.fromordinal(int(days[0])))
        # a month per household, in periods with different versions: each set of
        # versions on all rows, the rows that fall in its period taken from it
        result = None
        for found in by_signature.values():
            part = self._resolve_on(rule, frame, found[0])
            mask = np.isin(law_days, [d.toordinal() for d in found])
            result = part if result is None else _select(mask, part, result)
        return result

    def _resolve_on(self, rule: Rule, frame: Frame, day: dt.date) -> V:
        version = rule.version_on(day)
        if version is None:
            periods = ", ".join(f"{ver.geldig_vanaf} tot {ver.geldig_tot or 'heden'}" for ver in rule.versions)
            code = self.plan.site(("version", rule.name, day), "niet_in_werking",
                                  f"regel '{rule.name}' geldt niet op {day.isoformat()} (wel: {periods})", rule.pos)
            val = self.placeholder(_kind(rule.type), frame)
            val.err = self.ones(frame, code)
            return val
        return self.resolve(rule, version, frame, day)

    def resolve(self, rule: Rule, version, frame: Frame, day: dt.date) -> V:
        """A rule's value after its exceptions (evaluate.Evaluation.resolve)."""
        applicable = []
        for exception in rule.exceptions:
            exc_version = exception.version_on(day)
            if exc_version is not None:
                applicable.append((exception, exc_version, self.ev(exc_version.condition, frame)))
        value = self.ev(version.formula, frame)
        if not applicable:
            return value
        errors = [c.err for _, _, c in applicable]
        conds = [c.x for _, _, c in applicable]
        # two exceptions at once: a conflict, reported with the first two that apply
        conflict = None
        for i in range(len(conds)):
            for k in range(i + 1, len(conds)):
                (a, av, _), (b, bv, _) = applicable[i], applicable[k]
                before = [conds[x] for x in range(k) if x != i]
                hit = conds[i] & conds[k]
                for other in before:
                    hit = hit & ~other
                if not hit.any():
                    continue
                code = self.plan.site(("conflict", rule.name, a.name, b.name), "tegenstrijdig",
                                      f"tegenstrijdige uitzonderingen op '{rule.name}': '{a.name}' ({av.pos}) en "
                                      f"'{b.name}' ({bv.pos}) gelden allebei", av.pos)
                conflict = np.where(hit, code, 0) if conflict is None else np.where(conflict != 0, conflict, np.where(hit, code, 0))
        result = value
        for exception, exc_version, cond in reversed(applicable):
            result = _select(cond.x, self.resolve(exception, exc_version, frame, day), result)
        result.err = first_error(*errors, conflict, result.err)
        return result

    # expressions --------------------------------------------------------------------------------

    def ev(self, node, frame: Frame) -> V:
        method = getattr(self, "ev_" + type(node).__name__)
        return method(node, frame)

    def ev_Lit(self, node: Lit, frame: Frame) -> V:
        return self.const(node.value, node.lit_type, frame)

    def ev_Name(self, node: Name, frame: Frame) -> V:
        ref = node.ref
        if isinstance(ref, tuple):
            name = node.name
            if ref[0] == "var":
                kind, j = frame.vars[name]
                if kind == "value":  # a day of a sum over days, bound to one piece of the period
                    return j
                if kind == "person":
                    return V("person", self.along(frame, j, np.arange(self.P)), ident=j)
                positions = frame.axes[j][1]
                return V("month", self.along(frame, j, self.year * 12 + np.array(positions)))
            if name == "berekeningsjaar":
                return V("num", money.const(self.year, frame.ndim))
            if name == "maand":
                if frame.own[0] == "value":
                    return V("month", frame.own[1])
                j = frame.own[1]
                return V("month", self.along(frame, j, self.year * 12 + np.array(frame.axes[j][1])))
            raise AssertionError(name)
        if isinstance(ref, Parameter):
            return self.parameter(ref, frame, node.pos)
        if isinstance(ref, Input):
            return self.fact(ref, None, frame, node.pos)
        if isinstance(ref, Rule):
            return self.rule_read(ref, None, frame)
        raise AssertionError(ref)

    def rule_read(self, rule: Rule, person: V | None, frame: Frame) -> V:
        table = self.table(rule)
        index = [self.hidx(frame)]
        idents = [0]
        if rule.voor:
            index.append(person.x)
            idents.append(person.ident)
        if rule.per == "maand":
            index.append(self.month_positions(frame))
            j = frame.month[1]
            idents.append(j if frame.month[0] == "axis" and len(frame.axes[j][1]) == 12 else None)

        def take(arr):
            """`arr` (a table column, of size 1 where it does not vary) read in this frame."""
            sizes = arr.shape
            used = [(i, ident) for i, ident in enumerate(idents) if sizes[i] != 1]
            if all(ident is not None for _, ident in used) and len({ident for _, ident in used}) == len(used):
                # the table's axes are axes of the frame (in any order): a view, no copy
                sub = arr.squeeze(axis=tuple(i for i in range(arr.ndim) if sizes[i] == 1))
                sub = sub.transpose(sorted(range(len(used)), key=lambda k: used[k][1]))
                shape = [1] * frame.ndim
                for i, ident in used:
                    shape[ident] = sizes[i]
                return sub.reshape(shape)
            picked = arr[tuple(index[i] if sizes[i] != 1 else 0 for i in range(len(sizes)))]
            return picked.reshape((1,) * frame.ndim) if picked.ndim < frame.ndim else picked

        if table.kind == "num":
            x = table.x
            x = Num(take(x.a), x.d if x.static else take(x.d), x.bound, x.dbound)
        else:
            x = take(table.x)
        err = None if table.err is None else take(table.err)
        return V(table.kind, x, first_error(None if person is None else person.err, err))

    def ev_Van(self, node: Van, frame: Frame) -> V:
        if node.kind == "percentage":
            left, right = self.ev(node.left, frame), self.ev(node.right, frame)
            return V("num", money.mul(left.x, right.x), first_error(left.err, right.err))
        person = self.ev(node.right, frame)
        ref = node.left.ref
        if isinstance(ref, Input):
            return self.fact(ref, person, frame, node.left.pos)
        return self.rule_read(ref, person, frame)

    # facts, parameters, relations -----------------------------------------------------------------

    def fact(self, inp: Input, person: V | None, frame: Frame, pos: Pos) -> V:
        if person is None and inp.name in self.overrides:
            given = self.overrides[inp.name]
            x = given.x
            shape = (x.a if given.kind == "num" else x).shape + (1,) * (frame.ndim - 1)
            if given.kind == "num":
                return V("num", Num(x.a.reshape(shape), x.d if x.static else x.d.reshape(shape), x.bound, x.dbound))
            return V(given.kind, x.reshape(shape))
        if self.g.empty(inp):  # nobody in the group has this fact: the default, or the error, everywhere
            err = None if person is None else person.err
            if inp.has_default:
                val = self.const(inp.default, inp.type, frame)
            else:
                val = self.placeholder(_kind(inp.type), frame)
                code = self.plan.site(("fact", inp.name, pos), "ontbreekt",
                                      f"gegeven '{inp.name}' ontbreekt (nodig voor {pos})", pos, inp.name)
                err = first_error(err, self.ones(frame, code))
            val.err = err
            return val
        values, vanaf = self.g.input_table(inp)
        index = (self.hidx(frame),) if person is None else (self.hidx(frame), person.x)
        day = self.read_day(frame, (vanaf,))
        E = vanaf.shape[-1]
        kind = _kind(inp.type)
        if E == 1:  # one slot: read as views where the persons are axes of the frame
            read = self._person_reader([] if person is None else [person], frame)
            present = read(vanaf[..., 0]) <= day
            x = Num(read(values.a[..., 0]), values.d, values.bound) if kind == "num" else read(values[..., 0])
        else:
            last = None  # the last slot that has begun on the day: Timeline.at
            for e in range(E):
                hit = vanaf[index + (e,)] <= day
                last = np.where(hit, e, -1) if last is None else np.where(hit, e, last)
            present = last >= 0
            pick = (np.maximum(last, 0),)
            if kind == "num":
                x = Num(values.a[index + pick], values.d, values.bound)
            else:
                x = values[index + pick]
        val = V(kind, x)
        err = None if person is None else person.err
        if inp.has_default:
            if not present.all():
                default = self.const(inp.default, inp.type, frame)
                val = _select(present, val, default)
        else:
            code = self.plan.site(("fact", inp.name, pos), "ontbreekt",
                                  f"gegeven '{inp.name}' ontbreekt (nodig voor {pos})", pos, inp.name)
            if not present.all():
                err = first_error(err, np.where(present, 0, code))
        val.err = err
        return val

    def fact_given(self, inp: Input, person: V | None, frame: Frame) -> V:
        if person is None and inp.name in self.overrides:
            return V("bool", self.ones(frame, True, bool))
        if self.g.empty(inp):
            return V("bool", self.ones(frame, False, bool), None if person is None else person.err)
        _, vanaf = self.g.input_table(inp)
        index = (self.hidx(frame),) if person is None else (self.hidx(frame), person.x)
        day = self.read_day(frame, (vanaf,))
        given = None
        for e in range(vanaf.shape[-1]):
            hit = vanaf[index + (e,)] <= day
            given = hit if given is None else given | hit
        return V("bool", given, None if person is None else person.err)

    def _param_entries(self, param: Parameter):
        found = self._params.get(id(param))
        if found is None:
            starts = np.array([e.vanaf.toordinal() for e in param.values], dtype=np.int64)
            kind = _kind(param.type)
            pool = self.g.pool
            if param.key_type is not None:
                keys = sorted({k for e in param.values for k in e.value})
                ids = [pool.id(k) for k in keys]
                table = [[e.value.get(k, 0) for k in keys] for e in param.values]
                nums = money.from_fractions([x for row in table for x in row], (len(param.values), len(keys)))
                width = max(ids) + 1
                a = np.zeros((len(param.values), width), dtype=nums.a.dtype)
                has = np.zeros((len(param.values), width), dtype=bool)
                for col, key_id in enumerate(ids):
                    a[:, key_id] = nums.a[:, col]
                    has[:, key_id] = [keys[col] in e.value for e in param.values]
                data = (Num(a, nums.d, nums.bound), has)
            elif param.type.name == "lijst":
                ids = [[pool.id(str(x)) for x in e.value] for e in param.values]
                width = max([i for row in ids for i in row] + [0]) + 1
                member = np.zeros((len(param.values), width), dtype=bool)
                for row, found_ids in enumerate(ids):
                    member[row, found_ids] = True
                data = member
            elif kind == "num":
                data = money.from_fractions([e.value for e in param.values])
            elif kind == "date":
                data = np.array([e.value.toordinal() for e in param.values], dtype=np.int64)
            elif kind == "text":
                data = np.array([pool.id(e.value) for e in param.values], dtype=np.int64)
            elif kind == "bool":
                data = np.array([bool(e.value) for e in param.values])
            else:
                raise AssertionError(param.type)
            found = self._params[id(param)] = (starts, data)
        return found

    def parameter(self, param: Parameter, frame: Frame, pos: Pos, key: V | None = None) -> V:
        starts, data = self._param_entries(param)
        day = self.read_day(frame, (starts,))
        entry = np.searchsorted(starts, day, side="right") - 1
        missing = entry < 0
        entry = np.maximum(entry, 0)
        err = None if key is None else key.err
        if missing.any():
            code = self.plan.site(("param", param.name, pos), "parameter",
                                  f"parameter '{param.name}' heeft geen waarde op deze datum (nodig voor {pos})", pos)
            err = first_error(err, np.where(missing, code, 0))
        if param.key_type is not None:
            nums, has = data
            width = has.shape[1]
            key_id = np.where(key.x < width, key.x, 0)
            present = has[entry, key_id] & (key.x < width)
            if not present.all():
                code = self.plan.site(("key", param.name, pos), "tabel",
                                      f"tabel '{param.name}' heeft geen waarde voor deze sleutel (nodig voor {pos})", pos)
                err = first_error(err, np.where(present, 0, code))
            return V("num", Num(nums.a[entry, key_id], nums.d, nums.bound), err)
        if param.type.name == "lijst":
            return V("tlist", (entry, data), err)
        if isinstance(data, Num):
            return V("num", Num(data.a[entry], data.d, data.bound), err)
        return V(_kind(param.type), data[entry], err)

    def _person_reader(self, persons: list, frame: Frame):
        """A function reading an array (n, P, ...) of the group, one axis per person in
        `persons`, at (household, persons...) in this frame. A person that is an axis of the
        frame (a bound variable) is read as a view; one that is a person per household (such
        as 'aanvrager') by picking one item per household; anything else by a gather."""
        n = self.n
        kinds = []
        for p in persons:
            if p.ident is not None:
                kinds.append(("axis", p.ident))
            elif p.x.shape[0] in (1, n) and all(size == 1 for size in p.x.shape[1:]):
                kinds.append(("pick", np.broadcast_to(p.x.reshape(-1), (n,))))
            else:
                kinds = None
                break
        axes = [k[1] for k in kinds if k[0] == "axis"] if kinds is not None else None
        if kinds is None or len(set(axes)) != len(axes):
            index = (self.hidx(frame),) + tuple(p.x for p in persons)
            return lambda arr: arr[index]
        rows = self._rows

        def read(arr):
            targets = [0]
            # pick the per-household persons first: from the last axis back, so that the
            # positions of the others stay the same
            for k in range(len(kinds) - 1, -1, -1):
                if kinds[k][0] == "pick":
                    arr = arr[(rows,) + (slice(None),) * k + (kinds[k][1],)] if k == 0 else \
                        np.take_along_axis(arr, kinds[k][1].reshape((n,) + (1,) * (arr.ndim - 1)), axis=k + 1) \
                        .squeeze(axis=k + 1)
            targets += axes
            perm = sorted(range(len(targets)), key=lambda k: targets[k])
            shape = [1] * frame.ndim
            for size, axis in zip(arr.shape, targets):
                shape[axis] = size
            return arr.transpose(perm).reshape(shape)
        return read

    def relation_fact(self, relation: Relation, a: V, b: V, frame: Frame, begins: bool = False):
        """Per row: whether the relation holds on the read day, and (if `begins`) the
        'vanaf' of the first record that holds (ALWAYS if it has none), else None."""
        if self.g.empty(relation):  # no such relation in the group
            return self.ones(frame, False, bool), self.ones(frame, 0)
        start, end = self.g.relation_table(relation)
        day = self.read_day(frame, (start, end))
        pick = self._person_reader([a, b], frame)
        holds, begin = None, None
        for k in range(start.shape[-1]):
            s = pick(start[..., k])
            hit = (s <= day) & (day < pick(end[..., k]))
            if holds is None:
                holds = hit
                if begins:
                    begin = np.where(hit, s, 0)
            else:
                if begins:
                    begin = np.where(~holds & hit, s, begin)
                holds = holds | hit
        return holds, begin

    # calls ------------------------------------------------------------------------------------------

    def ev_Call(self, node: Call, frame: Frame) -> V:
        ref = node.ref
        if isinstance(ref, Parameter):
            key = self.ev(node.args[0], frame)
            return self.parameter(ref, frame, node.pos, key)
        if isinstance(ref, Relation):
            a, b = (self.ev(x, frame) for x in node.args)
            holds, _ = self.relation_fact(ref, a, b, frame)
            return V("bool", holds, first_error(a.err, b.err))
        name = ref
        if name == "begin":
            inner = node.args[0]
            a, b = (self.ev(x, frame) for x in inner.args)
            holds, begin = self.relation_fact(inner.ref, a, b, frame, begins=True)
            code_none = self.plan.site(("begin0", node.pos), "begin",
                                       f"begin({inner.ref.name}(...)): de relatie bestaat niet (nodig voor {node.pos})", node.pos)
            code_open = self.plan.site(("begin1", node.pos), "begin",
                                       f"begin({inner.ref.name}(...)): de relatie heeft geen 'vanaf' in de casus "
                                       f"(nodig voor {node.pos})", node.pos)
            bad = np.where(~holds, code_none, np.where(begin == ALWAYS, code_open, 0))
            return V("date", np.where(bad == 0, begin, 1), first_error(a.err, b.err, bad if bad.any() else None))
        if name == "opgegeven":
            arg = node.args[0]
            if isinstance(arg, Van):
                person = self.ev(arg.right, frame)
                return self.fact_given(arg.left.ref, person, frame)
            return self.fact_given(arg.ref, None, frame)
        args = [self.ev(x, frame) for x in node.args]
        err = first_error(*(x.err for x in args))

        def site(kind: str, message: str) -> int:
            return self.plan.site((kind, node.pos), kind, f"{message} (nodig voor {node.pos})", node.pos)

        kind, x, bad = BUILTINS[name].columnar(args, site)
        return V(kind, x, first_error(err, bad) if bad is not None else err)

    # operators -----------------------------------------------------------------------------------------

    def ev_Unary(self, node: Unary, frame: Frame) -> V:
        val = self.ev(node.operand, frame)
        if node.op == "niet":
            return V("bool", ~val.x, val.err)
        return V("num", money.neg(val.x), val.err)

    def ev_Binary(self, node: Binary, frame: Frame) -> V:
        op = node.op
        left = self.ev(node.left, frame)
        if op in ("en", "of") and (left.x.all() if op == "of" else not left.x.any()):
            return left  # decided by the left operand in every row: the right one is not evaluated
        right = V("list", None) if isinstance(node.right, ListLit) else self.ev(node.right, frame)
        if op == "en":
            return V("bool", left.x & right.x, first_error(left.err, _masked(left.x, right.err)))
        if op == "of":
            return V("bool", left.x | right.x, first_error(left.err, _masked(~left.x, right.err)))
        err = first_error(left.err, right.err)
        if op == "vergelijk":
            if left.kind == "num":
                return V("bool", money.compare(left.x, right.x, node.compare), err)
            fn = {"=": np.equal, "<>": np.not_equal, "<": np.less, "<=": np.less_equal,
                  ">": np.greater, ">=": np.greater_equal}[node.compare]
            return V("bool", fn(left.x, right.x), err)
        if op in ("in_lijst", "niet_in_lijst"):
            if isinstance(node.right, ListLit):
                items = [self.const(i.value, i.lit_type, frame).x.reshape(-1)[0] for i in node.right.items]
                inside = np.isin(left.x, items)
            else:
                entry, member = right.x
                width = member.shape[1]
                inside = member[entry, np.where(left.x < width, left.x, 0)] & (left.x < width)
            return V("bool", inside if op == "in_lijst" else ~inside, err)
        if op in ("minimaal", "maximaal"):
            if left.kind == "num":
                pick = money.maximum if op == "minimaal" else money.minimum
                return V("num", pick(left.x, right.x), err)
            return V(left.kind, (np.maximum if op == "minimaal" else np.minimum)(left.x, right.x), err)
        if left.kind == "date" and op in ("plus", "min"):
            if right.kind == "date":
                return V("num", Num(left.x - right.x, 1, 4_000_000), err)
            days = money.truncate(right.x)
            return V("date", left.x + days if op == "plus" else left.x - days, err)
        if op == "plus":
            return V("num", money.add(left.x, right.x), err)
        if op == "min":
            return V("num", money.sub(left.x, right.x), err)
        if op == "maal":
            return V("num", money.mul(left.x, right.x), err)
        if op == "gedeeld":
            x, zero = money.div(left.x, right.x)
            zero_err = None
            if zero is not None:
                code = self.plan.site(("div", node.pos), "deling_door_nul", f"deling door nul (nodig voor {node.pos})",
                                      node.pos)
                zero_err = np.where(zero, code, 0)
            # the interpreter evaluates the divisor first, then checks it, then the dividend
            return V("num", x, first_error(right.err, zero_err, left.err))
        raise AssertionError(op)

    def ev_AtDate(self, node: AtDate, frame: Frame) -> V:
        day = self.ev(node.date, frame)
        inner = Frame(frame.axes, frame.vars, frame.month, frame.own, day)
        val = self.ev(node.expr, inner)
        val.err = first_error(day.err, val.err)
        return val

    def _earlier_in_year(self, node: Quantifier, frame: Frame, inner: Frame) -> V | None:
        """'er is een m in maanden waarvoor m <= maand en X' (or m < maand): whether X
        held in this month or before, as a running 'or' over the months, if X itself
        does not depend on 'maand' and cannot fail (else None: the general way)."""
        conjuncts, tree = [], node.cond
        while isinstance(tree, Binary) and tree.op == "en":
            conjuncts.insert(0, tree.right)
            tree = tree.left
        conjuncts.insert(0, tree)
        first = conjuncts[0]
        if not (len(conjuncts) > 1 and isinstance(first, Binary) and first.op == "vergelijk"
                and first.compare in ("<", "<=") and isinstance(first.left, Name) and first.left.name == node.var
                and isinstance(first.right, Name) and first.right.name == "maand"
                and first.right.ref == ("builtin", v.MAAND) and frame.own is not None and frame.own[0] == "axis"):
            return None
        j = frame.own[1]
        held = None
        for conjunct in conjuncts[1:]:
            value = self.ev(conjunct, inner)
            if value.err is not None or value.x.shape[j] != 1:
                return None
            held = value.x if held is None else held & value.x
        held = np.broadcast_to(held, held.shape[:-1] + (12,))
        so_far = np.empty(held.shape, dtype=bool)  # [k]: in month k or before
        so_far[..., 0] = held[..., 0]
        for k in range(1, 12):  # month by month: faster than accumulate over a short last axis
            np.logical_or(so_far[..., k - 1], held[..., k], out=so_far[..., k])
        own = np.array(frame.axes[j][1])
        if first.compare == "<":
            so_far = np.concatenate([np.zeros(so_far.shape[:-1] + (1,), dtype=bool), so_far[..., :-1]], axis=-1)
        taken = np.take(so_far, own, axis=-1)  # the own month on the last axis, size 1 at axis j
        return V("bool", np.swapaxes(taken, j, -1)[..., 0])

    def day_sum(self, node: Quantifier, frame: Frame) -> V:
        """'som van X op d over d in dagen(a; b)': the period a..b (both included)
        cut where a parameter in X changes; per piece X once, times its number of days."""
        first, last = (self.ev(x, frame) for x in node.domain.args)
        errors = [first.err, last.err]
        changes = sorted({entry.vanaf.toordinal() for p in _parameters_in(node.body) for entry in p.values})
        bounds = [cal.MIN_ORD] + [c for c in changes if c > cal.MIN_ORD] + [cal.MAX_ORD + 1]
        total = V("num", money.const(0, frame.ndim))
        piece_errors = []
        for lo, hi in zip(bounds, bounds[1:]):
            days = np.maximum(np.minimum(last.x + 1, hi) - np.maximum(first.x, lo), 0)
            if not days.any():
                continue
            inner = Frame(frame.axes, {**frame.vars, node.var: ("value", V("date", self.ones(frame, lo)))},
                          frame.month, frame.own, frame.at)
            body = self.ev(node.body, inner)
            total = V("num", money.add(total.x, money.mul(body.x, Num(days, 1, int(days.max())))))
            piece_errors.append(_masked(days > 0, body.err))
        # the interpreter adds the days in order: the first piece with an error raises
        return V("num", total.x, first_error(*errors, *piece_errors))

    def ev_AsKnown(self, node: AsKnown, frame: Frame) -> V:
        """'x zoals bekend op d': x on the facts as known on d (evaluate.known_on)."""
        day = self.ev(node.date, frame)
        days = self._per_household(day, frame, node).x
        world = self.known_world(np.ascontiguousarray(days))
        result = world.ev(node.expr, frame)
        view_error = None if world.view_error is None else world.view_error.reshape((self.n,) + (1,) * (frame.ndim - 1))
        return V(result.kind, result.x, first_error(day.err, view_error, result.err))

    def known_world(self, days: np.ndarray) -> "GroupRun":
        """The evaluation of this group on the facts as known on `days` (one per household),
        always derived from the true facts, with their overrides."""
        truth = self.truth
        key = days.tobytes()
        found = truth._known.get(key)
        if found is None:
            from .known import KnownGroup
            # whether each channel reaches each person in the month of the day, on the true facts;
            # an error there is an error of the view (Case.as_known_on asks every channel at once)
            reach, view_error = {}, None
            for channel in self.plan.rule_set.channels():
                if channel.condition is not None:
                    values, err = truth.rule_at_months(self.plan.rule_set.rule(channel.condition), cal.month_of(days))
                    reach[channel.name] = values
                    view_error = first_error(view_error, err)
            found = GroupRun(self.plan, KnownGroup(truth.g, days, lambda channel: reach[channel.name]),
                             truth.overrides, truth)
            found._params = self._params
            found.view_error = _pruned(view_error)
            truth._known[key] = found
        return found

    def rule_at_months(self, rule: Rule, months: np.ndarray) -> np.ndarray:
        """A rule for a person (a channel's condition) per household and person, each
        household in its own month (year * 12 + month - 1), as plain values."""
        frame = Frame((("h", None), ("p", None)), {rule.voor: ("person", 1)}, ("value", months.reshape(self.n, 1)),
                      ("value", months.reshape(self.n, 1)), None)
        value = self.resolve_rule(rule, frame)
        err = None
        if value.err is not None:
            errs = np.broadcast_to(value.err, (self.n, self.P))
            err = _first_along(errs if self.g.valid is None else np.where(self.g.valid, errs, 0))
        return np.broadcast_to(value.x, (self.n, self.P)), err

    def ev_With(self, node: With, frame: Frame) -> V:
        """'x waarbij (a = e; ...)': x in a copy of this evaluation in which the
        yearly rules and inputs a have the values e (evaluate.with_overrides)."""
        given, errors = {}, []
        for target, (name, pos, value_node) in zip(node.targets, node.bindings):
            value = self.ev(value_node, frame)
            errors.append(value.err)
            given[target.name] = self._per_household(value, frame, node)
        # a copy of this evaluation, its facts taken as they are here (evaluate.with_overrides),
        # one per set of values, as the interpreter caches them
        key = tuple((name, _fingerprint(value)) for name, value in sorted(given.items()))
        world = self._with.get(key)
        if world is None:
            world = self._with[key] = GroupRun(self.plan, self.g, {**self.overrides, **given})
            world._params = self._params
        result = world.ev(node.expr, frame)
        return V(result.kind, result.x, first_error(*errors, result.err))

    def _per_household(self, value: V, frame: Frame, node) -> V:
        """A value that may vary per household only, in the layout (n,) of a yearly table."""
        arrays = [value.x.a] + ([] if value.kind != "num" or value.x.static else [value.x.d]) \
            if value.kind == "num" else [value.x]
        if any(any(size != 1 for size in a.shape[1:]) for a in arrays):
            raise Unsupported(Diagnostic(node.pos, "niet ondersteund door de kolomsgewijze rekenwijze: een waarde in "
                                                   "'waarbij' of 'zoals bekend op' die per persoon of maand verschilt"))

        def flat(a):
            return np.broadcast_to(a.reshape(a.shape[:1]), (self.n,))
        if value.kind == "num":
            x = value.x
            return V("num", Num(flat(x.a), x.d if x.static else flat(x.d), x.bound, x.dbound))
        return V(value.kind, flat(value.x))

    def ev_Round(self, node: Round, frame: Frame) -> V:
        val = self.ev(node.operand, frame)
        unit = Fraction(node.unit.value)
        return V("num", money.round_to(val.x, unit, node.direction), val.err)

    def ev_If(self, node: If, frame: Frame) -> V:
        cond = self.ev(node.cond, frame)
        if cond.x.size == 1 or cond.x.all() or not cond.x.any():  # the same branch in every row
            result = self.ev(node.then if bool(cond.x.reshape(-1)[0]) else node.other, frame)
            return _covering(V(result.kind, result.x, first_error(cond.err, result.err)))
        result = _select(cond.x, self.ev(node.then, frame), self.ev(node.other, frame))
        result.err = first_error(cond.err, result.err)
        return result

    def ev_Quantifier(self, node: Quantifier, frame: Frame) -> V:
        if isinstance(node.domain, Call):
            return self.day_sum(node, frame)
        months = node.domain.name == "maanden"
        if months:
            inner = frame.extend(("m", tuple(range(12))), node.var, "month", True)
            size = 12
        else:
            inner = frame.extend(("p", None), node.var, "person", False)
            size = self.P
        # padded persons (households smaller than the group's P) are no items
        valid = None if months or self.g.valid is None else \
            self.g.valid.reshape((self.n,) + (1,) * (inner.ndim - 2) + (self.P,))
        shape = lambda *arrays: np.broadcast_shapes((1,) * (inner.ndim - 1) + (size,), *(a.shape for a in arrays))  # noqa: E731
        if months and node.kind == "er_is_een":
            earlier = self._earlier_in_year(node, frame, inner)
            if earlier is not None:
                return earlier
        cond = self.ev(node.cond, inner) if node.cond is not None else None
        if cond is not None and size > 0 and valid is None and cond.x.shape[-1] == 1 \
                and (cond.err is None or cond.err.shape[-1] == 1) and node.kind != "som":
            # every item decides alike: the first one decides (and raises, if it does)
            c = cond.x[..., 0]
            err = None if cond.err is None else cond.err[..., 0]
            if node.kind == "aantal":
                return V("num", Num(c.astype(np.int64) * size, 1, size), err)
            return V("bool", c, err)
        if node.kind in ("er_is_een", "voor_alle"):
            c = np.broadcast_to(cond.x, shape(cond.x))
            if node.kind == "er_is_een":
                c = c if valid is None else c & valid
                value, stop = _fold_last(np.logical_or, c), c
            else:
                c = c if valid is None else c | ~valid
                value, stop = _fold_last(np.logical_and, c), ~c
            err = None
            if cond.err is not None:
                e = cond.err if valid is None else np.where(valid, cond.err, 0)
                err = _first_along(np.broadcast_to(e, shape(cond.x, e)), np.broadcast_to(stop, shape(cond.x, e)))
            return V("bool", value, err)
        if node.kind == "aantal":
            if cond is None:
                if valid is not None:
                    return V("num", Num(valid.sum(axis=-1).astype(np.int64), 1, size))
                count = np.full((1,) * (inner.ndim - 1), size, dtype=np.int64)
                return V("num", Num(count, 1, size))
            c = np.broadcast_to(cond.x, shape(cond.x))
            if valid is not None:
                c = c & valid
            e = cond.err if cond.err is None or valid is None else np.where(valid, cond.err, 0)
            err = None if e is None else _first_along(np.broadcast_to(e, shape(e)))
            return V("num", Num(c.sum(axis=-1).astype(np.int64), 1, size), err)
        body = self.ev(node.body, inner)
        full = shape(body.x.a, *(() if cond is None else (cond.x,)), *(() if valid is None else (valid,)))
        x = money.broadcast(body.x, full)
        mask = None if cond is None else np.broadcast_to(cond.x, full)
        if valid is not None:
            mask = np.broadcast_to(valid, full) if mask is None else mask & valid
        err = None
        if cond is not None and (cond.err is not None or body.err is not None):
            per_item = first_error(cond.err, _masked(cond.x, body.err))
        else:
            per_item = body.err
        if per_item is not None:
            if valid is not None:
                per_item = np.where(valid, per_item, 0)
            err = _first_along(np.broadcast_to(per_item, full))
        return V("num", money.total(x, axis=-1, mask=mask), err)
