"""Every input that the fuzz run (benchmarks/fuzz.py --bewaar) or a property
test ever found failing is kept under tests/fouten/fuzz/ and replayed here: it
must now be accepted, or rejected with a located error, within the time limit."""

from __future__ import annotations

from pathlib import Path

import pytest

from regels.api import RuleSets
from tests import fuzzdoelen as fz

FIXTURES = sorted(fz.FAILURES.glob("*.txt")) if fz.FAILURES.exists() else []


@pytest.fixture(scope="module")
def rule_sets():
    return RuleSets(fz.ROOT / "rules")


def _replay(path: Path, rule_sets) -> fz.Outcome:
    text = path.read_text(encoding="utf-8", errors="surrogateescape")
    header, _, payload = text.partition("\n---\n")
    target = header.splitlines()[0].removeprefix("# doel: ").strip()
    if target == "bedrag":
        rendering, meant, quoted = payload.split("\n")[:3]
        from fractions import Fraction
        return fz.guarded(fz.amount_target, rendering, None if meant == "None" else Fraction(meant), quoted == "True")
    if target == "syntaxis":
        return fz.guarded(fz.syntax_target, payload)
    if target == "formule":
        type_, per, formula = payload.split("\n", 2)
        return fz.guarded(fz.formula_target, formula, type_, per)
    if target == "regelbestand":
        return fz.guarded(fz.rule_file_target, payload)
    if target == "casus":
        return fz.guarded(fz.case_target, payload, rule_sets, False)
    if target == "opdrachtregel":
        return fz.guarded(fz.cli_target, payload.split("\n"))
    raise AssertionError(f"{path}: onbekend doel {target!r}")


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_a_once_failing_input_is_now_handled(path, rule_sets):
    outcome = _replay(path, rule_sets)
    assert outcome.kind in (fz.OK, fz.FOUT), f"{outcome.kind}: {outcome.detail}"
