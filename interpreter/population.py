"""`regels impact`: a population under the law and under a policy variant.

A population file (CSV or Parquet) has one household per row. A Jinja template (for this
rule set: populatie/sjabloon.yaml.j2) turns a row into a case, so which
columns mean what is data, not code. Identical rows are evaluated once; the
report gives, per berekeningsjaar, how many households the variant affects, the
totals of the compared outcomes under the law and under the variant, and how the
differences of the first outcome are distributed over amount bands."""

from __future__ import annotations

import csv
import multiprocessing
import sys
import time
from collections import defaultdict
from fractions import Fraction
from pathlib import Path

from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from .api import case_from_text, evaluate, load_rules
from .diagnostics import Diagnostic, Pos, RegelsError

_STATE: dict = {}


def _init(directory: str, variant: str, template_text: str, outcomes: list[str]):
    law = load_rules(directory)
    with_variant = load_rules(directory, [variant])
    env = SandboxedEnvironment(undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    _STATE.update(law=law, variant=with_variant, template=env.from_string(template_text), outcomes=outcomes,
                  inputs={i.name for i in with_variant.inputs()})


def _evaluate_row(args):
    row_key, row = args
    text = _STATE["template"].render(**row, invoer=_STATE["inputs"])
    try:
        case = case_from_text(text, _STATE["variant"], name=f"<rij {row.get('id', '?')}>")
        values = []
        for rule_set in (_STATE["law"], _STATE["variant"]):
            rules = [rule_set.rule(n) for n in _STATE["outcomes"]]
            result = evaluate(rule_set, case, trace=False, rules=rules)
            values.append(tuple(result.values.get(n, Fraction(0)) for n in _STATE["outcomes"]))
        return row_key, values, None
    except RegelsError as exc:
        return row_key, None, exc.diagnostics[0].format()


# Bands for the distribution of differences, in whole euros: [lower, upper).
BANDS = [0, 500, 1_000, 2_000, 3_000, 4_000, None]


def read_population(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV or Parquet file as text, as the template receives them
    (an empty cell is '')."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with open(path, newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))
    if suffix == ".parquet":
        import pyarrow
        import pyarrow.parquet

        try:
            table = pyarrow.parquet.read_table(path)
        except (pyarrow.ArrowException, OSError) as exc:
            raise RegelsError(Diagnostic(Pos(str(path), 0, 0), f"geen leesbaar Parquet-bestand: {exc}",
                                         "maak het bestand opnieuw, bijvoorbeeld met populatie/genereer.py"))
        return [{k: _text(x) for k, x in row.items()} for row in table.to_pylist()]
    raise RegelsError(Diagnostic(Pos(str(path), 0, 0), f"onbekend soort populatiebestand '{path.suffix}'",
                                 "gebruik CSV (.csv) of Parquet (.parquet), één huishouden per rij"))


def _text(value) -> str:
    if value is None:
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _band(difference: Fraction) -> int:
    """The index of the band the absolute difference falls in."""
    amount = abs(difference)
    return next(i for i, upper in enumerate(BANDS[1:]) if upper is None or amount < upper)


def impact(directory, population: Path, variant: str, template: Path, outcomes: list[str],
           processes: int = 0, progress=True):
    rows = read_population(population)
    if not rows:
        raise RegelsError(Diagnostic(Pos(str(population), 1, 1), "het populatiebestand is leeg"))
    columns = [c for c in rows[0] if c != "id"]
    counts: dict[tuple, int] = defaultdict(int)
    first: dict[tuple, dict] = {}
    for row in rows:
        key = tuple(row[c] for c in columns)
        counts[key] += 1
        first.setdefault(key, row)
    start = time.perf_counter()
    jobs = list(first.items())
    results = {}
    processes = processes or multiprocessing.cpu_count()
    with multiprocessing.Pool(processes, initializer=_init,
                              initargs=(str(directory), variant, template.read_text(encoding="utf-8"), outcomes)) as pool:
        for done, (key, values, problem) in enumerate(pool.imap_unordered(_evaluate_row, jobs, chunksize=8), 1):
            results[key] = (values, problem)
            if progress and sys.stderr.isatty() and (done % 50 == 0 or done == len(jobs)):
                bar = "#" * int(30 * done / len(jobs))
                print(f"\r  [{bar:<30}] {done}/{len(jobs)} verschillende huishoudens", end="", file=sys.stderr)
    if progress and sys.stderr.isatty():
        print(file=sys.stderr)
    elapsed = time.perf_counter() - start
    year_col = columns.index("berekeningsjaar") if "berekeningsjaar" in columns else None
    report = defaultdict(lambda: {"huishoudens": 0, "geraakt": 0, "fouten": 0,
                                  "wet": [Fraction(0)] * len(outcomes), "variant": [Fraction(0)] * len(outcomes),
                                  "verdeling": {}})
    problems = []
    for key, count in counts.items():
        year = key[year_col] if year_col is not None else "alle"
        entry = report[year]
        entry["huishoudens"] += count
        values, problem = results[key]
        if values is None:
            entry["fouten"] += count
            problems.append(problem)
            continue
        law_values, variant_values = values
        if law_values != variant_values:
            entry["geraakt"] += count
            difference = law_values[0] - variant_values[0]
            if difference:
                i = _band(difference)
                band = entry["verdeling"].setdefault(i, {"van": BANDS[i], "tot": BANDS[i + 1], "huishoudens": 0,
                                                         "verschil": Fraction(0)})
                band["huishoudens"] += count
                band["verschil"] += difference * count
        for i in range(len(outcomes)):
            entry["wet"][i] += law_values[i] * count
            entry["variant"][i] += variant_values[i] * count
    for entry in report.values():
        entry["verdeling"] = [entry["verdeling"][i] for i in sorted(entry["verdeling"])]
    return {"rijen": len(rows), "uniek": len(jobs), "seconden": elapsed, "per_jaar": dict(report),
            "problemen": problems[:5]}
