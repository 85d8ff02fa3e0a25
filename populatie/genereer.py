"""Generate a synthetic population of kindgebonden-budget households, one per row,
shaped on the figures in the two context documents:
- about 1.000.000 households with kindgebonden budget (Kamerbrief 26 mei 2021);
- about 5.000 single parents whose child does not live in the Netherlands (idem);
- about 1.200 statushouders with a partner abroad (beslisnota 2018, Vluchtelingenwerk, medio 2017).
The rest of the shape (incomes, numbers and ages of children) is invented for the
purpose of a demonstration and says nothing about the real population.

    python populatie/genereer.py [--aantal 1000000] [--jaren 2016-2020] [--uit populatie/populatie.csv]

With --uit ending in .parquet the file is written as Parquet.

Values are coarse (incomes in steps of € 2.500, birth years in steps of three) so
that many households are identical and `regels impact` evaluates each kind once."""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

COLUMNS = ["id", "berekeningsjaar", "inkomen", "kinderen", "geboortejaar_oudste", "partner",
           "partner_bekend_vanaf", "gemeente_kent_partner", "kind_woonland", "datum_voorschot", "datum_toekenning"]
ABROAD = ["MA", "TR", "SR", "SY", "ER"]


def household(rng: random.Random, year: int, kind: str, number: int) -> dict:
    children = 1 if kind == "kind_buitenland" else rng.choices([1, 2, 3, 4], [40, 40, 15, 5])[0]
    partner = {"statushouder": "buitenland_zonder_bsn", "kind_buitenland": "geen"}.get(
        kind, rng.choices(["nl", "geen"], [55, 45])[0])
    if partner == "geen":
        income = rng.choice(range(12_500, 50_001, 2_500))
    else:
        income = rng.choice(range(15_000, 90_001, 2_500))
    oldest = year - rng.choice(range(2, 16, 3))
    known, municipality = "", "nee"
    if kind == "statushouder":
        # invented shape: most municipalities knew the partner; the Dienst learned of him through a
        # municipality's report (2017-2020), through the partner form (from March 2021), or never
        municipality = "ja" if rng.random() < 0.8 else "nee"
        route = rng.choices(["melding", "partnerformulier", "nooit"], [40, 40, 20])[0]
        if route == "melding":
            known = f"{rng.choice(range(2017, 2021))}-{rng.choice(range(1, 13)):02d}-15"
        elif route == "partnerformulier":
            known = "2021-03-15"
    return {"id": number, "berekeningsjaar": year, "inkomen": income, "kinderen": children,
            "geboortejaar_oudste": oldest, "partner": partner, "partner_bekend_vanaf": known,
            "gemeente_kent_partner": municipality,
            "kind_woonland": rng.choice(ABROAD) if kind == "kind_buitenland" else "NL",
            "datum_voorschot": f"{year - 1}-12-01", "datum_toekenning": f"{year + 2}-06-30"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--aantal", type=int, default=1_000_000)
    parser.add_argument("--jaren", default="2016-2020")
    parser.add_argument("--uit", type=Path, default=Path("populatie/populatie.csv"))
    parser.add_argument("--zaad", type=int, default=2018)
    args = parser.parse_args()
    first, last = (int(x) for x in args.jaren.split("-"))
    years = list(range(first, last + 1))
    rng = random.Random(args.zaad)
    scale = args.aantal / 1_000_000
    special = {"statushouder": round(1_200 * scale), "kind_buitenland": round(5_000 * scale)}
    kinds = [kind for kind, total in special.items() for _ in range(total)]
    kinds += ["gewoon"] * (args.aantal - len(kinds))
    rows = [household(rng, rng.choice(years), kind, number) for number, kind in enumerate(kinds, 1)]
    args.uit.parent.mkdir(parents=True, exist_ok=True)
    if args.uit.suffix.lower() == ".parquet":
        import pyarrow
        import pyarrow.parquet

        pyarrow.parquet.write_table(pyarrow.Table.from_pylist(rows), args.uit)
    else:
        with open(args.uit, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
    print(f"{args.uit}: {args.aantal:,} huishoudens".replace(",", "."))


if __name__ == "__main__":
    main()
