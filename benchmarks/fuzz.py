"""The long fuzz run: at least a million generated inputs (formulas, rule
files, case files, amounts as people write them, command lines), each of which
must be accepted or rejected with a located error, within the time limit, and
never misread.

    python benchmarks/fuzz.py [--aantal 1000000] [--processen 2] [--zaad 1] [--doelen casus,regelbestand] [--bewaar]
    python benchmarks/fuzz.py --atheris [--aantal 100000]     # coverage-guided (atheris)

Prints per target the number of inputs and outcomes (ok, fout = located error,
intern, mislezing, hang) and the rate. With --bewaar every distinct failure is
written to tests/fouten/fuzz/, where tests/test_fuzz_regressie.py replays it.
The targets and generators are in tests/fuzzdoelen.py."""

from __future__ import annotations

import argparse
import re
import multiprocessing
import random
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import fuzzdoelen as fz  # noqa: E402

# Share of the inputs per target (per 1.000). The cheap targets (under 2 ms an
# input) get most of the million; a damaged case or rule file is read, checked
# and evaluated against a whole rule set (15-40 ms), so it gets fewer, but still
# tens of thousands in a million-input run.
WEIGHTS = {"bedrag": 440, "syntaxis": 440, "formule": 80, "regelbestand": 15, "casus": 20, "opdrachtregel": 5}
BATCH = 500

_STATE: dict = {}


def _setup():
    from regels.api import RuleSets
    _STATE["rule_sets"] = RuleSets(ROOT / "rules")
    _STATE["rule_sets"].get()
    _STATE["cases"] = fz.case_texts()
    _STATE["case_paths"] = fz.cli_cases()
    _STATE["base_rules"] = [p.read_text(encoding="utf-8") for p in fz._base_files()]


def one(target: str, rng: random.Random):
    """Generate one input for `target`, run it, return (payload, outcome)."""
    if target == "bedrag":
        rendering, meant, quoted = fz.amount_case(rng)
        return f"{rendering}\n{meant}\n{quoted}", fz.guarded(fz.amount_target, rendering, meant, quoted)
    if target == "syntaxis":
        formula = fz.random_formula(rng)
        if rng.random() < 0.5:
            formula = fz.mutate_text(rng, formula, rounds=rng.randint(1, 3)).strip()
        return formula, fz.guarded(fz.syntax_target, formula)
    if target == "formule":
        formula = fz.random_formula(rng)
        if rng.random() < 0.3:
            formula = fz.mutate_text(rng, formula, rounds=1).strip()
        type_ = rng.choice(["bedrag", "waar/onwaar", "geheel getal", "datum", "percentage"])
        per = rng.choice(["jaar", "maand"])
        return f"{type_}\n{per}\n{formula}", fz.guarded(fz.formula_target, formula, type_, per)
    if target == "regelbestand":
        base = rng.choice(_STATE["base_rules"] + [fz.FORMULA_ARTICLE.format(type="bedrag", per="jaar",
                                                                            formula='"alo_kop * 2"')])
        text = fz.mutate_text(rng, base, rounds=rng.randint(1, 4))
        return text, fz.guarded(fz.rule_file_target, text)
    if target == "casus":
        text = fz.mutate_text(rng, rng.choice(_STATE["cases"]), rounds=rng.randint(1, 4))
        return text, fz.guarded(fz.case_target, text, _STATE["rule_sets"], rng.random() < 0.2)
    argv = fz.cli_args(rng, Path(fz.SCRATCH), _STATE["case_paths"])
    return "\n".join(argv), fz.guarded(fz.cli_target, argv)


def batch(args):
    seed, size, targets = args
    if not _STATE:
        _setup()
    rng = random.Random(seed)
    weights = [WEIGHTS[t] for t in targets]
    counts: dict = defaultdict(Counter)
    failures = []
    seconds: Counter = Counter()
    for _ in range(size):
        target = rng.choices(targets, weights)[0]
        start = time.perf_counter()
        payload, outcome = one(target, rng)
        seconds[target] += time.perf_counter() - start
        counts[target][outcome.kind] += 1
        if outcome.kind in (fz.INTERN, fz.MISLEZING, fz.HANG):
            failures.append((target, payload, outcome))
    return counts, failures, seconds


def signature(target: str, outcome) -> str:
    """Failures with the same cause count once: target, kind and the first line of the detail."""
    first = outcome.detail.splitlines()[0] if outcome.detail else ""
    return f"{target}:{outcome.kind}:{re.sub(r'[0-9]+', '9', first)[:120]}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--aantal", type=int, default=1_000_000)
    parser.add_argument("--processen", type=int, default=multiprocessing.cpu_count())
    parser.add_argument("--zaad", type=int, default=1)
    parser.add_argument("--bewaar", action="store_true", help="write each distinct failure to tests/fouten/fuzz/")
    parser.add_argument("--doelen", default=",".join(WEIGHTS),
                        help=f"comma-separated targets, from: {', '.join(WEIGHTS)} (default: all, weighted)")
    parser.add_argument("--atheris", action="store_true", help="coverage-guided run with atheris")
    args = parser.parse_args()
    if args.atheris:
        return run_atheris(args.aantal)
    targets = [t.strip() for t in args.doelen.split(",") if t.strip()]
    unknown = [t for t in targets if t not in WEIGHTS]
    if unknown or not targets:
        parser.error(f"onbekend doel: {', '.join(unknown) or '(geen)'}; kies uit {', '.join(WEIGHTS)}")
    jobs = [(args.zaad * 1_000_003 + i, min(BATCH, args.aantal - i * BATCH), targets)
            for i in range((args.aantal + BATCH - 1) // BATCH)]
    totals: dict = defaultdict(Counter)
    seconds: Counter = Counter()
    distinct: dict = {}
    start = time.perf_counter()
    done = 0
    with multiprocessing.Pool(args.processen) as pool:
        for counts, failures, used in pool.imap_unordered(batch, jobs):
            for target, c in counts.items():
                totals[target].update(c)
            seconds.update(used)
            for target, payload, outcome in failures:
                distinct.setdefault(signature(target, outcome), (target, payload, outcome))
            done += sum(sum(c.values()) for c in counts.values())
            if sys.stderr.isatty():
                rate = done / (time.perf_counter() - start)
                print(f"\r{done:,} invoeren, {rate:,.0f}/s, {len(distinct)} verschillende fouten", end="",
                      file=sys.stderr)
    elapsed = time.perf_counter() - start
    if sys.stderr.isatty():
        print(file=sys.stderr)
    print(f"{done:,} invoeren in {elapsed:,.0f} s ({done / elapsed:,.0f}/s, {args.processen} processen, "
          f"zaad {args.zaad}, doelen {','.join(targets)})")
    kinds = [fz.OK, fz.FOUT, fz.INTERN, fz.MISLEZING, fz.HANG]
    print(f"{'doel':<14}" + "".join(f"{k:>11}" for k in kinds) + f"{'ms/invoer':>11}")
    for target in targets:
        c = totals[target]
        n = sum(c.values())
        per = 1000 * seconds[target] / n if n else 0
        print(f"{target:<14}" + "".join(f"{c[k]:>11,}" for k in kinds) + f"{per:>11.2f}")
    bad = {k: sum(totals[t][k] for t in totals) for k in (fz.INTERN, fz.MISLEZING, fz.HANG)}
    print(f"interne fouten: {bad[fz.INTERN]}, mislezingen: {bad[fz.MISLEZING]}, hangers (> {fz.TIME_LIMIT} s): "
          f"{bad[fz.HANG]}; {len(distinct)} verschillende oorzaken")
    for key, (target, payload, outcome) in sorted(distinct.items()):
        print(f"  {key}")
        if args.bewaar:
            print(f"    -> {fz.save_failure(target, payload, outcome).relative_to(ROOT)}")


def run_atheris(runs: int) -> None:
    """Coverage-guided: atheris mutates bytes; the first byte picks the target."""
    import atheris

    with atheris.instrument_imports(include=["regels"]):
        import regels.check  # noqa: F401
        import regels.evaluate  # noqa: F401
        import regels.loader  # noqa: F401
    _setup()
    seen = Counter()

    def test_one(data: bytes) -> None:
        if len(data) < 2:
            return
        text = data[1:].decode("utf-8", "replace")
        if data[0] % 3 == 0:
            target, outcome = "formule", fz.guarded(fz.formula_target, text, "bedrag", "jaar")
        elif data[0] % 3 == 1:
            target, outcome = "casus", fz.guarded(fz.case_target, text, _STATE["rule_sets"], False)
        else:
            target, outcome = "regelbestand", fz.guarded(fz.rule_file_target, text)
        seen[outcome.kind] += 1
        if outcome.kind in (fz.INTERN, fz.MISLEZING, fz.HANG):
            path = fz.save_failure(target, text, outcome)
            print(f"\n{outcome.kind}: {path}", file=sys.stderr)

    atheris.Setup([sys.argv[0], f"-runs={runs}", "-max_len=4096"], test_one)
    try:
        atheris.Fuzz()
    finally:
        print(dict(seen))


if __name__ == "__main__":
    main()
