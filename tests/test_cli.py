"""The `regels` command as a user meets it: output, exit codes, languages and
formats, and no traceback on bad input."""

import json
import os
import stat
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from regels.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = "voorbeelden/alleenstaande_ouder_2020.yaml"


@pytest.fixture(autouse=True)
def in_repo(monkeypatch):
    monkeypatch.chdir(ROOT)


def test_bereken_prints_outcomes(capsys):
    assert main(["bereken", EXAMPLE]) == 0
    out = capsys.readouterr().out
    # an amount is shown with a non-breaking space after the euro sign (values.format_amount)
    assert "kindgebonden_budget        €\u00a05.389" in out
    assert "april 2020       €\u00a0454,13" in out


def test_bereken_json_has_the_documented_fields(capsys):
    assert main(["bereken", EXAMPLE, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["berekeningsjaar"] == 2020
    assert data["uitkomsten"]["kindgebonden_budget"] == "5389.00"
    assert data["per_maand"]["kindgebonden_budget_maand"]["2020-04"] == "454.13"
    assert data["regelset"]["hash"].startswith("sha256:")
    alo = next(s for s in data["trace"] if s["id"] == "alleenstaande_ouderkop@2020-04")
    assert alo["bron"] == "WKB art. 2 lid 6" and alo["bwb"] == "BWBR0022751"
    assert alo["artikelversie"]["geldig_vanaf"] == "2020-01-01"
    assert alo["parameters"][0]["naam"] == "alo_kop" and alo["parameters"][0]["waarde"] == "3190.00"
    assert alo["parameters"][0]["bron"] == "WKB art. 2 lid 6, tekst 2020-01-01"


@pytest.mark.parametrize("taal, formaat, extra, expected", [
    ("nl", "tekst", [], ["U krijgt over 2020 €\u00a05.389 kindgebonden budget, per maand €\u00a0433,88, vanaf april",
                         "+    €\u00a03.190  alleenstaande-ouderkop", "WKB art. 2 lid 6\n"]),
    ("en", "tekst", [], ["single-parent supplement", "WKB art. 2 lid 6\n", "a year, because you have no"]),
    ("nl", "markdown", [], ["| + | €\u00a03.190 | alleenstaande-ouderkop | WKB art. 2 lid 6 |", "--volledig"]),
    ("en", "html", [], ["<details>", "<summary>Full derivation, by article</summary>", "<code>alleenstaande_ouderkop</code>"]),
    ("nl", "tekst", ["--volledig"], ["AFLEIDING PER ARTIKEL", "alleenstaande_ouderkop (lid 6), heel 2020: €\u00a03.190",
                                     "parameter alo_kop = €\u00a03.190 (vanaf 1 januari 2020; WKB art. 2 lid 6;", "BRONNEN"]),
    ("nl", "markdown", ["--volledig"], ["## Afleiding per artikel", "### WKB art. 2, Wet op het kindgebonden budget",
                                        "## Bronnen"]),
])
def test_uitleg_languages_and_formats(capsys, taal, formaat, extra, expected):
    assert main(["uitleg", EXAMPLE, "--taal", taal, "--formaat", formaat] + extra) == 0
    out = capsys.readouterr().out
    for text in expected:
        assert text in out, text
    if formaat == "tekst" and not extra:  # the first screen: short, and no line wider than 80 columns
        assert len(out.splitlines()) <= 30 and max(len(line) for line in out.splitlines()) <= 80
        assert "AFLEIDING PER ARTIKEL" not in out


def test_volledig_collapses_identical_steps_over_months_and_names_each_source_once(capsys):
    assert main(["uitleg", EXAMPLE, "--volledig"]) == 0
    out = capsys.readouterr().out
    # peildatum is the first day of each month: one step, its values per month, not twelve steps
    assert out.count("  peildatum (lid 1), heel 2020\n") == 1
    assert "januari 2020: 1 januari 2020;" in out and "december 2020: 1 december 2020" in out
    # the age of Sara changes in April: one step, two values
    assert out.count("bereikte_leeftijd voor sara (lid 3), heel 2020\n") == 1
    assert "januari t/m maart 2020: 11; april t/m december 2020: 12" in out
    # the version of WKB art. 2 is named once, under the sources, not with every step
    sources = out[out.index("BRONNEN"):]
    assert out.count("Kamerstukken 35 010") == 1 and "Kamerstukken 35 010" in sources


def test_html_explanation_escapes_case_text(tmp_path, capsys):
    case = (ROOT / EXAMPLE).read_text(encoding="utf-8").replace(
        "casus: Alleenstaande moeder", "casus: <script>alert(1)</script> Alleenstaande moeder")
    path = tmp_path / "casus.yaml"
    path.write_text(case, encoding="utf-8")
    assert main(["uitleg", str(path), "--formaat", "html", "--regels", str(ROOT / "rules")]) == 0
    out = capsys.readouterr().out
    assert "<script>" not in out and "&lt;script&gt;" in out


def test_uitleg_writes_a_file_whole(tmp_path):
    target = tmp_path / "uit" / "uitleg.md"
    assert main(["uitleg", EXAMPLE, "--formaat", "markdown", "--uitvoer", str(target)]) == 0
    assert target.read_text(encoding="utf-8").startswith("# Uitleg:")
    assert [p.name for p in target.parent.iterdir()] == ["uitleg.md"]  # no temporary file left


def test_check_reports_the_rule_set(capsys):
    assert main(["check", "rules"]) == 0
    out = capsys.readouterr().out
    assert "geen fouten" in out and "regels-toeslagen" in out and "3 varianten" in out


def test_check_also_checks_each_variant_on_the_law(capsys, tmp_path):
    copy = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", copy)
    variant = copy / "varianten" / "structurele_oplossing_2020.yaml"
    variant.write_text(variant.read_text(encoding="utf-8").replace(
        "indien: bekend_bij_gemeente van p", "indien: bekend_bij_gemeentee van p"), encoding="utf-8")
    assert main(["check", str(copy)]) == 2
    err = capsys.readouterr().err
    assert "structurele_oplossing_2020.yaml" in err and "bedoelde u 'bekend_bij_gemeente'?" in err


def test_test_command_passes_and_fails_with_a_readable_diff(tmp_path, capsys):
    assert main(["test", EXAMPLE]) == 0
    wrong = (ROOT / EXAMPLE).read_text(encoding="utf-8").replace("waarde: € 5.389", "waarde: € 5.390")
    path = tmp_path / "fout.yaml"
    path.write_text(wrong, encoding="utf-8")
    capsys.readouterr()
    assert main(["test", str(path), "--regels", str(ROOT / "rules")]) == 1
    out = capsys.readouterr().out
    assert "verwacht: €\u00a05.390" in out and "berekend: €\u00a05.389" in out and "0 goed, 1 mis, 0 fout" in out


def test_broken_rule_set_exits_2_without_traceback(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    text = (rules / "wkb" / "artikel_2.yaml").read_text(encoding="utf-8")
    (rules / "wkb" / "artikel_2.yaml").write_text(text.replace("dan alo_kop anders", "dan alo_kopp anders"),
                                                  encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "regels.cli", "check", str(rules)],
                         capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 2
    assert "artikel_2.yaml:" in run.stderr and "onbekende naam 'alo_kopp'" in run.stderr
    assert "bedoelde u 'alo_kop'?" in run.stderr
    assert "Traceback" not in run.stderr + run.stdout


def test_waarom_niet_explains_down_to_the_marriage(capsys):
    assert main(["uitleg", "voorbeelden/statushouder_2016.yaml", "--waarom-niet", "alleenstaande_ouderkop"]) == 0
    out = capsys.readouterr().out
    section = out[out.index("WAAROM NIET: alleenstaande_ouderkop"):out.index("Berekeningsjaar 2016")]
    assert "heel 2016:" in section  # twelve identical months explained once
    assert "heeft_toeslagpartner = waar (Awir art. 3 lid 4)" in section
    assert "echtgenoot_als_partner van youssef = waar (AWR art. 5a lid 1 onder a)" in section
    assert "gegeven huwelijk(amal; youssef) = waar (bron: Syrische huwelijksakte" in section


def test_waarom_niet_when_the_value_is_not_zero(capsys):
    assert main(["uitleg", EXAMPLE, "--waarom-niet", "alleenstaande_ouderkop", "--taal", "en"]) == 0
    assert "In no month is this value zero or false." in capsys.readouterr().out


def test_waarom_unknown_rule_is_a_clear_error(capsys):
    assert main(["uitleg", EXAMPLE, "--waarom", "alleenstaande_ouderkopp"]) == 2
    assert "bedoelde u 'alleenstaande_ouderkop'?" in capsys.readouterr().err


def test_wat_verandert_finds_the_marriage_and_its_effect(capsys):
    assert main(["uitleg", "voorbeelden/statushouder_2016.yaml", "--wat-verandert", "alleenstaande_ouderkop",
                 "--wat-verandert", "kindgebonden_budget"]) == 0
    out = " ".join(capsys.readouterr().out.split())  # lines wrap at 80 columns; split() also takes the no-break space
    # without the marriage the ALO-kop of 2016 (WKB art. 2 lid 6: € 3.066) would be due in every month
    assert "als huwelijk(amal; youssef) er niet was geweest: heel 2016: € 3.066 (nu: heel 2016: € 0)" in out
    # and the year amount would be € 1.038 + € 3.066
    assert "als huwelijk(amal; youssef) er niet was geweest: € 4.104 (nu: € 1.038)" in out


def test_wat_verandert_finds_when_the_marriage_became_known(capsys):
    assert main(["uitleg", "voorbeelden/statushouder_2016_tijdlijn.yaml", "--wat-verandert", "terug_te_betalen"]) == 0
    out = " ".join(capsys.readouterr().out.split())  # lines wrap at 80 columns; split() also takes the no-break space
    # had the Dienst known the marriage from the start, the voorschot would have had no ALO-kop (Awir art. 16,
    # UB Awir art. 1b) and nothing would be recovered; a BSN for the husband has the same effect
    assert ("als de uitvoerder huwelijk(amal; youssef) vanaf het begin had gekend (nu pas vanaf 15 maart 2018): "
            "€ 0 (nu: € 3.066)") in out
    assert "als heeft_bsn van youssef waar was geweest: € 0 (nu: € 3.066)" in out


def test_tijdlijn_shows_the_two_outcomes_of_2015_and_2016(capsys):
    assert main(["tijdlijn", "voorbeelden/statushouder_2015_tijdlijn.yaml"]) == 0
    out2015 = capsys.readouterr().out
    assert "herzien: onwaar  (Awir art. 21 lid 1)" in out2015
    assert "terug_te_betalen: €\u00a00" in out2015
    assert "31 december 2020  herziening_mogelijk_tot" in out2015
    assert "volgens de wet verschuldigd (de werkelijke feiten): kindgebonden_budget €\u00a01.032" in out2015
    assert main(["tijdlijn", "voorbeelden/statushouder_2016_tijdlijn.yaml", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    by_name = {m["wat"]: m for m in data["tijdlijn"]}
    assert by_name["eerste_voorschot"]["waarde"] == "4104.00" and by_name["eerste_voorschot"]["datum"] == "2015-12-01"
    assert by_name["terug_te_betalen"]["waarde"] == "3066.00"
    assert by_name["huwelijk(amal; youssef)"]["datum"] == "2018-03-15"
    assert by_name["einde_betalingsregeling"]["waarde"] == "2020-08-11"


def test_vergelijk_law_and_variants(capsys):
    case2016 = "voorbeelden/varianten/statushouder_2016_gemeente.yaml"
    assert main(["vergelijk", case2016, "--variant", "afzien_terugvordering_alo_kop", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    rows = {r["regel"]: r for r in data["verschillen"]}
    # the law recovers the ALO-kop of 2016 (€ 3.066, WKB art. 2 lid 6); the variant waives exactly that
    assert rows["terug_te_betalen"]["wet"] == "3066.00" and rows["terug_te_betalen"]["variant"] == "0.00"
    assert rows["terug_te_betalen"]["door"][0]["regel"] == "afzien_van_terugvordering_alo_kop"
    # the structural fix starts in 2020: nothing changes for 2016 ...
    assert main(["vergelijk", case2016, "--variant", "structurele_oplossing_2020"]) == 0
    assert "geen verschil" in capsys.readouterr().out
    # ... but for 2020 the voorschot no longer contains the ALO-kop (2020: € 3.190), so nothing is recovered
    assert main(["vergelijk", "voorbeelden/varianten/statushouder_2020_gemeente.yaml",
                 "--variant", "structurele_oplossing_2020", "--json"]) == 0
    rows = {r["regel"]: r for r in json.loads(capsys.readouterr().out)["verschillen"]}
    assert rows["voorschot"]["wet"] == "4375.00" and rows["voorschot"]["variant"] == "1185.00"
    assert rows["terug_te_betalen"]["wet"] == "3190.00" and rows["terug_te_betalen"]["variant"] == "0.00"


def test_a_case_names_its_variant(capsys, tmp_path):
    case = ROOT / "voorbeelden/varianten/statushouder_2016_gemeente.yaml"
    # without --variant, 'vergelijk' takes the variant the case names, and 'bereken' computes the law
    assert main(["vergelijk", str(case), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["variant"] == "afzien_terugvordering_alo_kop"
    assert main(["bereken", str(case)]) == 0
    assert "terug_te_betalen           €\u00a03.066" in capsys.readouterr().out
    assert main(["bereken", str(case), "--variant", "afzien_terugvordering_alo_kop"]) == 0
    assert "terug_te_betalen           €\u00a00" in capsys.readouterr().out
    # 'verwacht_met_variant' is checked under the variant: a wrong value there fails the case
    wrong = tmp_path / "fout.yaml"
    wrong.write_text(case.read_text(encoding="utf-8").replace(
        "  terug_te_betalen:\n    waarde: € 0", "  terug_te_betalen:\n    waarde: € 10"), encoding="utf-8")
    assert main(["test", str(wrong), "--regels", "rules"]) == 1
    out = capsys.readouterr().out
    assert "terug_te_betalen (met variant afzien_terugvordering_alo_kop)" in out and "€\u00a010" in out


def test_impact_reads_parquet_as_csv(capsys, tmp_path):
    import pyarrow.csv
    import pyarrow.parquet

    parquet = tmp_path / "populatie_klein.parquet"
    pyarrow.parquet.write_table(pyarrow.csv.read_csv(ROOT / "tests/data/populatie_klein.csv"), parquet)
    reports = []
    for path in ("tests/data/populatie_klein.csv", str(parquet)):
        assert main(["impact", path, "--variant", "afzien_terugvordering_alo_kop", "--json",
                     "--regels", "rules"]) == 0
        report = json.loads(capsys.readouterr().out)
        reports.append({k: report[k] for k in ("rijen", "uniek", "per_jaar")})
    assert reports[0] == reports[1]
    # the distribution: three households each € 3.066 less recovered under the variant
    assert reports[0]["per_jaar"]["2016"]["verdeling"] == [
        {"van": 3000, "tot": 4000, "huishoudens": 3, "verschil": "9198.00"}]
    broken = tmp_path / "kapot.parquet"
    broken.write_text("geen parquet", encoding="utf-8")
    assert main(["impact", str(broken), "--variant", "afzien_terugvordering_alo_kop", "--regels", "rules"]) == 2
    assert "geen leesbaar Parquet-bestand" in capsys.readouterr().err


def test_impact_input_errors_are_clear(capsys, tmp_path):
    few = tmp_path / "weinig_kolommen.csv"
    few.write_text("id,berekeningsjaar\n1,2019\n", encoding="utf-8")
    assert main(["impact", str(few), "--variant", "afzien_terugvordering_alo_kop", "--regels", "rules"]) == 2
    err = capsys.readouterr().err
    # the column mapping (populatie/kolommen.yaml) names what is missing and what the file has
    assert "het populatiebestand mist kolommen 'inkomen'" in err and "kolommen in het bestand: id, berekeningsjaar" in err
    assert main(["impact", "tests/data/populatie_klein.csv", "--variant", "afzien_terugvordering_alo_kop",
                 "--uitkomst", "terug_te_betaal"]) == 2
    assert "bedoelde u 'terug_te_betalen'" in capsys.readouterr().err
    latin = tmp_path / "latin1.csv"
    latin.write_bytes("id,berekeningsjaar\n1,é\n".encode("latin-1"))
    assert main(["impact", str(latin), "--variant", "afzien_terugvordering_alo_kop", "--regels", "rules"]) == 2
    assert "geen leesbaar CSV-bestand" in capsys.readouterr().err


def test_unknown_variant_is_a_clear_error(capsys):
    assert main(["vergelijk", "voorbeelden/varianten/statushouder_2016_gemeente.yaml",
                 "--variant", "afzien_terugvordering"]) == 2
    assert "bedoelde u 'afzien_terugvordering_alo_kop'?" in capsys.readouterr().err


def test_impact_on_a_small_population(capsys):
    assert main(["impact", "tests/data/populatie_klein.csv", "--variant", "afzien_terugvordering_alo_kop",
                 "--uitkomst", "terug_te_betalen", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["rijen"] == 6 and data["uniek"] == 4  # rows 1-3 are the same household
    year = data["per_jaar"]["2016"]
    # rows 1-4: voorschot with the ALO-kop of 2016 (€ 1.038 + € 3.066), toekenning after the partner became
    # known: € 1.038, so € 3.066 is recovered by law (Awir art. 24/26); the variant waives it where the
    # municipality knew the partner (rows 1-3), not in row 4
    assert year["huishoudens"] == 5 and year["geraakt"] == 3
    assert year["wet"] == ["12264.00"] and year["variant"] == ["3066.00"]


def test_generator_shapes_the_population_on_the_context_figures(tmp_path, capsys):
    # per 1.000.000 households: 1.200 statushouders with a partner abroad and 5.000 single parents
    # whose child lives abroad (the context documents); scaled down to 5.000 here
    out = tmp_path / "populatie.parquet"
    subprocess.run([sys.executable, str(ROOT / "populatie/genereer.py"), "--aantal", "5000", "--uit", str(out)],
                   check=True, capture_output=True)
    import pyarrow.parquet

    rows = pyarrow.parquet.read_table(out).to_pylist()
    assert len(rows) == 5_000
    assert sum(r["partner"] == "buitenland_zonder_bsn" for r in rows) == 6
    assert sum(r["kind_woonland"] != "NL" for r in rows) == 25
    assert {r["berekeningsjaar"] for r in rows} == {2016, 2017, 2018, 2019, 2020}
    # and 'regels impact' runs on what it generates
    assert main(["impact", str(out), "--variant", "afzien_terugvordering_alo_kop", "--json",
                 "--regels", "rules"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["rijen"] == 5_000 and not report["problemen"]


# --- vergelijk: a monthly value that is a yearly rate is not added up ------------------------

NO_ALO_KOP_VARIANT = """\
wet: Beleidsvariant
afkorting: Variant
bwb: "-"
artikel: geen_alo_kop
titel: Geen alleenstaande-ouderkop
versies:
  - geldig_vanaf: 2015-01-01
    publicatie: proef voor de test
regels:
  zonder_alo_kop:
    uitzondering_op: alleenstaande_ouderkop
    omschrijving: de variant schaft de alleenstaande-ouderkop af
    indien: aantal_kinderen > 0
    formule: € 0
"""


def test_vergelijk_does_not_add_up_a_yearly_rate_over_the_months(tmp_path, capsys):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    (rules / "varianten" / "geen_alo_kop.yaml").write_text(NO_ALO_KOP_VARIANT, encoding="utf-8")
    case = "tests/casussen/jaren/alleenstaand/alleenstaand_2025.yaml"
    assert main(["vergelijk", case, "--variant", "geen_alo_kop", "--regels", str(rules), "--json"]) == 0
    rows = {r["regel"]: r for r in json.loads(capsys.readouterr().out)["verschillen"]}
    # WKB art. 2 lid 6 states the ALO-kop 'op jaarbasis' (€ 3.389 in 2025): twelve months of it are not
    # € 40.668. The rule set sums no month of it into a year amount, so there is no total, only the months.
    alo = rows["alleenstaande_ouderkop"]
    assert alo["wet"] is None and alo["variant"] is None
    assert {m["wet"] for m in alo["per_maand"]} == {"€\u00a03.389"} and len(alo["per_maand"]) == 12
    # kindgebonden_budget_maand is the amount for the month; kindgebonden_budget_jaar (lid 11) sums it
    assert rows["kindgebonden_budget_maand"]["wet"] == "9991.75"
    assert rows["kindgebonden_budget_maand"]["variant"] == "6602.75"
    assert main(["vergelijk", case, "--variant", "geen_alo_kop", "--regels", str(rules)]) == 0
    out = capsys.readouterr().out
    assert "40.668" not in out
    line = next(x for x in out.splitlines() if x.strip().startswith("alleenstaande_ouderkop"))
    assert "elke maand €\u00a03.389" in line and "elke maand €\u00a00" in line


# --- check: a folder that is no rule set, and variant names ----------------------------------


def test_check_on_a_folder_without_rule_files_is_an_error(tmp_path, capsys):
    empty = tmp_path / "leeg"
    empty.mkdir()
    assert main(["check", str(empty)]) == 2
    err = capsys.readouterr().err
    assert "geen regelbestanden" in err and "leeg" in err
    (empty / "regelset.yaml").write_text("naam: leeg\nversie: 0.1\n", encoding="utf-8")
    assert main(["check", str(empty)]) == 2
    assert "geen regelbestanden" in capsys.readouterr().err


def test_check_refuses_a_folder_that_is_no_rule_set_without_walking_it(capsys):
    # '/' has no regelset.yaml and more entries than a rule set: refused after a bounded look
    assert main(["check", "/"]) == 2
    err = capsys.readouterr().err
    assert "regelset.yaml" in err and "interne fout" not in err


def test_test_refuses_to_walk_a_folder_beyond_the_scan_limit(tmp_path, capsys, monkeypatch):
    # 'regels test /' searched the whole disk for .yaml files; a folder is now searched a bounded way
    from regels import files

    for i in range(5):
        (tmp_path / f"map{i}").mkdir()
    monkeypatch.setattr(files, "CASE_FOLDER_SCAN_LIMIT", 3)
    assert main(["test", str(tmp_path), "--regels", str(ROOT / "rules")]) == 2
    err = capsys.readouterr().err
    assert "meer dan 3 bestanden en mappen" in err and "CASE_FOLDER_SCAN_LIMIT" in err, err


@pytest.mark.parametrize("name", ["../wkb/artikel_2", "/etc/passwd", ".verborgen", "a\\b", ""])
def test_variant_must_be_the_plain_name_of_a_file_in_varianten(capsys, name):
    assert main(["bereken", EXAMPLE, "--variant", name]) == 2
    err = capsys.readouterr().err
    assert err.count("fout:") == 1 and "is geen naam van een variant" in err
    assert "afzien_terugvordering_alo_kop" in err  # the hint names the variants there are


def test_a_case_cannot_name_a_variant_outside_varianten(tmp_path, capsys):
    case = tmp_path / "casus.yaml"
    case.write_text((ROOT / EXAMPLE).read_text(encoding="utf-8").replace(
        "berekeningsjaar: 2020", "berekeningsjaar: 2020\nvariant: ../wkb/artikel_2"), encoding="utf-8")
    assert main(["bereken", str(case), "--regels", "rules"]) == 2
    err = capsys.readouterr().err
    assert err.count("fout:") == 1 and "is geen naam van een variant" in err
    assert main(["vergelijk", str(case), "--regels", "rules"]) == 2
    assert "is geen naam van een variant" in capsys.readouterr().err


# --- --uitvoer: only a regular file or a new path ----------------------------------------------


def test_uitvoer_does_not_replace_a_symlink(tmp_path, capsys):
    target = tmp_path / "doel.txt"
    target.write_text("oud", encoding="utf-8")
    link = tmp_path / "koppeling.txt"
    link.symlink_to(target)
    assert main(["uitleg", EXAMPLE, "--uitvoer", str(link)]) == 2
    assert "symbolische koppeling" in capsys.readouterr().err
    assert link.is_symlink() and target.read_text(encoding="utf-8") == "oud"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["doel.txt", "koppeling.txt"]


def test_uitvoer_does_not_replace_a_special_file(tmp_path, capsys):
    # a named pipe stands for every file that is not a regular file (a device node such as /dev/full
    # is refused the same way; the test does not touch /dev)
    pipe = tmp_path / "pijp"
    os.mkfifo(pipe)
    assert main(["uitleg", EXAMPLE, "--uitvoer", str(pipe)]) == 2
    assert "geen gewoon bestand" in capsys.readouterr().err
    assert stat.S_ISFIFO(os.lstat(pipe).st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["pijp"]


# --- what used to be 'interne fout': each is a message naming the file, exit 2 ---------------------


def _assert_clear_error(err: str, *names: str):
    assert "interne fout" not in err and "Traceback" not in err
    first = err.splitlines()[0]
    assert ": fout: " in first
    for name in names:
        assert name in err


def test_a_directory_as_case_file(tmp_path, capsys):
    assert main(["bereken", str(tmp_path), "--regels", "rules"]) == 2
    err = capsys.readouterr().err
    _assert_clear_error(err, str(tmp_path), "is een map")


def test_uitvoer_into_a_directory(tmp_path, capsys):
    assert main(["uitleg", EXAMPLE, "--uitvoer", str(tmp_path)]) == 2
    _assert_clear_error(capsys.readouterr().err, str(tmp_path), "is een map")
    assert list(tmp_path.iterdir()) == []


def test_uitvoer_under_a_file(tmp_path, capsys):
    file = tmp_path / "bestand.txt"
    file.write_text("oud", encoding="utf-8")
    assert main(["uitleg", EXAMPLE, "--uitvoer", str(file / "x.txt")]) == 2
    _assert_clear_error(capsys.readouterr().err, str(file), "geen map")
    assert file.read_text(encoding="utf-8") == "oud" and [p.name for p in tmp_path.iterdir()] == ["bestand.txt"]


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc")
def test_uitvoer_in_a_place_that_cannot_be_written(capsys):
    assert main(["uitleg", EXAMPLE, "--uitvoer", "/proc/nope/x"]) == 2
    _assert_clear_error(capsys.readouterr().err, "/proc/nope/x")


def test_an_unreadable_case_file(tmp_path, capsys, monkeypatch):
    # the CI runs as root, who may read anything: the read itself is made to fail as for another user
    case = tmp_path / "casus.yaml"
    shutil.copy(ROOT / EXAMPLE, case)
    real_open = open

    def refusing_open(file, *args, **kwargs):
        if Path(str(file)).resolve() == case.resolve():
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", refusing_open)
    assert main(["bereken", str(case), "--regels", "rules"]) == 2
    _assert_clear_error(capsys.readouterr().err, "casus.yaml", "geen toestemming")
    assert main(["test", str(case), "--regels", "rules"]) == 2
    out = capsys.readouterr().out
    assert "FOUT" in out and "geen toestemming" in out


def test_ctrl_c_during_start_up_is_one_line(tmp_path):
    # Ctrl-C while regels loads its modules (a good part of a second): simulated by an import that is
    # interrupted
    script = (
        "import sys\n"
        "class Interrupt:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'regels.api':\n"
        "            raise KeyboardInterrupt\n"
        "sys.meta_path.insert(0, Interrupt())\n"
        "from regels.cli import main\n"
        "sys.exit(main(['check', 'rules']))\n")
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 130
    assert run.stderr.strip() == "afgebroken (Ctrl-C)" and run.stdout == ""


def test_ctrl_c_while_running_is_one_line(capsys, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("regels.api.RuleSets.get", interrupted)
    assert main(["check", "rules"]) == 130
    assert capsys.readouterr().err.strip() == "afgebroken (Ctrl-C)"


# --- regels docs: the set of generated files is written as one step -------------------------------


def _fake_site(tmp_path, monkeypatch, count=9):
    """A project whose generated files are `count` pages, each with old content on disk."""
    import regels.docs

    files = {Path("docs/voorbeelden") / f"pagina_{i}.md": f"nieuw {i}\n" for i in range(count)}
    files[Path("docs/wetten/nieuwe_map/index.md")] = "nieuw\n"
    for path in list(files)[:count]:
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("oud\n", encoding="utf-8")
    monkeypatch.setattr(regels.docs, "generated_files", lambda root: files)
    return files


def _site_state(root: Path) -> dict:
    return {p.relative_to(root).as_posix(): (p.read_text(encoding="utf-8") if p.is_file() else "<map>")
            for p in sorted(root.rglob("*"))}


@pytest.mark.parametrize("interruption", [KeyboardInterrupt, OSError(28, "No space left on device")])
@pytest.mark.parametrize("at_call", [1, 3, 10])
def test_docs_interrupted_while_renaming_changes_nothing(tmp_path, monkeypatch, capsys, interruption, at_call):
    _fake_site(tmp_path, monkeypatch)
    before = _site_state(tmp_path)
    real_replace, calls = os.replace, []

    def failing_replace(src, dst):
        calls.append(dst)
        if len(calls) == at_call:
            raise interruption
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_replace)
    if interruption is KeyboardInterrupt:
        assert main(["docs", "--root", str(tmp_path)]) == 130
    else:
        assert main(["docs", "--root", str(tmp_path)]) == 2
        assert "schijf is vol" in capsys.readouterr().err
    assert _site_state(tmp_path) == before  # all old, nothing new, no temporary file, no new folder


def test_docs_interrupted_while_staging_changes_nothing(tmp_path, monkeypatch):
    _fake_site(tmp_path, monkeypatch)
    before = _site_state(tmp_path)
    real_fdopen, calls = os.fdopen, []

    def failing_fdopen(*args, **kwargs):
        calls.append(1)
        if len(calls) == 5:
            raise KeyboardInterrupt
        return real_fdopen(*args, **kwargs)

    monkeypatch.setattr(os, "fdopen", failing_fdopen)
    assert main(["docs", "--root", str(tmp_path)]) == 130
    assert _site_state(tmp_path) == before


def test_docs_writes_the_whole_set(tmp_path, monkeypatch, capsys):
    files = _fake_site(tmp_path, monkeypatch)
    assert main(["docs", "--root", str(tmp_path)]) == 0
    assert _site_state(tmp_path) == {**{p.as_posix(): t for p, t in files.items()},
                                     "docs": "<map>", "docs/voorbeelden": "<map>", "docs/wetten": "<map>",
                                     "docs/wetten/nieuwe_map": "<map>"}
    assert "10 bestand(en) bijgewerkt" in capsys.readouterr().out
    assert main(["docs", "--root", str(tmp_path)]) == 0
    assert "0 bestand(en) bijgewerkt" in capsys.readouterr().out


def test_version_names_the_package_and_the_rule_set(capsys, tmp_path, monkeypatch):
    import yaml
    from importlib.metadata import version

    release = yaml.safe_load((ROOT / "rules" / "regelset.yaml").read_text(encoding="utf-8"))["versie"]
    assert main(["--version"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == f"regels {version('regels')}"
    assert f"regelset {release} (sha256:" in out
    # Outside a project: the rule set that comes with regels (issue 13); a folder that is no
    # rule set is said so, and still exit 0.
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("REGELS_REGELS", raising=False)
    assert main(["--versie"]) == 0
    assert f"regelset {release} (sha256:" in capsys.readouterr().out
    assert main(["--regels", str(tmp_path), "--versie"]) == 0
    assert f"geen geldige regelset gevonden in {tmp_path}" in capsys.readouterr().out
