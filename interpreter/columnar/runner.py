"""A population file in, one row per household out: the columnar backend end
to end, as `regels batch` will call it (the CLI verb itself is not wired yet).

    python -m interpreter.columnar.runner POPULATIE --uitvoer UIT.csv [--jaar J] [--variant NAAM]
        [--uitkomsten kindgebonden_budget kindgebonden_budget_maand] [--regels rules]

POPULATIE is a folder with huishoudens, personen and (optionally) relaties,
each as .csv (UTF-8, with a header) or .parquet, with the columns that
tables.from_columns documents. --jaar gives the berekeningsjaar when the
household table has no such column. The output (.csv or .parquet, written to
a temporary file and then moved into place) has per household its id, per
outcome its value (per month a column 'naam[JJJJ-MM]' for a monthly rule) in
the JSON form of docs/json-uitvoer.md, and 'fout': the error the interpreter
would raise for that household, if any."""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from fractions import Fraction
from pathlib import Path

import numpy as np


from .. import values as v
from ..api import RuleSets
from ..diagnostics import Diagnostic, Pos, RegelsError
from . import batch, money
from .columns import population_from_columns
from .compiler import Plan


def read_table(folder: Path, name: str, required: bool = True) -> dict | None:
    """A table of the population folder as columns (lists), from CSV or Parquet."""
    for suffix in (".parquet", ".csv"):
        path = folder / f"{name}{suffix}"
        if path.exists():
            break
    else:
        if required:
            raise RegelsError(Diagnostic(Pos(str(folder / f"{name}.csv"), 0, 0), f"tabel '{name}' ontbreekt",
                                         f"zet {name}.csv of {name}.parquet in {folder}"))
        return None
    if suffix == ".parquet":
        import pyarrow.parquet

        return pyarrow.parquet.read_table(path).to_pydict()
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    if not rows:
        raise RegelsError(Diagnostic(Pos(str(path), 1, 1), f"tabel '{name}' is leeg", "de eerste regel noemt de kolommen"))
    header, body = rows[0], rows[1:]
    return {column: [row[i] if i < len(row) else "" for row in body] for i, column in enumerate(header)}


def _text(value, type_: v.Type) -> str:
    json = v.to_json(value, type_)
    return "" if json is None else ("waar" if json is True else "onwaar" if json is False else str(json))


def output_rows(result: batch.BatchResult, rules, households: dict) -> tuple[list[str], list[list[str]]]:
    """The header and one row per household, in the order of the household table."""
    header = ["huishouden"]
    for rule in rules:
        if rule.per == "maand":
            header += [f"{rule.name}[{m:02d}]" for m in range(1, 13)]
        else:
            header.append(rule.name)
    header.append("fout")
    ids = households["huishouden"]
    rows = [[str(ids[h])] for h in range(len(ids))]
    errors = [""] * len(ids)
    for run in result.runs:
        for rule in rules:
            shape = (run.n,) + ((12,) if rule.per == "maand" else ())
            table = batch.full(run.table(rule), shape)
            x = table.x
            if rule.type == v.BEDRAG:  # the JSON form, whole cents, rounded once per column
                cents = np.broadcast_to(money.round_to(x, Fraction(1, 100), "rekenkundig").a, shape).reshape(run.n, -1)
                codes = None if table.err is None else np.broadcast_to(table.err, shape).reshape(run.n, -1)
                for row, position in enumerate(run.g.rows):
                    for m, c in enumerate(cents[row].tolist()):
                        code = 0 if codes is None else int(codes[row, m])
                        if code:
                            rows[position].append("")
                            errors[position] = errors[position] or result.plan.sites[code].format()
                        else:
                            rows[position].append(("-" if c < 0 else "") + f"{abs(c) // 100}.{abs(c) % 100:02d}")
                continue
            for row, position in enumerate(run.g.rows):
                cells = range(12) if rule.per == "maand" else [None]
                for m in cells:
                    index = (row,) if m is None else (row, m)
                    code = 0 if table.err is None else int(table.err[index])
                    if code:
                        rows[position].append("")
                        if not errors[position]:
                            errors[position] = result.plan.sites[code].format()
                        continue
                    if table.kind == "num":
                        value = Fraction(int(x.a[index]), int(x.d if x.static else x.d[index]))
                    else:
                        value = result._python(table, index, run)
                    rows[position].append(_text(value, rule.type))
    for position, error in enumerate(errors):
        rows[position].append(error)
    return header, rows


def write_rows(path: Path, header: list[str], rows: list[list[str]]) -> None:
    """Write CSV or Parquet atomically: a temporary file next to it, then moved into place."""
    temporary = path.with_name(path.name + ".tmp")
    if path.suffix.lower() == ".parquet":
        import pyarrow
        import pyarrow.parquet

        columns = {name: [row[i] for row in rows] for i, name in enumerate(header)}
        pyarrow.parquet.write_table(pyarrow.table(columns), temporary)
    else:
        with open(temporary, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
    os.replace(temporary, path)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="regels batch")
    parser.add_argument("populatie", type=Path)
    parser.add_argument("--uitvoer", type=Path, required=True)
    parser.add_argument("--jaar", type=int)
    parser.add_argument("--variant")
    parser.add_argument("--uitkomsten", nargs="+", default=["kindgebonden_budget", "kindgebonden_budget_maand"])
    parser.add_argument("--regels", type=Path, default=Path("rules"))
    args = parser.parse_args(argv)
    try:
        rule_set = RuleSets(args.regels).get([args.variant] if args.variant else [])
        plan = Plan(rule_set)
        rules = []
        for name in args.uitkomsten:
            rule = rule_set.rule(name)
            if rule is None or rule.target is not None or rule.voor:
                raise RegelsError(Diagnostic(Pos("--uitkomsten", 0, 0), f"'{name}' is geen uitkomst per huishouden"))
            rules.append(rule)
        households = read_table(args.populatie, "huishoudens")
        persons = read_table(args.populatie, "personen")
        relations = read_table(args.populatie, "relaties", required=False)
        if "berekeningsjaar" not in households:
            if args.jaar is None:
                raise RegelsError(Diagnostic(Pos(str(args.populatie), 0, 0), "geen berekeningsjaar",
                                             "geef --jaar of een kolom 'berekeningsjaar' in huishoudens"))
            households["berekeningsjaar"] = [args.jaar] * len(households["huishouden"])
        start = time.perf_counter()
        population = population_from_columns(rule_set, households, persons, relations)
        result = batch.run(plan, population, rules)
        header, rows = output_rows(result, rules, households)
        write_rows(args.uitvoer, header, rows)
    except RegelsError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    failed = sum(1 for row in rows if row[-1])
    print(f"{args.uitvoer}: {len(rows):,} huishoudens in {time.perf_counter() - start:.1f} s"
          + (f", {failed:,} met een fout" if failed else ""), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
