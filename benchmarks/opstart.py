"""Start-up: load+check of rules/ with and without the cache of checked rule
sets (interpreter/cache.py), and whole `regels bereken` and `regels check`
processes, each as min and median of repeats, with ratios measured in the
same run.

    nice python benchmarks/opstart.py [--herhaal 15]

load+check runs in this process: 'koud' is a cache miss (load, check, write
the entry; a fresh cache folder each time), 'zonder cache' is REGELS_CACHE=uit,
'warm' is a hit. Whole processes run with a warm cache and with the cache off,
twice: as this environment runs Python (PYTHONDONTWRITEBYTECODE=1 here, so
every module is compiled at every start) and with bytecode as an installed
package has it (PYTHONPYCACHEPREFIX in a temporary folder). `python -c pass`
is the floor no command can go under."""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
EXAMPLE = "voorbeelden/alleenstaande_ouder_2020.yaml"
REGELS = [sys.executable, "-m", "regels.cli"]


def _figures(times: list[float]) -> str:
    return f"min {min(times) * 1000:7.1f} ms   mediaan {statistics.median(times) * 1000:7.1f} ms"


def load_check(repeats: int) -> dict:
    from regels.api import load_rules

    times = {"koud (cache mist, schrijft)": [], "zonder cache": [], "warm (cache raakt)": []}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(repeats):
            os.environ["REGELS_CACHE"] = os.path.join(tmp, f"koud{i}")
            start = time.perf_counter()
            load_rules(ROOT / "rules")
            times["koud (cache mist, schrijft)"].append(time.perf_counter() - start)
            os.environ["REGELS_CACHE"] = "uit"
            start = time.perf_counter()
            load_rules(ROOT / "rules")
            times["zonder cache"].append(time.perf_counter() - start)
            os.environ["REGELS_CACHE"] = os.path.join(tmp, f"koud{i}")
            start = time.perf_counter()
            load_rules(ROOT / "rules")
            times["warm (cache raakt)"].append(time.perf_counter() - start)
    os.environ.pop("REGELS_CACHE", None)
    return times


def _process(argv: list[str], env: dict, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(argv, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return times


def processes(repeats: int) -> dict:
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        base = dict(os.environ, REGELS_CACHE=os.path.join(tmp, "cache"))
        as_here = dict(base)
        with_bytecode = {k: x for k, x in base.items() if k != "PYTHONDONTWRITEBYTECODE"}
        with_bytecode["PYTHONPYCACHEPREFIX"] = os.path.join(tmp, "pyc")
        modes = [("zoals hier (zonder bytecode)", as_here), ("met bytecode (geïnstalleerd)", with_bytecode)]
        for mode, env in modes:
            for argv in (REGELS + ["bereken", EXAMPLE], REGELS + ["check", "rules/"]):
                subprocess.run(argv, cwd=ROOT, env=env, check=True, capture_output=True)  # warm the cache and pyc
            results[(mode, "python -c pass")] = _process([sys.executable, "-c", "pass"], env, repeats)
            for label, argv in (("regels bereken", REGELS + ["bereken", EXAMPLE]),
                                ("regels check rules/", REGELS + ["check", "rules/"])):
                results[(mode, label + ", warme cache")] = _process(argv, env, repeats)
                results[(mode, label + ", zonder cache")] = _process(argv, dict(env, REGELS_CACHE="uit"), repeats)
    return results


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--herhaal", type=int, default=15)
    args = parser.parse_args()
    print(f"opstart, {args.herhaal} herhalingen, {os.cpu_count()} kernen (gedeelde machine: zie de mediaan)\n")
    print("laden + controleren van rules/ (in dit proces):")
    lc = load_check(args.herhaal)
    for label, times in lc.items():
        print(f"  {label:32} {_figures(times)}")
    print(f"  warm is {min(lc['zonder cache']) / min(lc['warm (cache raakt)']):.1f}x sneller dan zonder cache (min)")
    print("\nhele processen:")
    results = processes(args.herhaal)
    mode = None
    for (m, label), times in results.items():
        if m != mode:
            mode = m
            print(f"  {mode}:")
        print(f"    {label:38} {_figures(times)}")
    for mode in dict.fromkeys(m for m, _ in results):
        warm = min(results[(mode, "regels bereken, warme cache")])
        cold = min(results[(mode, "regels bereken, zonder cache")])
        floor = min(results[(mode, "python -c pass")])
        print(f"  {mode}: bereken met cache {cold / warm:.2f}x sneller dan zonder; "
              f"{warm / floor:.1f}x de start van python zelf")
    return 0


if __name__ == "__main__":
    sys.exit(main())
