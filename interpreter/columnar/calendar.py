"""Dates and months in columns: day ordinals (datetime.date.toordinal) and
month indices (year * 12 + month - 1), with the calendar arithmetic the
built-ins need, through numpy's datetime64."""

from __future__ import annotations

import numpy as np

EPOCH = 719163  # datetime.date(1970, 1, 1).toordinal()
MIN_ORD, MAX_ORD = 1, 3652059  # 0001-01-01 .. 9999-12-31


def split(ordinals):
    """(year, month, day) arrays of day ordinals, in integer arithmetic (the proleptic
    Gregorian calendar counted in eras of 400 years from 1 March of year 0; several times
    faster than going through datetime64 months and years)."""
    z = np.asarray(ordinals, dtype=np.int64) + 305  # days since 0000-03-01 (ordinal 1 is 0001-01-01)
    era = z // 146097
    doe = z - era * 146097  # day of the era, 0..146096
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365  # year of the era
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)  # day of the year that begins on 1 March
    mp = (5 * doy + 2) // 153  # month from March: 0..11
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    year = yoe + era * 400 + (month <= 2)
    return year, month, day


def month_of(ordinals):
    year, month, _ = split(ordinals)
    return year * 12 + month - 1


def first_day(month_index):
    m = (np.asarray(month_index, dtype=np.int64) - 1970 * 12).astype("datetime64[M]")
    return m.astype("datetime64[D]").astype(np.int64) + EPOCH


def last_day(month_index):
    return first_day(np.asarray(month_index, dtype=np.int64) + 1) - 1


def year_first_day(year):
    return first_day(np.asarray(year, dtype=np.int64) * 12)


def year_last_day(year):
    return first_day(np.asarray(year, dtype=np.int64) * 12 + 12) - 1


def make_date(year, month, day):
    """(ordinals, valid): the dates, and where they exist (elsewhere a placeholder)."""
    year, month, day = (np.asarray(x, dtype=np.int64) for x in (year, month, day))
    ok_month = (month >= 1) & (month <= 12) & (year >= 1) & (year <= 9999)
    mi = np.where(ok_month, year * 12 + month - 1, 2000 * 12)
    start = first_day(mi)
    length = first_day(mi + 1) - start
    valid = ok_month & (day >= 1) & (day <= length)
    return np.where(valid, start + day - 1, start), valid


def months_later(ordinals, months):
    """The same day `months` later, or the last day of a shorter month."""
    year, month, day = split(ordinals)
    mi = year * 12 + month - 1 + np.asarray(months, dtype=np.int64)
    mi = np.clip(mi, 12, 9999 * 12 + 11)
    start = first_day(mi)
    length = first_day(mi + 1) - start
    return start + np.minimum(day, length) - 1


def age(born, on):
    """Whole years from `born` to `on`, as builtins.age."""
    # as yyyymmdd numbers the difference, floored to ten thousands, is the number of whole
    # years (one less before the birthday in the year of `on`); the keys are made on the
    # (small) operands, only the difference on the broadcast shape
    return (_key(on) - _key(born)) // 10000


def _key(ordinals):
    year, month, day = split(ordinals)
    return year * 10000 + month * 100 + day
