"""One household of the columnar input as a case file, so that the
interpreter can explain it (for `regels uitleg-rij POPULATIE --rij N`) and so
that both backends can be compared on generated populations."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import numpy as np

from .. import values as v
from ..model import RuleSet


def _empty(x) -> bool:
    return x is None or (isinstance(x, str) and not x.strip()) or (isinstance(x, float) and x != x) or \
        (isinstance(x, np.datetime64) and np.isnat(x))


def _cell(value, type_: v.Type) -> str:
    name = type_.name
    if name in v.NUMERIC:
        number = Fraction(str(value).strip()) if not isinstance(value, (int, Fraction)) else Fraction(value)
        if name == "bedrag":
            return '"' + v.format_amount_nl(number) + '"'
        if name == "percentage":
            return '"' + v.format_percent_nl(number) + '"'
        return v.format_number_nl(number) if name == "getal" else str(int(number))
    if name == "datum":
        return value.isoformat() if isinstance(value, dt.date) else str(np.datetime64(value, "D"))
    if name == "waar/onwaar":
        text = str(value).strip().lower()
        return "ja" if value is True or text in ("ja", "waar", "true", "1") else "nee"
    return '"' + str(value).replace('"', "'") + '"'


def case_text(rule_set: RuleSet, households: dict, persons: dict, relations: dict | None, row: int) -> str:
    """The household in row `row` of the household table, as case-file text."""
    inputs = {i.name: i for i in rule_set.inputs()}
    key = households["huishouden"][row]
    lines = [f'casus: "huishouden {key}"', f"berekeningsjaar: {int(households['berekeningsjaar'][row])}", "gegevens:"]
    for column, values in households.items():
        if column not in ("huishouden", "berekeningsjaar") and not _empty(values[row]):
            lines.append(f"  {column}: {_cell(values[row], inputs[column].type)}")
    lines.append("personen:")
    for i, owner in enumerate(persons["huishouden"]):
        if owner != key:
            continue
        lines.append(f"  {persons['persoon'][i]}:")
        for column, values in persons.items():
            if column not in ("huishouden", "persoon") and not _empty(values[i]):
                lines.append(f"    {column}: {_cell(values[i], inputs[column].type)}")
    if relations:
        found = [i for i, owner in enumerate(relations["huishouden"]) if owner == key]
        if found:
            lines.append("relaties:")
        for i in found:
            parts = [f"soort: {relations['soort'][i]}", f"tussen: [{relations['eerste'][i]}, {relations['tweede'][i]}]"]
            for column in ("vanaf", "tot"):
                if not _empty(relations[column][i]):
                    parts.append(f"{column}: {_cell(relations[column][i], v.DATUM)}")
            lines.append("  - {" + ", ".join(parts) + "}")
    return "\n".join(lines) + "\n"
