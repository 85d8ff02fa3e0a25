"""Population files without pyarrow (issue 13, item 1): CSV read and written with the
standard library (columnar/tablefile.py) as pyarrow reads and writes it, and Parquet
naming the extra [parquet] when pyarrow is missing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from regels.columnar import tablefile
from regels.diagnostics import RegelsError

pyarrow = pytest.importorskip("pyarrow")
import pyarrow.csv  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
POPULATION = ROOT / "tests" / "data" / "populatie_klein.csv"


def _columns():
    n = np.array([False, True, False, False])
    return [
        tablefile.Column("huishouden", "text", np.array(["1", "2", 'met "aanhalingstekens"', "a,b"]), np.zeros(4, bool)),
        tablefile.Column("bedrag", "amount", np.array([538900, 0, -1250, 5], dtype=np.int64), n),
        tablefile.Column("groot", "amount", np.array([10 ** 20, 1, -(10 ** 19) - 7, 0], dtype=object), n),
        tablefile.Column("aantal", "integer", np.array([3, 0, -2, 10 ** 12], dtype=np.int64), n),
        tablefile.Column("recht", "bool", np.array([True, False, False, True]), n),
        tablefile.Column("datum", "date", np.array(["2020-01-01", "NaT", "1999-12-31", "2024-02-29"],
                                                   dtype="datetime64[D]"), np.isnat(np.array(
                                                       ["2020-01-01", "NaT", "1999-12-31", "2024-02-29"],
                                                       dtype="datetime64[D]"))),
        tablefile.Column("uitkomst", "text", np.array(["1/3", None, "", "x"], dtype=object),
                         np.array([False, True, False, False])),
        tablefile.Column("fout", "text", np.array(["", "", "kapot: regel 3", ""], dtype=object), np.zeros(4, bool)),
    ]


def test_csv_is_written_byte_for_byte_as_pyarrow_writes_it(tmp_path):
    columns = _columns()
    ours, theirs = tmp_path / "ons.csv", tmp_path / "pyarrow.csv"
    tablefile.write_csv(ours, columns)
    pyarrow.csv.write_csv(tablefile.to_arrow(columns), theirs)
    assert ours.read_bytes() == theirs.read_bytes(), (ours.read_text(), theirs.read_text())
    assert ours.read_text().splitlines()[3].startswith('"met ""aanhalingstekens""",-12.50,')


def test_an_empty_output_is_its_header(tmp_path):
    columns = [tablefile.Column(c.name, c.kind, c.values[:0], c.null[:0]) for c in _columns()]
    tablefile.write_csv(tmp_path / "ons.csv", columns)
    pyarrow.csv.write_csv(tablefile.to_arrow(columns), tmp_path / "pyarrow.csv")
    assert (tmp_path / "ons.csv").read_bytes() == (tmp_path / "pyarrow.csv").read_bytes()


def test_csv_is_read_as_pyarrow_reads_it(tmp_path):
    path = tmp_path / "lastig.csv"
    path.write_bytes("\ufeffid, naam ,bedrag\r\n1,\" Zoë, de \"\"Vries\"\" \",24000.50\r\n\r\n2,,  7 \r\n3,x,\n"
                     .encode("utf-8"))
    ours = tablefile.read_csv(path)
    header = ["id", "naam", "bedrag"]
    table = pyarrow.csv.read_csv(path, read_options=pyarrow.csv.ReadOptions(column_names=header, skip_rows=1),
                                 convert_options=pyarrow.csv.ConvertOptions(
                                     column_types={c: pyarrow.string() for c in header}, strings_can_be_null=False))
    theirs = tablefile.from_arrow(table)
    assert ours.column_names == header and ours.num_rows == theirs.num_rows == 3
    for name in header:
        assert ours.column(name).tolist() == theirs.column(name).tolist(), name
    assert ours.column("naam").tolist() == ['Zoë, de "Vries"', "", "x"]


def test_a_row_with_too_few_cells_is_named_by_its_line(tmp_path):
    path = tmp_path / "kort.csv"
    path.write_text("a,b,c\n1,2,3\n\n4,5\n", encoding="utf-8")
    with pytest.raises(RegelsError) as caught:
        tablefile.read_csv(path)
    diagnostic = caught.value.diagnostics[0]
    assert (diagnostic.pos.line, diagnostic.message) == (4, "rij 2 heeft 2 cellen, de kopregel 3"), diagnostic.format()


_WITHOUT_PYARROW = """
import sys
sys.modules["pyarrow"] = None  # 'import pyarrow' now fails, as when it is not installed
from regels.cli import main
code = main(sys.argv[1:])
print("pyarrow geladen:", any(n.startswith("pyarrow.") for n in sys.modules))
sys.exit(code)
"""


def _without_pyarrow(tmp_path, *argv):
    env = {"REGELS_CACHE": "uit", "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-c", _WITHOUT_PYARROW, *map(str, argv)], capture_output=True,
                          text=True, timeout=300, cwd=ROOT, env=env)


def test_without_pyarrow_csv_works_and_parquet_names_the_extra(tmp_path):
    out, reference = tmp_path / "uit.csv", tmp_path / "met_pyarrow.csv"
    done = _without_pyarrow(tmp_path, "batch", POPULATION, "--uitvoer", out)
    assert done.returncode == 0 and "pyarrow geladen: False" in done.stdout, done.stdout + done.stderr
    from regels.cli import main

    assert main(["batch", str(POPULATION), "--uitvoer", str(reference)]) == 0
    assert out.read_bytes() == reference.read_bytes()
    impact = _without_pyarrow(tmp_path, "impact", POPULATION, "--variant", "afzien_terugvordering_alo_kop", "--json")
    assert impact.returncode == 0 and '"rijen": 6' in impact.stdout, impact.stdout + impact.stderr

    for argv, doing in ((["batch", POPULATION, "--uitvoer", tmp_path / "uit.parquet"], "schrijven"),
                        (["batch", tmp_path / "in.parquet", "--uitvoer", tmp_path / "uit2.csv"], "lezen")):
        (tmp_path / "in.parquet").write_bytes(b"PAR1")
        refused = _without_pyarrow(tmp_path, *argv)
        assert refused.returncode == 2 and "Traceback" not in refused.stderr, refused.stderr
        assert f"voor Parquet-bestanden ({doing}) is pyarrow nodig" in refused.stderr
        assert "pip install 'regels[parquet]'" in refused.stderr
    assert not (tmp_path / "uit.parquet").exists() and not (tmp_path / "uit2.csv").exists()


def test_the_numpy_reader_reads_as_the_csv_module(tmp_path):
    """The fast reader (ASCII, quotes round whole cells) and the csv module agree, and the fast
    one declines a file it cannot cut by commas alone."""
    path = tmp_path / "populatie.csv"
    subprocess.run([sys.executable, str(ROOT / "populatie" / "genereer.py"), "--aantal", "3000", "--uit", str(path)],
                   check=True, capture_output=True, timeout=300)
    for file in (path, POPULATION):
        fast, plain = tablefile._plain_csv(file.read_bytes()), tablefile._csv_module(file)
        assert fast is not None and fast.column_names == plain.column_names and fast.num_rows == plain.num_rows
        for name in plain.column_names:
            assert fast.column(name).tolist() == plain.column(name).tolist(), (file, name)
    for text in ('a,b\n"1,5",2\n', 'a,b\n"x""y",2\n', 'a,b\n"x"y,2\n', 'a,b\n1,2,3\n'):
        assert tablefile._plain_csv(text.encode()) is None, text


@pytest.mark.parametrize("cell, message", [("2019-02-30", "geen datum"), ("2020-13-01", "geen datum"),
                                           ("20190201", "geen datum"), ("2019-2-011", "geen datum")])
def test_a_date_that_is_none_is_named(tmp_path, cell, message):
    from regels.columnar import mapping

    column = np.array(["2019-01-01", "", cell])
    with pytest.raises(RegelsError) as caught:
        mapping._validate("p.csv", "datum_voorschot", "datum of leeg", column, 1, 3)
    assert caught.value.diagnostics[0].message == f"rij 3, kolom 'datum_voorschot': {message} ('{cell}')"
    good = mapping._validate("p.csv", "d", "datum of leeg", np.array(["2019-01-01", "", "2024-02-29"]), 1, 3)
    assert good.tolist()[0].isoformat() == "2019-01-01" and np.isnat(good[1])


@pytest.mark.parametrize("cell, ok", [("12", True), ("-3", True), ("-", False), ("1-2", False), ("", False),
                                      ("1.5", False), (" 7", False), ("٣", False)])
def test_whole_numbers_are_digits_with_a_sign(cell, ok):
    from regels.columnar import mapping

    assert mapping.whole_numbers(np.array(["10", cell])).tolist() == [True, ok]
    assert mapping.matches(np.array(["10", cell]), mapping._INTEGER).tolist() == [True, ok]
    assert mapping.matches(np.array(["10", cell]), mapping._INTEGER, numbers=True).tolist() == [True, ok]
