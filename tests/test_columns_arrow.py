"""The columnar reader on pyarrow columns as Parquet gives them (texts dictionary-encoded,
in several chunks, with nulls; dates as date32): the results must be those of the same
columns as Python lists, and a wrong person is still named."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pytest

from regels.columnar import batch
from regels.columnar.columns import Coded, _arrow, _present, population_from_columns

from .test_columnar import _as_columns, _read_all, plan_for


def _arrow_column(values, n: int):
    """A list column as a chunked pyarrow column, texts dictionary-encoded per chunk
    (every other column) or plain; empty cells as nulls."""
    cells = [None if x is None or (isinstance(x, str) and not x.strip()) else x for x in values]
    if all(x is None or isinstance(x, dt.date) for x in cells):
        kind = pa.date32()
    elif all(x is None or isinstance(x, bool) for x in cells):
        kind = pa.bool_()
    elif all(x is None or isinstance(x, int) and not isinstance(x, bool) for x in cells):
        kind = pa.int64()
    else:
        kind = pa.string()
        cells = [None if x is None else str(x) for x in cells]
    half = len(cells) // 2
    chunks = [pa.array(cells[:half], type=kind), pa.array(cells[half:], type=kind)]
    if kind == pa.string() and n % 2 == 0:
        chunks = [c.dictionary_encode() for c in chunks]
    return pa.chunked_array(chunks)


def _cases():
    return [c for c in _read_all() if set(c.facts) == {"aanvrager"} and
            all(len(t.entries) == 1 and t.entries[0].vanaf is None and t.entries[0].knowledge is None
                for p in c.persons.values() for t in p.facts.values()) and
            all(f.knowledge is None for fs in c.relations.values() for f in fs)]


def test_arrow_columns_read_as_the_lists_do():
    rule_set, plan = plan_for()
    cases = _cases()
    assert len(cases) > 40
    columns = _as_columns(cases)
    arrow = {table: {name: _arrow_column(values, n) for n, (name, values) in enumerate(cols.items())}
             for table, cols in columns.items()}
    assert any(pa.types.is_dictionary(x.type) for x in arrow["persons"].values())
    assert any(x.null_count for x in arrow["persons"].values())
    rules = [rule_set.rule("kindgebonden_budget"), rule_set.rule("kindgebonden_budget_maand"),
             rule_set.rule("toeslagpartner")]
    expected = batch.run(plan, population_from_columns(rule_set, **columns, chunk=5), rules)
    got_population = population_from_columns(rule_set, **arrow, chunk=5)
    got = batch.run(plan, got_population, rules)
    for h, case in enumerate(cases):
        for rule in rules:
            for p in range(len(case.persons)) if rule.voor else [None]:
                for m in range(1, 13):
                    assert got.cell(rule, h, p, m) == expected.cell(rule, h, p, m), (case.path, rule.name, p, m)
    # the persons keep their names (an explanation names them)
    group = got_population.groups[0]
    first = int(group.rows[0])
    assert [group.person_name(0, i) for i in range(group.P)] == list(cases[first].persons)


def test_a_dictionary_column_with_nulls_and_repeated_words():
    column = pa.chunked_array([pa.array(["a", None, " ", "b"]).dictionary_encode(),
                               pa.array(["b", "a", None]).dictionary_encode()])
    coded = _arrow(column)
    assert isinstance(coded, Coded)
    assert coded.decoded().tolist() == ["a", "", " ", "b", "b", "a", ""]
    assert _present(coded).tolist() == [True, False, False, True, True, True, False]


def test_an_unknown_person_in_an_arrow_relation_is_named():
    rule_set, _ = plan_for()
    columns = _as_columns(_cases()[:3])
    relations = dict(columns["relations"])
    assert relations["eerste"]
    relations["eerste"] = ["niemand"] + relations["eerste"][1:]
    relations = {k: _arrow_column(v, 0) for k, v in relations.items()}
    with pytest.raises(ValueError, match="persoon 'niemand' bestaat niet"):
        population_from_columns(rule_set, columns["households"], columns["persons"], relations)
