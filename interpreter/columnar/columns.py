"""The documented columnar input (see tables.from_columns for the tables and
their columns), read straight into groups of arrays with numpy, without a
Python object per household: the way in for large populations.

Cells are read as tables.from_columns reads them, vectorised: amounts and
numbers as decimal text with a point ('24000.50') or as ints, dates as ISO
text or datetime.date, waar/onwaar as ja/nee/waar/onwaar/true/false/1/0 or
bool, texts as they are, persons by their id within the household. An empty
cell (None, '' or NaN) is a fact not given. tests/test_columnar.py checks
that both readers give the same results."""

from __future__ import annotations

import datetime as dt

import numpy as np

from .. import values as v
from ..model import Relation, RuleSet
from . import calendar as cal
from . import money
from .tables import ALWAYS, NEVER, Population, StringPool

_TRUE = {"ja", "waar", "true", "1"}
_FALSE = {"nee", "onwaar", "false", "0"}


def _present(values) -> np.ndarray:
    if isinstance(values, np.ndarray) and values.dtype != object:  # typed columns (Parquet, numpy): NaT is empty
        return ~np.isnat(values) if values.dtype.kind == "M" else np.ones(values.shape, dtype=bool)
    a = np.asarray(values, dtype=object)
    return np.array([not (x is None or (isinstance(x, str) and not x.strip()) or (isinstance(x, float) and x != x))
                     for x in a], dtype=bool) if a.size else np.zeros(0, dtype=bool)


def _numbers(values) -> money.Num:
    """Decimal text or ints -> exact numerators over one power of ten."""
    texts = np.array([str(x).strip() for x in values], dtype=str) if len(values) else np.zeros(0, dtype=str)
    if texts.size == 0:
        return money.Num(np.zeros(0, dtype=np.int64), 1, 0)
    negative = np.char.startswith(texts, "-")
    texts = np.char.lstrip(texts, "-")
    whole, _, frac = (np.char.partition(texts, ".")[:, i] for i in range(3))
    decimals = int(np.char.str_len(frac).max())
    if decimals:
        frac = np.char.ljust(frac, decimals, "0")
    digits = np.char.add(whole, frac)
    if int(np.char.str_len(digits).max()) > 18:  # beyond int64: exact, through Python ints
        return money.from_fractions([(-1 if n else 1) * int(d) / 10 ** decimals for n, d in zip(negative, digits)])
    a = digits.astype(np.int64) * np.where(negative, -1, 1)
    return money.Num(a, 10 ** decimals, int(np.abs(a).max()))


def _dates(values) -> np.ndarray:
    if isinstance(values, np.ndarray) and values.dtype.kind == "M":
        return values.astype("datetime64[D]").astype(np.int64) + cal.EPOCH
    days = np.array([x if isinstance(x, dt.date) else str(x).strip() for x in values], dtype="datetime64[D]")
    return days.astype(np.int64) + cal.EPOCH


def _coerce(values, type_: v.Type, pool: StringPool, person_index=None):
    """A column of given cells as the arrays the groups hold."""
    name = type_.name
    if name in v.NUMERIC:
        return _numbers(values)
    if name == "datum":
        return _dates(values)
    if name == "waar/onwaar":
        if isinstance(values, np.ndarray) and values.dtype == bool:
            return values
        words = [str(x).strip().lower() if not isinstance(x, (bool, np.bool_)) else ("ja" if x else "nee") for x in values]
        unknown = set(words) - _TRUE - _FALSE
        if unknown:
            raise ValueError(f"geen waar/onwaar: {sorted(unknown)[:3]}")
        return np.array([w in _TRUE for w in words], dtype=bool)
    if name == "persoon":
        return person_index(values)
    if name == "tekst":
        unique, inverse = np.unique(np.asarray(values).astype(str), return_inverse=True)
        return np.array([pool.id(str(x)) for x in unique], dtype=np.int64)[inverse] if len(unique) else \
            np.zeros(0, dtype=np.int64)
    raise ValueError(f"gegevens van type {type_}")


class ArrayGroup:
    """A group (tables.Group) whose arrays were built from columns."""

    def __init__(self, rule_set: RuleSet, year: int, P: int, rows: np.ndarray, names: np.ndarray, pool: StringPool):
        self.rule_set, self.year, self.P, self.rows, self.pool = rule_set, year, P, rows, pool
        self.n = len(rows)
        self.names = names  # (n, P) person ids
        self.valid = None  # every household of an ArrayGroup has P persons
        self.inputs: dict = {}
        self.relations: dict = {}

    def person_name(self, row: int, index: int) -> str:
        return str(self.names[row, index])

    def empty(self, definition) -> bool:
        return definition.name not in (self.relations if isinstance(definition, Relation) else self.inputs)

    def slot_knowledge(self, definition) -> dict:
        return {}

    def input_table(self, inp):
        return self.inputs[inp.name]

    def relation_table(self, relation):
        return self.relations[relation.name]


def population_from_columns(rule_set: RuleSet, households: dict, persons: dict, relations: dict | None = None,
                            chunk: int = 20_000) -> Population:
    """A Population from the household, person and relation tables (facts that
    change over time, the optional fourth table of from_columns, are not read here yet)."""
    inputs = {i.name: i for i in rule_set.inputs()}
    pool = StringPool()
    hh_ids = np.asarray(households["huishouden"], dtype=object).astype(str)
    N = len(hh_ids)
    order = {key: i for i, key in enumerate(hh_ids)}
    person_hh = np.array([order[str(k)] for k in persons["huishouden"]], dtype=np.int64)
    # position of each person in its household, in the order of the person table
    sort = np.argsort(person_hh, kind="stable")
    counts = np.bincount(person_hh, minlength=N)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    position = np.empty(len(person_hh), dtype=np.int64)
    position[sort] = np.arange(len(person_hh)) - np.repeat(starts, counts)
    pids = np.asarray(persons["persoon"], dtype=object).astype(str)
    lookup = {(h, p): pos for h, p, pos in zip(person_hh.tolist(), pids.tolist(), position.tolist())}

    def person_index(hh_rows):
        def index(values):
            return np.array([lookup[(h, str(x))] for h, x in zip(hh_rows, values)], dtype=np.int64)
        return index

    years = np.asarray(households["berekeningsjaar"], dtype=np.int64)
    population = Population(rule_set, [], chunk)
    population.pool = pool
    population.households = [None] * N
    groups, where = [], np.empty((N, 2), dtype=np.int64)
    for year, P in sorted({(int(y), int(c)) for y, c in zip(years, counts)}):
        members = np.flatnonzero((years == year) & (counts == P))
        for start in range(0, len(members), chunk):
            rows = members[start:start + chunk]
            names = np.empty((len(rows), P), dtype=object)
            group = ArrayGroup(rule_set, year, P, rows, names, pool)
            where[rows, 0] = len(groups)
            where[rows, 1] = np.arange(len(rows))
            groups.append(group)
    g_of_person, r_of_person = where[person_hh, 0], where[person_hh, 1]
    for g, group in enumerate(groups):
        mine = g_of_person == g
        group.names[r_of_person[mine], position[mine]] = pids[mine]

    def scatter(g, type_, given, rows_index, cells, shape):
        """The (values, vanaf) arrays of one group for the cells of its rows."""
        kind_num = type_.name in v.NUMERIC
        vanaf = np.full(shape, NEVER, dtype=np.int64)
        vanaf[rows_index] = ALWAYS
        if kind_num:
            a = np.zeros(shape, dtype=cells.a.dtype)
            a[rows_index] = cells.a
            return money.Num(a, cells.d, cells.bound), vanaf
        dtype = bool if type_.name == "waar/onwaar" else np.int64
        out = np.ones(shape, dtype=dtype) if type_.name == "datum" else np.zeros(shape, dtype=dtype)
        out[rows_index] = cells
        return out, vanaf

    # global inputs: the household table
    for column, values in households.items():
        if column in ("huishouden", "berekeningsjaar"):
            continue
        inp = inputs[column]
        values = _column(values)
        rows = np.flatnonzero(_present(values))
        cells = _coerce(values[rows], inp.type, pool, person_index(rows.tolist()))
        for g, group in enumerate(groups):
            mine = where[rows, 0] == g
            if mine.any():
                group.inputs[column] = scatter(g, inp.type, None, (where[rows[mine], 1], 0), _take(cells, mine),
                                               (group.n, 1))
    # person inputs: the person table
    for column, values in persons.items():
        if column in ("huishouden", "persoon"):
            continue
        inp = inputs[column]
        values = _column(values)
        rows = np.flatnonzero(_present(values))
        cells = _coerce(values[rows], inp.type, pool, person_index(person_hh[rows].tolist()))
        for g, group in enumerate(groups):
            mine = g_of_person[rows] == g
            if mine.any():
                index = (r_of_person[rows[mine]], position[rows[mine]], 0)
                group.inputs[column] = scatter(g, inp.type, None, index, _take(cells, mine), (group.n, group.P, 1))
    # relations: per ordered pair the records in file order, symmetric ones both ways
    if relations:
        rel_hh = np.array([order[str(k)] for k in relations["huishouden"]], dtype=np.int64)
        kinds = np.asarray(relations["soort"], dtype=object).astype(str)
        first = np.array([lookup[(h, str(x))] for h, x in zip(rel_hh.tolist(), relations["eerste"])], dtype=np.int64)
        second = np.array([lookup[(h, str(x))] for h, x in zip(rel_hh.tolist(), relations["tweede"])], dtype=np.int64)
        vanaf_raw = np.asarray(relations["vanaf"], dtype=object)
        tot_raw = np.asarray(relations["tot"], dtype=object)
        vanaf = np.full(len(rel_hh), ALWAYS, dtype=np.int64)
        tot = np.full(len(rel_hh), NEVER, dtype=np.int64)
        has = _present(vanaf_raw)
        vanaf[has] = _dates(vanaf_raw[has])
        has = _present(tot_raw)
        tot[has] = _dates(tot_raw[has])
        for name in np.unique(kinds):
            relation = rule_set.relation(str(name))
            sel = np.flatnonzero(kinds == name)
            h, a, b, s, e = rel_hh[sel], first[sel], second[sel], vanaf[sel], tot[sel]
            seq = np.arange(len(sel))
            if relation.symmetric:
                back = a != b
                h, a, b, s, e, seq = (np.concatenate([x, y[back]]) for x, y in
                                      ((h, h), (a, b), (b, a), (s, s), (e, e), (seq, seq)))
            # slot: the rank of a record among those of the same ordered pair, in file order
            key = (h * 64 + a) * 64 + b
            by = np.lexsort((seq, key))
            key_sorted = key[by]
            first_of = np.concatenate([[True], key_sorted[1:] != key_sorted[:-1]])
            group_start = np.maximum.accumulate(np.where(first_of, np.arange(len(by)), 0))
            slot = np.empty(len(by), dtype=np.int64)
            slot[by] = np.arange(len(by)) - group_start
            for g, group in enumerate(groups):
                mine = where[h, 0] == g
                if not mine.any():
                    continue
                K = int(slot[mine].max()) + 1
                start = np.full((group.n, group.P, group.P, K), NEVER, dtype=np.int64)
                end = np.full((group.n, group.P, group.P, K), NEVER, dtype=np.int64)
                index = (where[h[mine], 1], a[mine], b[mine], slot[mine])
                start[index] = s[mine]
                end[index] = e[mine]
                group.relations[str(name)] = (start, end)
    population.groups = groups
    return population


def _column(values) -> np.ndarray:
    """A column as an array: typed if it is typed already, else of Python objects."""
    return values if isinstance(values, np.ndarray) else np.asarray(values, dtype=object)


def _take(cells, mask):
    if isinstance(cells, money.Num):
        return money.Num(cells.a[mask], cells.d, cells.bound)
    return cells[mask]
