"""Population tables as files: read as columns of text, written from typed columns.

CSV is read and written with numpy (the csv module reads a file that numpy cannot
simply cut at its commas), so that `regels batch` and `regels impact` on CSV need
no pyarrow; Parquet goes through pyarrow, the optional extra `regels[parquet]`.
Without it, a Parquet file gets a message with the install command, not a traceback.

A table read is a Text table: per column a numpy text array, trimmed, '' where
empty, whatever the file's own types (a Parquet date becomes 'JJJJ-MM-DD'), so
that validation (mapping.py, runner.py) is one piece of numpy code for both.
A table written is a list of Column; the CSV written is byte for byte what
pyarrow.csv.write_csv writes for the same columns (tests/test_tablefile.py)."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..diagnostics import Diagnostic, Pos, RegelsError

PARQUET_HINT = "installeer pyarrow met: pip install 'regels[parquet]', of gebruik CSV"
# rows of a CSV file turned into numpy per column at a time: bounded memory per Python string
_CSV_CHUNK = 200_000


def _error(path, message, hint=None, line=0, column=0):
    return RegelsError(Diagnostic(Pos(str(path), line, column), message, hint))


def pyarrow_for(path, doing: str = "lezen"):
    """pyarrow, or a message that Parquet needs the extra [parquet]."""
    try:
        import pyarrow
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        raise _error(path, f"voor Parquet-bestanden ({doing}) is pyarrow nodig en dat is niet geïnstalleerd",
                     PARQUET_HINT) from None
    return pyarrow


@dataclass
class Text:
    """A table as columns of text: names in file order, each a numpy str array."""

    column_names: list[str]
    columns: dict[str, np.ndarray]
    num_rows: int

    def column(self, name: str) -> np.ndarray:
        return self.columns[name]


def read(path: Path) -> Text:
    """A .csv or .parquet file as Text (other suffixes: the caller decides)."""
    return read_parquet(path) if path.suffix.lower() == ".parquet" else read_csv(path)


def read_csv(path: Path) -> Text:
    """A CSV file with a header row, UTF-8 (with or without BOM), as Text. Empty lines are
    skipped; a row with another number of cells than the header is an error at its line."""
    with open(path, "rb") as handle:
        data = handle.read()
    return _plain_csv(data) or _csv_module(path)


def _plain_csv(data: bytes) -> Text | None:
    """A CSV file of ASCII whose quotes only enclose whole cells without commas, quotes or line
    ends in them (what populatie/genereer.py and most exports write), cut into cells by numpy
    in one pass, no Python object per cell; None for any other file (then the csv module
    reads it, and reports what is wrong)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n")
    data = re.sub(rb"\n\n+", b"\n", data).strip(b"\n") + b"\n"
    raw = np.frombuffer(data, dtype=np.uint8)
    if len(raw) < 2 or (raw >= 128).any() or (raw == 13).any() or (raw == 0).any():
        return None
    ends = np.flatnonzero(raw == 10)
    commas = np.flatnonzero(raw == 44)
    quotes = np.flatnonzero(raw == 34)
    if len(quotes):  # each pair of quotes must enclose one whole cell, and nothing that cuts
        opening, closing = quotes[0::2], quotes[1::2]
        if len(quotes) % 2 or not np.isin(np.where(opening > 0, raw[opening - 1], 10), (44, 10)).all() \
                or not np.isin(raw[closing + 1], (44, 10)).all() \
                or (np.searchsorted(commas, opening) != np.searchsorted(commas, closing)).any() \
                or (np.searchsorted(ends, opening) != np.searchsorted(ends, closing)).any():
            return None
    header = next(csv.reader([data[:ends[0]].decode("ascii")]))
    width, rows = len(header), len(ends) - 1
    per_line = np.diff(np.searchsorted(commas, ends))  # commas between one line end and the next
    if rows == 0 or (per_line != width - 1).any():
        return None
    cut = np.sort(np.concatenate([commas[commas > ends[0]], ends[1:]])).reshape(rows, width)
    starts = np.concatenate([[ends[0] + 1], cut.reshape(-1)[:-1] + 1]).reshape(rows, width)
    quoted = raw[starts] == 34
    starts, cut = starts + quoted, cut - quoted
    columns = {}
    for j, name in enumerate(h.strip() for h in header):
        first, lengths = starts[:, j], cut[:, j] - starts[:, j]
        longest = max(1, int(lengths.max()))
        cells = np.zeros((rows, longest), dtype=np.uint32)  # code points: a numpy text array's own layout
        for k in range(longest):  # character k of every cell at once
            cells[:, k] = np.where(lengths > k, raw[np.minimum(first + k, len(raw) - 1)], 0)
        columns[name] = np.char.strip(cells.view(f"<U{longest}").reshape(rows))
    return Text(list(columns), columns, rows)


def _csv_module(path: Path) -> Text:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, strict=True)
        try:
            header = next(reader, None)
            while header == []:
                header = next(reader, None)
            if header is None:
                return Text([], {}, 0)
            header = [h.strip() for h in header]
            width = len(header)
            parts: list[list[np.ndarray]] = [[] for _ in header]
            rows: list[list[str]] = []
            count = 0

            def flush():
                for i, cells in enumerate(zip(*rows)):
                    parts[i].append(np.char.strip(np.array(cells, dtype=str)))
                rows.clear()

            for row in reader:
                if len(row) != width:
                    if not row:
                        continue
                    raise _error(path, f"rij {count + 1} heeft {len(row)} cel{'len' if len(row) != 1 else ''}, "
                                 f"de kopregel {width}",
                                 "elke rij heeft evenveel cellen als de kopregel, met komma's ertussen",
                                 reader.line_num, 1)
                rows.append(row)
                count += 1
                if len(rows) == _CSV_CHUNK:
                    flush()
            flush()
        except csv.Error as exc:
            raise _error(path, f"geen leesbaar CSV-bestand: {exc}", "CSV in UTF-8 met een kopregel",
                         reader.line_num, 1) from None
    columns = {name: (np.concatenate(p) if p else np.zeros(0, dtype="U1")) for name, p in zip(header, parts)}
    return Text(header, columns, count)


def read_parquet(path: Path) -> Text:
    pyarrow = pyarrow_for(path)
    try:
        table = pyarrow.parquet.ParquetFile(path).read()  # read_table would import pyarrow.dataset (~0.5 s)
    except (pyarrow.ArrowException, OSError) as exc:
        raise _error(path, f"geen leesbaar Parquet-bestand: {exc}",
                     "maak het bestand opnieuw, bijvoorbeeld met populatie/genereer.py") from None
    return from_arrow(table)


def from_arrow(table) -> Text:
    """A pyarrow table (a Parquet file, a Dask partition) as Text: dates as JJJJ-MM-DD,
    other types as pyarrow casts them to text, nulls as ''."""
    import pyarrow
    import pyarrow.compute as pc

    from .columns import _words

    columns = {}
    for name in table.column_names:
        column = table.column(name)
        if pyarrow.types.is_date(column.type) or pyarrow.types.is_timestamp(column.type):
            column = pc.strftime(column, "%Y-%m-%d")
        elif not pyarrow.types.is_string(column.type):
            column = pc.cast(column, pyarrow.string())
        column = pc.fill_null(pc.utf8_trim_whitespace(column), "").combine_chunks()
        columns[name] = _words(column)
    return Text(list(table.column_names), columns, table.num_rows)


# --- writing ---------------------------------------------------------------------------------

@dataclass
class Column:
    """One output column. kind: 'text' (str), 'amount' (integer cents, written as euros with
    two decimals), 'integer', 'bool', 'date' (datetime64[D]); `null`: where there is no value."""

    name: str
    kind: str
    values: np.ndarray
    null: np.ndarray


def _bytes(texts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A numpy bytes array as a (rows, width) uint8 matrix and the length of each."""
    texts = np.ascontiguousarray(texts)
    width = max(1, texts.dtype.itemsize)
    if texts.dtype.itemsize == 0:
        texts = texts.astype("S1")
    return texts.view(np.uint8).reshape(len(texts), width), np.char.str_len(texts)


def _constant(text: bytes, rows: int, present: np.ndarray):
    matrix = np.broadcast_to(np.frombuffer(text, dtype=np.uint8), (rows, len(text)))
    return matrix, np.where(present, len(text), 0)


def _pieces(column: Column, rows: slice) -> list:
    """The CSV text of the cells in `rows` as pieces (bytes matrix, lengths), as
    pyarrow.csv.write_csv writes them: texts quoted, amounts as 5389.00, true/false,
    JJJJ-MM-DD, nothing where there is no value."""
    values, kind = column.values[rows], column.kind
    present = ~np.asarray(column.null[rows], dtype=bool)
    n = len(values)
    if kind == "text":
        text = np.array(["" if x is None else str(x) for x in values], dtype=str) if values.dtype == object \
            else values.astype(str)
        encoded = np.char.encode(text, "utf-8")
        if (np.char.find(encoded, b'"') >= 0).any():
            encoded = np.char.replace(encoded, b'"', b'""')
        matrix, lengths = _bytes(encoded)
        quote = _constant(b'"', n, present)
        return [quote, (matrix, np.where(present, lengths, 0)), quote]
    if kind == "amount":
        if values.dtype == object:  # beyond int64: Python's integers
            texts = np.array([f"{'-' if c < 0 else ''}{abs(c) // 100}.{abs(c) % 100:02d}" for c in values.tolist()],
                             dtype="S")
            matrix, lengths = _bytes(texts)
            return [(matrix, np.where(present, lengths, 0))]
        whole, cents = np.divmod(np.abs(values.astype(np.int64)), 100)
        matrix, lengths = _bytes(whole.astype("S"))
        digits = np.stack([cents // 10 + 48, cents % 10 + 48], axis=1).astype(np.uint8)
        return [_constant(b"-", n, present & (values < 0)), (matrix, np.where(present, lengths, 0)),
                _constant(b".", n, present), (digits, np.where(present, 2, 0))]
    if kind == "bool":
        texts = np.where(values.astype(bool), b"true", b"false")
    elif kind == "date":
        texts = np.datetime_as_string(values.astype("datetime64[D]")).astype("S")
    elif values.dtype == object:
        texts = np.array([str(int(x)) for x in values.tolist()], dtype="S")
    else:
        texts = values.astype(np.int64).astype("S")
    matrix, lengths = _bytes(texts)
    return [(matrix, np.where(present, lengths, 0))]


def write_csv(path: Path, columns: list[Column]) -> None:
    """The columns as CSV: each chunk of rows laid out in one byte buffer by numpy, piece by
    piece and character by character, not cell by cell."""
    rows = len(columns[0].values) if columns else 0
    with open(path, "wb") as handle:
        handle.write((",".join('"' + c.name.replace('"', '""') + '"' for c in columns) + "\n").encode("utf-8"))
        for begin in range(0, rows, _CSV_CHUNK):
            part = slice(begin, min(rows, begin + _CSV_CHUNK))
            n = part.stop - part.start
            pieces = [_pieces(c, part) for c in columns]
            sizes = sum(lengths for column in pieces for _, lengths in column) + len(columns)  # commas, line end
            cursor = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
            out = np.empty(int(sizes.sum()), dtype=np.uint8)
            for i, column in enumerate(pieces):
                for matrix, lengths in column:
                    for k in range(matrix.shape[1]):
                        wanted = lengths > k
                        out[cursor[wanted] + k] = matrix[wanted, k] if matrix.shape[0] == n else matrix[0, k]
                    cursor += lengths
                out[cursor] = 10 if i == len(columns) - 1 else 44
                cursor += 1
            handle.write(out.tobytes())


def to_arrow(columns: list[Column]):
    """The columns as a pyarrow table (for Parquet): amounts decimal128(38, 2)."""
    from decimal import Decimal

    import pyarrow
    import pyarrow.compute as pc

    arrays = {}
    for c in columns:
        if c.kind == "amount" and c.values.dtype == object:  # beyond int64: exact through Python's Decimal
            arrays[c.name] = pyarrow.array([None if n else Decimal(int(x)).scaleb(-2)
                                            for x, n in zip(c.values.tolist(), c.null)], type=pyarrow.decimal128(38, 2))
        elif c.kind == "amount":
            cents = pyarrow.array(c.values, mask=c.null).cast(pyarrow.decimal128(19, 0))
            euros = pc.divide(cents, pyarrow.scalar(100, pyarrow.decimal128(3, 0)))
            arrays[c.name] = pc.cast(euros, pyarrow.decimal128(38, 2))
        elif c.kind == "text":
            arrays[c.name] = pyarrow.array([None if n else str(x) for x, n in zip(c.values, c.null)],
                                           type=pyarrow.string())
        elif c.kind == "date":
            arrays[c.name] = pyarrow.array(c.values.astype("datetime64[D]"), mask=c.null)
        elif c.kind == "integer" and c.values.dtype == object:
            arrays[c.name] = pyarrow.array([None if n else int(x) for x, n in zip(c.values, c.null)])
        else:
            arrays[c.name] = pyarrow.array(c.values, mask=c.null)
    return pyarrow.table(arrays)
