"""Benchmark of the columnar backend: households per second on distinct
households, against the interpreter on a sample and the OpenFisca peer, in
the same run.

    nice python benchmarks/columnar.py [--aantallen 10000 100000] [--herhalingen 3] [--jaar 2021]
        [--steekproef 200] [--openfisca-python PATH]

The households are distinct (every income in cents, every birth date drawn)
and shaped on the context documents (/work/shared/context/): about 55% with a
partner, 1 to 4 children, and the small groups the documents are about: a
statushouder whose partner abroad has no BSN (about 1,200 in 1,000,000), a
child living abroad (about 5,000 in 1,000,000). The outcomes are the kgb for
the year and per month (WKB art. 2, Awir art. 14), which rest on the
toeslagpartner (Awir art. 3, AWR art. 5a) and the income (Awir art. 7, 8).

Figures (min and median of the repeats):
- 'evaluatie': batch.run over a Population already built, the rule tables only;
- 'opbouw': from the columnar input to a Population (columns.population_from_columns);
- 'interpreter': api.evaluate without trace, per household, on a sample;
- 'OpenFisca': the peer's e2e.py (its simplified yearly formula, its own venv),
  build + calculate, if --openfisca-python names its interpreter. Make that venv
  as the peer's README says, outside the repository's files or ignored by git:
      python3.11 -m venv .venv-openfisca
      .venv-openfisca/bin/pip install openfisca-core==46.0.1 numpy==2.4.6
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
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from interpreter.api import case_from_text, evaluate, load_rules  # noqa: E402
from interpreter.columnar import batch  # noqa: E402
from interpreter.columnar.compiler import Plan  # noqa: E402
from interpreter.columnar.columns import population_from_columns  # noqa: E402
from interpreter.columnar.rows import case_text  # noqa: E402

sys.path.insert(0, str(ROOT / "benchmarks"))
import kgb_numpy  # noqa: E402

PEER = Path("/work/shared/peers/openfisca_kgb")
EPOCH = dt.date(1970, 1, 1).toordinal()
ABROAD = ["MA", "TR", "SR", "SY", "ER"]


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
    pid = np.where(rank == 0, "ouder", np.where(is_partner, "partner", np.char.add("kind", slot.astype(str))))
    born = np.where(rank == 0, parent_born[hh_of], np.where(is_partner, parent_born[hh_of] - np.where(sh, 800, 400),
                                                               child_born[hh_of, slot]))
    cents = np.where(rank == 0, income[hh_of], partner_income[hh_of])
    income_text = np.char.add(np.char.add((cents // 100).astype(str), "."),
                              np.char.zfill((cents % 100).astype(str), 2))
    income_text = np.where(is_child | (is_partner & sh), "", income_text)
    assets_p = np.where(rank == 0, assets[hh_of], 0)
    assets_text = np.char.add(np.char.add((assets_p // 100).astype(str), "."),
                              np.char.zfill((assets_p % 100).astype(str), 2))
    address = np.where(is_partner & sh, "buitenland", np.char.add("adres ", hh_of.astype(str)))
    persons = {"huishouden": hh_of, "persoon": pid.astype(str),
               "geboortedatum": (born - EPOCH).astype("datetime64[D]"),
               "toetsingsinkomen": income_text, "rendementsgrondslag": assets_text, "woonadres": address,
               "ingezetene": ~(is_partner & sh), "heeft_bsn": ~(is_partner & sh),
               "woonland": np.array(countries)[np.where(is_child, child_country[hh_of, slot], 0)]}
    # relations: huwelijk ouder-partner; per child ouder_van (ouder, and partner unless statushouder),
    # kinderbijslag_voor (ouder)
    married = np.flatnonzero(partner)
    kids_hh, kids_slot = np.nonzero(child_valid)
    both = partner[kids_hh] & ~statushouder[kids_hh]
    kid = np.char.add("kind", kids_slot.astype(str))
    never = np.datetime64("NaT", "D")
    parts = [
        (married, "huwelijk", np.full(len(married), "ouder"), np.full(len(married), "partner"),
         np.full(len(married), np.datetime64(f"{year - 8}-05-01", "D"))),
        (kids_hh, "ouder_van", np.full(len(kids_hh), "ouder"), kid, np.full(len(kids_hh), never)),
        (kids_hh[both], "ouder_van", np.full(int(both.sum()), "partner"), kid[both], np.full(int(both.sum()), never)),
        (kids_hh, "kinderbijslag_voor", np.full(len(kids_hh), "ouder"), kid,
         (child_since[kids_hh, kids_slot] - EPOCH).astype("datetime64[D]")),
    ]
    rel_hh = np.concatenate([p[0] for p in parts])
    order = np.argsort(rel_hh, kind="stable")
    relations = {"huishouden": rel_hh[order],
                 "soort": np.concatenate([np.full(len(p[0]), p[1]) for p in parts])[order],
                 "eerste": np.concatenate([p[2] for p in parts])[order],
                 "tweede": np.concatenate([p[3] for p in parts])[order],
                 "vanaf": np.concatenate([p[4] for p in parts])[order],
                 "tot": np.full(len(rel_hh), never)}
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
    """The peak resident memory of this process so far (Linux: ru_maxrss in KiB)."""
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--aantallen", type=int, nargs="+", default=[10_000, 100_000],
                        help="aantallen huishoudens, bijvoorbeeld 10000 100000 1000000")
    parser.add_argument("--herhalingen", type=int, default=3)
    parser.add_argument("--jaar", type=int, default=2021)
    parser.add_argument("--steekproef", type=int, default=200)
    parser.add_argument("--openfisca-python", default=None)
    args = parser.parse_args()

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
        print(f"\nN = {n:,}")
        print(f"  opbouw (kolommen -> arrays):      {rate(n, build)}")
        print(f"  evaluatie (tabellen + regels):    {rate(n, ev_times)}")
        print(f"  numpy met de hand (limiet):       {rate(n, hand_times)}")
        print(f"  met de hand gelijk: jaar {same_year:,} van {n:,}, alle 12 maanden {same_month:,} van {n:,}; "
              f"huishoudens met een fout: {errors:,}")
        print(f"  evaluatie / met de hand:          {min(ev_times) / min(hand_times):.1f}x zo lang "
              f"(mediaan {statistics.median(ev_times) / statistics.median(hand_times):.1f}x)")
        print(f"  van begin tot eind (kolommen -> Parquet): {rate(n, e2e)}")
        print(f"  verhouding tot de interpreter:    {n / min(ev_times) / interp_rate:,.0f}x")
        if args.openfisca_python:
            calc, whole = openfisca(args.openfisca_python, n, args.herhalingen)
            print(f"  OpenFisca (vereenvoudigd) build+calc: {rate(n, calc)}")
            print(f"  OpenFisca hele proces (import, opbouw, genereren, rekenen): {rate(n, whole)}")
            print(f"  begin tot eind / OpenFisca hele proces: {min(e2e) / min(whole):.2f}x zo lang; "
                  f"evaluatie / OpenFisca build+calc: {min(ev_times) / min(calc):.1f}x zo lang")
        print(f"  piekgeheugen van dit proces tot nu toe: {peak_mb():,.0f} MB")
        del columns, arrays


if __name__ == "__main__":
    main()
