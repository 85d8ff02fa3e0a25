"""Benchmark of the columnar backend: households per second on distinct
households, against the interpreter on a sample and the OpenFisca peer, in
the same run.

    nice python benchmarks/columnar.py [--aantallen 10000 100000 1000000] [--herhalingen 3] [--jaar 2021]
        [--steekproef 200] [--openfisca-python PATH]

The households are distinct (every income in cents, every birth date drawn)
and shaped on the context documents (/work/shared/context/): about 55% with a
partner, 1 to 4 children, and the small groups the documents are about: a
statushouder whose partner abroad has no BSN (about 1,200 in 1,000,000), a
child living abroad (about 5,000 in 1,000,000). The outcomes are the kgb for
the year and per month (WKB art. 2, Awir art. 14), which rest on the
toeslagpartner (Awir art. 3, AWR art. 5a) and the income (Awir art. 7, 8).

Figures (min and median of the repeats), per number of households:
- 'opbouw': from the columnar input (typed numpy columns, as Parquet gives them) to a
  Population (columns.population_from_columns);
- 'evaluatie': batch.run over a Population already built, the rule tables only;
- 'numpy met de hand': benchmarks/kgb_numpy.py, the same real rules written out by hand for
  this population (the limit proxy), its parameters read from the loaded rule set; its
  agreement with the columnar result (every household, year and 12 months) is printed;
- 'van begin tot eind': columns in memory -> Population -> evaluation -> the outcome columns
  (BatchResult.column) written as Parquet;
- 'heel proces': a fresh process (python benchmarks/columnar.py --heel-proces MAP) that loads
  the rules, reads the three tables from Parquet, builds, evaluates and writes, timed from
  outside, with its own peak memory (ru_maxrss): the figure to put next to OpenFisca's whole
  process;
- 'interpreter': api.evaluate without trace, per household, on a sample;
- 'OpenFisca': the peer's e2e.py (its simplified yearly formula, its own venv), build +
  calculate and the whole process timed from outside, if --openfisca-python names its
  interpreter. Make that venv as the peer's README says, outside the repository's files or
  ignored by git:
      python3.11 -m venv .venv-openfisca
      .venv-openfisca/bin/pip install openfisca-core==46.0.1 numpy==2.4.6
- the peak memory of the benchmark process itself (it holds the generated columns too).
The numbers are measured, not asserted."""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import datetime as dt
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from regels.api import case_from_text, evaluate, load_rules  # noqa: E402
from regels.columnar import batch  # noqa: E402
from regels.columnar.compiler import Plan  # noqa: E402
from regels.columnar.columns import population_from_columns  # noqa: E402
from regels.columnar.rows import case_text  # noqa: E402

sys.path.insert(0, str(ROOT / "benchmarks"))
import kgb_numpy  # noqa: E402

PEER = Path("/work/shared/peers/openfisca_kgb")
EPOCH = dt.date(1970, 1, 1).toordinal()
ABROAD = ["MA", "TR", "SR", "SY", "ER"]


def _amounts(cents: np.ndarray) -> np.ndarray:
    """Whole cents as decimal text with a point ('1234.05'), as narrow as the amounts allow."""
    whole = (cents // 100).astype(str)
    frac = np.char.zfill((cents % 100).astype(str), 2)
    return np.char.add(np.char.add(whole, "."), frac)


def generate(n: int, year: int, seed: int = 2021) -> dict:
    """Columns of the documented columnar input (see tables.from_columns) for n distinct
    households, built with numpy (typed columns, as a Parquet file gives them), and under
    'arrays' the same households as the padded arrays benchmarks/kgb_numpy.py reads."""
    rng = np.random.default_rng(seed)
    special = rng.random(n)
    statushouder = special < 0.0012
    child_abroad = (special >= 0.0012) & (special < 0.0062)
    partner = statushouder | (~child_abroad & (rng.random(n) < 0.55))
    children = np.where(child_abroad, 1, rng.choice([1, 2, 3, 4], size=n, p=[0.4, 0.4, 0.15, 0.05]))
    income = (np.where(partner, rng.lognormal(10.6, 0.5, n), rng.lognormal(10.1, 0.45, n)) * 100).astype(np.int64)
    partner_income = np.where(statushouder, 0, rng.lognormal(10.0, 0.8, n) * 100).astype(np.int64)
    assets = np.where(rng.random(n) < 0.9, 0, rng.integers(0, 20_000_000, n)).astype(np.int64)
    jan1 = dt.date(year, 1, 1).toordinal()
    parent_born = jan1 - rng.integers(22 * 365, 50 * 365, n)
    child_age_days = rng.integers(-200, 18 * 365, (n, 4))  # a few are born during the year
    child_valid = np.arange(4)[None, :] < children[:, None]
    child_born = jan1 - child_age_days
    # kinderbijslag from the first day of the month after the birth
    born_d = (child_born - EPOCH).astype("datetime64[D]")
    child_since = (born_d.astype("datetime64[M]") + 1).astype("datetime64[D]").astype(np.int64) + EPOCH
    countries = ["NL"] + ABROAD
    child_country = np.where(child_abroad[:, None], 1 + np.arange(n)[:, None] % 5, 0) * np.ones((1, 4), np.int64)

    # the person table: per household ouder, [partner], kind0..kind{c-1}
    size = 1 + partner + children
    hh_of = np.repeat(np.arange(n), size)
    rank = np.arange(len(hh_of)) - np.repeat(np.cumsum(size) - size, size)  # 0 = ouder
    is_partner = (rank == 1) & partner[hh_of]
    child_slot = rank - 1 - partner[hh_of]
    is_child = child_slot >= 0
    slot = np.maximum(child_slot, 0)
    sh = statushouder[hh_of]
    born = np.where(rank == 0, parent_born[hh_of], np.where(is_partner, parent_born[hh_of] - np.where(sh, 800, 400),
                                                               child_born[hh_of, slot]))
    cents = np.where(rank == 0, income[hh_of], partner_income[hh_of])
    income_text = _amounts(cents)
    income_text[is_child | (is_partner & sh)] = ""
    assets_p = np.where(rank == 0, assets[hh_of], 0)
    assets_text = _amounts(assets_p)
    address = np.char.add("adres ", hh_of.astype(str))
    address[is_partner & sh] = "buitenland"
    persons = {"huishouden": hh_of, "persoon": np.array(["ouder", "partner", "kind0", "kind1", "kind2", "kind3"])[
                   np.where(rank == 0, 0, np.where(is_partner, 1, 2 + slot))],
               "geboortedatum": (born - EPOCH).astype("datetime64[D]"),
               "toetsingsinkomen": income_text, "rendementsgrondslag": assets_text, "woonadres": address,
               "ingezetene": ~(is_partner & sh), "heeft_bsn": ~(is_partner & sh),
               "woonland": np.array(countries)[np.where(is_child, child_country[hh_of, slot], 0)]}
    # relations: huwelijk ouder-partner; per child ouder_van (ouder, and partner unless statushouder),
    # kinderbijslag_voor (ouder)
    married = np.flatnonzero(partner)
    kids_hh, kids_slot = np.nonzero(child_valid)
    both = partner[kids_hh] & ~statushouder[kids_hh]
    # records as small codes, turned into text once, in household order
    kinds = np.array(["huwelijk", "ouder_van", "kinderbijslag_voor"])
    people = np.array(["ouder", "partner", "kind0", "kind1", "kind2", "kind3"])
    rel_hh = np.concatenate([married, kids_hh, kids_hh[both], kids_hh])
    kind = np.concatenate([np.zeros(len(married), np.int8), np.ones(len(kids_hh) + int(both.sum()), np.int8),
                           np.full(len(kids_hh), 2, np.int8)])
    first_p = np.concatenate([np.zeros(len(married), np.int8), np.zeros(len(kids_hh), np.int8),
                              np.ones(int(both.sum()), np.int8), np.zeros(len(kids_hh), np.int8)])
    second_p = np.concatenate([np.ones(len(married), np.int8), 2 + kids_slot.astype(np.int8),
                               2 + kids_slot[both].astype(np.int8), 2 + kids_slot.astype(np.int8)])
    since = np.concatenate([np.full(len(married), dt.date(year - 8, 5, 1).toordinal()),
                            np.full(len(kids_hh) + int(both.sum()), 0), child_since[kids_hh, kids_slot]])
    del kids_slot, both
    order = np.argsort(rel_hh, kind="stable")
    since = since[order]
    vanaf = np.where(since > 0, since - EPOCH, np.iinfo(np.int64).min).astype("datetime64[D]")  # min: NaT
    relations = {"huishouden": rel_hh[order], "soort": kinds[kind[order]], "eerste": people[first_p[order]],
                 "tweede": people[second_p[order]], "vanaf": vanaf,
                 "tot": np.full(len(rel_hh), np.datetime64("NaT", "D"))}
    households = {"huishouden": np.arange(n), "berekeningsjaar": np.full(n, year),
                  "aanvrager": np.full(n, "ouder")}
    arrays = {"partner": partner, "income_ouder": income, "income_partner": partner_income,
              "assets_ouder": assets, "assets_partner": np.zeros(n, dtype=np.int64), "child_born": child_born,
              "child_valid": child_valid, "child_since": child_since, "child_country": child_country,
              "countries": countries}
    return {"households": households, "persons": persons, "relations": relations, "arrays": arrays}


def case_texts(rule_set, columns: dict, sample: int) -> list[str]:
    """The first `sample` households as case-file text, for the interpreter."""
    return [case_text(rule_set, columns["households"], columns["persons"], columns["relations"], h)
            for h in range(sample)]


def timed(fn, repeat: int):
    times, result = [], None
    for _ in range(repeat):
        result = None  # the previous result is not kept while the next one is made
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return times, result


def rate(n: int, times: list[float]) -> str:
    return f"{n / min(times):>12,.0f} hh/s (min {min(times):.3f} s, mediaan {statistics.median(times):.3f} s)"


def openfisca(python: str, n: int, repeat: int) -> tuple[list[float], list[float]]:
    """The peer's e2e.py for n households, each run in a fresh process: (build + calculate,
    whole process: imports, tax-benefit system, generation, build, calculate)."""
    calc, whole = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        out = subprocess.run(["nice", python, "e2e.py", "openfisca", str(n)], cwd=PEER, capture_output=True,
                             text=True, check=True).stdout
        whole.append(time.perf_counter() - start)
        calc.append(float(re.search(r"build\+calc ([\d.]+) s", out).group(1)))
    return calc, whole


def peak_mb() -> float:
    """The peak resident memory of this process so far: VmHWM on Linux (ru_maxrss would carry
    the parent's peak over into a child process), else ru_maxrss."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def hand_agreement(result, outcomes, year_euros, monthly, unit: int) -> tuple[int, int, int]:
    """(households with the same yearly kgb, with all 12 monthly values the same, with an error)."""
    (a, d), err = result.column(outcomes[0])
    same_year = (err == 0) & (a == year_euros * d)  # the yearly kgb is in whole euros
    (am, dm), errm = result.column(outcomes[1])
    # columnar month am/dm euros; hand month monthly / unit cents (unit = 12 D L)
    same_month = ((errm == 0) & (am * unit * 100 == monthly * dm)).all(axis=1)
    return int(same_year.sum()), int(same_month.sum()), int(((err != 0) | (errm != 0).any(axis=1)).sum())


def end_to_end(rule_set, plan, columns, outcomes, out_dir: Path) -> None:
    """Columns -> population -> evaluation -> the outcome columns written as Parquet (atomically)."""
    population = population_from_columns(rule_set, **columns)
    result = batch.run(plan, population, outcomes)
    (a, d), err = result.column(outcomes[0])
    (am, dm), errm = result.column(outcomes[1])
    cents = a * 100 // d  # the yearly kgb is in whole euros: exact
    table = pa.table({"huishouden": columns["households"]["huishouden"], "kindgebonden_budget_centen": cents,
                      "fout": err, **{f"maand_{m + 1}_teller": am[:, m] for m in range(12)},
                      **{f"maand_{m + 1}_noemer": dm[:, m] for m in range(12)}})
    tmp = out_dir / "uitkomsten.parquet.tmp"
    pq.write_table(table, tmp)
    os.replace(tmp, out_dir / "uitkomsten.parquet")


def write_population(columns: dict, folder: Path) -> None:
    """The three tables as Parquet files, as `regels batch` would read them."""
    for name, key in (("huishoudens", "households"), ("personen", "persons"), ("relaties", "relations")):
        pq.write_table(pa.table({k: pa.array(v) for k, v in columns[key].items()}), folder / f"{name}.parquet")


def read_parquet(path: Path) -> dict:
    """A Parquet table as the columns population_from_columns takes: pyarrow columns as they
    are read, texts dictionary-encoded (no Python object per cell)."""
    schema = pq.read_schema(path)
    texts = [f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
    table = pq.ParquetFile(path, read_dictionary=texts).read()  # read_table would import pyarrow.dataset
    return {name: table.column(name) for name in table.column_names}


def whole_process(folder: Path, year: int) -> None:
    """--heel-proces: one run from the start of the process (imports done) to the written outcomes:
    load the rules, read the Parquet tables, build, evaluate, write. Prints the times and the peak."""
    started = time.perf_counter()
    rule_set = load_rules(ROOT / "rules")
    plan = Plan(rule_set)
    outcomes = [rule_set.rule("kindgebonden_budget"), rule_set.rule("kindgebonden_budget_maand")]
    loaded = time.perf_counter()
    columns = {key: read_parquet(folder / f"{name}.parquet") for name, key in
               (("huishoudens", "households"), ("personen", "persons"), ("relaties", "relations"))}
    read = time.perf_counter()
    end_to_end(rule_set, plan, columns, outcomes, folder)
    done = time.perf_counter()
    print(f"regels {loaded - started:.3f} s, lezen {read - loaded:.3f} s, opbouw+evaluatie+schrijven "
          f"{done - read:.3f} s, totaal {done - started:.3f} s, piek {peak_mb():.0f} MB")


def process_run(folder: Path, year: int) -> tuple[float, str]:
    """The whole process (python benchmarks/columnar.py --heel-proces), timed from outside."""
    start = time.perf_counter()
    out = subprocess.run(["nice", sys.executable, str(Path(__file__).resolve()), "--heel-proces", str(folder),
                          "--jaar", str(year)], capture_output=True, text=True, check=True).stdout
    return time.perf_counter() - start, out.strip()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--heel-proces", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--aantallen", type=int, nargs="+", default=[10_000, 100_000],
                        help="aantallen huishoudens, bijvoorbeeld 10000 100000 1000000")
    parser.add_argument("--herhalingen", type=int, default=3)
    parser.add_argument("--jaar", type=int, default=2021)
    parser.add_argument("--steekproef", type=int, default=200)
    parser.add_argument("--openfisca-python", default=None)
    args = parser.parse_args()
    if args.heel_proces:
        return whole_process(args.heel_proces, args.jaar)

    rule_set = load_rules(ROOT / "rules")
    plan = Plan(rule_set)
    outcomes = [rule_set.rule("kindgebonden_budget"), rule_set.rule("kindgebonden_budget_maand")]
    done, total = plan.coverage()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores (gedeeld), Python {platform.python_version()}, "
          f"numpy {np.__version__}")
    print(f"regels die kolomsgewijs rekenen: {done} van {total}; uitkomsten: kindgebonden_budget (jaar en maand)")

    sample_columns = generate(args.steekproef, args.jaar, seed=7)
    sample_columns.pop("arrays")
    texts = case_texts(rule_set, sample_columns, args.steekproef)
    cases = [case_from_text(t, rule_set) for t in texts]
    interp, _ = timed(lambda: [evaluate(rule_set, c, trace=False, rules=outcomes) for c in cases], args.herhalingen)
    print(f"interpreter, {len(cases)} huishoudens:       {rate(len(cases), interp)}")
    sample = batch.run(plan, population_from_columns(rule_set, **sample_columns), outcomes)
    agree = sum(sample.cell(outcomes[0], h) == (evaluate(rule_set, c, trace=False, rules=outcomes[:1])
                                              .values["kindgebonden_budget"], None) for h, c in enumerate(cases))
    print(f"steekproef: kolomsgewijs en interpreter gelijk voor {agree} van {len(cases)} huishoudens")
    interp_rate = len(cases) / min(interp)

    for n in args.aantallen:
        columns = generate(n, args.jaar)
        arrays = columns.pop("arrays")
        build, population = timed(lambda: population_from_columns(rule_set, **columns), args.herhalingen)
        ev_times, result = timed(lambda: batch.run(plan, population, outcomes), args.herhalingen)
        consts = kgb_numpy.prepare(rule_set, args.jaar, arrays["countries"])
        hand_times, (year_euros, monthly) = timed(lambda: kgb_numpy.kgb(consts, arrays, args.jaar), args.herhalingen)
        same_year, same_month, errors = hand_agreement(result, outcomes, year_euros, monthly,
                                                       12 * consts["D"] * consts["L"])
        del result, population
        with tempfile.TemporaryDirectory() as out_dir:
            e2e, _ = timed(lambda: end_to_end(rule_set, plan, columns, outcomes, Path(out_dir)), args.herhalingen)
            write_population(columns, Path(out_dir))
            del columns, arrays
            runs = [process_run(Path(out_dir), args.jaar) for _ in range(args.herhalingen)]
        process_times = [t for t, _ in runs]
        print(f"\nN = {n:,}")
        print(f"  opbouw (kolommen -> arrays):      {rate(n, build)}")
        print(f"  evaluatie (tabellen + regels):    {rate(n, ev_times)}")
        print(f"  numpy met de hand (limiet):       {rate(n, hand_times)}")
        print(f"  met de hand gelijk: jaar {same_year:,} van {n:,}, alle 12 maanden {same_month:,} van {n:,}; "
              f"huishoudens met een fout: {errors:,}")
        print(f"  evaluatie / met de hand:          {min(ev_times) / min(hand_times):.1f}x zo lang "
              f"(mediaan {statistics.median(ev_times) / statistics.median(hand_times):.1f}x)")
        print(f"  van begin tot eind (kolommen -> Parquet): {rate(n, e2e)}")
        print(f"  heel proces (regels laden, Parquet lezen, opbouw, evaluatie, Parquet schrijven): "
              f"{rate(n, process_times)}")
        print(f"    snelste: {min(runs)[1]}")
        print(f"  verhouding tot de interpreter:    {n / min(ev_times) / interp_rate:,.0f}x")
        if args.openfisca_python:
            calc, whole = openfisca(args.openfisca_python, n, args.herhalingen)
            print(f"  OpenFisca (vereenvoudigd) build+calc: {rate(n, calc)}")
            print(f"  OpenFisca hele proces (import, opbouw, genereren, rekenen): {rate(n, whole)}")
            print(f"  heel proces / OpenFisca hele proces: {min(process_times) / min(whole):.2f}x zo lang "
                  f"(mediaan {statistics.median(process_times) / statistics.median(whole):.2f}x); "
                  f"kolommen -> Parquet / OpenFisca hele proces: {min(e2e) / min(whole):.2f}x; "
                  f"evaluatie / OpenFisca build+calc: {min(ev_times) / min(calc):.1f}x zo lang")
        print(f"  piekgeheugen van dit proces tot nu toe (met de gegenereerde kolommen): {peak_mb():,.0f} MB")


if __name__ == "__main__":
    main()
