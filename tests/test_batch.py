"""`regels batch`, `regels uitleg-rij` and the one-row-per-household input: the
columnar backend at the command line, checked against the interpreter."""

from __future__ import annotations

import csv
import json
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from regels import values as v
from regels.api import RuleSets, case_from_text, evaluate
from regels.cli import main
from regels.columnar import mapping, runner

ROOT = Path(__file__).resolve().parent.parent
VARIANT = "afzien_terugvordering_alo_kop"
OUTCOMES = ["kindgebonden_budget", "kindgebonden_budget_maand", "terug_te_betalen"]


@pytest.fixture(scope="module")
def population(tmp_path_factory):
    """A generated population with every special shape: statushouders (a partner abroad without
    BSN, known on a day or never), a child abroad, partners in the Netherlands, 2016-2020."""
    folder = tmp_path_factory.mktemp("populatie")
    path = folder / "populatie.csv"
    subprocess.run([sys.executable, str(ROOT / "populatie/genereer.py"), "--aantal", "2000", "--uit", str(path)],
                   check=True, capture_output=True)
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    # more statushouders than the 2000 would have (2), each way the partner can become known
    for i, known in enumerate(["2017-05-15", "2019-11-15", "2021-03-15", "", "2018-01-15", ""] * 3):
        rows[10 + i].update(partner="buitenland_zonder_bsn", partner_bekend_vanaf=known, kind_woonland="NL",
                            gemeente_kent_partner="ja" if i % 3 else "nee")
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path, rows


def _template_case(row: dict, rule_set) -> str:
    env = SandboxedEnvironment(undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    template = env.from_string((ROOT / "tests/data/sjabloon_populatie.yaml.j2").read_text(encoding="utf-8"))
    return template.render(**row, invoer={i.name for i in rule_set.inputs()})


def _cells(result, rules) -> dict:
    out = {}
    for rule in rules:
        if rule.per == "maand":
            for m, value in enumerate(result.monthly[rule.name].values(), 1):
                out[f"{rule.name}[{m:02d}]"] = v.to_json(value, rule.type)
        else:
            out[rule.name] = v.to_json(result.values[rule.name], rule.type)
    return out


@pytest.mark.parametrize("variant", [None, VARIANT])
def test_batch_agrees_with_the_interpreter_on_the_old_template(population, tmp_path, variant):
    """Every outcome of `regels batch` equals the interpreter's on the case the former Jinja template
    made of the same row: so the column mapping makes the same households, and the columnar backend
    computes what the interpreter computes (the statushouders through their 'bekend_vanaf')."""
    path, rows = population
    out = tmp_path / "uit.csv"
    args = ["batch", str(path), "--uitvoer", str(out), "--uitkomsten", *OUTCOMES, "--regels", str(ROOT / "rules")]
    assert main(args + (["--variant", variant] if variant else [])) == 0
    with open(out, newline="", encoding="utf-8") as handle:
        got = list(csv.DictReader(handle))
    assert [r["huishouden"] for r in got] == [r["id"] for r in rows]
    rule_set = RuleSets(ROOT / "rules").get([variant] if variant else [])
    rules = [rule_set.rule(n) for n in OUTCOMES]
    special = [i for i, r in enumerate(rows) if r["partner"] != "nl" or r["kind_woonland"] != "NL"]
    sample = sorted(set(special[:40]) | set(random.Random(11).sample(range(len(rows)), 60)))
    compared = 0
    for i in sample:
        case = case_from_text(_template_case(rows[i], rule_set), rule_set)
        expected = _cells(evaluate(rule_set, case, trace=False, rules=rules), rules)
        for column, value in expected.items():
            assert got[i][column] == value, (i, rows[i], column)
            compared += 1
        assert got[i]["fout"] == ""
    assert compared == len(sample) * 14
    # the statushouders whose partner became known on a day: recovered under the law, some waived
    recovered = [float(got[10 + i]["terug_te_betalen"]) for i in range(18)]
    assert any(x > 0 for x in recovered)


def test_parquet_and_csv_give_the_same_rows(population, tmp_path):
    import pyarrow.csv
    import pyarrow.parquet

    path, _ = population
    parquet = tmp_path / "populatie.parquet"
    pyarrow.parquet.write_table(pyarrow.csv.read_csv(path), parquet)  # typed columns: ints, dates
    for source, target in ((path, tmp_path / "a.parquet"), (parquet, tmp_path / "b.parquet")):
        assert main(["batch", str(source), "--uitvoer", str(target), "--regels", str(ROOT / "rules")]) == 0
    a, b = (pyarrow.parquet.read_table(tmp_path / n) for n in ("a.parquet", "b.parquet"))
    assert a.equals(b) and a.num_rows == 2000
    assert str(a.schema.field("kindgebonden_budget").type) == "decimal128(38, 2)"


def test_a_folder_of_tables_gives_the_same_rows_as_one_row_per_household(population, tmp_path):
    """The mapping's tables written as a population folder (huishoudens, personen, relaties) and
    read back: the same outcomes (households without a 'bekend_vanaf', which the folder does not carry)."""
    import pyarrow
    import pyarrow.parquet

    path, rows = population
    rule_set = RuleSets(ROOT / "rules").get()
    the_mapping = mapping.load_mapping(ROOT / "populatie/kolommen.yaml")
    tables = mapping.derive(the_mapping, mapping.read_file(path, the_mapping), rule_set)
    plain = np.setdiff1d(np.arange(len(rows)), tables.with_knowledge)
    part = mapping.select(tables, plain)
    households, persons, relations = mapping.columnar_input(part)
    folder = tmp_path / "map"
    folder.mkdir()
    pyarrow.parquet.write_table(pyarrow.table({k: pyarrow.array(x) for k, x in households.items()}), folder / "huishoudens.parquet")
    with open(folder / "personen.csv", "w", newline="", encoding="utf-8") as handle:  # and one table as CSV
        writer = csv.writer(handle)
        writer.writerow(list(persons))
        for row in zip(*persons.values()):
            writer.writerow(["" if x is None or (isinstance(x, np.datetime64) and np.isnat(x)) else
                             ("ja" if x is True else "nee" if x is False else x) for x in row])
    pyarrow.parquet.write_table(pyarrow.table({k: pyarrow.array(x) for k, x in relations.items()}), folder / "relaties.parquet")
    for source, target in ((folder, tmp_path / "map.csv"), (path, tmp_path / "rij.csv")):
        assert main(["batch", str(source), "--uitvoer", str(target), "--regels", str(ROOT / "rules")]) == 0
    with open(tmp_path / "map.csv", newline="", encoding="utf-8") as handle:
        from_folder = list(csv.DictReader(handle))
    with open(tmp_path / "rij.csv", newline="", encoding="utf-8") as handle:
        from_rows = [r for i, r in enumerate(csv.DictReader(handle)) if i in set(plain.tolist())]
    assert from_folder == from_rows and len(from_rows) > 1900


def test_bad_input_is_named_by_file_row_and_column_and_nothing_is_written(population, tmp_path, capsys):
    path, rows = population
    out = tmp_path / "uit.csv"
    for column, value, message, hint in (("datum_voorschot", "2020-13-01", "geen datum", "JJJJ-MM-DD"),
                                         ("inkomen", "€ 24.000", "geen bedrag", "zonder eurosteken"),
                                         ("partner", "ja", "geen toegestane waarde", "buitenland_zonder_bsn")):
        broken = [dict(r) for r in rows[:5]]
        broken[2][column] = value
        bad = tmp_path / "kapot.csv"
        with open(bad, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(broken)
        assert main(["batch", str(bad), "--uitvoer", str(out), "--regels", str(ROOT / "rules")]) == 2
        err = capsys.readouterr().err
        line = 4  # header, rows 1-2, then row 3
        assert f"kapot.csv:{line}:" in err and f"rij 3, kolom '{column}'" in err and message in err and hint in err, err
        assert not out.exists() and not (tmp_path / "uit.csv.tmp").exists()
    few = tmp_path / "weinig.csv"
    few.write_text("id,berekeningsjaar\n1,2019\n", encoding="utf-8")
    assert main(["batch", str(few), "--uitvoer", str(out), "--regels", str(ROOT / "rules")]) == 2
    err = capsys.readouterr().err
    assert "mist kolommen 'inkomen'" in err and "kolommen in het bestand: id, berekeningsjaar" in err
    assert main(["batch", str(path), "--uitvoer", str(out), "--uitkomsten", "kindgebonden_budge",
                 "--regels", str(ROOT / "rules")]) == 2
    assert "bedoelde u 'kindgebonden_budget'" in capsys.readouterr().err
    folder = tmp_path / "map"
    folder.mkdir()
    (folder / "huishoudens.csv").write_text("huishouden,berekeningsjaar\nh1,2021\n", encoding="utf-8")
    (folder / "personen.csv").write_text("huishouden,persoon,geboortedatun\nh1,ouder,1980-01-01\n", encoding="utf-8")
    assert main(["batch", str(folder), "--uitvoer", str(out), "--regels", str(ROOT / "rules")]) == 2
    err = capsys.readouterr().err
    assert "personen.csv:1:3" in err and "'geboortedatun'" in err and "bedoelde u 'geboortedatum'" in err, err
    assert not out.exists()


def test_an_error_of_one_household_is_its_row_not_a_crash(tmp_path, capsys):
    """A household without a geboortedatum for its child: its row carries the interpreter's message
    in 'fout' and no values; `regels impact` counts it under 'fouten' and names it."""
    folder = tmp_path / "map"
    folder.mkdir()
    (folder / "huishoudens.csv").write_text(
        "huishouden,berekeningsjaar,aanvrager,datum_voorschot,datum_toekenning\n"
        "h1,2021,ouder,2020-12-01,2023-06-30\nh2,2021,ouder,2020-12-01,2023-06-30\n", encoding="utf-8")
    (folder / "personen.csv").write_text(
        "huishouden,persoon,geboortedatum,ingezetene,woonadres,toetsingsinkomen\n"
        "h1,ouder,1985-01-15,ja,a,20000\nh1,kind,2015-04-01,ja,a,\n"
        "h2,ouder,1985-01-15,ja,a,20000\nh2,kind,,ja,a,\n", encoding="utf-8")
    (folder / "relaties.csv").write_text(
        "huishouden,soort,eerste,tweede,vanaf,tot\nh1,ouder_van,ouder,kind,,\nh1,kinderbijslag_voor,ouder,kind,2015-07-01,\n"
        "h2,ouder_van,ouder,kind,,\nh2,kinderbijslag_voor,ouder,kind,2015-07-01,\n", encoding="utf-8")
    out = tmp_path / "uit.csv"
    assert main(["batch", str(folder), "--uitvoer", str(out), "--regels", str(ROOT / "rules")]) == 0
    with open(out, newline="", encoding="utf-8") as handle:
        got = list(csv.DictReader(handle))
    assert got[0]["fout"] == "" and float(got[0]["kindgebonden_budget"]) > 0
    assert got[1]["kindgebonden_budget"] == "" and "geboortedatum" in got[1]["fout"]
    assert "1 met een fout" in capsys.readouterr().err
    assert main(["impact", str(folder), "--variant", VARIANT, "--json", "--regels", str(ROOT / "rules")]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["per_jaar"]["2021"]["fouten"] == 1 and report["per_jaar"]["2021"]["huishoudens"] == 2
    assert len(report["problemen"]) == 1 and "h2" in report["problemen"][0] and "geboortedatum" in report["problemen"][0]


def test_uitleg_rij_explains_one_household_through_the_interpreter(population, capsys):
    path, rows = population
    row = 10  # a statushouder whose partner became known on 15 May 2017 (see the fixture)
    assert main(["uitleg-rij", str(path), "--rij", str(row + 1), "--variant", VARIANT, "--casus",
                 "--regels", str(ROOT / "rules")]) == 0
    text = capsys.readouterr().out
    assert "bekend_vanaf: 2017-05-15" in text and "heeft_bsn: nee" in text
    rule_set = RuleSets(ROOT / "rules").get([VARIANT])
    ours = evaluate(rule_set, case_from_text(text, rule_set), trace=False)
    theirs = evaluate(rule_set, case_from_text(_template_case(rows[row], rule_set), rule_set), trace=False)
    assert ours.values == theirs.values and ours.monthly == theirs.monthly
    assert main(["uitleg-rij", str(path), "--rij", str(row + 1), "--regels", str(ROOT / "rules")]) == 0
    explanation = capsys.readouterr().out
    assert "kindgebonden budget" in explanation and "(Awir art. 14 lid 4)" in explanation
    assert main(["uitleg-rij", str(path), "--rij", "2001", "--regels", str(ROOT / "rules")]) == 2
    assert "rij 2001 bestaat niet" in capsys.readouterr().err


def test_the_generator_makes_distinct_households_quickly_vectorised(tmp_path):
    import pyarrow.parquet

    out = tmp_path / "p.parquet"
    subprocess.run([sys.executable, str(ROOT / "populatie/genereer.py"), "--aantal", "50000", "--jaren", "2021",
                    "--uit", str(out)], check=True, capture_output=True)
    table = pyarrow.parquet.read_table(out)
    others = [c for c in table.column_names if c != "id"]
    assert table.num_rows == 50_000 and table.group_by(others).aggregate([]).num_rows == 50_000
    coarse = tmp_path / "grof.parquet"
    subprocess.run([sys.executable, str(ROOT / "populatie/genereer.py"), "--aantal", "50000", "--grof",
                    "--uit", str(coarse)], check=True, capture_output=True)
    table = pyarrow.parquet.read_table(coarse)
    assert table.group_by(others).aggregate([]).num_rows < 20_000


def test_runner_module_is_the_batch_verb(population, tmp_path):
    path, _ = population
    out = tmp_path / "uit.parquet"
    assert runner.main([str(path), "--uitvoer", str(out), "--regels", str(ROOT / "rules"), "--jaar", "2021"]) == 0
    import pyarrow.parquet

    assert pyarrow.parquet.read_table(out).num_rows == 2000
