"""Benchmark of `regels batch` and `regels impact` end to end (a whole process:
read, evaluate, write), on 10,000 / 100,000 / 1,000,000 distinct households of
populatie/genereer.py for one year, against the OpenFisca peer end to end in
the same run.

    nice python benchmarks/batch.py [--aantallen 10000 100000 1000000] [--herhalingen 3]
        [--herhalingen-groot 1] [--jaar 2021] [--zonder-impact] [--zonder-openfisca]

- 'batch': `regels batch POP.parquet --jaar J --uitkomsten kindgebonden_budget
  kindgebonden_budget_maand heeft_toeslagpartner --uitvoer OUT.parquet` (kgb and
  toeslagpartner on the real rules, WKB art. 1-2, Awir art. 3 and 14, AWR art. 5a);
- 'impact': `regels impact POP.parquet --variant afzien_terugvordering_alo_kop --json`
  (law and variant, terug_te_betalen through the 'zoals bekend op' views, and kgb);
- 'OpenFisca': the peer (/work/shared/peers/openfisca_kgb, its simplified yearly kgb
  formula, its own venv) `e2e.py openfisca N`, a whole process as well.
Each figure is a whole child process timed by wall clock; peak memory is its
maximum resident set (/usr/bin/time -v). Households/s and the ratio to
OpenFisca are given for the min and the median of the repeats; for sizes of
1,000,000 and more --herhalingen-groot repeats. The population files are made
once per size (not timed). The figures are measured, not asserted; on a shared
machine, say so when quoting them."""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PEER = Path("/work/shared/peers/openfisca_kgb")
PEER_PYTHON = Path("/work/venv-openfisca/bin/python")
REGELS = [sys.executable, "-m", "regels.cli"]


def timed(command: list[str], cwd: Path) -> tuple[float, float, str]:
    """(wall seconds, peak resident MB, stdout+stderr) of one child process."""
    start = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-v", *command], cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"mislukt ({done.returncode}): {' '.join(command)}\n{done.stdout}\n{done.stderr[-3000:]}")
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    return seconds, (int(peak.group(1)) / 1024 if peak else float("nan")), done.stdout + done.stderr


def repeat(command, cwd, times: int):
    runs = [timed(command, cwd) for _ in range(times)]
    seconds = [r[0] for r in runs]
    return min(seconds), statistics.median(seconds), max(r[1] for r in runs), runs[-1][2]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--aantallen", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--herhalingen", type=int, default=3)
    parser.add_argument("--herhalingen-groot", type=int, default=1)
    parser.add_argument("--jaar", type=int, default=2021)
    parser.add_argument("--zonder-impact", action="store_true")
    parser.add_argument("--zonder-openfisca", action="store_true")
    args = parser.parse_args()
    print(f"# regels batch / impact end to end; {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores (shared with other work: quote min and median), python {platform.python_version()}")
    work = Path(tempfile.mkdtemp(prefix="regels-bench-"))
    rows = []
    for n in args.aantallen:
        times = args.herhalingen_groot if n >= 1_000_000 else args.herhalingen
        population = work / f"populatie_{n}.parquet"
        subprocess.run([sys.executable, str(ROOT / "populatie/genereer.py"), "--aantal", str(n), "--jaren",
                        str(args.jaar), "--uit", str(population)], check=True, capture_output=True)
        out = work / f"uit_{n}.parquet"
        batch = repeat(REGELS + ["batch", str(population), "--jaar", str(args.jaar), "--uitvoer", str(out),
                                 "--uitkomsten", "kindgebonden_budget", "kindgebonden_budget_maand",
                                 "heeft_toeslagpartner", "--regels", str(ROOT / "rules")], ROOT, times)
        line = {"n": n, "batch": batch}
        if not args.zonder_impact:
            line["impact"] = repeat(REGELS + ["impact", str(population), "--variant", "afzien_terugvordering_alo_kop",
                                              "--json", "--regels", str(ROOT / "rules")], ROOT, times)
        if not args.zonder_openfisca and PEER_PYTHON.exists():
            line["openfisca"] = repeat([str(PEER_PYTHON), "e2e.py", "openfisca", str(n)], PEER, times)
        rows.append(line)
        report(line, times)
    print("\n# samenvatting (s: min / mediaan; huishoudens/s: bij min / bij mediaan; geheugen: piek)")
    for line in rows:
        report(line, None)


def report(line: dict, times: int | None) -> None:
    n = line["n"]
    parts = []
    for name in ("batch", "impact", "openfisca"):
        if name not in line:
            continue
        low, mid, peak, _ = line[name]
        parts.append(f"{name}: {low:.2f} / {mid:.2f} s, {n / low:,.0f} / {n / mid:,.0f} huishoudens/s, {peak:,.0f} MB")
    ratio = ""
    if "openfisca" in line:
        ratio = (f"; batch/OpenFisca {line['batch'][0] / line['openfisca'][0]:.1f}x (min) "
                 f"{line['batch'][1] / line['openfisca'][1]:.1f}x (mediaan)")
        if "impact" in line:
            ratio += f", impact/OpenFisca {line['impact'][0] / line['openfisca'][0]:.1f}x (min)"
    head = f"N={n:>9,}" + (f" ({times}x)" if times else "")
    print(f"{head}: " + "; ".join(parts) + ratio, flush=True)


if __name__ == "__main__":
    main()
