"""Golden files: the explanations of the example cases, checked against
reviewed text under tests/gouden/, so that any change in wording or reasoning
shows up as a diff. After reviewing a change, write the new text with:

    REGELS_GOUDEN=1 .venv/bin/pytest tests/test_uitleg.py
"""

import difflib
import os
import re
from pathlib import Path

import pytest

from regels.api import evaluate, load_case, load_rules
from regels.explain import render_explanation

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "gouden"

CASES = [
    ("alleenstaande_ouder_2020", "nl", "tekst", {}),
    ("alleenstaande_ouder_2020", "en", "tekst", {}),
    ("statushouder_2016", "nl", "tekst", {"why_not": ["alleenstaande_ouderkop"],
                                           "what_changes": ["alleenstaande_ouderkop", "kindgebonden_budget"]}),
    ("statushouder_2016", "en", "tekst", {"why_not": ["alleenstaande_ouderkop"],
                                           "what_changes": ["alleenstaande_ouderkop"]}),
    ("statushouder_2016", "nl", "markdown", {"why_not": ["alleenstaande_ouderkop"]}),
    ("statushouder_2016", "en", "html", {}),
]


def _stable(text: str) -> str:
    """The rule set's content hash changes with every edit to rules/; it is not wording."""
    return re.sub(r"sha256:[0-9a-f]+", "sha256:…", text)


@pytest.fixture(scope="module")
def rules():
    return load_rules(ROOT / "rules")


@pytest.mark.parametrize("name, taal, formaat, options", CASES, ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in CASES])
def test_explanation_matches_reviewed_text(rules, monkeypatch, name, taal, formaat, options):
    monkeypatch.chdir(ROOT)
    case = load_case(Path("voorbeelden") / f"{name}.yaml", rules)
    text = _stable(render_explanation(evaluate(rules, case), language=taal, fmt=formaat, **options))
    suffix = {"tekst": "txt", "markdown": "md", "html": "html"}[formaat]
    golden = GOLDEN / f"{name}.{taal}.{suffix}"
    if os.environ.get("REGELS_GOUDEN"):
        golden.write_text(text, encoding="utf-8")
    expected = golden.read_text(encoding="utf-8") if golden.exists() else ""
    if text != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), text.splitlines(True),
                                            str(golden), "nu", n=2))
        pytest.fail(f"de uitleg wijkt af van {golden.name}:\n{diff[:6000]}\n"
                    "Klopt de nieuwe tekst? Schrijf hem dan weg met REGELS_GOUDEN=1.", pytrace=False)
