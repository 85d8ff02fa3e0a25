"""Benchmark: how long loading and checking the rule set takes, and how many
cases per second `regels` evaluates, with and without the trace.

    python benchmarks/bench.py [--regels rules] [--seconden 3] [CASE.yaml ...]

Without case files it uses every case under voorbeelden/ and tests/casussen/.
Prints figures; asserts nothing (performance is measured, not tested)."""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from interpreter import syntax  # noqa: E402
from interpreter.api import evaluate, load_case, load_rules  # noqa: E402


def timed(fn, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def throughput(rule_set, cases, trace: bool, seconds: float) -> float:
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for case in cases:
            evaluate(rule_set, case, trace=trace)
            done += 1
    return done / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("cases", nargs="*", type=Path)
    parser.add_argument("--regels", type=Path, default=ROOT / "rules")
    parser.add_argument("--seconden", type=float, default=3.0)
    args = parser.parse_args()

    # Loading: the first load builds (or reads the cache of) the Lark parser.
    syntax._parser = None
    first = timed(lambda: load_rules(args.regels), 1)[0]
    warm = timed(lambda: load_rules(args.regels), 10)
    rule_set = load_rules(args.regels)
    n_rules = sum(1 for _ in rule_set.rules())
    n_formulas = sum(len(r.versions) for r in rule_set.rules())

    files = args.cases or sorted((ROOT / "voorbeelden").glob("*.yaml")) + sorted((ROOT / "tests" / "casussen").rglob("*.yaml"))
    cases = [load_case(f, rule_set) for f in files]
    steps = len(evaluate(rule_set, cases[0], trace=True).steps) if cases else 0

    print(f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print(f"regelset: {len(rule_set.articles)} artikelen, {n_rules} regels, {n_formulas} formuleversies")
    print(f"laden + controleren, eerste keer (incl. parser):  {first * 1000:8.1f} ms")
    print(f"laden + controleren, daarna (mediaan van 10):     {statistics.median(warm) * 1000:8.1f} ms")
    if not cases:
        print("geen casussen gevonden")
        return
    print(f"casussen: {len(cases)} (eerste: {files[0].name}, {steps} trace-stappen)")
    for trace in (False, True):
        rate = throughput(rule_set, cases, trace, args.seconden)
        label = "met trace   " if trace else "zonder trace"
        print(f"evalueren {label}: {rate:10.0f} casussen/s  ({1000 / rate:.2f} ms per casus)")


if __name__ == "__main__":
    main()
