"""Run the compiled rule set over a population and read the results back,
per household, with the error (if any) that the interpreter would raise.

Two ways to read a BatchResult:
- `cell(rule, household, person=None, month=None) -> (value, Site or None)`:
  one value as a Python value of the rules language (Fraction, bool, date, ...);
- `column(rule) -> (values, error codes)`: the whole output column of a
  household-level rule (not one 'voor' a person) in household order, for
  writers of large populations: shape (N,) for a yearly rule, (N, 12) for a
  monthly one. For a number the values are (numerators, denominators), two
  int64 arrays (object arrays of Python ints if a value needs it): exact,
  value = numerator / denominator. Other kinds are the backend's codes (bool,
  day ordinals, months as year * 12 + month - 1, text ids in
  population.pool). An error code c > 0 means plan.sites[c]; the value
  there is meaningless."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import numpy as np

from .. import values as v
from ..model import Rule
from . import money
from .compiler import V, GroupRun, Plan
from .tables import Population


class BatchResult:
    def __init__(self, plan: Plan, population: Population, runs: list[GroupRun]):
        self.plan = plan
        self.population = population
        self.runs = runs
        self._full: dict = {}
        self._where = None

    @property
    def where(self) -> dict:
        """household position -> (group run, row in the group); made when first asked for"""
        if self._where is None:
            self._where = {}
            for run in self.runs:
                for row, position in enumerate(run.g.rows.tolist()):
                    self._where[position] = (run, row)
        return self._where

    def cell(self, rule: Rule, household: int, person: int | None = None, month: int | None = None):
        """(value, Site or None) of a rule for one household (person index, month 1..12)."""
        run, row = self.where[household]
        table = run.table(rule)
        index = (row,) + ((person,) if rule.voor else ()) + ((month - 1,) if rule.per == "maand" else ())
        key = (id(run), id(rule))
        if key not in self._full:
            shape = (run.n,) + ((run.P,) if rule.voor else ()) + ((12,) if rule.per == "maand" else ())
            self._full[key] = full(table, shape)
        table = self._full[key]
        code = 0 if table.err is None else int(table.err[index])
        if code:
            return None, self.plan.sites[code]
        return self._python(table, index, run), None

    def column(self, rule: Rule):
        """The output column of a household-level rule, in household order (see the module docstring)."""
        if rule.voor:
            raise ValueError(f"regel '{rule.name}' geldt per persoon: lees die met cell()")
        N = sum(run.n for run in self.runs)
        tail = (12,) if rule.per == "maand" else ()
        err = np.zeros((N,) + tail, dtype=np.int64)
        kind = self.runs[0].table(rule).kind if self.runs else "num"
        if kind == "num":
            tables = [run.table(rule).x for run in self.runs]
            big = any(x.a.dtype == object or (not x.static and x.d.dtype == object) for x in tables)
            dtype = object if big else np.int64
            a = np.zeros((N,) + tail, dtype=dtype)
            d = np.ones((N,) + tail, dtype=dtype)
        else:
            a = None
        for run in self.runs:
            table = run.table(rule)
            shape = (run.n,) + tail
            rows = run.g.rows
            if table.err is not None:
                err[rows] = np.broadcast_to(table.err, shape)
            if kind == "num":
                x = table.x
                a[rows] = np.broadcast_to(x.a, shape)
                d[rows] = np.broadcast_to(x.d, shape) if not x.static else x.d
            else:
                if a is None:
                    a = np.zeros((N,) + tail, dtype=table.x.dtype)
                a[rows] = np.broadcast_to(table.x, shape)
        return ((a, d) if kind == "num" else a), err

    def _python(self, table, index, run: GroupRun):
        kind = table.kind
        x = table.x
        if kind == "num":
            d = x.d if x.static else x.d[index]
            return Fraction(int(x.a[index]), int(d))
        value = x[index]
        if kind == "bool":
            return bool(value)
        if kind == "date":
            return dt.date.fromordinal(int(value))
        if kind == "month":
            return v.Month(int(value) // 12, int(value) % 12 + 1)
        if kind == "text":
            return run.g.pool.texts[int(value)]
        if kind == "person":
            return run.g.person_name(index[0], int(value))
        raise AssertionError(kind)


def full(table: V, shape) -> V:
    """A table broadcast to its full layout (tables keep size-1 dimensions where they do not vary)."""
    x = money.broadcast(table.x, shape) if table.kind == "num" else np.broadcast_to(table.x, shape)
    return V(table.kind, x, None if table.err is None else np.broadcast_to(table.err, shape))


def run(plan: Plan, population: Population, rules: list[Rule]) -> BatchResult:
    """Evaluate `rules` (and what they rest on) for every household. Raises
    Unsupported before any work if one of them does not compile."""
    for rule in rules:
        if not plan.supported(rule):
            raise plan.problems[rule.root.name]
    runs = []
    for group in population.groups:
        group_run = GroupRun(plan, group)
        for rule in rules:
            group_run.table(rule)
        # keep the tables asked for, not the rest (nor the known views and 'waarbij' copies), so
        # that the memory of one group is free for the next
        group_run.tables = {id(rule): group_run.tables[id(rule)] for rule in rules}
        group_run._known, group_run._with = {}, {}
        runs.append(group_run)
    return BatchResult(plan, population, runs)
