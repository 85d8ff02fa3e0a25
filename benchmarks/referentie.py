"""The interpreter's output on every case, to compare before and after a change to
the evaluator (the evaluator is the reference semantics: a faster evaluator must
give the same values, errors, trace and explanation, byte for byte).

    python benchmarks/referentie.py --schrijf /tmp/voor       # before the change
    python benchmarks/referentie.py --vergelijk /tmp/voor     # after: lists every difference

For every case file under voorbeelden/, tests/casussen/ and tests/fouten/casussen/ it runs, in this process,
`regels bereken --json`, `regels bereken`, `regels uitleg`, `regels uitleg --taal en`
and `regels tijdlijn --json`, and for the example cases also `uitleg --waarom` and
`uitleg --wat-verandert` of their first outcome; stdout, stderr and the exit code of
each are one file. Each command runs twice on the same loaded rule set, and the
second run must equal the first (caches on the rule set must not change an answer)."""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from regels import api, cli  # noqa: E402


def _cached_loader():
    """load_rules, once per (folder, variants): loading is not what is compared."""
    original, cache = api.load_rules, {}

    def load(directory="rules", variants=()):
        key = (str(Path(directory).resolve()), tuple(variants))
        if key not in cache:
            cache[key] = original(directory, list(variants))
        return cache[key]
    return load


def run(argv: list[str]) -> str:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(argv)
    return f"exit {code}\n--- stdout\n{out.getvalue()}--- stderr\n{err.getvalue()}"


def commands(path: Path) -> list[tuple[str, list[str]]]:
    rel = str(path)
    found = [("bereken.json", ["bereken", "--json", rel]),
             ("bereken.txt", ["bereken", rel]),
             ("uitleg.nl.txt", ["uitleg", rel]),
             ("uitleg.en.txt", ["uitleg", "--taal", "en", rel]),
             ("tijdlijn.json", ["tijdlijn", "--json", rel])]
    if path.parts[0] == "voorbeelden":
        first = _first_outcome(path)
        if first:
            found += [("waarom.txt", ["uitleg", "--waarom", first, rel]),
                      ("wat-verandert.txt", ["uitleg", "--wat-verandert", first, rel])]
        if path.parent.name == "varianten":
            found += [("vergelijk.json", ["vergelijk", "--json", rel])]
    return found


def _first_outcome(path: Path) -> str | None:
    import yaml
    expected = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("verwacht") or {}
    return next(iter(expected), None)


def main() -> None:
    parser = argparse.ArgumentParser()
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--schrijf", type=Path)
    group.add_argument("--vergelijk", type=Path)
    args = parser.parse_args()
    api.load_rules = _cached_loader()
    import os
    os.chdir(ROOT)
    files = sorted(Path("voorbeelden").rglob("*.yaml")) + sorted(Path("tests/casussen").rglob("*.yaml"))
    files += sorted(Path("tests/fouten/casussen").rglob("*.yaml"))  # cases the evaluator must refuse
    differences = unstable = 0
    for path in files:
        for name, argv in commands(path):
            first = run(argv)
            if run(argv) != first:
                unstable += 1
                print(f"ANDERS BIJ HERHALING: {' '.join(argv)}")
            target = (args.schrijf or args.vergelijk) / (str(path).replace("/", "__") + "." + name)
            if args.schrijf:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(first, encoding="utf-8")
            elif not target.exists() or target.read_text(encoding="utf-8") != first:
                differences += 1
                print(f"VERSCHIL: {' '.join(argv)}  ({target})")
                if os.environ.get("REFERENTIE_BEWAAR"):
                    target.with_suffix(target.suffix + ".nieuw").write_text(first, encoding="utf-8")
    print(f"{len(files)} casussen; {differences} verschillen; {unstable} niet herhaalbaar")
    sys.exit(1 if differences or unstable else 0)


if __name__ == "__main__":
    main()
