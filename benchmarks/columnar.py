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
import datetime as dt
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from interpreter.api import case_from_text, evaluate, load_rules  # noqa: E402
from interpreter.columnar import batch  # noqa: E402
from interpreter.columnar.compiler import Plan  # noqa: E402
from interpreter.columnar.columns import population_from_columns  # noqa: E402
from interpreter.columnar.rows import case_text  # noqa: E402

PEER = Path("/work/shared/peers/openfisca_kgb")
ABROAD = ["MA", "TR", "SR", "SY", "ER"]


def generate(n: int, year: int, seed: int = 2021) -> dict:
    """Columns of the documented columnar input (see tables.from_columns) for n distinct households."""
    rng = np.random.default_rng(seed)
    special = rng.random(n)
    statushouder = special < 0.0012
    child_abroad = (special >= 0.0012) & (special < 0.0062)
    partner = statushouder | (~child_abroad & (rng.random(n) < 0.55))
    children = np.where(child_abroad, 1, rng.choice([1, 2, 3, 4], size=n, p=[0.4, 0.4, 0.15, 0.05]))
    income = np.where(partner, rng.lognormal(10.6, 0.5, n), rng.lognormal(10.1, 0.45, n)) * 100
    partner_income = np.where(statushouder, 0, rng.lognormal(10.0, 0.8, n) * 100)
    assets = np.where(rng.random(n) < 0.9, 0, rng.integers(0, 20_000_000, n))
    jan1 = dt.date(year, 1, 1).toordinal()
    hh = {"huishouden": [], "berekeningsjaar": [], "aanvrager": []}
    ps = {"huishouden": [], "persoon": [], "geboortedatum": [], "toetsingsinkomen": [], "rendementsgrondslag": [],
          "woonadres": [], "ingezetene": [], "heeft_bsn": [], "woonland": []}
    rel = {"huishouden": [], "soort": [], "eerste": [], "tweede": [], "vanaf": [], "tot": []}

    def add_person(h, pid, born, income_cents, address, resident=True, bsn=True, country="NL", assets_cents=0):
        ps["huishouden"].append(h)
        ps["persoon"].append(pid)
        ps["geboortedatum"].append(dt.date.fromordinal(int(born)))
        ps["toetsingsinkomen"].append(int(income_cents) if income_cents is not None else None)
        ps["rendementsgrondslag"].append(int(assets_cents))
        ps["woonadres"].append(address)
        ps["ingezetene"].append(resident)
        ps["heeft_bsn"].append(bsn)
        ps["woonland"].append(country)

    def add_relation(h, soort, a, b, vanaf=None):
        for key, value in zip(rel, (h, soort, a, b, vanaf, None)):
            rel[key].append(value)

    parent_born = jan1 - rng.integers(22 * 365, 50 * 365, n)
    child_age_days = rng.integers(-200, 18 * 365, (n, 4))  # a few are born during the year
    for h in range(n):
        hh["huishouden"].append(h)
        hh["berekeningsjaar"].append(year)
        hh["aanvrager"].append("ouder")
        address = f"adres {h}"
        add_person(h, "ouder", parent_born[h], income[h] // 1, address, assets_cents=assets[h])
        if partner[h]:
            if statushouder[h]:
                add_person(h, "partner", parent_born[h] - 800, None, "buitenland", resident=False, bsn=False)
            else:
                add_person(h, "partner", parent_born[h] - 400, partner_income[h] // 1, address)
            add_relation(h, "huwelijk", "ouder", "partner", dt.date(year - 8, 5, 1))
        for k in range(children[h]):
            born = jan1 - child_age_days[h, k]
            pid = f"kind{k}"
            add_person(h, pid, born, None, address, country=ABROAD[h % 5] if child_abroad[h] else "NL")
            add_relation(h, "ouder_van", "ouder", pid)
            if partner[h] and not statushouder[h]:
                add_relation(h, "ouder_van", "partner", pid)
            first = dt.date.fromordinal(int(born))
            since = dt.date(first.year + (first.month == 12), first.month % 12 + 1, 1)
            add_relation(h, "kinderbijslag_voor", "ouder", pid, since)
    for key in ("toetsingsinkomen", "rendementsgrondslag"):
        ps[key] = [None if x is None else f"{x // 100}.{x % 100:02d}" for x in ps[key]]
    # typed columns, as a Parquet file gives them
    ps["geboortedatum"] = np.array(ps["geboortedatum"], dtype="datetime64[D]")
    for key in ("ingezetene", "heeft_bsn"):
        ps[key] = np.array(ps[key], dtype=bool)
    return {"households": hh, "persons": ps, "relations": rel}


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


def openfisca(python: str, n: int, repeat: int) -> list[float]:
    """The peer's build + calculate time for n households, each run in a fresh process."""
    times = []
    for _ in range(repeat):
        out = subprocess.run([python, "e2e.py", "openfisca", str(n)], cwd=PEER, capture_output=True, text=True,
                             check=True).stdout
        times.append(float(re.search(r"build\+calc ([\d.]+) s", out).group(1)))
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--aantallen", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--herhalingen", type=int, default=3)
    parser.add_argument("--jaar", type=int, default=2021)
    parser.add_argument("--steekproef", type=int, default=200)
    parser.add_argument("--openfisca-python", default=None)
    args = parser.parse_args()

    rule_set = load_rules(ROOT / "rules")
    plan = Plan(rule_set)
    outcomes = [rule_set.rule("kindgebonden_budget"), rule_set.rule("kindgebonden_budget_maand")]
    done, total = plan.coverage()
    print(f"machine: {platform.machine()}, Python {platform.python_version()}, numpy {np.__version__}")
    print(f"regels die kolomsgewijs rekenen: {done} van {total}; uitkomsten: kindgebonden_budget (jaar en maand)")

    sample_columns = generate(args.steekproef, args.jaar, seed=7)
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
        build, population = timed(lambda: population_from_columns(rule_set, **columns), args.herhalingen)
        ev_times, result = timed(lambda: batch.run(plan, population, outcomes), args.herhalingen)
        errors = sum(1 for run in result.runs if run.table(outcomes[0]).err is not None
                     for _ in [0] if (run.table(outcomes[0]).err != 0).any())
        print(f"\nN = {n:,}: {len(population.groups)} groepen (jaar x aantal personen)")
        print(f"  opbouw (kolommen -> arrays):      {rate(n, build)}")
        print(f"  evaluatie (tabellen + regels):    {rate(n, ev_times)}")
        print(f"  verhouding tot de interpreter:    {n / min(ev_times) / interp_rate:,.0f}x")
        if errors:
            print(f"  groepen met fouten: {errors}")
        if args.openfisca_python:
            peer = openfisca(args.openfisca_python, n, args.herhalingen)
            print(f"  OpenFisca (vereenvoudigd, build+calc): {rate(n, peer)}")
            print(f"  verhouding evaluatie / OpenFisca: {min(peer) / min(ev_times):.2f}x")


if __name__ == "__main__":
    main()
