"""The long differential run: many random households (the hypothesis strategy
of tests/columnar_households.py) through both backends, every value of every
compiled rule for every person and month compared, to the exact fraction.

    nice python benchmarks/columnar_differential.py [--aantal 100000] [--blok 500] [--processen 2]
        [--voortgang differentieel.jsonl] [--zaad 0]

The households come in blocks; block k is drawn by hypothesis with a seed made
of --zaad and k (so a block is the same households on every run) and evaluated
under the law or one of the variants in turn (block k under combination
k mod 4: law, then each variant of rules/varianten/). --processen runs blocks in
parallel. With --voortgang every finished block is appended to that file; run
the same command again to continue where it stopped (blocks already there are
skipped, their counts included). Prints throughput and ETA per block, and at
the end how many households covered each dimension of the issue (a partner
abroad without BSN, a divorce request, a child turning 12, ...).

A disagreement stops the run and prints the smallest household that still
shows it (a greedy reducer: leave out persons, relations, dates and facts one
at a time while it disagrees), as a case file to run with `regels bereken`
or put in tests/casussen/, and the values that differ."""

from __future__ import annotations

import argparse
import collections
import json
import multiprocessing
import os
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

_state: dict = {}


def _combinations() -> list[tuple]:
    from regels.api import variant_names

    return [()] + [(name,) for name in variant_names(ROOT / "rules")]


def _setup() -> None:
    """Per worker: the rule sets and their plans, loaded once."""
    from regels.api import RuleSets
    from regels.columnar.compiler import Plan

    rule_sets = RuleSets(ROOT / "rules")
    _state["plans"] = {}
    for combo in _combinations():
        rule_set = rule_sets.get(list(combo))
        _state["plans"][combo] = (rule_set, Plan(rule_set))


def draw_block(block: int, size: int, seed: int) -> list[dict]:
    """The households of one block: hypothesis's own generation, seeded."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as with_seed

    from columnar_households import household

    drawn: list[dict] = []

    @with_seed(seed * 1_000_003 + block)
    @settings(max_examples=size, phases=[Phase.generate], database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(household())
    def collect(h):
        drawn.append(h)

    collect()
    return drawn[:size]


def _disagreement(rule_set, plan, h: dict):
    """The mismatches of one household (a list, empty when both agree), or the
    columnar backend's crash as text."""
    from columnar_households import render
    from regels.api import case_from_text
    from regels.columnar import differential
    from regels.diagnostics import RegelsError

    try:
        case = case_from_text(render(h), rule_set, name="<huishouden>")
    except RegelsError:
        return []  # a reduction step that made no valid case: not a smaller example
    try:
        return differential.compare(rule_set, plan, [case])[1]
    except Exception:
        return [traceback.format_exc(limit=4)]


def run_block(task: tuple) -> dict:
    block, size, seed = task
    from columnar_households import features, reduce, render
    from regels.api import case_from_text
    from regels.columnar import differential

    if "plans" not in _state:
        _setup()
    combos = _combinations()
    combo = combos[block % len(combos)]
    rule_set, plan = _state["plans"][combo]
    start = time.perf_counter()
    households = draw_block(block, size, seed)
    counts = collections.Counter(f for h in households for f in features(h))
    cases = [case_from_text(render(h), rule_set, name=f"<blok {block}, huishouden {i}>")
             for i, h in enumerate(households)]
    try:
        compared, mismatches = differential.compare(rule_set, plan, cases)
    except Exception:  # a crash of the batch: find the households that cause it one by one
        compared, mismatches = 0, ["crash"]
    result = {"blok": block, "regelset": "+".join(combo) or "wet", "huishoudens": len(households),
              "waarden": compared, "kenmerken": dict(counts), "seconden": round(time.perf_counter() - start, 2)}
    if mismatches:
        failing = [h for h in households if _disagreement(rule_set, plan, h)]
        if failing:
            smallest = reduce(min(failing, key=lambda h: len(render(h))),
                              lambda h: bool(_disagreement(rule_set, plan, h)))
            result["ongelijk"] = {"casus": render(smallest),
                                  "verschillen": [str(m) for m in _disagreement(rule_set, plan, smallest)[:10]]}
        else:
            result["ongelijk"] = {"casus": None, "verschillen": [str(m) for m in mismatches[:10]]}
    return result


def _read_progress(path: Path | None) -> list[dict]:
    if path is None or not path.exists():
        return []
    done = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            done.append(json.loads(line))
        except ValueError:
            continue  # a line cut short by a stop: that block runs again
    return [d for d in done if "ongelijk" not in d]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--aantal", type=int, default=100_000, help="huishoudens in totaal")
    parser.add_argument("--blok", type=int, default=500, help="huishoudens per blok")
    parser.add_argument("--processen", type=int, default=2)
    parser.add_argument("--voortgang", type=Path, default=None, help="JSON-regels per blok; hervat bij opnieuw starten")
    parser.add_argument("--zaad", type=int, default=0)
    args = parser.parse_args()
    blocks = -(-args.aantal // args.blok)
    done = {d["blok"]: d for d in _read_progress(args.voortgang) if d["blok"] < blocks}
    todo = [(k, min(args.blok, args.aantal - k * args.blok), args.zaad) for k in range(blocks) if k not in done]
    households = sum(d["huishoudens"] for d in done.values())
    if done:
        print(f"hervat: {len(done)} blokken ({households:,} huishoudens) al gedaan volgens {args.voortgang}")
    start, fresh = time.perf_counter(), 0
    failed = None
    with multiprocessing.get_context("fork").Pool(args.processen) as pool:
        for result in pool.imap_unordered(run_block, todo):
            if args.voortgang is not None:
                with open(args.voortgang, "a", encoding="utf-8") as out:
                    out.write(json.dumps(result, ensure_ascii=False) + "\n")
            if "ongelijk" in result:
                failed = result
                pool.terminate()
                break
            done[result["blok"]] = result
            fresh += result["huishoudens"]
            households += result["huishoudens"]
            elapsed = time.perf_counter() - start
            rate = fresh / elapsed
            left = args.aantal - households
            print(f"blok {result['blok']} ({result['regelset']}): {households:,} huishoudens, "
                  f"{sum(d['waarden'] for d in done.values()):,} waarden gelijk; {rate:.1f} huishoudens/s, "
                  f"nog {left / rate / 60:.0f} min" if rate else "", flush=True)
    if failed is not None:
        print(f"ONGELIJK in blok {failed['blok']} ({failed['regelset']}, --zaad {args.zaad}, --blok {args.blok}); "
              "het kleinste huishouden dat het laat zien:\n")
        print(failed["ongelijk"]["casus"] or "(niet gevonden: het verschil ontstaat alleen in de groep)")
        for line in failed["ongelijk"]["verschillen"]:
            print(" ", line)
        return 1
    _summary(list(done.values()), time.perf_counter() - start, fresh, args.processen)
    return 0


def _summary(done: list[dict], elapsed: float, fresh: int, processes: int) -> None:
    households = sum(d["huishoudens"] for d in done)
    values = sum(d["waarden"] for d in done)
    per_set = collections.Counter()
    features = collections.Counter()
    for d in done:
        per_set[d["regelset"]] += d["huishoudens"]
        features.update(d["kenmerken"])
    print(f"\nklaar: {households:,} willekeurige huishoudens, {values:,} waarden, alle gelijk")
    if fresh:
        print(f"deze run: {fresh:,} huishoudens in {elapsed:.0f} s met {processes} processen "
              f"({fresh / elapsed:.1f} huishoudens/s)")
    print("\nper regelset:")
    for name, count in sorted(per_set.items()):
        print(f"  {name:45} {count:>9,}")
    print("\nhuishoudens per kenmerk:")
    for name, count in sorted(features.items()):
        print(f"  {name:55} {count:>9,}")


if __name__ == "__main__":
    sys.exit(main())
