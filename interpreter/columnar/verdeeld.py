"""`regels batch --dask`: the same batch evaluator (runner.evaluate) partition by
partition on Dask, for populations larger than memory or many runs at once.

The population is a file with one household per row (CSV or Parquet, the
column mapping of mapping.py), read by dask.dataframe in partitions; one row
is one household, so a household is never split across partitions. Each
partition is validated, turned into tables and evaluated on a worker, and
comes back as a pyarrow table that the client appends to the output (a
temporary file, moved into place at the end): memory holds a few partitions,
never the population.

The rule files travel with the tasks (as text, a few hundred kB), so a
worker needs `regels` installed but not the rules folder; the population file
must be readable by the workers (a shared disk, or a URL dask can read, e.g.
s3://). Without --dask-scheduler, Dask's local scheduler runs the partitions
in processes on this machine; with it, a dask.distributed cluster does."""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from pathlib import Path

from ..diagnostics import Diagnostic, Pos, RegelsError

_RULE_SETS: dict = {}


def _error(path, message, hint=None):
    return RegelsError(Diagnostic(Pos(str(path), 0, 0), message, hint))


def rule_files(directory: Path) -> dict[str, str]:
    """The rule folder as {relative path: text}, to ship to the workers."""
    directory = Path(directory)
    return {str(p.relative_to(directory)): p.read_text(encoding="utf-8")
            for p in sorted(directory.rglob("*")) if p.is_file() and p.suffix in (".yaml", ".yml")}


def _rule_set(files: dict[str, str], variant: str | None):
    """The rule set on a worker, loaded once per process from the shipped files."""
    from ..api import RuleSets

    key = (hashlib.sha256(repr(sorted(files.items())).encode()).hexdigest(), variant)
    if key not in _RULE_SETS:
        folder = Path(tempfile.mkdtemp(prefix="regels-"))
        for name, text in files.items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(text, encoding="utf-8")
        rule_set = RuleSets(folder).get([variant] if variant else [])
        from .compiler import Plan

        _RULE_SETS[key] = (rule_set, Plan(rule_set))
    return _RULE_SETS[key]


def evaluate_part(frame, first_row: int, files: dict, variant: str | None, mapping_text: str, mapping_name: str,
                  outcome_names: list[str], year: int | None, source: str, header_line: int):
    """One partition (a pandas DataFrame of rows of the file) -> (pyarrow table, errors, diagnostics)."""
    import pyarrow
    import yaml

    from . import mapping, runner, tablefile

    try:
        rule_set, plan = _rule_set(files, variant)
        the_mapping = _mapping_from_text(mapping_text, mapping_name, yaml)
        table = pyarrow.Table.from_pandas(frame, preserve_index=False)
        columns = mapping.columns_of(tablefile.from_arrow(table), the_mapping, source, header_line, first_row)
        tables = mapping.derive(the_mapping, columns, rule_set)
        runner.with_year(tables, year, source)
        outcomes = runner.evaluate(rule_set, plan, tables, runner.outcome_rules(rule_set, outcome_names))
        errors = int((outcomes.errors() != 0).sum())
        return tablefile.to_arrow(runner.output_table(tables, outcomes)), errors, None
    except RegelsError as exc:  # an exception would not survive pickling whole: its diagnostics do
        return None, 0, exc.diagnostics


def _mapping_from_text(text: str, name: str, yaml):
    from . import mapping

    folder = Path(tempfile.mkdtemp(prefix="regels-kolommen-"))
    path = folder / Path(name).name
    path.write_text(text, encoding="utf-8")
    loaded = mapping.load_mapping(path)
    loaded.path = Path(name)
    return loaded


def read_partitions(path: Path, blocksize: str | int = "32MB"):
    """The file as a dask DataFrame: CSV as text (no type guessing: the mapping validates), Parquet typed."""
    import dask.dataframe as dd

    suffix = path.suffix.lower()
    if suffix == ".csv":
        return dd.read_csv(str(path), dtype=str, keep_default_na=False, na_filter=False, blocksize=blocksize), 1
    if suffix == ".parquet":
        return dd.read_parquet(str(path)), 0
    raise _error(path, f"onbekend soort populatiebestand '{path.suffix}'",
                 "met Dask: één bestand met één huishouden per rij, CSV (.csv) of Parquet (.parquet)")


def run_batch(rule_set, directory: Path, variant: str | None, population: Path, output: Path, year: int | None,
              outcome_names: list[str],
              mapping_path: Path | None = None, scheduler: str | None = None, parts: int | None = None,
              progress: bool = True, blocksize: str | int = "32MB"):
    """`regels batch --dask`: as runner.run_batch, partition by partition (`rule_set`: the rules
    of `directory` with `variant`, to check the outcomes before any work). Returns (households,
    with an error, seconds)."""
    import dask
    import pyarrow.csv
    import pyarrow.parquet

    from . import mapping, runner

    start = time.perf_counter()
    if population.is_dir():
        raise _error(population, "met Dask: één bestand met één huishouden per rij, geen map met tabellen",
                     "zet de populatie in één CSV- of Parquet-bestand (docs/populatie.md), of reken zonder --dask")
    runner.check_output_path(output)
    runner.outcome_rules(rule_set, outcome_names)  # a wrong name is reported before any work
    mapping_path = runner.default_mapping(mapping_path)
    mapping.load_mapping(mapping_path)
    frame, header_line = read_partitions(population, blocksize)
    if parts:
        frame = frame.repartition(npartitions=parts)
    delayed_parts = frame.to_delayed()
    files = rule_files(directory)
    mapping_text = Path(mapping_path).read_text(encoding="utf-8")
    client = pool = None
    if scheduler:
        from distributed import Client

        try:
            client = Client(scheduler, timeout="20s")
        except OSError as exc:
            raise _error(scheduler, f"geen Dask-scheduler bereikbaar op dit adres: {exc}",
                         "start er een met 'dask scheduler' en 'dask worker ADRES', of laat --dask-scheduler weg")
    else:  # one pool of processes for all the work, so that each loads the rules once
        from concurrent.futures import ProcessPoolExecutor

        pool = ProcessPoolExecutor(os.cpu_count() or 2)

    def compute(tasks):
        if client is not None:
            return client.gather(client.compute(tasks))
        return dask.compute(*tasks, scheduler="processes", pool=pool)

    try:
        lengths = compute([dask.delayed(len)(p) for p in delayed_parts])
        offsets = [0]
        for n in lengths:
            offsets.append(offsets[-1] + n)
        tasks = [dask.delayed(evaluate_part)(p, offsets[i], files, variant, mapping_text, str(mapping_path),
                                             list(outcome_names), year, str(population), header_line)
                 for i, p in enumerate(delayed_parts)]
        bar = runner.Progress(offsets[-1], "regels batch (dask)", progress)
        temporary = output.with_name(output.name + ".tmp")
        writer = None
        failed = 0
        try:
            window = max(2, os.cpu_count() or 2)
            for begin in range(0, len(tasks), window):  # a few partitions in memory at a time, in order
                group = tasks[begin:begin + window]
                results = compute(group)
                for table, errors, diagnostics in results:
                    if diagnostics:
                        raise RegelsError(diagnostics)
                    if writer is None:
                        writer = (pyarrow.parquet.ParquetWriter(temporary, table.schema)
                                  if output.suffix.lower() == ".parquet" else pyarrow.csv.CSVWriter(temporary, table.schema))
                    writer.write_table(table.cast(writer.schema) if output.suffix.lower() == ".parquet" else table)
                    failed += errors
                    bar(table.num_rows)
            if writer is not None:
                writer.close()
                writer = None
                os.replace(temporary, output)
        finally:
            bar.close()
            if writer is not None:
                writer.close()
            if temporary.exists():
                temporary.unlink()
    finally:
        if client is not None:
            client.close()
        if pool is not None:
            pool.shutdown()
    return offsets[-1], failed, time.perf_counter() - start
