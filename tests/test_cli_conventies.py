"""The conventions of the `regels` command (issue 13, item 2): Dutch help with an
example for every verb, '-' for a case on standard input, no made-up line 0 for a
file that is missing, errors as JSON with --json, a machine-readable report of
`regels test`, and progress from tqdm."""

from __future__ import annotations

import argparse
import gettext
import io
import json
import os
import shlex
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from regels.cli import _parser, main
from regels.columnar.runner import Progress
from regels.diagnostics import Diagnostic, Pos

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = "voorbeelden/alleenstaande_ouder_2020.yaml"
VARIANT_CASE = "voorbeelden/varianten/statushouder_2016_gemeente.yaml"
ENGLISH = ["usage:", "options:", "positional arguments", "optional arguments", "show this help", "subcommands",
           "error:", "required", "invalid choice", "unrecognized", "expected one argument", "choose from"]


@pytest.fixture(autouse=True)
def in_repo(monkeypatch):
    monkeypatch.chdir(ROOT)


def _verbs():
    parser = _parser()
    return parser, parser.verbs


def _stdin(monkeypatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode("utf-8")), encoding="utf-8"))


# --- help ----------------------------------------------------------------------------------------


def test_the_help_of_every_verb_is_dutch_with_help_for_every_argument_and_an_example():
    parser, verbs = _verbs()
    assert set(verbs) >= {"bereken", "uitleg", "tijdlijn", "vergelijk", "impact", "batch", "uitleg-rij", "check",
                          "docs", "test"}
    for name, verb in [("regels", parser), *verbs.items()]:
        text = verb.format_help()
        assert text.startswith("gebruik: "), name
        assert "opties:" in text, name
        for word in ENGLISH:
            assert word not in text, f"{name}: '{word}' in\n{text}"
        for action in verb._actions:
            assert action.help and action.help != argparse.SUPPRESS, \
                f"{name}: {action.option_strings or action.dest} has no help"
        assert "Voorbeeld" in (verb.epilog or ""), f"{name} has no example"
    # the verbs in the list of verbs each have their line of help too
    assert all(a.help for a in parser._subparsers._group_actions[0]._choices_actions)


def test_the_examples_in_the_help_are_calls_the_parser_accepts():
    parser, verbs = _verbs()
    for name, verb in verbs.items():
        lines = [line.strip() for line in verb.epilog.splitlines()[1:] if line.strip()]
        assert lines, name
        for line in lines:
            first, *piped = line.split(" | ")  # 'regels voorbeeld X | regels uitleg -'
            words = shlex.split(first.split(" < ")[0].split(" > ")[0])
            assert words[:2] == ["regels", name], line
            args = parser.parse_args(words[1:])
            assert args.command == name
            for later in piped:  # each command the example pipes into parses too
                assert parser.parse_args(shlex.split(later)[1:]).command, line


def test_argparse_speaks_dutch_only_while_regels_parses(capsys):
    assert main(["bereken"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("gebruik: regels bereken")
    assert "regels bereken: fout: deze argumenten ontbreken: casus" in err
    assert "hint: zie: regels bereken --help" in err
    assert argparse._ is gettext.gettext and argparse.ngettext is gettext.ngettext  # put back


@pytest.mark.parametrize("argv, dutch", [
    (["bereken"], "deze argumenten ontbreken: casus"),
    (["uitleg", EXAMPLE, "--taal"], "--taal: verwacht één waarde"),
    (["uitleg", EXAMPLE, "--taal", "fr"], "--taal: ongeldige keuze 'fr' (kies uit"),
    (["bereken", EXAMPLE, "--jsn"], "regels bereken: fout: onbekende argumenten: --jsn"),
    (["batch", "p.csv", "--uitvoer", "u.csv", "--jaar", "twee"], "--jaar: 'twee' is geen geheel getal"),
    (["berekn", EXAMPLE], "OPDRACHT: ongeldige keuze 'berekn'"),
    (["berekn", EXAMPLE], "hint: bedoelde u 'bereken'? zie: regels --help"),
    (["impact", "p.csv"], "deze argumenten ontbreken: --variant"),
])
def test_a_wrong_call_is_told_in_dutch_with_exit_code_2(capsys, argv, dutch):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert dutch in err
    for word in ENGLISH:
        assert word not in err, err


# --- '-' reads the case from standard input ------------------------------------------------------


@pytest.mark.parametrize("verb, options", [
    ("bereken", ["--json", "--zonder-trace"]),
    ("bereken", []),
    ("uitleg", ["--formaat", "markdown"]),
    ("tijdlijn", ["--json"]),
    ("vergelijk", ["--json"]),
])
def test_a_case_on_standard_input_gives_what_the_file_gives(monkeypatch, capsys, verb, options):
    case = VARIANT_CASE if verb == "vergelijk" else EXAMPLE
    assert main([verb, case, *options]) == 0
    from_file = capsys.readouterr().out
    _stdin(monkeypatch, (ROOT / case).read_text(encoding="utf-8"))
    assert main([verb, "-", *options]) == 0
    from_stdin = capsys.readouterr().out
    assert from_stdin == from_file.replace(case, "<stdin>")
    assert len(from_stdin) > 200


def test_errors_in_a_case_on_standard_input_name_stdin(monkeypatch, capsys):
    text = (ROOT / EXAMPLE).read_text(encoding="utf-8").replace("berekeningsjaar: 2020", "berekeningsjaar: twintig")
    line = next(i for i, x in enumerate(text.splitlines(), 1) if "twintig" in x)
    _stdin(monkeypatch, text)
    assert main(["bereken", "-"]) == 2
    assert f"<stdin>:{line}:18: fout: 'twintig' is geen jaar" in capsys.readouterr().err


def test_regels_test_reads_one_case_from_standard_input(monkeypatch, capsys):
    _stdin(monkeypatch, (ROOT / EXAMPLE).read_text(encoding="utf-8"))
    assert main(["test", "-"]) == 0
    assert capsys.readouterr().out == "GOED  <stdin>\n1 goed, 0 mis, 0 fout\n"


def test_the_rules_for_a_case_on_standard_input_are_found_from_the_working_directory(monkeypatch, capsys, tmp_path):
    text = (ROOT / EXAMPLE).read_text(encoding="utf-8")
    monkeypatch.chdir(ROOT / "docs" / "wetten")  # below the project: its rules/ is found upwards
    _stdin(monkeypatch, text)
    assert main(["bereken", "-", "--json", "--zonder-trace"]) == 0
    assert json.loads(capsys.readouterr().out)["uitkomsten"]["kindgebonden_budget"] == "5389.00"
    monkeypatch.chdir(tmp_path)  # no rules/ here nor above: the rule set that comes with the package
    _stdin(monkeypatch, text)
    assert main(["bereken", "-", "--json", "--zonder-trace"]) == 0
    assert json.loads(capsys.readouterr().out)["uitkomsten"]["kindgebonden_budget"] == "5389.00"
    monkeypatch.setenv("REGELS_REGELS", str(tmp_path / "nergens"))  # a rule folder that is not there
    _stdin(monkeypatch, text)
    assert main(["bereken", "-"]) == 2
    assert "map met regels niet gevonden" in capsys.readouterr().err


# --- a file that is missing or cannot be read -----------------------------------------------------


def test_a_position_without_line_or_column_shows_none():
    assert str(Pos("x.yaml", 0, 0)) == "x.yaml"
    assert str(Pos("x.yaml", 3, 0)) == "x.yaml:3"
    assert str(Pos("x.yaml", 3, 7)) == "x.yaml:3:7"
    assert Diagnostic(Pos("x.yaml", 0, 0), "bestand niet gevonden").format() == "x.yaml: fout: bestand niet gevonden"
    data = Diagnostic(Pos("x.yaml", 0, 0), "m").to_json()
    assert (data["bestand"], data["regel"], data["kolom"]) == ("x.yaml", None, None)


@pytest.mark.parametrize("argv, first_line", [
    (["bereken", "bestaat_niet.yaml"], "bestaat_niet.yaml: fout: casusbestand niet gevonden"),
    (["uitleg", "voorbeelden"], "voorbeelden: fout: is een map, geen casusbestand"),
    (["check", "geen_map"], "geen_map: fout: map met regels niet gevonden"),
    (["bereken", EXAMPLE, "--regels", "geen_map"], "geen_map: fout: map met regels niet gevonden"),
    (["batch", "geen.csv", "--uitvoer", "uit.csv"], "geen.csv: fout: populatie niet gevonden"),
    (["bereken", EXAMPLE, "--variant", "onbekend"],
     "rules/varianten/onbekend.yaml: fout: onbekende variant 'onbekend'"),
])
def test_a_missing_file_is_named_without_a_line_0(capsys, argv, first_line):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.splitlines()[0] == first_line
    assert "hint: " in err and ":0" not in err


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads every file")
def test_an_unreadable_case_file_is_named_without_a_line_0(capsys, tmp_path):
    path = tmp_path / "casus.yaml"
    path.write_text((ROOT / EXAMPLE).read_text(encoding="utf-8"), encoding="utf-8")
    path.chmod(0)
    assert main(["bereken", str(path), "--regels", "rules"]) == 2
    assert capsys.readouterr().err.startswith(f"{path}: fout: geen toestemming")


# --- with --json, errors are JSON ----------------------------------------------------------------


def _verbs_with_json():
    _, verbs = _verbs()
    return sorted(name for name, verb in verbs.items() if "--json" in verb._option_string_actions)


def test_the_verbs_with_json_are_known():
    assert _verbs_with_json() == ["bereken", "check", "impact", "test", "tijdlijn", "vergelijk"]


@pytest.mark.parametrize("verb", ["bereken", "tijdlijn", "vergelijk", "impact", "check"])
def test_with_json_an_error_is_json_on_stdout_with_the_same_exit_code(capsys, verb):
    argv = {"impact": ["impact", "bestaat_niet.csv", "--variant", "afzien_terugvordering_alo_kop"],
            "check": ["check", "bestaat_niet"]}.get(verb, [verb, "bestaat_niet.yaml"])
    assert main(argv) == 2
    plain = capsys.readouterr()
    assert main([*argv, "--json"]) == 2
    out, err = capsys.readouterr()
    assert err == ""
    data = json.loads(out)
    error = data["fouten"][0]
    assert set(error) == {"bestand", "regel", "kolom", "melding", "hint", "ernst"}
    assert error["bestand"].startswith("bestaat_niet") and error["regel"] is None and error["kolom"] is None
    assert error["ernst"] == "fout" and error["hint"]
    assert plain.err.startswith(f"{error['bestand']}: fout: {error['melding']}")


def test_with_json_an_error_in_a_case_has_its_line_and_column(capsys, tmp_path):
    path = tmp_path / "casus.yaml"
    path.write_text((ROOT / EXAMPLE).read_text(encoding="utf-8").replace("berekeningsjaar: 2020",
                                                                          "berekeningsjaar: twintig"), encoding="utf-8")
    assert main(["bereken", str(path), "--json", "--regels", "rules"]) == 2
    error = json.loads(capsys.readouterr().out)["fouten"][0]
    assert error["bestand"] == str(path) and error["regel"] > 1 and error["kolom"] == 18
    assert error["melding"] == "'twintig' is geen jaar"


def test_with_json_a_wrong_call_is_json_too(capsys):
    assert main(["tijdlijn", "--json"]) == 2
    out, err = capsys.readouterr()
    error = json.loads(out)["fouten"][0]
    assert err == "" and error["bestand"] is None
    assert error["melding"] == "regels tijdlijn: deze argumenten ontbreken: casus"


# --- regels test --json and --junit --------------------------------------------------------------


@pytest.fixture
def test_cases(tmp_path):
    """A good case, a case with a wrong expectation and a broken case."""
    text = (ROOT / EXAMPLE).read_text(encoding="utf-8")
    (tmp_path / "a_goed.yaml").write_text(text, encoding="utf-8")
    assert "waarde: € 5.389\n" in text
    (tmp_path / "b_mis.yaml").write_text(text.replace("waarde: € 5.389\n", "waarde: € 5.390\n"), encoding="utf-8")
    (tmp_path / "c_fout.yaml").write_text(text.replace("berekeningsjaar: 2020", "berekeningsjaar: twintig"),
                                          encoding="utf-8")
    return tmp_path


def test_regels_test_json_reports_each_case_with_its_differences_and_errors(capsys, test_cases):
    assert main(["test", str(test_cases), "--json", "--regels", "rules"]) == 2  # a broken case: exit 2
    data = json.loads(capsys.readouterr().out)
    assert data["totaal"] == {"casussen": 3, "goed": 1, "mis": 1, "fout": 1}
    good, wrong, broken = data["casussen"]
    assert good["uitslag"] == "goed" and good["verwachtingen"] == 13 and good["verschillen"] == []
    assert wrong["uitslag"] == "mis" and len(wrong["verschillen"]) == 1
    difference = wrong["verschillen"][0]
    assert difference["uitkomst"] == "kindgebonden_budget" and difference["goed"] is False
    assert (difference["verwacht"], difference["berekend"]) == ("5390.00", "5389.00")
    assert difference["bron"] and difference["bestand"].endswith("b_mis.yaml") and difference["regel"] > 1
    assert broken["uitslag"] == "fout" and broken["fouten"][0]["melding"] == "'twintig' is geen jaar"


def test_regels_test_json_exit_code_1_for_a_difference_only(capsys, test_cases):
    (test_cases / "c_fout.yaml").unlink()
    assert main(["test", str(test_cases), "--json", "--regels", "rules"]) == 1
    assert json.loads(capsys.readouterr().out)["totaal"]["mis"] == 1


def test_regels_test_junit_has_a_testcase_per_expected_value(capsys, test_cases, tmp_path):
    report = tmp_path / "verslag" / "junit.xml"
    report.parent.mkdir()
    assert main(["test", str(test_cases), "--junit", str(report), "--regels", "rules"]) == 2
    out = capsys.readouterr().out
    assert "MIS   " in out and out.endswith("1 goed, 1 mis, 1 fout\n")  # the text report as before
    root = ET.parse(report).getroot()
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("27", "1", "1")
    suites = root.findall("testsuite")
    assert [len(s.findall("testcase")) for s in suites] == [13, 13, 1]
    failure = suites[1].find("testcase/failure")
    assert failure.get("message") == "verwacht €\u00a05.390, berekend €\u00a05.389"
    assert "bron van de verwachting: " in failure.text
    failed_case = next(c for c in suites[1].findall("testcase") if c.find("failure") is not None)
    assert failed_case.get("name") == "kindgebonden_budget" and int(failed_case.get("line")) > 1
    error = suites[2].find("testcase/error")
    assert error.get("message") == "'twintig' is geen jaar" and "c_fout.yaml:" in error.text


def test_regels_test_junit_refuses_a_folder_before_the_work(capsys, tmp_path):
    assert main(["test", EXAMPLE, "--junit", str(tmp_path)]) == 2
    assert "is een map, geen bestand" in capsys.readouterr().err


# --- progress ------------------------------------------------------------------------------------


def test_progress_off_a_terminal_is_quiet_or_a_line_per_tenth(capsys):
    bar = Progress(95, "regels batch", True)  # stderr is captured: no terminal
    bar(95)
    bar.close()
    assert capsys.readouterr().err == ""
    bar = Progress(95, "regels batch", "regels")
    for _ in range(19):
        bar(5)
    bar.close()
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 10
    assert lines[0].startswith("regels batch:  11% 10/95 [")
    assert lines[-1].startswith("regels batch: 100% 95/95 [")
    assert all("huishoudens/s" in line and "nog " in line for line in lines)


def test_batch_with_voortgang_writes_progress_lines_to_stderr(capsys, tmp_path):
    out = tmp_path / "uit.csv"
    assert main(["batch", "tests/data/populatie_klein.csv", "--uitvoer", str(out), "--voortgang"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("regels batch:") and "huishoudens/s" in err[0]
    assert err[-1].startswith(f"{out}: 6 huishoudens in")
    assert main(["batch", "tests/data/populatie_klein.csv", "--uitvoer", str(out)]) == 0
    assert len(capsys.readouterr().err.splitlines()) == 1  # without --voortgang: the closing line only


def test_with_json_an_internal_error_is_json_with_exit_code_3(monkeypatch, capsys):
    import regels.cli as cli

    def broken(args):
        raise ZeroDivisionError("a bug")

    monkeypatch.delenv("REGELS_DEBUG", raising=False)
    monkeypatch.setattr(cli, "cmd_bereken", broken)
    assert main(["bereken", EXAMPLE, "--json"]) == 3
    out, err = capsys.readouterr()
    error = json.loads(out)["fouten"][0]
    assert err == "" and error["melding"].startswith("interne fout in regels") and "REGELS_DEBUG" in error["hint"]
    assert main(["bereken", EXAMPLE]) == 3
    assert capsys.readouterr().err.startswith("interne fout in regels (geen fout in uw bestanden); zet REGELS_DEBUG=1")
