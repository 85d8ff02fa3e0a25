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
import sys

import numpy as np

from .. import values as v
from ..model import Relation, RuleSet
from . import calendar as cal
from . import money
from .tables import ALWAYS, NEVER, Population, StringPool

_TRUE = {"ja", "waar", "true", "1"}
_FALSE = {"nee", "onwaar", "false", "0"}


class Coded:
    """A text column as small integer codes into its distinct words (a pyarrow dictionary
    array, a categorical): read per distinct word, not per cell. '' stands for empty."""

    def __init__(self, codes: np.ndarray, words: np.ndarray):
        self.codes, self.words = codes, words

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, rows) -> "Coded":
        return Coded(self.codes[rows], self.words)

    def decoded(self) -> np.ndarray:
        return self.words[self.codes]


def _words(strings) -> np.ndarray:
    """A pyarrow string array without nulls as a numpy text array, straight from its buffers
    when it is ASCII (no Python object per text)."""
    import pyarrow as pa

    n = len(strings)
    if n and pa.types.is_string(strings.type) and not strings.null_count:
        offsets = np.frombuffer(strings.buffers()[1], dtype=np.int32)[strings.offset:strings.offset + n + 1]
        data = np.frombuffer(strings.buffers()[2], dtype=np.uint8) if strings.buffers()[2] else np.zeros(0, np.uint8)
        lengths = np.diff(offsets)
        width = int(lengths.max(initial=0))
        used = data[offsets[0]:offsets[-1]]
        if width and (used < 128).all() and n * width <= 1 << 28:
            at = np.arange(width, dtype=np.int32)
            cells = data[np.minimum(offsets[:-1, None] + at, len(data) - 1)]
            cells[at[None, :] >= lengths[:, None]] = 0
            return cells.astype(np.uint32).view(f"<U{width}").reshape(n)
    return strings.to_numpy(zero_copy_only=False).astype(str)


def _arrow(values):
    """A pyarrow column as numpy or Coded (other values unchanged): texts as codes into
    their dictionary (nulls as ''), dates as datetime64[D] (nulls as NaT), other typed
    columns without nulls as numpy, with nulls as Python objects (None where empty)."""
    if sys.modules.get("pyarrow") is None:  # not loaded: then it is no pyarrow column (CSV needs no pyarrow)
        return values
    import pyarrow as pa
    import pyarrow.compute as pc

    if not isinstance(values, (pa.Array, pa.ChunkedArray)):
        return values
    if isinstance(values, pa.ChunkedArray):
        if pa.types.is_dictionary(values.type) and values.num_chunks > 1:
            # chunk by chunk, the dictionaries one after the other (a word may come twice:
            # the readers work per distinct code and _factorize merges them)
            parts = [_arrow(chunk) for chunk in values.chunks]
            sizes = np.cumsum([0] + [len(p.words) for p in parts])
            return Coded(np.concatenate([p.codes.astype(np.int64) + k for p, k in zip(parts, sizes)]),
                         np.concatenate([p.words for p in parts]))
        values = values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
    kind = values.type.value_type if pa.types.is_dictionary(values.type) else values.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        if not pa.types.is_dictionary(values.type):
            values = pc.dictionary_encode(values)
        words = _words(values.dictionary)
        codes = values.indices
        if codes.null_count:
            codes = pc.fill_null(codes, len(words))
            words = np.append(words, "")
        codes = codes.to_numpy(zero_copy_only=False)
        return Coded(codes, words if len(words) else np.zeros(0, dtype="U1"))
    if pa.types.is_dictionary(values.type):
        values = values.dictionary_decode()
    if pa.types.is_date(values.type) or pa.types.is_timestamp(values.type):
        return values.cast(pa.date32()).to_numpy(zero_copy_only=False).astype("datetime64[D]")
    if values.null_count:
        return np.asarray(values.to_pylist(), dtype=object)
    return values.to_numpy(zero_copy_only=False)


def _present(values) -> np.ndarray:
    if isinstance(values, Coded):
        return _Text(values.words).present[values.codes] if len(values.words) else np.zeros(len(values), bool)
    if isinstance(values, np.ndarray) and values.dtype.kind == "U":
        return _Text(values).present
    if isinstance(values, np.ndarray) and values.dtype != object:  # typed columns (Parquet, numpy): NaT is empty
        return ~np.isnat(values) if values.dtype.kind == "M" else np.ones(values.shape, dtype=bool)
    a = np.asarray(values, dtype=object)
    if not a.size:
        return np.zeros(0, dtype=bool)
    texts = _texts(a)
    present = _Text(texts).present
    for i in np.flatnonzero(present & (texts == "nan")):  # NaN: a float read as empty
        present[i] = not (isinstance(a[i], float) and a[i] != a[i])
    return present


def _texts(a: np.ndarray) -> np.ndarray:
    """An object column as numpy text, str() of each cell in numpy's loop ('' for None)."""
    return np.where(np.equal(a, None), "", a).astype(str)


def _code_points(values: np.ndarray) -> np.ndarray:
    """A numpy text column as (rows, width) code points, width cut to the longest text."""
    width = values.dtype.itemsize // 4
    if width == 0 or len(values) == 0:
        return np.zeros((len(values), 0), dtype=np.uint32)
    codes = np.ascontiguousarray(values).view(np.uint32).reshape(len(values), width)
    used = np.flatnonzero((codes != 0).any(axis=0))
    return codes[:, :int(used[-1]) + 1] if len(used) else codes[:, :0]


class _Text:
    """A numpy text column read character by character, as a (rows, width) array of code
    points, so that presence and decimal numbers are found without a Python loop."""

    def __init__(self, values: np.ndarray):
        c = _code_points(values)
        if c.size and int(c.max()) < 256:  # the usual case: one byte per character is enough
            c = c.astype(np.uint8)
        self.codes = c
        self.space = (c == 0) | (c == 32) | ((c >= 9) & (c <= 13))
        self.present = ~self.space.all(axis=1) if c.shape[1] else np.zeros(len(values), dtype=bool)

    def decimals(self):
        """(numerators, number of decimals) of decimal text ('-12.50', ' 7 ') where present
        (0 elsewhere), or None if a cell has another form or too many digits for int64."""
        c = self.codes
        n, width = c.shape
        if width == 0:
            return np.zeros(n, dtype=np.int64), 0
        digit = (c >= 48) & (c <= 57)
        dot, minus = c == 46, c == 45
        if not (digit | dot | minus | self.space).all():
            return None
        # column by column: the characters that are not space form one run, '-' only first,
        # one '.' at most; the value by Horner's rule, counting the digits after the point
        value = np.zeros(n, dtype=np.int64)
        count = np.zeros(n, dtype=np.int64)
        frac = np.zeros(n, dtype=np.int64)
        started, ended, seen_dot = (np.zeros(n, dtype=bool) for _ in range(3))
        bad = np.zeros(n, dtype=bool)
        for j in range(width):
            solid, d = ~self.space[:, j], digit[:, j]
            bad |= (solid & ended) | (minus[:, j] & started) | (dot[:, j] & seen_dot)
            ended |= started & ~solid
            started |= solid
            seen_dot |= dot[:, j]
            value = np.where(d, value * 10 + (c[:, j].astype(np.int64) - 48), value)
            count += d
            frac += d & seen_dot
            if int(count.max()) > 18:
                return None
        if bad.any() or ((count == 0) & self.present).any():
            return None
        decimals = int(frac.max(initial=0))
        if int((count - frac + decimals).max(initial=0)) > 18:
            return None
        powers = 10 ** np.arange(19, dtype=np.int64)
        value = value * powers[decimals - frac]
        value = np.where(minus.any(axis=1), -value, value)
        return np.where(self.present, value, 0), decimals


def _numbers(values) -> money.Num:
    """Decimal text or ints -> exact numerators over one power of ten."""
    if isinstance(values, Coded):
        found = _Text(values.words).decimals()
        if found is None:
            return _numbers(values.decoded())
        a, decimals = found
        a = a[values.codes]
        return money.Num(a, 10 ** decimals, int(np.abs(a).max(initial=0)))
    if isinstance(values, np.ndarray) and values.dtype.kind == "U":
        found = _Text(values).decimals()
        if found is not None:
            a, decimals = found
            return money.Num(a, 10 ** decimals, int(np.abs(a).max(initial=0)))
    if isinstance(values, np.ndarray) and values.dtype.kind in "iu":
        a = values.astype(np.int64)
        return money.Num(a, 1, int(np.abs(a).max(initial=0)))
    texts = np.char.strip(_texts(np.asarray(values, dtype=object))) if len(values) else np.zeros(0, dtype=str)
    if texts.size and texts.dtype.kind == "U":
        found = _Text(texts).decimals()
        if found is not None and _Text(texts).present.all():
            a, decimals = found
            return money.Num(a, 10 ** decimals, int(np.abs(a).max(initial=0)))
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


def _factorize(values: np.ndarray):
    """(uniques, inverse) of a column, as np.unique gives them but without sorting texts
    where it can: texts are hashed by their code points and each hash checked to stand
    for one text."""
    if isinstance(values, Coded):  # the distinct words only; a dictionary may repeat one
        uniques, inverse = _factorize(values.words)
        return uniques, np.asarray(inverse)[values.codes]
    values = np.asarray(values)
    if values.dtype == object:
        values = values.astype(str)
    if values.dtype.kind != "U" or len(values) == 0:
        return np.unique(values, return_inverse=True)
    codes = _code_points(values)
    width = codes.shape[1]
    if width % 2:
        codes = np.concatenate([codes, np.zeros((len(values), 1), dtype=np.uint32)], axis=1)
    pairs = np.ascontiguousarray(codes).view(np.uint64)  # two code points at a time
    h = np.zeros(len(values), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(pairs.shape[1]):
            h *= np.uint64(0x9E3779B97F4A7C15)
            h ^= pairs[:, j]
    if len(np.unique(h[:1000])) <= 8:  # few distinct texts (a kind, a country): pick them one by one
        inverse = np.full(len(values), -1, dtype=np.int64)
        first = []
        while True:
            left = np.flatnonzero(inverse < 0)[:1]
            if not len(left) or len(first) > 64:
                break
            first.append(int(left[0]))
            inverse[h == h[left[0]]] = len(first) - 1
        if (inverse < 0).any():
            _, first, inverse = np.unique(h, return_index=True, return_inverse=True)
    else:
        _, first, inverse = np.unique(h, return_index=True, return_inverse=True)
    uniques = values[np.asarray(first, dtype=np.int64)]
    if not (uniques[inverse] == values).all():  # two texts with one hash: sort the texts after all
        return np.unique(values, return_inverse=True)
    return uniques, inverse


def _keys(values) -> np.ndarray:
    """A key column (households, persons) as a numpy array that compares as the keys do."""
    if isinstance(values, Coded):
        return values.decoded()
    if isinstance(values, np.ndarray) and values.dtype.kind in "iuU":
        return values
    a = np.asarray(values, dtype=object)
    if len(a) and all(isinstance(x, (int, np.integer)) and not isinstance(x, bool) for x in a[:1000]) and \
            all(isinstance(x, (int, np.integer)) for x in a):
        return a.astype(np.int64)
    return a.astype(str)


def _lookup(keys: np.ndarray, wanted: np.ndarray, what: str) -> np.ndarray:
    """The position in `keys` (unique) of each wanted key."""
    if keys.dtype.kind in "iu" and wanted.dtype.kind in "iu" and len(keys) and \
            keys[0] == 0 and keys[-1] == len(keys) - 1 and (np.diff(keys) == 1).all():
        found = wanted.astype(np.int64)
        bad = (found < 0) | (found >= len(keys))
    else:
        if keys.dtype.kind != wanted.dtype.kind:
            keys, wanted = keys.astype(str), wanted.astype(str)
        sorter = np.argsort(keys, kind="stable")
        at = np.minimum(np.searchsorted(keys[sorter], wanted), max(len(keys) - 1, 0))
        found = sorter[at] if len(keys) else np.zeros(len(wanted), dtype=np.int64)
        bad = (keys[found] != wanted) if len(keys) else np.ones(len(wanted), dtype=bool)
    if bad.any():
        raise ValueError(f"{what} '{wanted[np.argmax(bad)]}' bestaat niet")
    return found


def _dates(values) -> np.ndarray:
    if isinstance(values, Coded):
        return _dates(values.words)[values.codes]
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
        if isinstance(values, Coded):
            return _coerce(values.words, type_, pool)[values.codes] if len(values.words) else \
                np.zeros(len(values), dtype=bool)
        # str(True) is 'True': lowered, a word of _TRUE, as a bool cell should be
        words = np.char.lower(np.char.strip(_texts(np.asarray(values, dtype=object)))) if len(values) else \
            np.zeros(0, dtype=str)
        unknown = set(np.unique(words).tolist()) - _TRUE - _FALSE
        if unknown:
            raise ValueError(f"geen waar/onwaar: {sorted(unknown)[:3]}")
        return np.isin(words, list(_TRUE))
    if name == "persoon":
        return person_index(values)
    if name == "tekst":
        unique, inverse = _factorize(values if isinstance(values, Coded) else np.asarray(values).astype(str))
        return pool.ids_of(unique.tolist())[inverse] if len(unique) else np.zeros(0, dtype=np.int64)
    raise ValueError(f"gegevens van type {type_}")


class ArrayGroup:
    """A group (tables.Group) whose arrays were built from columns."""

    def __init__(self, rule_set: RuleSet, year: int, P: int, rows: np.ndarray, names: np.ndarray, pool: StringPool,
                 words: np.ndarray | None = None):
        self.rule_set, self.year, self.P, self.rows, self.pool = rule_set, year, P, rows, pool
        self.n = len(rows)
        self.names = names  # (n, P) person ids, or their codes into `words`
        self.words = words
        self.valid = None  # every household of an ArrayGroup has P persons
        self.inputs: dict = {}
        self.relations: dict = {}

    def person_name(self, row: int, index: int) -> str:
        found = self.names[row, index]
        return str(found if self.words is None else self.words[found])

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
    change over time, the optional fourth table of from_columns, are not read here yet).
    Vectorised throughout: the work per row is numpy's, not Python's."""
    inputs = {i.name: i for i in rule_set.inputs()}
    households, persons = ({k: _arrow(x) for k, x in t.items()} for t in (households, persons))
    relations = {k: _arrow(x) for k, x in relations.items()} if relations else relations
    pool = StringPool()
    hh_keys = _keys(households["huishouden"])
    N = len(hh_keys)
    person_hh = _lookup(hh_keys, _keys(persons["huishouden"]), "huishouden")
    # position of each person in its household, in the order of the person table
    sort = np.argsort(person_hh, kind="stable")
    counts = np.bincount(person_hh, minlength=N)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    position = np.empty(len(person_hh), dtype=np.int64)
    position[sort] = np.arange(len(person_hh)) - np.repeat(starts, counts)
    pids = persons["persoon"]
    pid_names, pid_codes = _factorize(pids if isinstance(pids, Coded) else _keys(pids).astype(str))
    pid_codes = pid_codes.astype(np.int32 if len(pid_names) < 1 << 31 else np.int64)
    pid_id = {str(x): i for i, x in enumerate(pid_names.tolist())}
    person_key = person_hh * max(len(pid_names), 1) + pid_codes
    key_order = np.argsort(person_key, kind="stable")
    person_key_sorted = person_key[key_order]

    def person_index(hh_rows: np.ndarray, values) -> np.ndarray:
        """The position in its household of each person named in `values` (ids in the person table)."""
        names, inverse = _factorize(values if isinstance(values, Coded) else _keys(values).astype(str))
        codes = np.array([pid_id.get(str(x), -1) for x in names.tolist()], dtype=np.int64)[inverse]
        wanted = hh_rows * max(len(pid_names), 1) + codes
        at = np.minimum(np.searchsorted(person_key_sorted, wanted), max(len(person_key) - 1, 0))
        bad = (codes < 0) | (person_key_sorted[at] != wanted) if len(person_key) else np.ones(len(wanted), bool)
        if bad.any():
            i = int(np.argmax(bad))
            shown = values.decoded() if isinstance(values, Coded) else np.asarray(values, dtype=object)
            raise ValueError(f"persoon '{shown[i]}' bestaat niet in huishouden "
                             f"'{hh_keys[hh_rows[i]]}'")
        return position[key_order[at]]

    years = np.asarray(households["berekeningsjaar"]).astype(np.int64)
    population = Population(rule_set, [], chunk)
    population.pool = pool
    population.households = [None] * N
    # groups: the same year and number of persons, households in table order, at most `chunk` each
    by = np.lexsort((np.arange(N), counts, years))
    bucket = np.concatenate([[True], (years[by][1:] != years[by][:-1]) | (counts[by][1:] != counts[by][:-1])]) \
        if N else np.zeros(0, dtype=bool)
    bucket_start = np.maximum.accumulate(np.where(bucket, np.arange(N), 0)) if N else np.zeros(0, np.int64)
    rank = np.arange(N) - bucket_start
    new_group = bucket | (rank % chunk == 0)
    g_sorted = np.cumsum(new_group) - 1
    G = int(g_sorted[-1]) + 1 if N else 0
    g_of, r_of = np.empty(N, dtype=np.int64), np.empty(N, dtype=np.int64)
    g_of[by] = g_sorted
    r_of[by] = rank % chunk
    bounds = np.searchsorted(g_sorted, np.arange(G + 1))
    groups = []
    for g in range(G):
        rows = by[bounds[g]:bounds[g + 1]]
        P = int(counts[rows[0]])
        groups.append(ArrayGroup(rule_set, int(years[rows[0]]), P, rows,
                                 np.zeros((len(rows), P), dtype=pid_codes.dtype), pool, pid_names))
    g_of_person, r_of_person = g_of[person_hh], r_of[person_hh]
    person_by_group = np.argsort(g_of_person, kind="stable")
    person_bounds = np.searchsorted(g_of_person[person_by_group], np.arange(G + 1))
    for g, group in enumerate(groups):
        mine = person_by_group[person_bounds[g]:person_bounds[g + 1]]
        group.names[r_of_person[mine], position[mine]] = pid_codes[mine]

    def scatter(type_, index, cells, shape):
        """The (values, vanaf) arrays of one group for the cells at `index`."""
        vanaf = np.full(shape, NEVER, dtype=np.int64)
        vanaf[index] = ALWAYS
        if type_.name in v.NUMERIC:
            a = np.zeros(shape, dtype=cells.a.dtype)
            a[index] = cells.a
            return money.Num(a, cells.d, cells.bound), vanaf
        dtype = bool if type_.name == "waar/onwaar" else np.int64
        out = np.ones(shape, dtype=dtype) if type_.name == "datum" else np.zeros(shape, dtype=dtype)
        out[index] = cells
        return out, vanaf

    def read(values, type_, hh_rows):
        """(rows present, their cells) of a column."""
        values = _column(values)
        present = _present(values)
        rows = np.flatnonzero(present)
        if type_.name in v.NUMERIC and (isinstance(values, Coded) or values.dtype.kind == "U"):
            cells = _numbers(values)  # the whole column at once; absent rows hold 0
            return present, money.Num(cells.a[rows], cells.d, cells.bound)
        return present, _coerce(values[rows], type_, pool, lambda x: person_index(hh_rows[rows], x))

    # global inputs: the household table
    hh_by_group = by
    for column, values in households.items():
        if column in ("huishouden", "berekeningsjaar"):
            continue
        inp = inputs[column]
        present, cells = read(values, inp.type, np.arange(N))
        at = np.cumsum(present) - 1  # each present row's place among the cells
        for g, group in enumerate(groups):
            mine = hh_by_group[bounds[g]:bounds[g + 1]]
            mine = mine[present[mine]]
            if len(mine):
                group.inputs[column] = scatter(inp.type, (r_of[mine], 0), _take(cells, at[mine]), (group.n, 1))
    # person inputs: the person table
    for column, values in persons.items():
        if column in ("huishouden", "persoon"):
            continue
        inp = inputs[column]
        present, cells = read(values, inp.type, person_hh)
        at = np.cumsum(present) - 1
        for g, group in enumerate(groups):
            mine = person_by_group[person_bounds[g]:person_bounds[g + 1]]
            mine = mine[present[mine]]
            if len(mine):
                index = (r_of_person[mine], position[mine], 0)
                group.inputs[column] = scatter(inp.type, index, _take(cells, at[mine]), (group.n, group.P, 1))
    # relations: per ordered pair the records in file order, symmetric ones both ways
    if relations and len(relations["huishouden"]):
        rel_hh = _lookup(hh_keys, _keys(relations["huishouden"]), "huishouden")
        kinds = relations["soort"]
        kind_names, kind_codes = _factorize(kinds if isinstance(kinds, Coded) else _keys(kinds).astype(str))
        first = person_index(rel_hh, relations["eerste"])
        second = person_index(rel_hh, relations["tweede"])
        vanaf = np.full(len(rel_hh), ALWAYS, dtype=np.int64)
        tot = np.full(len(rel_hh), NEVER, dtype=np.int64)
        for column, out in (("vanaf", vanaf), ("tot", tot)):
            raw = _column(relations[column])
            has = _present(raw)
            out[has] = _dates(raw[has])
        P_max = int(counts.max(initial=1))
        for code, name in enumerate(kind_names.tolist()):
            relation = rule_set.relation(str(name))
            sel = np.flatnonzero(kind_codes == code)
            h, a, b, s, e = rel_hh[sel], first[sel], second[sel], vanaf[sel], tot[sel]
            seq = np.arange(len(sel))
            if relation.symmetric:
                back = a != b
                h, a, b, s, e, seq = (np.concatenate([x, y[back]]) for x, y in
                                      ((h, h), (a, b), (b, a), (s, s), (e, e), (seq, seq)))
            # slot: the rank of a record among those of the same ordered pair, in file order
            key = (h * P_max + a) * P_max + b
            order = np.lexsort((seq, key))
            key_sorted = key[order]
            first_of = np.concatenate([[True], key_sorted[1:] != key_sorted[:-1]])
            group_start = np.maximum.accumulate(np.where(first_of, np.arange(len(order)), 0))
            slot = np.empty(len(order), dtype=np.int64)
            slot[order] = np.arange(len(order)) - group_start
            g_rel = g_of[h]
            rel_by_group = np.argsort(g_rel, kind="stable")
            rel_bounds = np.searchsorted(g_rel[rel_by_group], np.arange(G + 1))
            for g, group in enumerate(groups):
                mine = rel_by_group[rel_bounds[g]:rel_bounds[g + 1]]
                if not len(mine):
                    continue
                K = int(slot[mine].max()) + 1
                start = np.full((group.n, group.P, group.P, K), NEVER, dtype=np.int64)
                end = np.full((group.n, group.P, group.P, K), NEVER, dtype=np.int64)
                index = (r_of[h[mine]], a[mine], b[mine], slot[mine])
                start[index] = s[mine]
                end[index] = e[mine]
                group.relations[str(name)] = (start, end)
    population.groups = groups
    return population


def _column(values) -> np.ndarray:
    """A column as an array: typed if it is typed already, else of Python objects."""
    if isinstance(values, Coded):
        return values
    return values if isinstance(values, np.ndarray) else np.asarray(values, dtype=object)


def _take(cells, mask):
    if isinstance(cells, money.Num):
        return money.Num(cells.a[mask], cells.d, cells.bound)
    return cells[mask]
