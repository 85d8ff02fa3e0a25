"""Mutation testing of the rule set: change one thing in one formula or one
parameter value, run every case, and see whether some case fails. A mutant
that no case notices is a provision the cases do not guard.

    python benchmarks/mutatie.py [--regels rules] [--bestand rules/wkb/artikel_2.yaml ...] [--max 400]
                                 [--json out.json] [CASE-MAPPEN ...]

Prints per provision (article and lid) how many mutants were killed, and lists
the survivors. Without case folders it uses voorbeelden/ and tests/casussen/."""

from __future__ import annotations

import argparse
import json
import multiprocessing
import re
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from regels.api import RuleSets  # noqa: E402
from regels.casetest import check_case_file  # noqa: E402
from regels.diagnostics import RegelsError  # noqa: E402
from regels.loader import load_rule_set  # noqa: E402

# (pattern, replacement, description): each match is one mutant.
FORMULA_MUTATIONS = [
    (r">=", ">", "'>=' wordt '>'"),
    (r"(?<![<>])>(?!=)", ">=", "'>' wordt '>='"),
    (r"<=", "<", "'<=' wordt '<'"),
    (r"(?<![<>])<(?![=>])", "<=", "'<' wordt '<='"),
    (r"(?<![<>])=", "<>", "'=' wordt '<>'"),
    (r"\ben\b", "of", "'en' wordt 'of'"),
    (r"\bof\b", "en", "'of' wordt 'en'"),
    (r"\bniet\s+", "", "'niet' weggelaten"),
    (r"\bwaar\b", "onwaar", "'waar' wordt 'onwaar'"),
    (r"\bonwaar\b", "waar", "'onwaar' wordt 'waar'"),
    (r"eerste_dag", "laatste_dag", "'eerste_dag' wordt 'laatste_dag'"),
    (r"laatste_dag", "eerste_dag", "'laatste_dag' wordt 'eerste_dag'"),
    (r"\bminimaal € 0", "", "'minimaal € 0' weggelaten"),
    (r"afgerond op", "afgerond naar beneden op", "rekenkundig afronden wordt naar beneden afronden"),
    (r"(?<![\d.,€ ])\b(\d+)\b(?![.,]\d)", lambda m: str(int(m.group(1)) + 1), "getal + 1"),
    (r"\s\+\s", " - ", "'+' wordt '-'"),
    (r"\s-\s", " + ", "'-' wordt '+'"),
]


@dataclass
class Mutant:
    file: str
    line: int
    provision: str
    description: str
    start: int
    end: int
    replacement: str


def scalar_spans(source: str):
    """The spans of 'formule:' and 'indien:' values, of parameter 'waarde:' amounts, and of a
    channel's 'standaard:' (when a register holds a fact if the case does not say) in a file."""
    import yaml

    node = yaml.compose(source, Loader=yaml.SafeLoader)
    spans = []

    def walk(n, key=None, path=()):
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                walk(v, k.value, path + (k.value,))
        elif isinstance(n, yaml.SequenceNode):
            for item in n.value:
                walk(item, key, path)
        elif isinstance(n, yaml.ScalarNode) and (key in ("formule", "indien", "waarde")
                                                 or (key == "standaard" and path[:1] == ("kanalen",))):
            spans.append((key, path, n.start_mark.index, n.end_mark.index, n.start_mark.line + 1))

    walk(node)
    return spans


def make_mutants(rules_dir: Path, rule_set) -> list[Mutant]:
    provision_of_line = {}
    for article in rule_set.articles:
        for rule in article.rules.values():
            for version in rule.versions:
                lid = version.lid or rule.lid
                provision_of_line[(article.file, rule.name)] = f"{article.citation}" + (f" lid {lid}" if lid else "")
        for parameter in article.parameters.values():
            provision_of_line[(article.file, parameter.name)] = f"{article.citation}" + (
                f" lid {parameter.lid}" if parameter.lid else "")
        for channel in article.channels.values():
            provision_of_line[(article.file, channel.name)] = channel.citation
    mutants: list[Mutant] = []
    for article in rule_set.articles:
        path = Path(article.file)
        source = path.read_text(encoding="utf-8")
        for key, ypath, start, end, line in scalar_spans(source):
            owner = ypath[1] if len(ypath) > 1 and ypath[0] in ("regels", "parameters", "kanalen") else None
            provision = provision_of_line.get((article.file, owner), article.citation)
            text = source[start:end]
            if key in ("formule", "indien"):
                for pattern, replacement, description in FORMULA_MUTATIONS:
                    for match in re.finditer(pattern, text):
                        new = replacement(match) if callable(replacement) else replacement
                        mutants.append(Mutant(article.file, line, provision, f"{owner}: {description}",
                                              start + match.start(), start + match.end(), new))
            elif key == "standaard":
                flipped = {"bij_ontstaan": "nooit", "nooit": "bij_ontstaan"}.get(text.strip())
                if flipped:
                    mutants.append(Mutant(article.file, line, provision, f"kanaal {owner}: standaard wordt {flipped}",
                                          start, end, flipped))
            elif key == "waarde" and ypath[0] == "parameters" and "andere_bronnen" not in ypath:
                match = re.search(r"(\d[\d.]*)(,\d+)?", text)
                if match:
                    digits = match.group(1).replace(".", "")
                    bumped = f"{int(digits) + 7:,}".replace(",", ".")
                    mutants.append(Mutant(article.file, line, provision,
                                          f"{owner}: waarde {text.strip()} gewijzigd",
                                          start + match.start(1), start + match.end(1), bumped))
    return mutants


_CASES: list[Path] = []
_RULES: Path | None = None


def _init(rules_dir: Path, cases: list[Path]):
    global _RULES, _CASES
    _RULES, _CASES = rules_dir, cases


def run_mutant(mutant: Mutant):
    """Returns (status, failing cases). status: killed | survived | stillborn."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "rules"
        shutil.copytree(_RULES, copy)
        target = copy / Path(mutant.file).relative_to(_RULES)
        source = target.read_text(encoding="utf-8")
        target.write_text(source[:mutant.start] + mutant.replacement + source[mutant.end:], encoding="utf-8")
        rule_sets = RuleSets(copy)
        try:
            rule_sets.get()
        except RegelsError:
            return "stillborn", []
        failing = []
        for case_file in _CASES:
            try:
                _, mismatches = check_case_file(case_file, rule_sets)
                if mismatches:
                    failing.append(case_file.name)
            except RegelsError:
                failing.append(case_file.name)
            except RecursionError:
                failing.append(case_file.name)
        return ("killed" if failing else "survived"), failing


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("folders", nargs="*", type=Path)
    parser.add_argument("--regels", type=Path, default=Path("rules"))
    parser.add_argument("--max", type=int, default=0, help="at most this many mutants (0: all)")
    parser.add_argument("--json", type=Path, help="write every mutant and its result here")
    parser.add_argument("--bestand", type=Path, action="append", default=[],
                        help="mutate only this rule file (may be repeated)")
    parser.add_argument("--processen", type=int, default=multiprocessing.cpu_count())
    args = parser.parse_args()

    rules_dir = args.regels
    rule_set = load_rule_set(rules_dir)
    folders = args.folders or [ROOT / "voorbeelden", ROOT / "tests" / "casussen"]
    cases = sorted(f for folder in folders for f in Path(folder).rglob("*.yaml"))
    mutants = make_mutants(rules_dir, rule_set)
    if args.bestand:
        chosen = {f.resolve() for f in args.bestand}
        mutants = [m for m in mutants if Path(m.file).resolve() in chosen]
    if args.max:
        step = max(1, len(mutants) // args.max)
        mutants = mutants[::step][:args.max]
    print(f"{len(mutants)} mutanten, {len(cases)} casussen, {args.processen} processen")
    start = time.perf_counter()
    with multiprocessing.Pool(args.processen, initializer=_init, initargs=(rules_dir.resolve(), cases)) as pool:
        results = pool.map(run_mutant, [
            Mutant(str(Path(m.file).resolve()), m.line, m.provision, m.description, m.start, m.end, m.replacement)
            for m in mutants])
    elapsed = time.perf_counter() - start

    per_provision = defaultdict(lambda: {"killed": 0, "survived": 0, "stillborn": 0})
    survivors = []
    records = []
    for mutant, (status, failing) in zip(mutants, results):
        per_provision[mutant.provision][status] += 1
        if status == "survived":
            survivors.append(mutant)
        records.append({"bestand": f"{mutant.file}:{mutant.line}", "bepaling": mutant.provision,
                        "mutatie": mutant.description, "uitkomst": status, "falende_casussen": failing})
    killed = sum(p["killed"] for p in per_provision.values())
    live = sum(p["killed"] + p["survived"] for p in per_provision.values())
    print(f"\n{'bepaling':<28} gedood / levend (doodgeboren)")
    for provision in sorted(per_provision):
        p = per_provision[provision]
        print(f"{provision:<28} {p['killed']:>4} / {p['killed'] + p['survived']:<4} ({p['stillborn']})")
    print(f"\ntotaal: {killed} van {live} mutanten gedood ({100 * killed / max(live, 1):.0f}%), "
          f"{sum(p['stillborn'] for p in per_provision.values())} doodgeboren (laden faalt), in {elapsed:.0f} s")
    covered = [p for p, c in per_provision.items() if c["killed"] > 0]
    print(f"bepalingen met ten minste één gedode mutant: {len(covered)} van {len(per_provision)}")
    if survivors:
        print("\noverlevende mutanten (geen casus merkt ze op):")
        for mutant in survivors:
            print(f"  {mutant.file}:{mutant.line}  {mutant.provision}: {mutant.description}")
    if args.json:
        args.json.write_text(json.dumps(records, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
