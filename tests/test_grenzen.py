"""Limits and evaluation errors (issue 10)."""

from __future__ import annotations

from pathlib import Path

from interpreter.api import load_rules
from tests.helpers import HEADER, write_rules


# --- 3. a percentage in the law text that disagrees with its parameter -----------------------

def _percentage_rules(tmp_path, text_percentage: str, value: str) -> Path:
    header = HEADER.replace('leden: {"1": "tekst"}',
                            f'leden: {{"8": "verminderd met {text_percentage} van het verschil"}}')
    return write_rules(tmp_path, f"""\
parameters:
  afbouwpercentage:
    type: percentage
    lid: "8"
    waarden:
      2019-01-01: {{waarde: "{value}", bron: test}}
regels:
  x: {{type: bedrag, uitkomst: ja, formule: afbouwpercentage van € 1.000}}
""", header=header)


def test_a_percentage_that_disagrees_with_the_law_text_is_reported(tmp_path):
    warnings = [w.message for w in load_rules(_percentage_rules(tmp_path, "7,10%", "7,60%")).warnings]
    assert any("afbouwpercentage" in w and "7,60%" in w and "7,10%" in w for w in warnings), warnings


def test_a_percentage_that_agrees_with_the_law_text_is_not_reported(tmp_path):
    warnings = [w.message for w in load_rules(_percentage_rules(tmp_path, "7,10%", "7,10%")).warnings]
    assert not any("afbouwpercentage" in w and "noemt" in w for w in warnings), warnings
