"""`regels impact`: a population under the law and under a policy variant.

A population file (CSV) has one household per row. A Jinja template (for this
rule set: populatie/sjabloon.yaml.j2) turns a row into a case, so which
columns mean what is data, not code. Identical rows are evaluated once; the
report gives, per berekeningsjaar, how many households the variant affects and
the totals of the compared outcomes under the law and under the variant."""

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


def impact(directory, population: Path, variant: str, template: Path, outcomes: list[str],
           processes: int = 0, progress=True):
    if population.suffix.lower() == ".parquet":
        raise RegelsError(Diagnostic(Pos(str(population), 0, 0), "Parquet wordt nog niet gelezen",
                                     "zet de populatie om naar CSV (één huishouden per rij)"))
    with open(population, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
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
                                  "wet": [Fraction(0)] * len(outcomes), "variant": [Fraction(0)] * len(outcomes)})
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
        for i in range(len(outcomes)):
            entry["wet"][i] += law_values[i] * count
            entry["variant"][i] += variant_values[i] * count
    return {"rijen": len(rows), "uniek": len(jobs), "seconden": elapsed, "per_jaar": dict(report),
            "problemen": problems[:5]}
