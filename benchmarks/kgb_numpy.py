"""The limit proxy: kindgebonden budget written out by hand in numpy, on the
real rules, for the households benchmarks/columnar.py generates. Its figure is
what the columnar backend (which evaluates the same rules generically) could
at best reach.

It follows the rules of rules/ as they apply to that population, simplified to
its cases (and only to them):

- WKB art. 2 lid 1: a child gives aanspraak in a month if the ouder has
  kinderbijslag for it on the first day of the month, it is born before that
  day and is younger than 18 on the last day of the previous month (the ages
  of lid 1, 3 and 5 count from the month after the birthday);
- the amount for 1, 2, 3 children and each one beyond (lid 1), the supplements
  for children of 12-15 and 16-17 (lid 3 and 5), the ALO-kop without
  toeslagpartner (lid 2);
- the reduction above the drempelinkomen (WKB art. 1 lid 1 d: a percentage of
  twelve times the minimumloon of January; art. 2 lid 4 to 6, with the higher
  drempel for partners), the woonlandfactor for one child outside the EU/EER
  (lid 9 and 10), the vermogenstoets (art. 1 lid 4);
- Awir art. 14: the yearly sum of the monthly amounts (each 1/12 of the
  annual amount), nothing below the minimumbedrag, else rounded half up to
  whole euros;
- toeslagpartner (Awir art. 3, AWR art. 5a) simplified to what the population
  holds: the partner is married to the ouder since years before the year, so
  is fiscal partner and toeslagpartner in every month (also the statushouder
  whose partner lives abroad); children are never toeslagpartner.

Every amount is read from the loaded rule set on its law date, none is
written here. Money is exact: int64 numerators over one denominator worked
out from the parameters (no float anywhere)."""

from __future__ import annotations

import datetime as dt
import math
from fractions import Fraction

import numpy as np


def _param(rule_set, name: str):
    for p in rule_set.parameters():
        if p.name == name:
            return p
    raise KeyError(name)


def parameters(rule_set, year: int) -> dict:
    """The parameters the formula needs, as Fractions (euros, fractions), read on their law dates."""
    day = dt.date(year, 1, 1)
    names = ["bedrag_een_kind", "bedrag_twee_kinderen", "bedrag_drie_kinderen", "verhoging_per_kind_boven_drie",
             "verhoging_12_tot_16", "verhoging_16_en_17", "alo_kop", "afbouwpercentage", "afbouwpercentage_partners",
             "verhoging_drempel_partners", "drempelpercentage", "minimumloon_per_maand",
             "minimumbedrag_tegemoetkoming", "vermogensgrens", "vermogensgrens_partners"]
    found = {}
    for name in names:
        p = _param(rule_set, name)
        # the parameters must not change within the year: the formula reads them once
        assert not any(day < e.vanaf <= dt.date(year, 12, 1) for e in p.values), name
        found[name] = Fraction(p.value_on(day).value)
    found["woonlandfactor"] = {k: Fraction(x) for k, x in _param(rule_set, "woonlandfactor").value_on(day).value.items()}
    found["eu_eer_zwitserland"] = set(_param(rule_set, "eu_eer_zwitserland").value_on(day).value)
    return found


def prepare(rule_set, year: int, countries: list[str]) -> dict:
    """Constants of the formula in integer units: amounts in 1/D cent."""
    P = parameters(rule_set, year)
    cents = {k: x * 100 for k, x in P.items() if not isinstance(x, (dict, set)) and "percentage" not in k}
    drempel = P["drempelpercentage"] * 12 * cents["minimumloon_per_maand"]
    drempel_partners = drempel + cents["verhoging_drempel_partners"]
    pct, pct_p = P["afbouwpercentage"], P["afbouwpercentage_partners"]
    # factor per country code used (1 inside the EU/EER: no woonlandfactor there)
    factors = [Fraction(1) if c in P["eu_eer_zwitserland"] else P["woonlandfactor"][c] for c in countries]
    D = 1
    for f in [drempel, drempel_partners, pct, pct_p] + list(cents.values()):
        D = math.lcm(D, f.denominator)
    D = math.lcm(D, pct.denominator * drempel.denominator, pct_p.denominator * drempel_partners.denominator)
    L = 1
    for f in factors:
        L = math.lcm(L, f.denominator)

    def units(x: Fraction) -> int:
        value = x * D
        assert value.denominator == 1
        return int(value)
    return {"D": D, "L": L, "factor_L": np.array([int(f * L) for f in factors], dtype=np.int64),
            "abroad": np.array([c not in P["eu_eer_zwitserland"] for c in countries]),
            "b": np.array([0, units(cents["bedrag_een_kind"]), units(cents["bedrag_twee_kinderen"]),
                           units(cents["bedrag_drie_kinderen"])], dtype=np.int64),
            "b4": units(cents["verhoging_per_kind_boven_drie"]), "v12": units(cents["verhoging_12_tot_16"]),
            "v16": units(cents["verhoging_16_en_17"]), "alo": units(cents["alo_kop"]),
            "pct": (pct.numerator, pct.denominator), "pct_p": (pct_p.numerator, pct_p.denominator),
            "drempel": drempel, "drempel_p": drempel_partners,
            "min_cents": cents["minimumbedrag_tegemoetkoming"],
            "grens": cents["vermogensgrens"], "grens_p": cents["vermogensgrens_partners"]}


def _age(born: np.ndarray, on: np.ndarray) -> np.ndarray:
    """Whole years between two day ordinals (born <= on), via datetime64."""
    b = (born - 719163).astype("datetime64[D]")
    o = (on - 719163).astype("datetime64[D]")
    by, oy = b.astype("datetime64[Y]"), o.astype("datetime64[Y]")
    years = (oy - by).astype(np.int64)
    # before the birthday in the year of `on`: one year less (day of year compared as month-day)
    bmd = (b - b.astype("datetime64[M]")).astype(np.int64) + 32 * (b.astype("datetime64[M]") - by).astype(np.int64)
    omd = (o - o.astype("datetime64[M]")).astype(np.int64) + 32 * (o.astype("datetime64[M]") - oy).astype(np.int64)
    return years - (omd < bmd)


def kgb(k: dict, a: dict, year: int):
    """(kindgebonden budget per household in whole euros (int64), the 12 monthly amounts as
    numerators over 12 * D * L cents) for the arrays of benchmarks/columnar.generate."""
    n = len(a["partner"])
    firsts = np.array([dt.date(year, m, 1).toordinal() for m in range(1, 13)], dtype=np.int64)
    born, valid, since = a["child_born"], a["child_valid"], a["child_since"]  # (n, 4)
    first = firsts[None, None, :]
    age = _age(born[..., None], first - 1)  # the age reached: on the last day of the previous month
    entitled = valid[..., None] & (since[..., None] <= first) & (born[..., None] < first) & (age < 18)
    count = entitled.sum(axis=1)  # (n, 12)
    amount = np.where(count >= 3, k["b"][3] + (count - 3) * k["b4"], k["b"][np.minimum(count, 3)])
    supplement = np.where(age >= 16, k["v16"], np.where(age >= 12, k["v12"], 0))
    amount = amount + (supplement * entitled).sum(axis=1)
    partner = a["partner"][:, None]
    amount = amount + np.where((count > 0) & ~partner, k["alo"], 0)
    income = a["income_ouder"] + np.where(a["partner"], a["income_partner"], 0)  # cents
    D = k["D"]

    def reduction(threshold: Fraction, pct):
        num, den = pct
        # num/den * (income - threshold) in 1/D cent: D is a multiple of den * threshold.denominator
        over = income * threshold.denominator - threshold.numerator
        return np.maximum(over * (num * (D // (den * threshold.denominator))), 0)
    cut = np.where(a["partner"], reduction(k["drempel_p"], k["pct_p"]), reduction(k["drempel"], k["pct"]))
    yearly = np.maximum(amount - cut[:, None], 0)  # 1/D cent, per month
    # one entitled child, abroad outside the EU/EER: the woonlandfactor (times L, to stay whole)
    country = a["child_country"]  # (n, 4) index into the countries of prepare
    abroad_child = (entitled & k["abroad"][country][..., None]).any(axis=1)
    factor = np.where((count == 1) & abroad_child,
                      (k["factor_L"][country][..., None] * (entitled & k["abroad"][country][..., None])).sum(axis=1),
                      k["L"])
    yearly = yearly * factor  # 1/(D L) cent
    assets = a["assets_ouder"] + np.where(a["partner"], a["assets_partner"], 0)
    too_high = assets > np.where(a["partner"], int(k["grens_p"]), int(k["grens"]))  # whole cents
    monthly = np.where(too_high[:, None], 0, yearly)  # each month: monthly / 12 in 1/(D L) cent
    total = monthly.sum(axis=1)  # the year in 1/(12 D L) cent
    unit = 12 * D * k["L"]
    minimum = int(k["min_cents"] * unit)
    euros = (total + 50 * unit) // (100 * unit)  # half up (the totals are >= 0)
    return np.where(total < minimum, 0, euros), monthly
