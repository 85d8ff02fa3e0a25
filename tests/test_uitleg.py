"""Golden files: the explanations of the example cases, checked against
reviewed text under tests/gouden/, so that any change in wording or reasoning
shows up as a diff. Every example in voorbeelden/ has its short explanation (what
a reader sees first) in Dutch and English; a few have the other formats, the
'waarom'/'wat verandert' sections, or the full derivation (--volledig). After
reviewing a change, write the new text with:

    REGELS_GOUDEN=1 .venv/bin/pytest tests/test_uitleg.py
"""

import difflib
import os
import re
from pathlib import Path

import pytest

from regels.api import RuleSets, evaluate, read_case_file
from regels.explain import render_explanation

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "gouden"
EXAMPLES = sorted(p.relative_to(ROOT / "voorbeelden").with_suffix("").as_posix()
                  for p in (ROOT / "voorbeelden").rglob("*.yaml"))

# (example, golden name, language, format, options)
CASES = [(name, name.replace("/", "."), taal, "tekst", {}) for name in EXAMPLES for taal in ("nl", "en")] + [
    ("alleenstaande_ouder_2020", "alleenstaande_ouder_2020.volledig", "nl", "tekst", {"full": True}),
    ("statushouder_2016", "statushouder_2016.waarom", "nl", "tekst",
     {"why_not": ["alleenstaande_ouderkop"], "what_changes": ["alleenstaande_ouderkop", "kindgebonden_budget"]}),
    ("statushouder_2016", "statushouder_2016.waarom", "en", "tekst",
     {"why_not": ["alleenstaande_ouderkop"], "what_changes": ["alleenstaande_ouderkop"]}),
    ("statushouder_2016", "statushouder_2016", "nl", "markdown", {"why_not": ["alleenstaande_ouderkop"]}),
    ("statushouder_2016", "statushouder_2016", "en", "html", {}),
]


def _stable(text: str) -> str:
    """The rule set's content hash changes with every edit to rules/; it is not wording."""
    return re.sub(r"sha256:[0-9a-f]+", "sha256:…", text)


@pytest.fixture(scope="module")
def rule_sets():
    return RuleSets(ROOT / "rules")


@pytest.mark.parametrize("name, golden_name, taal, formaat, options", CASES,
                         ids=[f"{c[1]}-{c[2]}-{c[3]}" for c in CASES])
def test_explanation_matches_reviewed_text(rule_sets, monkeypatch, name, golden_name, taal, formaat, options):
    monkeypatch.chdir(ROOT)
    rule_set, case = read_case_file(Path("voorbeelden") / f"{name}.yaml", rule_sets)
    text = _stable(render_explanation(evaluate(rule_set, case), language=taal, fmt=formaat, **options))
    suffix = {"tekst": "txt", "markdown": "md", "html": "html"}[formaat]
    golden = GOLDEN / f"{golden_name}.{taal}.{suffix}"
    if os.environ.get("REGELS_GOUDEN"):
        golden.write_text(text, encoding="utf-8")
    expected = golden.read_text(encoding="utf-8") if golden.exists() else ""
    if text != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), text.splitlines(True),
                                            str(golden), "nu", n=2))
        pytest.fail(f"de uitleg wijkt af van {golden.name}:\n{diff[:6000]}\n"
                    "Klopt de nieuwe tekst? Schrijf hem dan weg met REGELS_GOUDEN=1.", pytrace=False)


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_short_explanation_fits_a_screen_and_opens_with_the_answer(rule_sets, monkeypatch, name):
    """The first lines answer (the case's question, or the outcome in a sentence), each line
    at most 80 columns; the full derivation is not in the way."""
    monkeypatch.chdir(ROOT)
    rule_set, case = read_case_file(Path("voorbeelden") / f"{name}.yaml", rule_sets)
    result = evaluate(rule_set, case)
    for taal in ("nl", "en"):
        lines = render_explanation(result, language=taal).splitlines()
        assert max(len(line) for line in lines) <= 80, [line for line in lines if len(line) > 80]
        opening = " ".join(lines[:6])
        assert re.search(r"\(\w+ art\. [^)]+\)\.", opening), opening  # a sentence with its article
        if case.question:
            assert case.question[taal] in opening
        assert not any(line.startswith(("AFLEIDING", "DERIVATION")) for line in lines)
