"""`regels batch --dask`: partition by partition on Dask gives exactly the rows of the
single-process batch, on the local scheduler and on a dask.distributed cluster
(a LocalCluster of 2 worker processes on this machine)."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

import pyarrow.parquet  # noqa: E402

from regels.cli import main  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RULES = str(ROOT / "rules")
OUTCOMES = ["kindgebonden_budget", "kindgebonden_budget_maand", "terug_te_betalen"]


@pytest.fixture(scope="module")
def population(tmp_path_factory):
    folder = tmp_path_factory.mktemp("populatie")
    path = folder / "populatie.csv"
    subprocess.run([sys.executable, str(ROOT / "populatie/genereer.py"), "--aantal", "1500", "--uit", str(path)],
                   check=True, capture_output=True)
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for i, known in enumerate(["2017-05-15", "", "2021-03-15", "2019-02-15"]):  # statushouders in every part
        rows[300 * i + 5].update(partner="buitenland_zonder_bsn", partner_bekend_vanaf=known, kind_woonland="NL")
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    single = folder / "enkel.parquet"
    assert main(["batch", str(path), "--uitvoer", str(single), "--uitkomsten", *OUTCOMES,
                 "--variant", "afzien_terugvordering_alo_kop", "--regels", RULES]) == 0
    return path, pyarrow.parquet.read_table(single)


def test_dask_on_a_local_cluster_of_two_workers_equals_one_process(population, tmp_path):
    path, expected = population
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        out = tmp_path / "dask.parquet"
        assert main(["batch", str(path), "--uitvoer", str(out), "--uitkomsten", *OUTCOMES,
                     "--variant", "afzien_terugvordering_alo_kop", "--regels", RULES,
                     "--dask-scheduler", cluster.scheduler_address, "--delen", "5"]) == 0
        # the work ran on both workers
        with distributed.Client(cluster.scheduler_address) as client:
            assert len(client.scheduler_info()["workers"]) == 2
    got = pyarrow.parquet.read_table(out)
    assert got.num_rows == 1500 and got.equals(expected)


def test_dask_on_the_local_scheduler_writes_csv_too(population, tmp_path):
    path, expected = population
    out = tmp_path / "dask.csv"
    assert main(["batch", str(path), "--uitvoer", str(out), "--uitkomsten", *OUTCOMES,
                 "--variant", "afzien_terugvordering_alo_kop", "--regels", RULES, "--dask", "--delen", "3"]) == 0
    with open(out, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["huishouden"] for r in rows] == expected.column("huishouden").to_pylist()
    assert [r["terug_te_betalen"] for r in rows] == [str(x) for x in expected.column("terug_te_betalen").to_pylist()]


def test_a_bad_cell_in_a_later_partition_is_named_by_its_row_in_the_file(population, tmp_path, capsys):
    path, _ = population
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    rows[1234]["geboortejaar_oudste"] = "twintig"
    bad = tmp_path / "kapot.csv"
    with open(bad, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    out = tmp_path / "uit.parquet"
    assert main(["batch", str(bad), "--uitvoer", str(out), "--regels", RULES, "--dask", "--delen", "4"]) == 2
    err = capsys.readouterr().err
    assert "kapot.csv:1236:" in err and "rij 1235, kolom 'geboortejaar_oudste'" in err and "geen geheel getal" in err
    assert not out.exists() and not (tmp_path / "uit.parquet.tmp").exists()
