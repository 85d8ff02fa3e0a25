"""Benchmark: how long loading and checking the rule set takes, and how many single
cases per second `regels` evaluates (the API: the case read once, then
api.evaluate(rule_set, case, trace=...) again and again), with and without the trace.

    python benchmarks/bench.py [--regels rules] [--seconden 1] [--herhalingen 5] [--peer] [CASE.yaml ...]

Without case files it uses the README example (voorbeelden/alleenstaande_ouder_2020.yaml)
and a statushouder case (voorbeelden/statushouder_2016.yaml). Each figure is measured
--herhalingen times, --seconden each; the minimum and the median of the rates are printed.
With --peer it also runs the OpenFisca peer (/work/shared/peers/openfisca_kgb, one
simulation per household on its simplified yearly kgb formula) in the same run, as an
anchor: a different, much smaller formula, so a ratio says little more than the order of
magnitude. Prints figures; asserts nothing (performance is measured, not tested). On a
shared machine, quote min and median and say it was shared."""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from regels import syntax  # noqa: E402
from regels.api import evaluate, load_case, load_rules  # noqa: E402

DEFAULT_CASES = [ROOT / "voorbeelden" / "alleenstaande_ouder_2020.yaml", ROOT / "voorbeelden" / "statushouder_2016.yaml"]
PEER = Path("/work/shared/peers/openfisca_kgb")
PEER_PYTHON = Path("/work/venv-openfisca/bin/python")


def timed(fn, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def rate(rule_set, case, trace: bool, seconds: float) -> tuple[float, float]:
    """Cases per second over about `seconds`: per second of the clock, and per second of
    this process's CPU time (steadier on a machine others use too)."""
    done, start, cpu = 0, time.perf_counter(), time.process_time()
    while True:
        evaluate(rule_set, case, trace=trace)
        done += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return done / elapsed, done / max(time.process_time() - cpu, 1e-9)


def peer_per_case(households: int = 300) -> float | None:
    """The OpenFisca peer's households per second, one simulation per household, or None."""
    if not (PEER / "bench.py").exists() or not PEER_PYTHON.exists():
        return None
    command = [str(PEER_PYTHON), "bench.py", "--sizes", "1000", "--runs", "3", "--json-max", "0",
               "--ast-max", "0", "--percase", str(households)]
    done = subprocess.run(command, cwd=PEER, capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": "0"})
    for line in done.stdout.splitlines():
        if "openfisca-1case" in line:
            found = re.findall(r"[\d,]+", line.split("|")[-1])
            return float(found[0].replace(",", "")) if found else None
    return None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("cases", nargs="*", type=Path)
    parser.add_argument("--regels", type=Path, default=ROOT / "rules")
    parser.add_argument("--seconden", type=float, default=1.0, help="seconds per measurement")
    parser.add_argument("--herhalingen", type=int, default=5, help="measurements per figure (min and median)")
    parser.add_argument("--peer", action="store_true", help="also measure the OpenFisca peer per case")
    args = parser.parse_args()

    # Loading: the first load builds (or reads the cache of) the Lark parser.
    syntax._parser = None
    first = timed(lambda: load_rules(args.regels), 1)[0]
    warm = timed(lambda: load_rules(args.regels), 5)
    rule_set = load_rules(args.regels)
    n_rules = sum(1 for _ in rule_set.rules())
    n_formulas = sum(len(r.versions) for r in rule_set.rules())

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}; belasting (1 min): {os.getloadavg()[0]:.2f}")
    print(f"regelset: {len(rule_set.articles)} artikelen, {n_rules} regels, {n_formulas} formuleversies")
    print(f"laden + controleren, eerste keer (incl. parser):  {first * 1000:8.1f} ms")
    print(f"laden + controleren, daarna (min / mediaan van 5): {min(warm) * 1000:8.1f} / "
          f"{statistics.median(warm) * 1000:.1f} ms")
    files = args.cases or DEFAULT_CASES
    print(f"casussen per seconde, {args.herhalingen} metingen van {args.seconden:g} s (min / mediaan):")
    for path in files:
        case = load_case(path, rule_set)
        steps = len(evaluate(rule_set, case, trace=True).steps)
        print(f"  {path.name} ({steps} trace-stappen)")
        for trace in (False, True):
            measured = [rate(rule_set, case, trace, args.seconden) for _ in range(args.herhalingen)]
            rates, cpu_rates = [r for r, _ in measured], [c for _, c in measured]
            label = "met trace   " if trace else "zonder trace"
            median = statistics.median(rates)
            print(f"    {label}: {min(rates):7.0f} / {median:7.0f} casussen/s ({1000 / median:.2f} ms per casus); "
                  f"per CPU-seconde {min(cpu_rates):7.0f} / {statistics.median(cpu_rates):7.0f}")
    if args.peer:
        peer = peer_per_case()
        if peer is None:
            print("OpenFisca-peer: niet gevonden (zie /work/shared/peers/openfisca_kgb/README.md)")
        else:
            print(f"OpenFisca-peer, één simulatie per huishouden (vereenvoudigde jaarformule, mediaan van 3): "
                  f"{peer:9.0f} huishoudens/s")


if __name__ == "__main__":
    main()
