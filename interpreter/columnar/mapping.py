"""One household per row: a population file in the format of docs/populatie.md
turned into the person and relation tables of the columnar input
(columns.population_from_columns), by a declarative column mapping
(populatie/kolommen.yaml). The mapping is data: this module knows no law and
no column name; it knows constants, columns, conditions on columns, repeated
persons (kind0, kind1, ...) and dates made from a year column.

Everything is vectorised: a value is computed for all households at once
(numpy over the file's columns), never per cell in Python, except where the
columnar reader itself wants Python objects (cells that may be empty)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from .. import values as v
from ..diagnostics import Diagnostic, Pos, RegelsError
from ..model import RuleSet
from . import rows as row_text
from . import tablefile

KINDS = ("geheel", "bedrag", "datum", "datum of leeg", "tekst")
_TRUE = {"ja", "waar", "true", "1"}
_FALSE = {"nee", "onwaar", "false", "0"}
_INTEGER = re.compile(r"^-?[0-9]+$")
_AMOUNT = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _error(path, message: str, hint: str | None = None, line: int = 0, column: int = 0):
    return RegelsError(Diagnostic(Pos(str(path), line, column), message, hint))


@dataclass
class Mapping:
    path: Path
    columns: dict  # column -> kind or list of allowed values
    key: str
    year: str
    facts: dict
    persons: list
    relations: list
    optional_facts: dict = field(default_factory=dict)  # person index -> facts passed only if the rule set knows them


def load_mapping(path: Path) -> Mapping:
    """The mapping file, its shape checked (the values are checked against the
    rule set and the population file when they are used)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise _error(path, f"geen geldige YAML: {getattr(exc, 'problem', exc)}", None,
                     mark.line + 1 if mark else 0, mark.column + 1 if mark else 0)
    except OSError as exc:
        raise _error(path, f"kolomindeling niet te lezen: {exc.strerror}", "geef met --kolommen het bestand")
    if not isinstance(data, dict):
        raise _error(path, "de kolomindeling is geen mapping", "zie populatie/kolommen.yaml")
    for key in ("kolommen", "huishouden", "berekeningsjaar", "personen"):
        if key not in data:
            raise _error(path, f"de kolomindeling mist '{key}'", "zie docs/populatie.md")
    columns = data["kolommen"]
    for name, kind in columns.items():
        if not isinstance(kind, list) and kind not in KINDS:
            raise _error(path, f"kolom '{name}': onbekende soort '{kind}'",
                         "kies uit " + ", ".join(KINDS) + " of een lijst van toegestane waarden")
    optional = {i: p.get("als_de_regelset_het_kent", {}) for i, p in enumerate(data["personen"])}
    return Mapping(path, columns, data["huishouden"], data["berekeningsjaar"], data.get("gegevens") or {},
                   data["personen"], data.get("relaties") or [], optional)


# --- reading and validating the file -------------------------------------------------------

def read_file(path: Path, mapping: Mapping) -> dict:
    """The declared columns of a CSV or Parquet file, validated, as numpy arrays:
    'geheel' int64, 'bedrag' text (decimal with a point), 'datum' datetime64[D]
    (NaT where empty), choices and texts object arrays of str ('' where empty)."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise _error(path, f"onbekend soort populatiebestand '{path.suffix}'",
                     "gebruik CSV (.csv) of Parquet (.parquet), één huishouden per rij")
    try:
        table = tablefile.read(path)
    except UnicodeDecodeError as exc:
        raise _error(path, f"geen leesbaar CSV-bestand: {exc}", "sla het bestand op als CSV in UTF-8, met een kopregel")
    except OSError as exc:
        raise _error(path, f"populatiebestand niet te lezen: {exc.strerror or exc}", "controleer het pad")
    if table.num_rows == 0:
        raise _error(path, "het populatiebestand is leeg", "één huishouden per rij, met een kopregel", 1, 1)
    return columns_of(table, mapping, path, 1 if suffix == ".csv" else 0)


def columns_of(table: tablefile.Text, mapping: Mapping, path, header_line: int, first_row: int = 0) -> dict:
    """The declared columns of a table of text, validated (see read_file); `first_row`: the
    number of rows before this table in the file (a part of it, for Dask)."""
    missing = [c for c in mapping.columns if c not in table.column_names]
    if missing:
        raise _error(path, f"het populatiebestand mist kolom{'men' if len(missing) > 1 else ''} "
                     + ", ".join(f"'{c}'" for c in missing),
                     "kolommen in het bestand: " + ", ".join(table.column_names)
                     + f"; de kolomindeling {mapping.path} vraagt: " + ", ".join(mapping.columns), 1, 1)
    return {name: _validate(path, name, kind, table.column(name), header_line, table.column_names.index(name) + 1,
                            first_row)
            for name, kind in mapping.columns.items()}


def matches(column: np.ndarray, pattern: re.Pattern, numbers: bool = False) -> np.ndarray:
    """Per cell whether the pattern matches the whole text, tried once per distinct text;
    `numbers`: the pattern takes every whole number, so a column of them passes at once."""
    if numbers and whole_numbers(column).all():
        return np.ones(len(column), dtype=bool)
    words, at = np.unique(column, return_inverse=True)
    return np.array([pattern.fullmatch(w) is not None for w in words.tolist()], dtype=bool)[at.reshape(-1)]


def whole_numbers(column: np.ndarray) -> np.ndarray:
    """Per cell whether it is digits, with a minus sign or not, character by character in numpy."""
    column = np.ascontiguousarray(column, dtype=str)
    if len(column) == 0:
        return np.zeros(0, dtype=bool)
    codes = column.view(np.uint32).reshape(len(column), max(1, column.dtype.itemsize // 4))
    length = np.char.str_len(column)
    position = np.arange(codes.shape[1])
    minus = (codes[:, 0] == 45)
    inside = position[None, :] < length[:, None]
    digit = ((codes >= 48) & (codes <= 57)) | ~inside
    digit[:, 0] |= minus
    return digit.all(axis=1) & (length > minus)


def dates(column: np.ndarray) -> np.ndarray:
    """JJJJ-MM-DD texts as datetime64[D], NaT where empty or not a real date (2019-02-30)."""
    shaped = np.char.str_len(column) == 10
    if (shaped | (column == "")).all():  # the usual case: numpy reads them all at once
        try:
            days = np.where(column == "", "NaT", column).astype("datetime64[D]")
        except ValueError:  # one is no real date: find it below
            pass
        else:
            dashes = np.char.find(column, "-", 4) == 4
            if (dashes | (column == "")).all() and (np.datetime_as_string(days[~np.isnat(days)])
                                                    == column[~np.isnat(days)]).all():
                return days
    words, at = np.unique(column, return_inverse=True)
    days = []
    for w in words.tolist():
        try:
            days.append(np.datetime64(dt.date.fromisoformat(w), "D") if _DATE.fullmatch(w) else np.datetime64("NaT"))
        except ValueError:
            days.append(np.datetime64("NaT"))
    return np.array(days, dtype="datetime64[D]")[at.reshape(-1)]


def _validate(path, name, kind, column: np.ndarray, header_line: int, position: int, first_row: int = 0):
    def fail(bad, message, hint):
        row = int(np.flatnonzero(bad)[0])
        value = column[row]
        row += first_row
        line = row + 1 + header_line
        where = f"rij {row + 1}, kolom '{name}'"
        raise _error(path, f"{where}: {message} ('{value}')", hint, line if header_line else 0,
                     position if header_line else 0)

    empty = column == ""
    if isinstance(kind, list):
        allowed = [str(x) for x in kind]
        bad = ~np.isin(column, allowed)
        if bad.any():
            fail(bad, "geen toegestane waarde", "toegestaan: " + ", ".join(allowed))
        return column.astype(object)
    if kind in ("geheel", "bedrag"):
        bad = ~matches(column, _INTEGER if kind == "geheel" else _AMOUNT, numbers=True)
        if bad.any():
            fail(bad, "geen geheel getal" if kind == "geheel" else "geen bedrag",
                 "een geheel getal, zoals 2019" if kind == "geheel" else
                 "een bedrag met een punt voor de centen en zonder eurosteken, zoals 24000 of 24000.50")
        if kind == "geheel" or (np.char.find(column, ".") < 0).all():
            return column.astype(np.int64)
        return column.astype(str)
    if kind in ("datum", "datum of leeg"):
        if kind == "datum" and empty.any():
            fail(empty, "lege datum", "elke rij heeft een datum nodig, zoals 2019-12-01")
        days = dates(column)
        bad = ~empty & np.isnat(days)
        if bad.any():
            fail(bad, "geen datum", "een datum als JJJJ-MM-DD, zoals 2019-12-01" +
                 (", of leeg" if kind == "datum of leeg" else ""))
        return days
    return column.astype(object)  # tekst


# --- the value language of the mapping --------------------------------------------------

class _Eval:
    """Values of the mapping over a selection of households (row indices), for
    volgnummer n of a repeated person."""

    def __init__(self, mapping: Mapping, columns: dict, where: str):
        self.mapping, self.columns, self.where = mapping, columns, where

    def column(self, name, rows):
        if name not in self.columns:
            raise _error(self.mapping.path, f"{self.where}: onbekende kolom '{name}'",
                         "de kolom moet onder 'kolommen:' staan")
        return self.columns[name][rows]

    def condition(self, cond, rows, n):
        if isinstance(cond, list):
            mask = np.ones(len(rows), dtype=bool)
            for c in cond:
                mask &= self.condition(c, rows, n)
            return mask
        match = re.fullmatch(r"\s*(\w+)\s*(!=|=)\s*(.*?)\s*", str(cond))
        if not match:
            raise _error(self.mapping.path, f"{self.where}: voorwaarde '{cond}' niet te lezen",
                         "schrijf 'kolom = waarde' of 'kolom != waarde'")
        name, op, value = match.groups()
        if name == "n":
            left = np.full(len(rows), str(n))
        else:
            left = self.column(name, rows)
            if left.dtype.kind == "M":
                left = np.datetime_as_string(left)
            else:
                left = left.astype(str)  # numpy text: compared in numpy's loop
        hit = left == value
        return hit if op == "=" else ~hit

    def value(self, spec, rows, n):
        """(values, present): values an array over `rows` (object, or datetime64 for dates)."""
        count = len(rows)
        if isinstance(spec, dict):
            if "kolom" in spec:
                values = self.column(spec["kolom"], rows)
                if values.dtype.kind == "M":
                    return values, ~np.isnat(values)
                present = values != "" if values.dtype == object else np.ones(count, dtype=bool)
                return values, present
            if "als" in spec:
                mask = self.condition(spec["als"], rows, n)
                yes, yes_present = self.value(spec["dan"], rows, n)
                if "anders" in spec:
                    no, no_present = self.value(spec["anders"], rows, n)
                else:
                    no, no_present = yes, np.zeros(count, dtype=bool)
                if yes.dtype.kind == "M" or no.dtype.kind == "M":
                    values = np.where(mask, yes.astype("datetime64[D]"), no.astype("datetime64[D]"))
                else:
                    values = np.where(mask, yes.astype(object), no.astype(object))
                return values, np.where(mask, yes_present, no_present)
            if "jaar_uit" in spec:
                years = self.column(spec["jaar_uit"], rows).astype(np.int64) + int(spec.get("plus_per_nummer", 0)) * n
                month, day = (int(x) for x in str(spec.get("dag", "01-01")).split("-"))
                values = ((years - 1970).astype("datetime64[Y]").astype("datetime64[M]") + (month - 1)) \
                    .astype("datetime64[D]") + (day - 1)
                return values, np.ones(count, dtype=bool)
            raise _error(self.mapping.path, f"{self.where}: waarde {spec} niet te lezen",
                         "gebruik een vaste waarde, {kolom: K}, {als: ..., dan: ...} of {jaar_uit: K, ...}")
        if isinstance(spec, dt.date):
            return np.full(count, np.datetime64(spec, "D")), np.ones(count, dtype=bool)
        if isinstance(spec, bool):
            spec = "ja" if spec else "nee"
        values = np.empty(count, dtype=object)
        values[:] = str(spec)
        return values, np.ones(count, dtype=bool)


def _count(columns, spec, mapping, rows_all):
    if "aantal" not in spec:
        return None
    counts = columns.get(spec["aantal"])
    if counts is None or counts.dtype != np.int64:
        raise _error(mapping.path, f"'aantal: {spec['aantal']}' is geen kolom van soort geheel")
    return counts[rows_all]


def _name(template: str, n: int) -> str:
    return template.replace("{n}", str(n))


@dataclass
class Tables:
    """The columnar input (see columns.population_from_columns) and, per relation
    record, when the administration learned of it ('bekend_vanaf', NaT: the
    channels of the rule set decide)."""

    households: dict
    persons: dict
    relations: dict
    known: np.ndarray  # (relation records,) datetime64[D]
    person_rows: np.ndarray  # per household, the range of its persons in `persons` (n + 1 offsets)
    relation_rows: np.ndarray

    @property
    def with_knowledge(self) -> np.ndarray:
        """The households some of whose facts say when they became known."""
        has = ~np.isnat(self.known)
        return np.unique(self.relations["huishouden_index"][has])


def derive(mapping: Mapping, columns: dict, rule_set: RuleSet) -> Tables:
    """The household, person and relation tables of the rows of a population file."""
    inputs = {i.name: i for i in rule_set.inputs()}
    N = len(columns[mapping.key])
    keys = columns[mapping.key].astype(str)  # numpy text, not a Python object per row
    everyone = np.arange(N)
    ev = _Eval(mapping, columns, "gegevens")

    def typed(name, pieces, total, where):
        """One fact column over all records from (slice indices, values, present) pieces."""
        if name not in inputs:
            raise _error(mapping.path, f"{where}: de regelset kent geen gegeven '{name}'",
                         "zie rules/ voor de namen van de gegevens")
        type_ = inputs[name].type
        if type_.name == "datum":
            out = np.full(total, np.datetime64("NaT"), dtype="datetime64[D]")
            for index, values, present in pieces:
                if values.dtype.kind != "M":
                    values = values.astype("datetime64[D]")
                out[index[present]] = values[present]
            return out
        out = np.full(total, None, dtype=object)
        covered = np.zeros(total, dtype=bool)
        for index, values, present in pieces:
            values = values[present]
            if type_.name == "waar/onwaar":
                words = values.astype(str)
                unknown = set(np.unique(words).tolist()) - _TRUE - _FALSE
                if unknown:
                    raise _error(mapping.path, f"{where}: '{sorted(unknown)[0]}' is geen waar/onwaar voor '{name}'",
                                 "gebruik ja of nee")
                values = np.isin(words, list(_TRUE)).astype(object)
            out[index[present]] = values
            covered[index[present]] = True
        if covered.all():
            if type_.name == "waar/onwaar":
                return out.astype(bool)
            if type_.name in v.NUMERIC and all(p[1].dtype == np.int64 for p in pieces):
                return out.astype(np.int64)
        return out

    # households
    households = {"huishouden": keys, "berekeningsjaar": columns[mapping.year].astype(np.int64)}
    for name, spec in mapping.facts.items():
        values, present = ev.value(spec, everyone, 0)
        households[name] = typed(name, [(everyone, values, present)], N, f"gegevens.{name}")
    # persons: blocks (one per person, per volgnummer), stably ordered per household afterwards
    blocks = []  # (household rows, person name)
    pieces: dict = {}
    total = 0
    for i, spec in enumerate(mapping.persons):
        where = f"personen[{i + 1}]"
        ev.where = where
        counts = _count(columns, spec, mapping, everyone)
        repeats = range(int(counts.max()) if counts is not None and N else 0) if counts is not None else [0]
        for n in repeats:
            rows = everyone if counts is None else everyone[counts > n]
            if "als" in spec:
                rows = rows[ev.condition(spec["als"], rows, n)]
            index = np.arange(total, total + len(rows))
            blocks.append((rows, _name(str(spec["persoon"]), n)))
            facts = dict(spec.get("gegevens") or {})
            facts.update({k: s for k, s in mapping.optional_facts.get(i, {}).items() if k in inputs})
            for name, fact in facts.items():
                values, present = ev.value(fact, rows, n)
                pieces.setdefault(name, []).append((index, values, present))
            total += len(rows)
    hh = np.concatenate([b[0] for b in blocks]) if blocks else np.zeros(0, dtype=np.int64)
    names = np.concatenate([np.full(len(b[0]), b[1]) for b in blocks]) if blocks else np.zeros(0, str)
    order = np.argsort(hh, kind="stable")
    persons = {"huishouden": keys[hh][order], "persoon": names[order]}
    for name, parts in pieces.items():
        persons[name] = typed(name, parts, total, f"personen.{name}")[order]
    person_rows = np.concatenate([[0], np.cumsum(np.bincount(hh, minlength=N))])
    # relations
    rel = {"huishouden_index": [], "soort": [], "eerste": [], "tweede": [], "vanaf": [], "tot": [], "known": []}
    for i, spec in enumerate(mapping.relations):
        ev.where = f"relaties[{i + 1}]"
        counts = _count(columns, spec, mapping, everyone)
        repeats = range(int(counts.max()) if N else 0) if counts is not None else [0]
        for n in repeats:
            rows = everyone if counts is None else everyone[counts > n]
            if "als" in spec:
                rows = rows[ev.condition(spec["als"], rows, n)]
            count = len(rows)
            first, second = (_name(str(x), n) for x in spec["tussen"])
            rel["huishouden_index"].append(rows)
            rel["soort"].append(np.full(count, str(spec["soort"])))
            rel["eerste"].append(np.full(count, first))
            rel["tweede"].append(np.full(count, second))
            for column, key in (("vanaf", "vanaf"), ("tot", "tot"), ("known", "bekend_vanaf")):
                if key in spec:
                    values, present = ev.value(spec[key], rows, n)
                    values = values.astype("datetime64[D]")
                    values[~present] = np.datetime64("NaT")
                else:
                    values = np.full(count, np.datetime64("NaT"), dtype="datetime64[D]")
                rel[column].append(values)
    rel = {k: np.concatenate(x) if x else np.zeros(0) for k, x in rel.items()}
    order = np.argsort(rel["huishouden_index"], kind="stable") if len(rel["soort"]) else np.zeros(0, np.int64)
    rel = {k: x[order] for k, x in rel.items()}
    relation_rows = np.concatenate([[0], np.cumsum(np.bincount(rel["huishouden_index"].astype(np.int64),
                                                               minlength=N))])
    known = rel.pop("known")
    relations = {"huishouden": keys[rel["huishouden_index"].astype(np.int64)], **rel}
    relations["huishouden_index"] = relations["huishouden_index"].astype(np.int64)
    return Tables(households, persons, relations, known, person_rows, relation_rows)


def select(tables: Tables, rows: np.ndarray) -> Tables:
    """The tables of some households only (`rows` ascending)."""
    N = len(tables.households["huishouden"])
    chosen = np.zeros(N, dtype=bool)
    chosen[rows] = True
    p_counts, r_counts = np.diff(tables.person_rows), np.diff(tables.relation_rows)
    take_p = np.repeat(chosen, p_counts)
    take_r = np.repeat(chosen, r_counts)
    households = {k: x[rows] for k, x in tables.households.items()}
    persons = {k: x[take_p] for k, x in tables.persons.items()}
    relations = {k: x[take_r] for k, x in tables.relations.items()}
    remap = np.full(N, -1, dtype=np.int64)
    remap[rows] = np.arange(len(rows))
    relations["huishouden_index"] = remap[relations["huishouden_index"]]
    return Tables(households, persons, relations, tables.known[take_r],
                  np.concatenate([[0], np.cumsum(p_counts[rows])]), np.concatenate([[0], np.cumsum(r_counts[rows])]))


def columnar_input(tables: Tables) -> tuple[dict, dict, dict]:
    """The three tables as population_from_columns reads them (without knowledge)."""
    relations = {k: x for k, x in tables.relations.items() if k != "huishouden_index"}
    for column in ("vanaf", "tot"):
        relations[column] = relations[column].astype("datetime64[D]")
    return tables.households, tables.persons, relations


def case_text(rule_set: RuleSet, tables: Tables, row: int) -> str:
    """Household `row` as case-file text, with when relations became known."""
    one = select(tables, np.array([row]))
    households, persons, _ = columnar_input(one)
    text = row_text.case_text(rule_set, households, persons, None, 0)
    relations = one.relations
    if len(relations["soort"]):
        lines = ["relaties:"]
        for i in range(len(relations["soort"])):
            parts = [f"soort: {relations['soort'][i]}",
                     f"tussen: [{relations['eerste'][i]}, {relations['tweede'][i]}]"]
            for column, values in (("vanaf", relations["vanaf"]), ("tot", relations["tot"]),
                                   ("bekend_vanaf", one.known)):
                if not np.isnat(values[i]):
                    parts.append(f"{column}: {np.datetime_as_string(values[i], unit='D')}")
            lines.append("  - {" + ", ".join(parts) + "}")
        text += "\n".join(lines) + "\n"
    return text
