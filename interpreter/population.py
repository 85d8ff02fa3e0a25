"""`regels impact`: a population under the law and under a policy variant, on
the columnar backend (interpreter/columnar/), every household evaluated, none
skipped as a duplicate.

The population is a file with one household per row (its columns described by
a column mapping, populatie/kolommen.yaml, so which columns mean what is data,
not code) or a folder with the person and relation tables. The report gives,
per berekeningsjaar, how many households the variant affects, the totals of the
compared outcomes under the law and under the variant, and how the differences
of the first outcome are distributed over amount bands. A household the
backend cannot compute (a missing fact, a conflict) is counted under 'fouten'
with the interpreter's message, never a crash."""

from __future__ import annotations

import time
from collections import defaultdict
from fractions import Fraction
from pathlib import Path

import numpy as np

from .api import RuleSets
from .columnar import mapping, runner
from .columnar.compiler import Plan

# Bands for the distribution of differences, in whole euros: [lower, upper).
BANDS = [0, 500, 1_000, 2_000, 3_000, 4_000, None]


def _exact_sum(a: np.ndarray, d: np.ndarray) -> Fraction:
    """The exact sum of a / d over rows (numerators and denominators as arrays)."""
    total = Fraction(0)
    if len(a) == 0:
        return total
    for den in np.unique(d):
        part = a[d == den]
        if part.dtype != object and (int(np.abs(part).max()) if len(part) else 0) * len(part) < 2 ** 62:
            total += Fraction(int(part.sum()), int(den))
        else:
            total += Fraction(sum(int(x) for x in part), int(den))
    return total


def _as_object(x: np.ndarray) -> np.ndarray:
    return x if x.dtype == object else x.astype(object)


def _difference(a1, d1, a2, d2):
    """Numerator and denominator of a1/d1 - a2/d2 per row, exact (int64 where that cannot overflow)."""
    limit = 2 ** 62
    small = all(x.dtype != object for x in (a1, d1, a2, d2)) and len(a1) and \
        max(int(np.abs(a1).max()), int(np.abs(a2).max())) * max(int(d1.max()), int(d2.max())) < limit // 2 and \
        int(d1.max()) * int(d2.max()) < limit
    if not small:
        a1, d1, a2, d2 = (_as_object(x) for x in (a1, d1, a2, d2))
    same = d1 == d2
    num = np.where(same, a1 - a2, a1 * d2 - a2 * d1)
    den = np.where(same, d1, d1 * d2)
    return num, den


def _distinct(columns: dict, key: str) -> int:
    """How many rows differ in something other than the household's id."""
    names = [c for c in columns if c != key]
    if not names:
        return min(1, len(columns[key]))
    # each column as codes of its distinct values; the distinct rows of those codes
    codes = np.stack([np.unique(columns[c].astype(str) if columns[c].dtype == object else columns[c],
                                return_inverse=True)[1].reshape(-1) for c in names], axis=1)
    return len(np.unique(codes, axis=0))


def impact(rules, population: Path, variant: str, mapping_path: Path | None, outcomes: list[str],
           progress=True):
    """The report of `regels impact` (`rules`: a rule folder or its RuleSets)."""
    rule_sets = rules if isinstance(rules, RuleSets) else RuleSets(rules)
    law, with_variant = rule_sets.get(), rule_sets.get([variant])
    law_rules = runner.outcome_rules(law, outcomes, yearly_only=True, option="--uitkomst")
    variant_rules = runner.outcome_rules(with_variant, outcomes, yearly_only=True, option="--uitkomst")
    if population.is_dir():
        tables = runner.read_folder(population, with_variant)
        distinct = len(tables.households["huishouden"])
    else:
        the_mapping = mapping.load_mapping(runner.default_mapping(mapping_path))
        columns = mapping.read_file(population, the_mapping)
        tables = mapping.derive(the_mapping, columns, with_variant)
        distinct = _distinct(columns, the_mapping.key)
    runner.with_year(tables, None, population)
    # the law does not know the facts only a variant introduces (e.g. bekend_bij_gemeente)
    law_inputs = {i.name for i in law.inputs()}
    law_tables = mapping.Tables({k: x for k, x in tables.households.items()
                                 if k in ("huishouden", "berekeningsjaar") or k in law_inputs},
                                {k: x for k, x in tables.persons.items()
                                 if k in ("huishouden", "persoon") or k in law_inputs},
                                tables.relations, tables.known, tables.person_rows, tables.relation_rows)
    N = len(tables.households["huishouden"])
    start = time.perf_counter()
    bar = runner.Progress(2 * N, "regels impact", progress)
    try:
        results = [runner.evaluate(law, Plan(law), law_tables, law_rules, bar),
                   runner.evaluate(with_variant, Plan(with_variant), tables, variant_rules, bar)]
    finally:
        bar.close()
    elapsed = time.perf_counter() - start
    years = tables.households["berekeningsjaar"]
    failed = np.zeros(N, dtype=bool)
    first_problem = {}
    for result in results:
        codes = result.errors()
        for row in np.flatnonzero(codes)[:5]:
            first_problem.setdefault(int(row), result.message(int(codes[row])))
        failed |= codes != 0
    problems = [f"rij {row + 1} (huishouden {tables.households['huishouden'][row]}): {message}"
                for row, message in sorted(first_problem.items())]
    columns_of = [[(r.columns[o].a[:, 0], r.columns[o].d[:, 0]) for o in outcomes] for r in results]
    differs = np.zeros(N, dtype=bool)
    first_diff = None
    for i in range(len(outcomes)):
        (a1, d1), (a2, d2) = columns_of[0][i], columns_of[1][i]
        num, den = _difference(a1, d1, a2, d2)
        differs |= num != 0
        if i == 0:
            first_diff = (num, den)
    report = {}
    for year in sorted(np.unique(years).tolist()):
        mine = years == year
        ok = mine & ~failed
        entry = {"huishoudens": int(mine.sum()), "geraakt": int((ok & differs).sum()),
                 "fouten": int((mine & failed).sum()),
                 "wet": [_exact_sum(a[ok], d[ok]) for a, d in columns_of[0]],
                 "variant": [_exact_sum(a[ok], d[ok]) for a, d in columns_of[1]], "verdeling": []}
        num, den = first_diff
        hit = ok & (num != 0)
        magnitude = np.abs(num[hit])
        dens = den[hit]
        band_of = np.full(len(magnitude), len(BANDS) - 2, dtype=np.int64)
        for b in range(len(BANDS) - 2, 0, -1):  # the highest lower bound the difference reaches
            band_of = np.where(magnitude < dens * BANDS[b], b - 1, band_of)
        for b in sorted(np.unique(band_of).tolist()):
            sel = band_of == b
            entry["verdeling"].append({"van": BANDS[b], "tot": BANDS[b + 1], "huishoudens": int(sel.sum()),
                                       "verschil": _exact_sum(num[hit][sel], dens[sel])})
        report[str(year)] = entry
    return {"rijen": N, "uniek": distinct, "seconden": elapsed, "per_jaar": report, "problemen": problems[:5]}
