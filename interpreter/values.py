"""Types and values of the rules language, and how Dutch readers write them.

Amounts, percentages and numbers are exact Fractions: 1/12 of an annual amount
stays exact until the law says to round. Nothing here is ever a float.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import re
import sys
from dataclasses import dataclass
from typing import NamedTuple
from fractions import Fraction

import babel
from babel import dates as babel_dates, numbers as babel_numbers

from .diagnostics import UNKNOWN_POS, Diagnostic, RegelsError

# --- types -----------------------------------------------------------------


@dataclass(frozen=True)
class Type:
    name: str
    elem: "Type | None" = None  # element type of a list

    def __str__(self) -> str:
        if self.name == "lijst":
            return f"lijst van {PLURALS.get(self.elem.name, str(self.elem))}"
        return self.name

    @property
    def is_numeric(self) -> bool:
        return self.name in NUMERIC


BEDRAG = Type("bedrag")
PERCENTAGE = Type("percentage")
GETAL = Type("getal")
GEHEEL = Type("geheel getal")
WAARHEID = Type("waar/onwaar")
DATUM = Type("datum")
MAAND = Type("maand")
JAAR = Type("jaar")
TEKST = Type("tekst")
PERSOON = Type("persoon")
ANY = Type("onbekend")  # after an error, to avoid follow-up errors


def lijst(elem: Type) -> Type:
    return Type("lijst", elem)


NUMERIC = {"bedrag", "percentage", "getal", "geheel getal"}
PLURALS = {"persoon": "personen", "maand": "maanden", "tekst": "tekst", "datum": "datums",
           "bedrag": "bedragen", "geheel getal": "gehele getallen", "getal": "getallen"}
SCALAR_TYPES = {t.name: t for t in (BEDRAG, PERCENTAGE, GETAL, GEHEEL, WAARHEID, DATUM, MAAND, JAAR, TEKST, PERSOON)}
TYPE_NAMES = sorted(SCALAR_TYPES) + [f"lijst van {p}" for p in ("personen", "maanden", "tekst", "datums", "bedragen")]


def parse_type(text: str) -> Type | None:
    """'bedrag', 'geheel getal', 'lijst van personen', ... -> Type, or None."""
    text = " ".join(str(text).split()).lower()
    if text in SCALAR_TYPES:
        return SCALAR_TYPES[text]
    if text.startswith("lijst van "):
        rest = text[len("lijst van "):]
        for singular, plural in PLURALS.items():
            if rest in (singular, plural):
                return lijst(SCALAR_TYPES[singular])
    return None


# --- values ----------------------------------------------------------------


class Month(NamedTuple):
    """A calendar month. A tuple, so hashing and ordering are fast and exact."""

    year: int
    month: int

    def first_day(self) -> dt.date:
        return _first_day(self.year, self.month)

    def last_day(self) -> dt.date:
        return self.next().first_day() - dt.timedelta(days=1)

    def next(self) -> "Month":
        return Month(self.year + (self.month == 12), self.month % 12 + 1)

    def previous(self) -> "Month":
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def __str__(self) -> str:
        return f"{MONTH_NAMES[self.month - 1]} {self.year}"


@functools.lru_cache(maxsize=4096)
def _first_day(year: int, month: int) -> dt.date:
    return dt.date(year, month, 1)


MONTH_NAMES = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
               "september", "oktober", "november", "december"]
MONTH_NAMES_EN = ["January", "February", "March", "April", "May", "June", "July", "August",
                  "September", "October", "November", "December"]

# --- numbers as written ------------------------------------------------------
#
# The one rule for every number in a rule file, a case file or a formula (see
# docs/regelformaat.md, "Waarden schrijven"): the digits 0-9 only; a point
# separates thousands, in groups of exactly three digits after a first group of
# one to three that does not start with 0 (3.050, 1.000.000); a comma is the
# decimal sign (1.022,50). Anything a reader could take two ways is an error
# with a hint, never a guess: 1022.10 or 0.750 (a point as decimal sign),
# 1,234.56 (English notation) and, in an amount, a comma followed by exactly
# three digits (€ 35,000: 35 euro or 35.000 euro?).

MAX_DIGITS = 30  # digits in one number, written or computed (docs/regelformaat.md, "Grenzen bij het lezen")

_NUMBER_RE = re.compile(r"^-?(?:[1-9][0-9]{0,2}(?:\.[0-9]{3})+|[0-9]+)(?:,([0-9]+))?$")
_DATE_NL_RE = re.compile(r"^([0-9]{1,2})\s+(" + "|".join(MONTH_NAMES) + r")\s+([0-9]{4})$")
_LIMIT = Fraction(10 ** MAX_DIGITS)


class NumberError(ValueError):
    """A number written in a way this tool will not guess at: the message and
    hint say why and how to write it (the caller adds the position)."""

    def __init__(self, message: str, hint: str):
        super().__init__(message)
        self.message, self.hint = message, hint


def _shown(text: str) -> str:
    """A value as quoted in a message: a 5.000-digit number is shortened."""
    return f"'{text}'" if len(text) <= 40 else f"'{text[:20]}…{text[-8:]}' ({len(text)} tekens)"


def check_digits(text: str, written: str | None = None) -> None:
    """Digits other than 0-9 (١٢٣, １２３) and numbers longer than MAX_DIGITS
    are errors wherever a number is read. `written` is the text to quote."""
    shown = _shown(written if written is not None else text)
    foreign = next((c for c in text if c.isdigit() and c not in "0123456789"), None)
    if foreign is not None:
        raise NumberError(f"{shown} bevat een cijfer dat geen 0-9 is ('{foreign}')",
                          "schrijf getallen, bedragen en datums met de cijfers 0 tot en met 9")
    if sum(c in "0123456789" for c in text) > MAX_DIGITS:
        raise NumberError(f"{shown} heeft meer dan {MAX_DIGITS} cijfers",
                          f"een getal heeft ten hoogste {MAX_DIGITS} cijfers (de grens MAX_DIGITS); "
                          "controleer of er cijfers te veel staan")


def parse_number_nl(text: str, amount: bool = False, written: str | None = None) -> Fraction:
    """'1.022,50' -> 1022.5 exactly. Raises NumberError (with a hint) on a form
    a reader could take two ways, ValueError on anything else. With `amount`,
    the number is a euro amount: a comma followed by exactly three digits is
    then ambiguous. `written` is the whole text to quote ('€ 35,000')."""
    text = text.strip()
    written = text if written is None else written.strip()
    check_digits(text, written)
    match = _NUMBER_RE.match(text)
    if not match:
        raise _misread(text, written, "€ " if amount else "")
    if amount and match.group(1) is not None and len(match.group(1)) == 3:
        raise _ambiguous_amount(text, written)
    return Fraction(text.replace(".", "").replace(",", "."))


def _misread(text: str, written: str, prefix: str) -> ValueError:
    """Why a number with a point in it is not read: a point as decimal sign, or
    English notation. Other malformed text is a plain ValueError."""
    body = text.lstrip("-")
    sign = "-" if text.startswith("-") else ""
    if not re.fullmatch(r"[0-9.,]+", body) or "." not in body:
        return ValueError(text)
    if "," in body and body.rfind(".") > body.find(","):  # 1,234.56
        english = body.replace(",", "")
        if re.fullmatch(r"[0-9]+\.[0-9]+", english):
            dutch = sign + _as_dutch(english)
            return NumberError(f"{_shown(written)} is de Engelse schrijfwijze",
                               f"in deze taal is de komma het decimaalteken: schrijf {prefix}{dutch}")
        return ValueError(text)
    if re.fullmatch(r"[0-9]+\.[0-9]+", body):  # 1022.10, 3.05, 0.750: one point, not a thousands group
        dutch = sign + _as_dutch(body)
        return NumberError(f"{_shown(written)}: een punt scheidt duizendtallen (3.050), maar hier staat "
                           "hij niet voor een groep van drie cijfers",
                           f"bedoelt u {prefix}{dutch}? schrijf {prefix}{dutch}: decimalen met een komma, "
                           "duizendtallen met een punt")
    return NumberError(f"{_shown(written)}: een punt scheidt duizendtallen, in groepen van drie cijfers",
                       "schrijf bijvoorbeeld 1.022,50 of 1.000.000")


def _as_dutch(english: str) -> str:
    """'1022.10' -> '1.022,10': the same digits, in Dutch notation."""
    whole, _, decimals = english.partition(".")
    return f"{int(whole):,}".replace(",", ".") + "," + decimals


def _ambiguous_amount(text: str, written: str) -> NumberError:
    sign = -1 if text.startswith("-") or written.startswith("-") else 1
    body = text.lstrip("-")
    thousands = format_amount_nl(sign * Fraction(body.replace(".", "").replace(",", "")))  # Diagnostic: plain space
    as_decimal = sign * Fraction(body.replace(".", "").replace(",", "."))
    decimals = 2 if (as_decimal * 100).denominator == 1 else 4
    decimal = ("-€ " if sign < 0 else "€ ") + format_number_nl(abs(as_decimal), decimals)
    return NumberError(f"{_shown(written)} is dubbelzinnig: na de komma staan precies drie cijfers",
                       f"bedoelt u duizendtallen, schrijf dan {thousands}; bedoelt u decimalen, schrijf dan "
                       f"twee of vier cijfers na de komma: {decimal}")


def parse_amount_nl(text: str) -> Fraction:
    """'€ 1.022,50' or 'EUR 3.050' -> exact amount in euros."""
    text = written = text.strip()
    negative = text.startswith("-")
    text = text.lstrip("-").strip()
    for prefix in ("€", "EUR"):
        if text.startswith(prefix):
            text = text[len(prefix):].strip()
            break
    else:
        raise ValueError(text)
    value = parse_number_nl(text, amount=True, written=written)
    return -value if negative else value


def parse_percent_nl(text: str) -> Fraction:
    """'6,75%' -> 0.0675 exactly."""
    text = text.strip()
    if not text.endswith("%"):
        raise ValueError(text)
    return parse_number_nl(text[:-1], written=text) / 100


def parse_integer(text: str) -> int:
    """'3' or '-12' -> int, with the same digit rules as every number."""
    text = text.strip()
    check_digits(text)
    if not re.fullmatch(r"-?[0-9]+", text):
        raise ValueError(text)
    return int(text)


def parse_date_nl(text: str) -> dt.date:
    """'1 januari 2020' or '2020-01-01' -> date."""
    text = " ".join(text.strip().split())
    check_digits(text)
    match = _DATE_NL_RE.match(text)
    if match:
        day, month, year = match.groups()
        return dt.date(int(year), MONTH_NAMES.index(month) + 1, int(day))
    return dt.date.fromisoformat(text)


def parse_month(text: str) -> Month:
    """'2020-03' or 'maart 2020' -> Month."""
    text = " ".join(text.strip().split())
    check_digits(text)
    match = re.match(r"^([0-9]{4})-([0-9]{2})$", text)
    if match:
        month = Month(int(match.group(1)), int(match.group(2)))
    else:
        name, _, year = text.partition(" ")
        month = Month(int(year), MONTH_NAMES.index(name) + 1)
    if not 1 <= month.month <= 12:
        raise ValueError(text)
    return month


# --- rounding --------------------------------------------------------------


def round_to(value: Fraction, unit: Fraction, direction: str) -> Fraction:
    """Round `value` to a multiple of `unit`. direction: 'rekenkundig' (half away
    from zero, as Dutch law means by 'rekenkundig afronden'), 'naar_beneden', 'naar_boven'."""
    units = Fraction(value) / unit
    if direction == "naar_beneden":
        whole = units.numerator // units.denominator
    elif direction == "naar_boven":
        whole = -((-units.numerator) // units.denominator)
    else:
        sign = -1 if units < 0 else 1
        magnitude = abs(units)
        whole = sign * ((magnitude.numerator * 2 + magnitude.denominator) // (2 * magnitude.denominator))
    return Fraction(whole) * unit


CENT = Fraction(1, 100)


def too_many_digits(value) -> bool:
    """Whether the whole part of a number has more than MAX_DIGITS digits: more
    than any amount, percentage or count the law knows."""
    return abs(Fraction(value)) >= _LIMIT


class ValueTooLarge(RegelsError):
    """A computed value that output will not write (more than MAX_DIGITS digits,
    or a fraction Python cannot write out). The evaluation should stop at such
    a value where a formula makes it, with the formula's position; this is the
    net under it, so that output never fails with a Python error."""

    def __init__(self, message: str, hint: str):
        super().__init__(Diagnostic(UNKNOWN_POS, message, hint))


def _check_size(value) -> None:
    if too_many_digits(value):
        raise ValueTooLarge(f"een berekende waarde heeft meer dan {MAX_DIGITS} cijfers",
                            f"een getal heeft ten hoogste {MAX_DIGITS} cijfers (de grens MAX_DIGITS); "
                            "controleer de formules die deze waarde berekenen")


# --- formatting ------------------------------------------------------------


def cents_string(value: Fraction) -> str:
    """Two decimals with a point, for JSON: '1022.50'. Rounds half away from zero
    for display only when the exact value is not a whole number of cents."""
    _check_size(value)
    cents = round_to(value, CENT, "rekenkundig") * 100
    cents = int(cents)
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def is_whole_cents(value: Fraction) -> bool:
    return (Fraction(value) * 100).denominator == 1


# Numbers, amounts, percentages and dates are written the way the reader's
# locale writes them, with the symbols and patterns of the Unicode CLDR (babel):
# '€ 5.389' and '€ 433,88' in Dutch (a non-breaking space after the euro sign,
# so the two never wrap apart), '€5,389' and '€433.88' in English. Babel gets a
# Decimal made from the exactly rounded digits, never a float.

LOCALES = {"nl": "nl_NL", "en": "en_GB"}  # English dates as '1 January 2020'


def _locale(lang: str) -> str:
    return LOCALES.get(lang, LOCALES["nl"])


def _scaled(value, decimals: int) -> int:
    """The value times 10**decimals, rounded half away from zero (display only)."""
    _check_size(value)
    return int(round_to(Fraction(value), Fraction(1, 10 ** decimals), "rekenkundig") * 10 ** decimals)


def _decimal(scaled: int, decimals: int) -> decimal.Decimal:
    return decimal.Decimal(f"{scaled}E-{decimals}")  # from the string: exact, whatever the context


@functools.lru_cache(maxsize=None)
def _pattern(lang: str, kind: str, decimals: int):
    """The babel locale and parsed number pattern for a kind of value (parsed once)."""
    locale = babel.Locale.parse(_locale(lang))
    digits = "#,##0" + ("." + "0" * decimals if decimals else "")
    if kind == "bedrag":  # the locale's own currency pattern, positive part, with our decimals
        text = locale.currency_formats["standard"].pattern.split(";")[0]
        text = re.sub(r"#[#,]*0(?:\.0+)?", digits, text)
    else:
        text = digits + ("%" if kind == "percentage" else "")
    return locale, babel_numbers.parse_pattern(text)


def _babel(lang: str, kind: str, decimals: int, number: decimal.Decimal) -> str:
    locale, pattern = _pattern(lang, kind, decimals)
    # enough precision for MAX_DIGITS digits and their decimals when babel quantizes
    with decimal.localcontext() as context:
        context.prec = MAX_DIGITS + 20
        return pattern.apply(number, locale, currency="EUR" if kind == "bedrag" else None, currency_digits=False)


def format_count(n: int, lang: str = "nl") -> str:
    """A whole number with the locale's thousands separators: 36.600 / 36,600."""
    return format_number(n, lang, 0)


def format_count_nl(n: int) -> str:
    return format_count(n, "nl")


def format_number(value, lang: str = "nl", decimals: int | None = None) -> str:
    """1022.5 -> '1.022,5' (nl) or '1,022.5' (en); with decimals=2 -> '1.022,50'.
    Without `decimals`, as many as the exact value has (at most 6)."""
    value = Fraction(value)
    _check_size(value)
    if decimals is None:
        decimals = 0
        while (value * 10 ** decimals).denominator != 1 and decimals < 6:
            decimals += 1
    return _babel(lang, "getal", decimals, _decimal(_scaled(value, decimals), decimals))


def format_number_nl(value: Fraction, decimals: int | None = None) -> str:
    return format_number(value, "nl", decimals)


def format_amount(value, lang: str = "nl") -> str:
    """€ 3.050 for whole euros, € 1.022,50 otherwise (display rounding to cents),
    in the locale's currency pattern; a minus sign before the euro sign (-€ 25),
    as amounts are written in the rules language."""
    value = Fraction(value)
    decimals = 0 if value.denominator == 1 else 2
    scaled = _scaled(value, decimals)
    return ("-" if scaled < 0 else "") + _babel(lang, "bedrag", decimals, _decimal(abs(scaled), decimals))


def format_amount_nl(value: Fraction) -> str:
    return format_amount(value, "nl")


def format_amount_en(value: Fraction) -> str:
    return format_amount(value, "en")


def format_percent(value, lang: str = "nl") -> str:
    """6,75% and 7,10% as the law writes them (6.75% in English); 108% without decimals."""
    hundred = Fraction(value) * 100
    decimals = 0
    if hundred.denominator != 1:
        decimals = 2
        while (hundred * 10 ** decimals).denominator != 1 and decimals < 6:
            decimals += 1
    return _babel(lang, "percentage", decimals, _decimal(_scaled(value, decimals + 2), decimals + 2))


def format_percent_nl(value: Fraction) -> str:
    return format_percent(value, "nl")


def format_date(value: dt.date, lang: str = "nl") -> str:
    """1 januari 2020 / 1 January 2020."""
    return babel_dates.format_date(value, format="d MMMM y", locale=_locale(lang))


def format_date_nl(value: dt.date) -> str:
    return format_date(value, "nl")


def format_date_en(value: dt.date) -> str:
    return format_date(value, "en")


def format_month(value: Month, lang: str = "nl") -> str:
    """maart 2020 / March 2020."""
    return babel_dates.format_date(value.first_day(), format="LLLL y", locale=_locale(lang))


def format_months(months: list, lang: str = "nl") -> str:
    """A run of consecutive months: 'heel 2020' / 'all of 2020', 'maart 2020',
    'januari t/m maart 2020' / 'January to March 2020'."""
    names = MONTH_NAMES if lang == "nl" else MONTH_NAMES_EN
    first, last = months[0], months[-1]
    if first.month == 1 and last.month == 12 and len(months) == 12:
        return ("heel " if lang == "nl" else "all of ") + str(first.year)
    if first == last:
        return f"{names[first.month - 1]} {first.year}"
    through = "t/m" if lang == "nl" else "to"
    return f"{names[first.month - 1]} {through} {names[last.month - 1]} {last.year}"


def month_runs(pairs) -> list[tuple[str, list]]:
    """(text, months) for each run of consecutive months with the same text, from
    (month, text) pairs in month order."""
    runs: list[tuple[str, list]] = []
    for month, text in pairs:
        if runs and runs[-1][0] == text and runs[-1][1][-1].next() == month:
            runs[-1][1].append(month)
        else:
            runs.append((text, [month]))
    return runs


def month_name(month: int, lang: str = "nl") -> str:
    """The name of a month (1-12) on its own: maart / March."""
    return babel_dates.format_date(dt.date(2000, month, 1), format="LLLL", locale=_locale(lang))


def format_value(value, type_: Type, lang: str = "nl") -> str:
    """A value as a reader of the explanation expects it."""
    name = type_.name
    if value is None:
        return "-"
    if type_.is_numeric:
        _check_size(value)
    if name == "bedrag":
        return format_amount(value, lang)
    if name == "percentage":
        return format_percent(value, lang)
    if name == "getal":
        return format_number(value, lang)
    if name == "waar/onwaar":
        if lang == "nl":
            return "waar" if value else "onwaar"
        return "true" if value else "false"
    if name == "datum":
        return format_date(value, lang)
    if name == "maand":
        return format_month(value, lang)
    if name == "lijst":
        return ", ".join(format_value(v, type_.elem, lang) for v in value) or ("(leeg)" if lang == "nl" else "(empty)")
    return str(value)


def to_json(value, type_: Type):
    """The stable JSON form of a value (see docs/json-uitvoer.md)."""
    name = type_.name
    if value is None:
        return None
    if name == "bedrag":
        return cents_string(value)
    if name == "percentage":
        return _decimal_string(Fraction(value) * 100) + "%"
    if name == "getal":
        return _decimal_string(value)
    if name in ("geheel getal", "jaar"):
        _check_size(value)
        return int(value)
    if name == "waar/onwaar":
        return bool(value)
    if name == "datum":
        return value.isoformat()
    if name == "maand":
        return value.key()
    if name == "lijst":
        return [to_json(v, type_.elem) for v in value]
    return str(value)


def _decimal_string(value: Fraction) -> str:
    value = Fraction(value)
    _check_size(value)
    if value.denominator == 1:
        return str(value.numerator)
    decimals = 1
    while (value * 10 ** decimals).denominator != 1 and decimals < 10:
        decimals += 1
    scaled = int(round_to(value, Fraction(1, 10 ** decimals), "rekenkundig") * 10 ** decimals)
    sign = "-" if scaled < 0 else ""
    scaled = abs(scaled)
    return f"{sign}{scaled // 10 ** decimals}.{scaled % 10 ** decimals:0{decimals}d}"


def exact_string(value: Fraction) -> str:
    """'1234/7' style exact form, for values that are not whole cents."""
    value = Fraction(value)
    _check_size(value)
    try:
        return f"{value.numerator}/{value.denominator}"
    except ValueError:  # Python writes at most sys.get_int_max_str_digits() digits
        raise ValueTooLarge(f"een berekende waarde is te lang om exact te schrijven (meer dan "
                            f"{sys.get_int_max_str_digits()} cijfers onder de breukstreep)",
                            "rond de waarde af in de formule, bijvoorbeeld: afgerond op centen") from None


def squash(text: str) -> str:
    """Runs of ASCII white space (as YAML folds a description) become one space; the
    no-break space between '€' and its amount stays, so the two never wrap apart."""
    return re.sub(r"[ \t\n\r\f\v]+", " ", str(text)).strip(" \t\n\r\f\v")
