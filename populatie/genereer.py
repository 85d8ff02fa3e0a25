"""Generate a synthetic population of kindgebonden-budget households, one per row,
shaped on the figures in the two context documents:
- about 1.000.000 households with kindgebonden budget (Kamerbrief 26 mei 2021);
- about 5.000 single parents whose child does not live in the Netherlands, among them
  labour migrants (idem);
- about 1.200 statushouders with a partner abroad without BSN (beslisnota 2018,
  Vluchtelingenwerk, medio 2017).
The rest of the shape (incomes, numbers and ages of children) is invented for the
purpose of a demonstration and says nothing about the real population.

    python populatie/genereer.py [--aantal 1000000] [--jaren 2016-2020] [--uit populatie/populatie.csv] [--grof]

With --uit ending in .parquet the file is written as Parquet. The columns are those of
populatie/kolommen.yaml (docs/populatie.md).

Every household differs from every other in something besides its id (incomes in whole
euros, any age of the oldest child; a duplicate gets a new income until none is left).
With --grof values are coarse (incomes in steps of € 2.500, ages in steps of three), as
before, so that many households are identical. Vectorised with numpy: a million
households take a few seconds."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

COLUMNS = ["id", "berekeningsjaar", "inkomen", "kinderen", "geboortejaar_oudste", "partner",
           "partner_bekend_vanaf", "gemeente_kent_partner", "kind_woonland", "datum_voorschot", "datum_toekenning"]
ABROAD = np.array(["MA", "TR", "SR", "SY", "ER"], dtype=object)
PARTNERS = np.array(["geen", "nl", "buitenland_zonder_bsn"], dtype=object)


def generate(count: int, years: list[int], seed: int = 2018, coarse: bool = False) -> dict:
    """The columns of `count` households (numpy arrays)."""
    rng = np.random.default_rng(seed)
    scale = count / 1_000_000
    statushouders, abroad = round(1_200 * scale), round(5_000 * scale)
    kind = np.zeros(count, dtype=np.int8)  # 0 gewoon, 1 statushouder, 2 kind in het buitenland
    kind[:statushouders] = 1
    kind[statushouders:statushouders + abroad] = 2
    year = rng.choice(np.array(years), count)
    children = np.where(kind == 2, 1, rng.choice([1, 2, 3, 4], count, p=[0.40, 0.40, 0.15, 0.05]))
    partner = np.where(kind == 1, 2, np.where(kind == 2, 0, np.where(rng.random(count) < 0.55, 1, 0)))
    step = 2_500 if coarse else 1
    low = np.where(partner == 0, 12_500, 15_000)
    high = np.where(partner == 0, 50_000, 90_000)
    income = low + step * rng.integers(0, (high - low) // step + 1)
    age = rng.choice(np.arange(2, 16, 3), count) if coarse else rng.integers(1, 18, count)
    oldest = year - age
    # statushouders (invented shape): most municipalities knew the partner; the Dienst learned of him
    # through a municipality's report (2017-2020), through the partner form (from March 2021), or never
    knows = (kind == 1) & (rng.random(count) < 0.8)
    municipality = np.where(knows, "ja", "nee").astype(object)
    route = np.where(kind == 1, rng.choice(3, count, p=[0.4, 0.4, 0.2]), 2)
    report_year, report_month = rng.integers(2017, 2021, count), rng.integers(1, 13, count)
    report_day = np.char.add(np.char.add(report_year.astype(str), "-"),
                             np.char.add(np.char.zfill(report_month.astype(str), 2), "-15"))
    known = np.where(route == 0, report_day, np.where(route == 1, "2021-03-15", ""))
    land = np.where(kind == 2, rng.integers(0, len(ABROAD), count), -1)
    country = np.where(land >= 0, ABROAD[np.maximum(land, 0)], "NL").astype(object)
    if not coarse:
        # everything but the income as one integer (mixed radix over the ranges above), then incomes apart
        known_code = np.where(route == 0, 2 + (report_year - 2017) * 12 + report_month - 1, route == 1)
        others = (((((year - 1900) * 8 + children) * 256 + (oldest - 1900)) * 4 + partner) * 64 + known_code) * 2
        others = ((others + knows) * 8 + land + 1).astype(np.int64)
        _make_distinct(others, income, low, high, rng)
    return {"id": np.arange(1, count + 1), "berekeningsjaar": year, "inkomen": income, "kinderen": children,
            "geboortejaar_oudste": oldest, "partner": PARTNERS[partner], "partner_bekend_vanaf": known.astype(object),
            "gemeente_kent_partner": municipality, "kind_woonland": country,
            "datum_voorschot": np.char.add((year - 1).astype(str), "-12-01").astype(object),
            "datum_toekenning": np.char.add((year + 2).astype(str), "-06-30").astype(object)}


def _make_distinct(others: np.ndarray, income: np.ndarray, low: np.ndarray, high: np.ndarray, rng) -> None:
    """A new income (in whole euros, in the same range) for every household that equals an
    earlier one in everything (`others`: the other columns as one integer), until none does."""
    for _ in range(100):
        key = others * (1 << 17) + income
        order = np.argsort(key)
        same = key[order[1:]] == key[order[:-1]]
        if not same.any():
            return
        repeat = order[1:][same]
        income[repeat] = low[repeat] + rng.integers(0, high[repeat] - low[repeat] + 1)
    raise RuntimeError("geen verschillende huishoudens te maken: te veel huishoudens voor de ruimte van waarden")


def write(columns: dict, path: Path) -> None:
    import pyarrow

    table = pyarrow.table({c: pyarrow.array(columns[c]) for c in COLUMNS})
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet

        pyarrow.parquet.write_table(table, temporary)
    else:
        import pyarrow.csv

        pyarrow.csv.write_csv(table, temporary, pyarrow.csv.WriteOptions(quoting_style="needed"))
    temporary.replace(path)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--aantal", type=int, default=1_000_000)
    parser.add_argument("--jaren", default="2016-2020")
    parser.add_argument("--uit", type=Path, default=Path("populatie/populatie.csv"))
    parser.add_argument("--zaad", type=int, default=2018)
    parser.add_argument("--grof", action="store_true", help="grove waarden: veel gelijke huishoudens")
    args = parser.parse_args()
    first, _, last = args.jaren.partition("-")
    years = list(range(int(first), int(last or first) + 1))
    write(generate(args.aantal, years, args.zaad, args.grof), args.uit)
    print(f"{args.uit}: {args.aantal:,} huishoudens".replace(",", "."))


if __name__ == "__main__":
    main()
