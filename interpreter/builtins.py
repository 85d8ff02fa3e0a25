"""Every built-in of the formula language, defined once: the names a formula may
use (berekeningsjaar, maand, maanden, personen) with their type, and for each
built-in function its name, how the checker types a call, how the interpreter computes it on one value
(`scalar`) and how the columnar backend computes it on a column (`columnar`).

The checker (check.py), the interpreter (evaluate.py), the columnar compiler
(columnar/compiler.py) and the highlighter (lexer.py) all read this table, so a
built-in added here is known everywhere, and a built-in missing one of its
implementations is visible here, not in three files.

Two built-ins read the case itself rather than their arguments' values:
`begin(relatie(a; b))` (when a relation began) and `opgegeven(invoer)` (does the
case give a fact). Their type rule is here; each evaluator computes them where
it reads the case (`special = True`). `dagen(a; b)` gives a list of days; the
columnar backend sums over it as a quantifier domain (compiler.day_sum), so it
has no column form of its own.

Conventions:
- `type_of(ck, node, args)`: `ck` is the checker (ck.problems.error, ck.expect),
  `args` the inferred argument types; returns the result type. Arity is checked
  before, from `arity` (None: two or more).
- `scalar(pos, *values)`: Python values in, a Python value out; an impossible
  value (a date outside the calendar) raises the interpreter's EvaluationError
  at `pos`.
- `columnar(args, site)`: `args` the argument columns (compiler.V: .kind, .x);
  returns (kind, x, bad): the result's kind and array, and an error-code array
  (or None) made with `site(kind, message)`. numpy is imported only here, when
  a column is computed, so the interpreter's start-up does not pay for it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

from . import values as v

# The calendar dates are computed in (Python's): 1 January 1 to 31 December 9999.
CALENDAR = "1 januari 1 tot en met 31 december 9999"


# Names every formula may use, with their type. 'maand' only where a month is being computed;
# each evaluator gives their value (the year, the month, the months and the persons of the case).
NAMES = {
    "berekeningsjaar": v.JAAR,
    "maand": v.MAAND,
    "maanden": v.lijst(v.MAAND),
    "personen": v.lijst(v.PERSOON),
}


@dataclass(frozen=True)
class Builtin:
    name: str
    arity: int | None  # None: two or more arguments
    type_of: Callable
    scalar: Callable | None = None
    columnar: Callable | None = None
    special: bool = False  # computed by each evaluator from the case (begin, opgegeven)


def fail(pos, message: str, hint: str | None = None):
    from .diagnostics import error
    from .evaluate import EvaluationError

    raise EvaluationError(error(pos, message, hint).diagnostics)


def outside_calendar(pos, what: str):
    fail(pos, f"{what} valt buiten de kalender ({CALENDAR})",
         "controleer de getallen in de formule en de gegevens in de casus waarmee hier gerekend wordt")


# --- type rules -------------------------------------------------------------------------------------


def _join(a: v.Type, b: v.Type):
    from .check import _join as join

    return join(a, b)


def _type_extreme(ck, node, args):
    result = args[0]
    for arg, type_ in zip(node.args[1:], args[1:]):
        joined = _join(result, type_)
        if joined is None or not (joined.is_numeric or joined in (v.DATUM, v.MAAND, v.JAAR, v.ANY)):
            ck.problems.error(arg.pos, f"'{node.func}' vergelijkt waarden van één soort; hier een {result} en een {type_}")
            return v.ANY
        result = joined
    return result


def _type_abs(ck, node, args):
    if args[0] != v.ANY and not args[0].is_numeric:
        ck.problems.error(node.args[0].pos, f"'abs' werkt op een getal of bedrag, niet op een {args[0]}")
    return args[0]


def _type_year_or_month_to_date(ck, node, args):
    if args[0] not in (v.MAAND, v.JAAR, v.ANY):
        ck.problems.error(node.args[0].pos, f"'{node.func}' werkt op een maand of jaar, niet op een {args[0]}")
    return v.DATUM


def _expecting(result: v.Type, *expected: tuple):
    """A type rule that expects each argument to have a type: (type, what)."""
    def type_of(ck, node, args):
        for arg, type_, (want, what) in zip(node.args, args, expected):
            ck.expect(arg, type_, want, what.format(name=node.func))
        return result
    return type_of


def _type_datum(ck, node, args):
    for arg, type_ in zip(node.args, args):
        if type_ not in (v.GEHEEL, v.JAAR, v.ANY):
            ck.problems.error(arg.pos, f"'datum(jaar; maand; dag)' verwacht gehele getallen, niet een {type_}")
    return v.DATUM


def _type_jaar(ck, node, args):
    if args[0] not in (v.DATUM, v.MAAND, v.ANY):
        ck.problems.error(node.args[0].pos, f"'jaar' werkt op een datum of maand, niet op een {args[0]}")
    return v.JAAR


def _type_begin(ck, node, args):
    from .model import Relation
    from .syntax import Call

    if not (isinstance(node.args[0], Call) and isinstance(node.args[0].ref, Relation)):
        ck.problems.error(node.args[0].pos, "'begin' geeft de begindatum van een relatie",
                          "bijvoorbeeld: begin(huwelijk(aanvrager; p))")
    return v.DATUM


def _type_opgegeven(ck, node, args):
    from .model import Input
    from .syntax import Name, Van

    arg = node.args[0]
    target = arg.left if isinstance(arg, Van) and arg.kind == "kenmerk" else arg
    if not (isinstance(target, Name) and isinstance(target.ref, Input)):
        ck.problems.error(arg.pos, "'opgegeven' vraagt of de casus een gegeven noemt",
                          "noem een invoer: opgegeven(datum_herziening) of opgegeven(woonadres van p)")
    return v.WAARHEID


# --- the interpreter: one value ---------------------------------------------------------------------


def first_day(pos, value):
    if isinstance(value, v.Month):
        return value.first_day()
    if not dt.MINYEAR <= value <= dt.MAXYEAR:
        outside_calendar(pos, f"eerste_dag({value})")
    return dt.date(int(value), 1, 1)


def last_day(pos, value):
    if isinstance(value, v.Month):
        if value == (dt.MAXYEAR, 12):  # Month.last_day looks at the first day of the next month
            return dt.date.max
        return value.last_day()
    if not dt.MINYEAR <= value <= dt.MAXYEAR:
        outside_calendar(pos, f"laatste_dag({value})")
    return dt.date(int(value), 12, 31)


def age(pos, born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def make_date(pos, year, month, day):
    try:
        return dt.date(int(year), int(month), int(day))
    except (ValueError, OverflowError):
        fail(pos, f"datum({year}; {month}; {day}) bestaat niet",
             f"een datum ligt in de kalender van {CALENDAR}, met een maand van 1 tot en met 12 "
             "en een dag die in die maand bestaat")


def months_later(pos, day: dt.date, months) -> dt.date:
    """The same day `months` months later; the last day of the month if it is shorter."""
    months = int(months)
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    if not dt.MINYEAR <= year <= dt.MAXYEAR:
        outside_calendar(pos, f"maanden_later({v.format_date_nl(day)}; {v.format_count_nl(months)})")
    last = v.Month(year, month + 1).last_day().day if (year, month) != (dt.MAXYEAR, 11) else 31
    return dt.date(year, month + 1, min(day.day, last))


def _other_month(step: str):
    def other(pos, month):
        found = month.previous() if step == "vorige_maand" else month.next()
        if not dt.MINYEAR <= found.year <= dt.MAXYEAR:
            outside_calendar(pos, f"{step}({month})")
        return found
    return other


# The most days a 'dagen(van; tot)' range may hold: a century, longer than any period
# the law counts in days (interest over a recovery runs for years), and few enough that
# a sum over every day of it stays well under a second.
MAX_DAYS_IN_RANGE = 36_600


def days(pos, start: dt.date, end: dt.date) -> list:
    count = (end - start).days + 1
    if count > MAX_DAYS_IN_RANGE:
        fail(pos, f"dagen({v.format_date_nl(start)}; {v.format_date_nl(end)}) telt {v.format_count_nl(count)} dagen; "
                  f"een reeks dagen telt er ten hoogste {v.format_count_nl(MAX_DAYS_IN_RANGE)}",
             "tel over een kortere periode, bijvoorbeeld per jaar, of controleer de begin- en einddatum")
    return [start + dt.timedelta(days=i) for i in range(count)]


# --- the columnar backend: a column ---------------------------------------------------------------


def _col_extreme(name: str):
    def extreme(args, site):
        from .columnar import money
        import numpy as np

        result = args[0]
        kind, x = result.kind, result.x
        for other in args[1:]:
            if kind == "num":
                x = (money.maximum if name == "max" else money.minimum)(x, other.x)
            else:
                x = (np.maximum if name == "max" else np.minimum)(x, other.x)
        return kind, x, None
    return extreme


def _col_abs(args, site):
    from .columnar import money

    return "num", money.absolute(args[0].x), None


def _col_year_bound(first: bool):
    def bound(args, site):
        from .columnar import calendar as cal
        from .columnar import money

        arg = args[0]
        if arg.kind == "month":
            return "date", cal.first_day(arg.x) if first else cal.last_day(arg.x), None
        year = money.truncate(arg.x)
        return "date", cal.year_first_day(year) if first else cal.year_last_day(year), None
    return bound


def _col_age(args, site):
    from .columnar import calendar as cal
    from .columnar.money import Num

    return "num", Num(cal.age(args[0].x, args[1].x), 1, 10000), None


def _col_datum(args, site):
    import numpy as np

    from .columnar import calendar as cal
    from .columnar import money

    y, m, d = (money.truncate(a.x) for a in args)
    x, valid = cal.make_date(y, m, d)
    bad = None if valid.all() else np.where(valid, 0, site("datum", "deze datum bestaat niet"))
    return "date", x, bad


def _col_jaar(args, site):
    from .columnar import calendar as cal
    from .columnar.money import Num

    return "num", Num(cal.split(args[0].x)[0], 1, 10000), None


def _col_maand(args, site):
    from .columnar import calendar as cal

    return "month", cal.month_of(args[0].x), None


def _col_shift_month(step: int):
    def shift(args, site):
        return "month", args[0].x + step, None
    return shift


def _col_months_later(args, site):
    from .columnar import calendar as cal
    from .columnar import money

    return "date", cal.months_later(args[0].x, money.truncate(args[1].x)), None


BUILTINS: dict[str, Builtin] = {b.name: b for b in (
    Builtin("max", None, _type_extreme, lambda pos, *xs: max(xs), _col_extreme("max")),
    Builtin("min", None, _type_extreme, lambda pos, *xs: min(xs), _col_extreme("min")),
    Builtin("abs", 1, _type_abs, lambda pos, x: abs(x), _col_abs),
    Builtin("eerste_dag", 1, _type_year_or_month_to_date, first_day, _col_year_bound(True)),
    Builtin("laatste_dag", 1, _type_year_or_month_to_date, last_day, _col_year_bound(False)),
    Builtin("leeftijd", 2, _expecting(v.GEHEEL, (v.DATUM, "de geboortedatum in 'leeftijd'"),
                                      (v.DATUM, "de peildatum in 'leeftijd'")), age, _col_age),
    Builtin("datum", 3, _type_datum, make_date, _col_datum),
    Builtin("jaar", 1, _type_jaar, lambda pos, x: x.year, _col_jaar),
    Builtin("maand", 1, _expecting(v.MAAND, (v.DATUM, "het argument van 'maand'")),
            lambda pos, x: v.Month(x.year, x.month), _col_maand),
    Builtin("vorige_maand", 1, _expecting(v.MAAND, (v.MAAND, "het argument van '{name}'")),
            _other_month("vorige_maand"), _col_shift_month(-1)),
    Builtin("volgende_maand", 1, _expecting(v.MAAND, (v.MAAND, "het argument van '{name}'")),
            _other_month("volgende_maand"), _col_shift_month(1)),
    Builtin("begin", 1, _type_begin, special=True),
    Builtin("maanden_later", 2, _expecting(v.DATUM, (v.DATUM, "de datum in 'maanden_later'"),
                                           (v.GEHEEL, "het aantal maanden in 'maanden_later'")),
            months_later, _col_months_later),
    Builtin("dagen", 2, _expecting(v.lijst(v.DATUM), (v.DATUM, "de eerste dag in 'dagen'"),
                                   (v.DATUM, "de laatste dag in 'dagen'")), days),
    Builtin("opgegeven", 1, _type_opgegeven, special=True),
)}

FUNCTIONS = tuple(BUILTINS)
