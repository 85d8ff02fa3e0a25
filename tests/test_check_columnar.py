"""`regels check` reports what the columnar backend cannot compute: an error
at the construct, naming the rule, for the law and for every variant, and the
coverage. The rules in rules/ all compile, so these tests use a small rule set
with a construct the compiler refuses: rounding on a unit that is a parameter
('afgerond naar beneden op eenheid'), which the language and the interpreter
allow but the columnar backend does not (compiler.Plan._check_tree)."""

from __future__ import annotations

import json

from regels.cli import main

from .helpers import write_rules

BODY = """\
parameters:
  eenheid:
    type: bedrag
    waarden:
      2019-01-01: {waarde: € 10, bron: test}
invoer:
  inkomen:
    type: bedrag
regels:
  afgerond_inkomen:
    type: bedrag
    formule: inkomen afgerond naar beneden op eenheid
  helft:
    type: bedrag
    formule: afgerond_inkomen / 2
  los:
    type: bedrag
    formule: inkomen * 2
"""

VARIANT = """\
wet: Beleidsvariant
afkorting: Variant
bwb: "-"
artikel: anders_afronden
versies:
  - geldig_vanaf: 2019-01-01
    publicatie: test
regels:
  dubbel_afgerond:
    type: bedrag
    formule: los afgerond op eenheid
"""


def _rules(tmp_path, variant: bool = False):
    rules = write_rules(tmp_path, BODY)
    if variant:
        (rules / "varianten").mkdir()
        (rules / "varianten" / "anders_afronden.yaml").write_text(VARIANT, encoding="utf-8")
    return rules


def test_a_construct_the_columnar_backend_refuses_is_an_error_naming_the_rule(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _rules(tmp_path)
    assert main(["check", "rules"]) == 2
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    # at the unit of the rounding (the parameter after "op"), in the rule it belongs to
    assert lines[0] == ("rules/artikel.yaml:20:47: fout: niet ondersteund door de kolomsgewijze rekenwijze: "
                        "afronden op een eenheid die geen vaste waarde is in regel 'afgerond_inkomen'")
    assert "daardoor ook niet kolomsgewijs: helft" in lines[1]
    assert len([line for line in lines if ": fout: " in line]) == 1  # one construct, one error
    assert "kolomsgewijs rekenbaar (regels met hun uitzonderingen): wet 1 van 3" in captured.out


def test_a_variant_is_checked_for_the_columnar_backend_too(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rules = _rules(tmp_path, variant=True)
    text = (rules / "artikel.yaml").read_text(encoding="utf-8")
    (rules / "artikel.yaml").write_text(text.replace("op eenheid", "op € 10"), encoding="utf-8")
    assert main(["check", "rules"]) == 2
    captured = capsys.readouterr()
    errors = [line for line in captured.err.splitlines() if ": fout: " in line]
    assert errors == ["rules/varianten/anders_afronden.yaml:11:30: fout: niet ondersteund door de kolomsgewijze "
                      "rekenwijze: afronden op een eenheid die geen vaste waarde is in regel 'dubbel_afgerond'"]
    assert "wet 3 van 3, anders_afronden 3 van 4" in captured.out


def test_check_as_json_names_the_columnar_errors_and_coverage(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _rules(tmp_path)
    assert main(["check", "rules", "--json"]) == 2
    report = json.loads(capsys.readouterr().out)
    assert [(e["bestand"], e["regel"], e["kolom"]) for e in report["fouten"]] == [("rules/artikel.yaml", 20, 47)]
    assert report["kolomsgewijs"] == {"wet": {"regels": 3, "rekenbaar": 1}}


def test_the_rules_of_the_law_all_compile(capsys):
    assert main(["check", "rules"]) == 0
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if line.startswith("kolomsgewijs rekenbaar"))
    for part in line.split(": ", 1)[1].split(", "):
        done, total = part.rsplit(" ", 3)[1::2]
        assert done == total and int(total) > 100, part
