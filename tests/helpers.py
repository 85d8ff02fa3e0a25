"""Small rule sets written inline, for tests of the language itself."""

from __future__ import annotations

import textwrap
from pathlib import Path

from regels.api import case_from_text, evaluate, load_rules

HEADER = """\
wet: Testwet
afkorting: TW
bwb: BWBR0000001
artikel: "1"
versies:
  - geldig_vanaf: 2019-01-01
    publicatie: test
    leden: {"1": "tekst"}
"""


def write_rules(tmp_path: Path, body: str, header: str = HEADER, extra: dict | None = None) -> Path:
    """rules/ with a manifest and one article: HEADER + body (parameters, invoer, regels ...)."""
    rules = tmp_path / "rules"
    rules.mkdir(exist_ok=True)
    (rules / "regelset.yaml").write_text('naam: test\nversie: "t"\n', encoding="utf-8")
    (rules / "artikel.yaml").write_text(header + textwrap.dedent(body), encoding="utf-8")
    for name, text in (extra or {}).items():
        (rules / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return rules


def run_case(rules_dir: Path, case_text: str, trace: bool = True):
    rule_set = load_rules(rules_dir)
    case = case_from_text(textwrap.dedent(case_text), rule_set)
    return evaluate(rule_set, case, trace=trace)
