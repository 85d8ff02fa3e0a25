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

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment

from .api import RuleSets, case_from_text, evaluate
from .diagnostics import Diagnostic, Pos, RegelsError, suggest

_STATE: dict = {}


def _template(text: str, path: str):
    env = SandboxedEnvironment(undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    try:
        return env.from_string(text)
    except TemplateSyntaxError as exc:
        raise RegelsError(Diagnostic(Pos(path, exc.lineno or 1, 1), f"fout in het sjabloon: {exc.message}"))


def _init(directory: str, variant: str, template_text: str, template_path: str, outcomes: list[str]):
    rule_sets = RuleSets(directory)
    with_variant = rule_sets.get([variant])
    _STATE.update(law=rule_sets.get(), variant=with_variant, template=_template(template_text, template_path),
                  outcomes=outcomes, inputs={i.name for i in with_variant.inputs()})


def _evaluate_row(args):
    row_key, row = args
    try:
        text = _STATE["template"].render(**row, invoer=_STATE["inputs"])
    except TemplateError as exc:
        return row_key, None, f"<rij {row.get('id', '?')}>: het sjabloon kan deze rij niet omzetten: {exc}"
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
        try:
            with open(path, newline="", encoding="utf-8") as handle:
                return list(csv.DictReader(handle))
        except (UnicodeDecodeError, csv.Error) as exc:
            raise RegelsError(Diagnostic(Pos(str(path), 0, 0), f"geen leesbaar CSV-bestand: {exc}",
                                         "sla het bestand op als CSV in UTF-8, met een kopregel"))
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
    # everything that can be wrong for every row is checked here, once, before the workers start
    rule_sets = RuleSets(directory)
    with_variant = rule_sets.get([variant])
    for name in outcomes:
        rule = with_variant.rule(name)
        if rule is None or rule.target is not None or rule.voor or rule.per == "maand":
            raise RegelsError(Diagnostic(Pos("--uitkomst", 0, 0), f"'{name}' is geen regel met één waarde per jaar",
                                         suggest(name, [r.name for r in with_variant.rules()
                                                        if r.target is None and not r.voor and r.per != "maand"])))
    template_text = template.read_text(encoding="utf-8")
    compiled_template = _template(template_text, str(template))
    rows = read_population(population)
    if not rows:
        raise RegelsError(Diagnostic(Pos(str(population), 1, 1), "het populatiebestand is leeg"))
    try:
        compiled_template.render(**rows[0], invoer={i.name for i in with_variant.inputs()})
    except TemplateError as exc:
        raise RegelsError(Diagnostic(Pos(str(template), 0, 0), f"het sjabloon past niet op het populatiebestand: {exc}",
                                     "kolommen in het bestand: " + ", ".join(rows[0])))
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
                              initargs=(str(directory), variant, template_text, str(template), outcomes)) as pool:
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
                b = _band(difference)
                band = entry["verdeling"].setdefault(b, {"van": BANDS[b], "tot": BANDS[b + 1], "huishoudens": 0,
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
