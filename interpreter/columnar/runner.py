"""A population in, one row per household out: the columnar backend end to end,
as `regels batch` and `regels impact` call it.

A population is either a folder with personen, relaties and huishoudens
tables (each .csv or .parquet, the columns of tables.from_columns) or one
file with one household per row, turned into those tables by a column
mapping (mapping.py, populatie/kolommen.yaml). Both are read as text (tablefile.py:
CSV with numpy or the csv module, Parquet with pyarrow), validated (errors name
file, row and column), and brought into one form (mapping.Tables). The evaluation runs chunk by chunk (households never split),
so that memory stays bounded and a progress bar can follow; households whose
facts say when they became known ('bekend_vanaf', which the columnar reader
does not take) are evaluated through Population.from_cases, the same
compiled plan, the interpreter's knowledge rules.

The output (.csv or .parquet, written to a temporary file and then moved into
place) has per household its id, per outcome its value (a monthly outcome as
columns 'naam[01]'..'naam[12]'), amounts in euros with two decimals as the
JSON form of docs/json-uitvoer.md, and 'fout': the error the interpreter
would raise for that household, if any."""

from __future__ import annotations

import os
import re
import sys
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from .. import values as v
from ..api import case_from_text, column_mapping_for, rules_directory_for
from ..diagnostics import Diagnostic, Pos, RegelsError, suggest
from ..model import Rule, RuleSet
from . import batch, mapping, money, tablefile
from .columns import population_from_columns
from .compiler import Plan
from .tables import Population

CHUNK = 50_000


def _error(path, message, hint=None, line=0, column=0):
    return RegelsError(Diagnostic(Pos(str(path), line, column), message, hint))


# --- reading --------------------------------------------------------------------------------

def default_mapping(mapping_path: Path | None) -> Path:
    """The column mapping given, else the one beside the nearest rules/ or bundled (api.column_mapping_for)."""
    return mapping_path or column_mapping_for(rules_directory_for())


def read_population(path: Path, rule_set: RuleSet, mapping_path: Path | None = None) -> mapping.Tables:
    """A folder of tables or a one-row-per-household file, validated, as Tables."""
    if path.is_dir():
        return read_folder(path, rule_set)
    if not path.exists():
        raise _error(path, "populatie niet gevonden", "geef een map met personen/relaties/huishoudens of één bestand")
    the_mapping = mapping.load_mapping(default_mapping(mapping_path))
    return mapping.derive(the_mapping, mapping.read_file(path, the_mapping), rule_set)


def _read_table(folder: Path, name: str, required: bool = True):
    for suffix in (".parquet", ".csv"):
        path = folder / f"{name}{suffix}"
        if path.exists():
            break
    else:
        if required:
            raise _error(folder / f"{name}.csv", f"tabel '{name}' ontbreekt", f"zet {name}.csv of {name}.parquet in {folder}")
        return None, None
    try:
        table = tablefile.read(path)
    except UnicodeDecodeError as exc:
        raise _error(path, f"geen leesbaar CSV-bestand: {exc}", "sla het bestand op als CSV in UTF-8, met een kopregel")
    except OSError as exc:
        raise _error(path, f"tabel '{name}' niet te lezen: {exc.strerror or exc}", "CSV in UTF-8 met een kopregel, of Parquet")
    return table, path


_YEAR = re.compile(r"[0-9]{4}")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_TRUTHS = ["ja", "nee", "waar", "onwaar", "true", "false", "1", "0"]


def _typed(path, table: tablefile.Text, name: str, type_: v.Type, header: int):
    """A fact column, validated against the input's type, as the columnar reader takes it."""
    text = table.column(name)
    empty = text == ""
    kind = type_.name
    bad = None
    if kind in v.NUMERIC:
        bad = ~mapping.matches(text, _NUMBER, numbers=True) & ~empty
        hint = "een getal met een punt, zoals 24000 of 24000.50, zonder eurosteken"
    elif kind == "datum":
        days = mapping.dates(text)
        bad = ~empty & np.isnat(days)
        hint = "een datum als JJJJ-MM-DD"
    elif kind == "waar/onwaar":
        bad = ~np.isin(np.char.lower(text), _TRUTHS) & ~empty
        hint = "ja of nee"
    if bad is not None and bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise _error(path, f"rij {row + 1}, kolom '{name}': geen {kind} ('{text[row]}')", hint,
                     row + 1 + header, table.column_names.index(name) + 1)
    if kind == "datum":
        return days
    if kind == "waar/onwaar" and not empty.any():
        return np.isin(np.char.lower(text), ["ja", "waar", "true", "1"])
    return text  # '' where empty: the columnar reader takes it as a fact not given


def read_folder(folder: Path, rule_set: RuleSet) -> mapping.Tables:
    """The documented tables of a population folder, validated, as Tables."""
    inputs = {i.name: i for i in rule_set.inputs()}
    tables, paths = {}, {}
    for name, required in (("huishoudens", True), ("personen", True), ("relaties", False)):
        tables[name], paths[name] = _read_table(folder, name, required)
    fixed = {"huishoudens": ["huishouden"], "personen": ["huishouden", "persoon"],
             "relaties": ["huishouden", "soort", "eerste", "tweede"]}
    out = {}
    for name, table in tables.items():
        if table is None:
            continue
        path, header = paths[name], 1 if paths[name].suffix == ".csv" else 0
        for column in fixed[name]:
            if column not in table.column_names:
                raise _error(path, f"tabel '{name}' mist kolom '{column}'",
                             "kolommen: " + ", ".join(table.column_names), 1 if header else 0, 1 if header else 0)
        columns = {}
        for column in table.column_names:
            if column in fixed[name]:
                columns[column] = table.column(column)
            elif name == "huishoudens" and column == "berekeningsjaar":
                text = table.column(column)
                ok = mapping.matches(text, _YEAR)
                if not ok.all():
                    row = int(np.flatnonzero(~ok)[0])
                    raise _error(path, f"rij {row + 1}, kolom 'berekeningsjaar': geen jaar ('{text[row]}')",
                                 "een jaar als 2021", row + 1 + header, table.column_names.index(column) + 1)
                columns[column] = text.astype(np.int64)
            elif name == "relaties" and column in ("vanaf", "tot"):
                columns[column] = _typed(path, table, column, v.DATUM, header)
            elif column in inputs and (inputs[column].of_person == (name == "personen")) and name != "relaties":
                columns[column] = _typed(path, table, column, inputs[column].type, header)
            else:
                wanted = [i.name for i in inputs.values() if i.of_person == (name == "personen")]
                raise _error(path, f"tabel '{name}': kolom '{column}' is geen gegeven "
                             + ("van een persoon" if name == "personen" else "van het huishouden")
                             + " in deze regelset", suggest(column, wanted) or "zie rules/ voor de gegevens",
                             1 if header else 0, table.column_names.index(column) + 1 if header else 0)
        out[name] = columns
    households, persons = out["huishoudens"], out["personen"]
    if "berekeningsjaar" not in households:
        raise _error(paths["huishoudens"], "geen berekeningsjaar",
                     "geef --jaar of een kolom 'berekeningsjaar' in huishoudens")
    keys = households["huishouden"]
    unique, first = np.unique(keys.astype(str), return_index=True)
    if len(unique) < len(keys):
        dup = np.setdiff1d(np.arange(len(keys)), first)[0]
        raise _error(paths["huishoudens"], f"rij {dup + 1}, kolom 'huishouden': huishouden '{keys[dup]}' staat er twee keer in",
                     "elk huishouden één rij", int(dup) + 2, 1)

    def household_index(name):
        their = out[name]["huishouden"].astype(str)
        at = np.searchsorted(unique, their)
        at = np.minimum(at, len(unique) - 1)
        bad = unique[at] != their
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise _error(paths[name], f"rij {row + 1}, kolom 'huishouden': onbekend huishouden '{their[row]}'",
                         "elk huishouden staat ook in de tabel huishoudens", row + 2, 1)
        return _positions(keys, unique, at)

    p_hh = household_index("personen")
    order = np.argsort(p_hh, kind="stable")
    persons = {k: x[order] for k, x in persons.items()}
    p_hh = p_hh[order]
    person_rows = np.concatenate([[0], np.cumsum(np.bincount(p_hh, minlength=len(keys)))])
    if "relaties" in out:
        relations = out["relaties"]
        r_hh = household_index("relaties")
        # every person named in a relation is a person of that household
        person_keys = np.char.add(np.char.add(persons["huishouden"].astype(str), "\x00"), persons["persoon"].astype(str))
        for column in ("eerste", "tweede"):
            wanted = np.char.add(np.char.add(relations["huishouden"].astype(str), "\x00"), relations[column].astype(str))
            missing = ~np.isin(wanted, person_keys)
            if missing.any():
                row = int(np.flatnonzero(missing)[0])
                raise _error(paths["relaties"], f"rij {row + 1}, kolom '{column}': persoon '{relations[column][row]}' "
                             f"staat niet in de tabel personen bij huishouden '{relations['huishouden'][row]}'",
                             "noem personen met hun id uit de kolom 'persoon'", row + 2, 1)
        kinds = {r.name for r in rule_set.relations()}
        unknown = ~np.isin(relations["soort"].astype(str), list(kinds))
        if unknown.any():
            row = int(np.flatnonzero(unknown)[0])
            raise _error(paths["relaties"], f"rij {row + 1}, kolom 'soort': onbekende relatie '{relations['soort'][row]}'",
                         suggest(str(relations["soort"][row]), sorted(kinds)), row + 2, 1)
        for column in ("vanaf", "tot"):
            if column not in relations:
                relations[column] = np.full(len(r_hh), np.datetime64("NaT"), dtype="datetime64[D]")
        order = np.argsort(r_hh, kind="stable")
        relations = {k: x[order] for k, x in relations.items()}
        relations["huishouden_index"] = r_hh[order]
    else:
        relations = {"huishouden": np.zeros(0, object), "huishouden_index": np.zeros(0, np.int64),
                     "soort": np.zeros(0, object), "eerste": np.zeros(0, object), "tweede": np.zeros(0, object),
                     "vanaf": np.zeros(0, "datetime64[D]"), "tot": np.zeros(0, "datetime64[D]")}
    relation_rows = np.concatenate([[0], np.cumsum(np.bincount(relations["huishouden_index"], minlength=len(keys)))])
    known = np.full(len(relations["soort"]), np.datetime64("NaT"), dtype="datetime64[D]")
    return mapping.Tables(households, persons, relations, known, person_rows, relation_rows)


def _positions(keys, unique, at):
    """Household positions (rows of the household table) of keys found at `at` in sorted `unique`."""
    sorter = np.argsort(keys.astype(str), kind="stable")
    return sorter[at]


# --- evaluating -----------------------------------------------------------------------------

@dataclass
class Outcome:
    """One outcome over all households: (N, M) arrays, M = 12 for a monthly rule, else 1.
    num: exact a / d; err: error codes (0: none) into plan.sites; cents for amounts."""

    rule: Rule
    kind: str
    a: np.ndarray | None = None
    d: np.ndarray | None = None
    cents: np.ndarray | None = None
    values: np.ndarray | None = None
    err: np.ndarray | None = None


class Outcomes:
    def __init__(self, plan: Plan, rules: list[Rule], N: int):
        self.plan, self.rules, self.N = plan, rules, N
        self.columns: dict[str, Outcome] = {}

    def message(self, code: int) -> str:
        return self.plan.sites[code].format()

    def errors(self) -> np.ndarray:
        """Per household the first error code (in the order of the outcomes and months), 0 if none."""
        first = np.zeros(self.N, dtype=np.int64)
        for rule in self.rules:
            err = self.columns[rule.name].err
            for m in range(err.shape[1]):
                first = np.where(first == 0, err[:, m], first)
        return first

    def add(self, result: batch.BatchResult, positions: np.ndarray) -> None:
        """Results of a batch over the households at `positions` (its household order)."""
        for rule in self.rules:
            M = 12 if rule.per == "maand" else 1
            col = self.columns.get(rule.name)
            for run in result.runs:
                shape = (run.n,) + ((12,) if M == 12 else ())
                table = batch.full(run.table(rule), shape)
                if col is None:
                    col = self.columns[rule.name] = Outcome(rule, table.kind, err=np.zeros((self.N, M), dtype=np.int64))
                    if table.kind == "num":
                        col.a = np.zeros((self.N, M), dtype=np.int64)
                        col.d = np.ones((self.N, M), dtype=np.int64)
                        if rule.type == v.BEDRAG:
                            col.cents = np.zeros((self.N, M), dtype=np.int64)
                    elif table.kind in ("bool", "date"):
                        col.values = np.zeros((self.N, M), dtype=bool if table.kind == "bool" else np.int64)
                    else:
                        col.values = np.empty((self.N, M), dtype=object)
                at = positions[np.asarray(run.g.rows)]
                if table.err is not None:
                    col.err[at] = np.asarray(table.err).reshape(run.n, M)
                if table.kind == "num":
                    x = table.x
                    a = np.asarray(x.a).reshape(run.n, M)
                    d = np.broadcast_to(np.asarray(x.d), x.a.shape).reshape(run.n, M)
                    if a.dtype == object and col.a.dtype != object:
                        col.a = col.a.astype(object)
                    if d.dtype == object and col.d.dtype != object:
                        col.d = col.d.astype(object)
                    col.a[at], col.d[at] = a, d
                    if col.cents is not None:
                        cents = np.asarray(money.round_to(x, Fraction(1, 100), "rekenkundig").a)
                        cents = np.broadcast_to(cents, x.a.shape).reshape(run.n, M)
                        if cents.dtype == object and col.cents.dtype != object:
                            col.cents = col.cents.astype(object)
                        col.cents[at] = cents
                elif table.kind in ("bool", "date"):
                    col.values[at] = np.asarray(table.x).reshape(run.n, M)
                else:
                    rows = np.arange(run.n)
                    out = np.empty((run.n, M), dtype=object)
                    for r in rows:
                        for m in range(M):
                            index = (r,) + ((m,) if M == 12 else ())
                            code = 0 if table.err is None else int(table.err[index])
                            out[r, m] = None if code else v.to_json(result._python(table, index, run), rule.type)
                    col.values[at] = out


def evaluate(rule_set: RuleSet, plan: Plan, tables: mapping.Tables, rules: list[Rule], progress=None,
             chunk: int = CHUNK) -> Outcomes:
    """Every outcome for every household, chunk by chunk."""
    for rule in rules:
        if not plan.supported(rule):
            raise plan.problems[rule.root.name]
    N = len(tables.households["huishouden"])
    outcomes = Outcomes(plan, rules, N)
    knowing = np.zeros(N, dtype=bool)
    knowing[tables.with_knowledge] = True
    for start in range(0, N, chunk):
        rows = np.arange(start, min(N, start + chunk))
        plain = rows[~knowing[rows]]
        if len(plain):
            part = mapping.select(tables, plain) if len(plain) != N else tables
            population = population_from_columns(rule_set, *mapping.columnar_input(part))
            outcomes.add(batch.run(plan, population, rules), plain)
        special = rows[knowing[rows]]
        if len(special):
            few = mapping.select(tables, special)  # once: case_text of the whole tables would copy them per row
            cases = [case_from_text(mapping.case_text(rule_set, few, i), rule_set, name=f"<rij {int(r) + 1}>")
                     for i, r in enumerate(special)]
            outcomes.add(batch.run(plan, Population.from_cases(rule_set, cases), rules), special)
        if progress is not None:
            progress(len(rows))
    return outcomes


def outcome_rules(rule_set: RuleSet, names: list[str], yearly_only: bool = False, option="--uitkomsten") -> list[Rule]:
    rules = []
    for name in names:
        rule = rule_set.rule(name)
        if rule is None or rule.target is not None or rule.voor or (yearly_only and rule.per == "maand"):
            candidates = [r.name for r in rule_set.rules() if r.target is None and not r.voor
                          and (r.per != "maand" or not yearly_only)]
            raise _error(option, f"'{name}' is geen regel met één waarde per "
                         + ("jaar" if yearly_only else "huishouden"), suggest(name, candidates))
        rules.append(rule)
    return rules


# --- writing --------------------------------------------------------------------------------

def output_table(tables: mapping.Tables, outcomes: Outcomes) -> list[tablefile.Column]:
    """The output columns: id, the outcomes, 'fout'."""
    Column = tablefile.Column
    keys = tables.households["huishouden"].astype(str)
    columns = [Column("huishouden", "text", keys, np.zeros(len(keys), dtype=bool))]
    for rule in outcomes.rules:
        col = outcomes.columns[rule.name]
        M = col.err.shape[1]
        for m in range(M):
            name = f"{rule.name}[{m + 1:02d}]" if M == 12 else rule.name
            null = col.err[:, m] != 0
            if col.cents is not None:
                columns.append(Column(name, "amount", col.cents[:, m], null))
            elif col.kind == "num":
                a, d = col.a[:, m], col.d[:, m]
                if np.all(d == 1):
                    columns.append(Column(name, "integer", a, null))
                else:
                    texts = np.array(["" if n else v.to_json(Fraction(int(x), int(y)), rule.type)
                                      for x, y, n in zip(a, d, null)], dtype=object)
                    columns.append(Column(name, "text", texts, null))
            elif col.kind == "bool":
                columns.append(Column(name, "bool", col.values[:, m], null))
            elif col.kind == "date":
                from . import calendar as cal

                columns.append(Column(name, "date", (col.values[:, m] - cal.EPOCH).astype("datetime64[D]"), null))
            else:  # texts (the JSON form of docs/json-uitvoer.md); None where there is none
                values = col.values[:, m]
                columns.append(Column(name, "text", values, np.equal(values, None)))
    errors = outcomes.errors()
    messages = np.full(len(errors), "", dtype=object)
    for code in np.unique(errors[errors != 0]):
        messages[errors == code] = outcomes.message(int(code))
    columns.append(Column("fout", "text", messages, np.zeros(len(errors), dtype=bool)))
    return columns


def write_table(path: Path, columns: list[tablefile.Column]) -> None:
    """Write CSV or Parquet atomically: a temporary file next to it, then moved into place."""
    parquet = path.suffix.lower() == ".parquet"
    if parquet:
        pyarrow = tablefile.pyarrow_for(path, "schrijven")  # before a temporary file exists
    temporary = path.with_name(path.name + ".tmp")
    try:
        if parquet:
            pyarrow.parquet.write_table(tablefile.to_arrow(columns), temporary)
        else:
            tablefile.write_csv(temporary, columns)
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()


def check_output_path(path: Path) -> None:
    if path.suffix.lower() not in (".csv", ".parquet"):
        raise _error(path, f"onbekend soort uitvoerbestand '{path.suffix}'", "gebruik .csv of .parquet")
    if path.suffix.lower() == ".parquet":
        tablefile.pyarrow_for(path, "schrijven")  # before the work, not after
    if not path.parent.exists() if str(path.parent) else False:
        raise _error(path, "de map voor het uitvoerbestand bestaat niet", f"maak eerst {path.parent}")


def with_year(tables: mapping.Tables, year: int | None, where) -> None:
    """--jaar: the berekeningsjaar of every household (overrides the file's, if any)."""
    households = tables.households
    if year is not None:
        households["berekeningsjaar"] = np.full(len(households["huishouden"]), year, dtype=np.int64)
    elif "berekeningsjaar" not in households:
        raise _error(where, "geen berekeningsjaar", "geef --jaar of een kolom 'berekeningsjaar'")


class Progress:
    """Progress on stderr, drawn by tqdm (count, rate and time left). `enabled`:
    True (a bar on a terminal, quiet otherwise), False (quiet), or "regels" (a
    bar on a terminal, otherwise one line per tenth of the work, for a log)."""

    STEPS = 10  # lines when stderr is no terminal

    def __init__(self, total: int, what: str, enabled: bool | str = True):
        self.bar = None
        self.lines = False
        self.total, self.what, self.done, self.shown = total, what, 0, 0
        if enabled and sys.stderr.isatty():
            import shutil

            from tqdm import tqdm

            self.bar = tqdm(total=total, unit=" huishoudens", desc=what, file=sys.stderr, unit_scale=True,
                            ncols=min(shutil.get_terminal_size().columns, 120), mininterval=0.5)
        elif enabled == "regels" and total > 0:
            from tqdm import tqdm

            self.lines, self.start, self.format = True, time.perf_counter(), tqdm.format_meter
            self.step = -(-total // self.STEPS)  # rounded up

    def __call__(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(n)
        elif self.lines:
            self.done += n
            if self.done // self.step > self.shown // self.step:
                self._line()

    def _line(self) -> None:
        print(self.format(min(self.done, self.total), self.total, time.perf_counter() - self.start,
                          prefix=self.what, unit=" huishoudens", unit_scale=True,
                          bar_format="{desc}: {percentage:3.0f}% {n}/{total} "
                                     "[{elapsed} verstreken, nog {remaining}, {rate_fmt}]"),
              file=sys.stderr, flush=True)
        self.shown = self.done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        elif self.lines and self.shown < self.done:  # the last part, if it was less than a tenth
            self._line()


def run_batch(rule_set: RuleSet, population: Path, output: Path, year: int | None, outcome_names: list[str],
              mapping_path: Path | None = None, progress: bool | str = True) -> tuple[int, int, float]:
    """`regels batch`: read, evaluate, write. Returns (households, with an error, seconds)."""
    check_output_path(output)
    start = time.perf_counter()
    plan = Plan(rule_set)
    rules = outcome_rules(rule_set, outcome_names)
    tables = read_population(population, rule_set, mapping_path)
    with_year(tables, year, population)
    N = len(tables.households["huishouden"])
    bar = Progress(N, "regels batch", progress)
    try:
        outcomes = evaluate(rule_set, plan, tables, rules, bar)
    finally:
        bar.close()
    table = output_table(tables, outcomes)
    write_table(output, table)
    return N, int(np.count_nonzero(outcomes.errors())), time.perf_counter() - start


def main(argv=None) -> int:
    """python -m regels.columnar.runner ...: the same as `regels batch ...`."""
    from ..cli import main as cli_main

    return cli_main(["batch"] + list(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    sys.exit(main())
