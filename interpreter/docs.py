"""Documentation generated from the rule set and the example cases. Writes
plain files under docs/ (MkDocs renders them); `regels docs` runs it, and a
test checks that what is committed is what the code produces now."""

from __future__ import annotations

import json
import os
from pathlib import Path

from .api import evaluate, load_case, load_rules

EXAMPLE_CASE = Path("voorbeelden/alleenstaande_ouder_2020.yaml")
EXAMPLE_STEP = "alleenstaande_ouderkop@2020-04"


def _json(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def generated_files(root: Path) -> dict[Path, str]:
    """Every generated file under docs/, relative to `root`, with its content.
    Paths inside the output are relative to `root`, as when run from there."""
    cwd = Path.cwd()
    os.chdir(root)
    try:
        rules = load_rules("rules")
        case = load_case(EXAMPLE_CASE, rules)
        result = evaluate(rules, case, trace=True)
        full = result.to_json(trace=True)
        step = next(s for s in full["trace"] if s["id"] == EXAMPLE_STEP)
        return {
            Path("docs/voorbeelden/bereken.json"): _json(full),
            Path("docs/voorbeelden/bereken-zonder-trace.json"): _json(result.to_json(trace=False)),
            Path("docs/voorbeelden/trace-stap.json"): _json(step),
        }
    finally:
        os.chdir(cwd)


def write_docs(root: Path) -> list[Path]:
    from .cli import write_atomically

    files = generated_files(root)
    for path, text in files.items():
        write_atomically(root / path, text)
    return list(files)
