"""Load on `regels serve`: POST /bereken with the README's example case from 1, 8
and 32 concurrent clients, each with its own kept-alive connection; prints
requests per second and the p50 and p99 latency per level.

    nice python benchmarks/serve_load.py [--seconden 8] [--met-trace]

The script starts the service itself on a free port of 127.0.0.1 (nothing else
is ever a target), runs each level for a bounded time and number of requests,
and stops the service. Without --met-trace the requests ask for the outcomes
only (?zonder_trace=true, about 1 kB of JSON); with it, the whole trace as
`regels bereken --json` gives it (about 1,5 MB). The clients run on the same
machine as the service and take some of its CPU."""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = "voorbeelden/alleenstaande_ouder_2020.yaml"
LEVELS = (1, 8, 32)
MAX_REQUESTS = 5_000  # per level, whatever the time


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(port: int) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-m", "regels.cli", "serve", "--port", str(port)], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started = time.monotonic()
    while time.monotonic() - started < 120:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/gezondheid")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    sys.exit("regels serve start niet")


def _level(port: int, clients: int, seconds: float, path: str, body: bytes) -> dict:
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    ends = time.monotonic() + seconds

    def client():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.monotonic() < ends:
            with lock:
                if len(latencies) + failures[0] >= MAX_REQUESTS:
                    return
            started = time.perf_counter()
            try:
                connection.request("POST", path, body, {"Content-Type": "application/yaml"})
                answer = connection.getresponse()
                data = answer.read()
                ok = answer.status == 200 and b'"kindgebonden_budget": "5389.00"' in data
            except OSError:
                ok = False
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            took = time.perf_counter() - started
            with lock:
                if ok:
                    latencies.append(took)
                else:
                    failures[0] += 1

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    latencies.sort()
    quantile = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    return {"clients": clients, "requests": len(latencies), "failures": failures[0],
            "per_second": len(latencies) / wall, "p50_ms": statistics.median(latencies) * 1000 if latencies else None,
            "p99_ms": quantile(0.99) if latencies else None}


def _in_process(seconds: float, trace: bool) -> float:
    """The peer in the same run: the same case read and evaluated in this process through the
    Python API (api.read_case_text + api.evaluate), with no HTTP, cases per second. What the
    service adds (HTTP, JSON, the thread pool) is the gap between the two."""
    sys.path.insert(0, str(ROOT))
    from regels.api import RuleSets, evaluate, read_case_text

    rule_sets = RuleSets(ROOT / "rules")
    text = (ROOT / EXAMPLE).read_text(encoding="utf-8")
    rule_set, case = read_case_text(text, rule_sets, name=EXAMPLE)
    evaluate(rule_set, case, trace=trace)  # warm up
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        rule_set, case = read_case_text(text, rule_sets, name=EXAMPLE)
        evaluate(rule_set, case, trace=trace)
        count += 1
    return count / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconden", type=float, default=8.0, help="duur per niveau (standaard 8 s)")
    parser.add_argument("--met-trace", action="store_true", help="vraag de volledige trace, zoals bereken --json")
    parser.add_argument("--json", action="store_true", help="de cijfers als JSON")
    args = parser.parse_args()
    body = (ROOT / EXAMPLE).read_bytes()
    path = f"/bereken?bestand={EXAMPLE}" + ("" if args.met_trace else "&zonder_trace=true")
    port = _free_port()
    process = _start(port)
    try:
        _level(port, 1, 1.0, path, body)  # warm up
        results = [_level(port, clients, args.seconden, path, body) for clients in LEVELS]
    finally:
        process.terminate()
        process.wait(timeout=20)
    peer = _in_process(args.seconden, args.met_trace)
    if args.json:
        print(json.dumps({"niveaus": results, "in_process_per_s": peer}, indent=2))
        return
    print(f"POST {path}  ({os.cpu_count()} cores, {args.seconden:g} s per niveau)")
    print(f"{'clients':>8} {'verzoeken':>10} {'fouten':>7} {'per s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for r in results:
        print(f"{r['clients']:>8} {r['requests']:>10} {r['failures']:>7} {r['per_second']:>8.1f} "
              f"{r['p50_ms'] or 0:>8.1f} {r['p99_ms'] or 0:>8.1f}")
    print(f"in-process (api.evaluate, geen HTTP, één thread): {peer:.1f} per s; de dienst haalt "
          + ", ".join(f"{r['per_second'] / peer:.2f}x bij {r['clients']}" for r in results))


if __name__ == "__main__":
    main()
