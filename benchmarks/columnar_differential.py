"""The long differential run: many random households (the hypothesis strategy
of tests/columnar_households.py) through both backends, in batches, every
value of every compiled rule compared.

    nice python benchmarks/columnar_differential.py [--aantal 100000] [--batch 500] [--variant NAAM]

A disagreement prints the smallest household that shows it, as a case file;
run it with `regels bereken` or put it in tests/casussen/. Prints how many
households and values agreed. The interpreter dominates the time (about 10
households per second per core with every rule compared)."""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from hypothesis.errors import NonInteractiveExampleWarning  # noqa: E402

from columnar_households import case_text  # noqa: E402
from interpreter.api import RuleSets, case_from_text  # noqa: E402
from interpreter.columnar import differential  # noqa: E402
from interpreter.columnar.compiler import Plan  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--aantal", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--variant", default=None)
    args = parser.parse_args()
    warnings.simplefilter("ignore", NonInteractiveExampleWarning)
    rule_set = RuleSets(ROOT / "rules").get([args.variant] if args.variant else [])
    plan = Plan(rule_set)
    strategy = case_text()
    done = values = 0
    start = time.perf_counter()
    while done < args.aantal:
        texts = [strategy.example() for _ in range(min(args.batch, args.aantal - done))]
        cases = [case_from_text(t, rule_set, name=f"<huishouden {done + i}>") for i, t in enumerate(texts)]
        compared, mismatches = differential.compare(rule_set, plan, cases)
        if mismatches:
            failing = {m.case for m in mismatches}
            smallest = min((t for c, t in zip(cases, texts) if c.path in failing), key=len)
            print(f"ONGELIJK na {done} huishoudens; het kleinste huishouden dat het laat zien:\n{smallest}")
            for m in mismatches[:10]:
                print(" ", m)
            return 1
        done += len(cases)
        values += compared
        rate = done / (time.perf_counter() - start)
        print(f"{done:,} huishoudens, {values:,} waarden gelijk ({rate:.1f} huishoudens/s)", flush=True)
    print(f"klaar: {done:,} willekeurige huishoudens, {values:,} waarden, alle gelijk")
    return 0


if __name__ == "__main__":
    sys.exit(main())
