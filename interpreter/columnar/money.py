"""Exact rational numbers in columns: amounts, percentages and counts.

A column of numbers is a numerator array and a denominator. The denominator is
a Python int when it is the same for every row (the usual case: cents, a
percentage, 1/12 of an annual amount) and an array when it varies per row (a
division by a number of months). Nothing is ever a float: this is the columnar
counterpart of the interpreter's Fractions, and rounding happens only where a
formula says 'afgerond'.

Numerators are int64 as long as a statically tracked bound on their magnitude
stays below 2**62; beyond that a column switches to object arrays of Python
ints, which are slow but exact. The bound is computed from the operands'
bounds, never by scanning the data, so the check costs nothing per row.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

LIMIT = 2 ** 62


class Num:
    """a / d per row; `bound` >= max |a|, `dbound` >= max d (d > 0 always)."""

    __slots__ = ("a", "d", "bound", "dbound")

    def __init__(self, a, d, bound: int, dbound: int | None = None):
        self.a = a
        self.d = d
        self.bound = int(bound)
        self.dbound = int(d) if isinstance(d, int) else int(dbound)

    @property
    def static(self) -> bool:
        return isinstance(self.d, int)

    def __repr__(self) -> str:
        return f"Num({self.a!r} / {self.d!r})"


def _fit(a, bound: int):
    """`a` as int64 if `bound` allows, else as object (Python ints)."""
    if bound > LIMIT:
        a = np.asarray(a)
        return a.astype(object) if a.dtype != object else a
    return a


def const(value, ndim: int) -> Num:
    f = Fraction(value)
    dtype = np.int64 if abs(f.numerator) <= LIMIT else object
    a = np.array(f.numerator, dtype=dtype).reshape((1,) * ndim)
    return Num(a, f.denominator, abs(f.numerator))


def from_fractions(values, shape=None) -> Num:
    """A column from Python numbers (Fractions or ints), with their common denominator."""
    fracs = [Fraction(x) for x in values]
    den = 1
    for f in fracs:
        den = den * f.denominator // math.gcd(den, f.denominator)
    nums = [f.numerator * (den // f.denominator) for f in fracs]
    bound = max((abs(x) for x in nums), default=0)
    a = np.array(nums, dtype=np.int64 if bound <= LIMIT else object)
    if shape is not None:
        a = a.reshape(shape)
    return Num(a, den, bound)


def to_fraction(x: Num, index) -> Fraction:
    d = x.d if x.static else x.d[index]
    return Fraction(int(x.a[index]), int(d))


def broadcast(x: Num, shape) -> Num:
    d = x.d if x.static else np.broadcast_to(x.d, shape)
    return Num(np.broadcast_to(x.a, shape), d, x.bound, x.dbound)


def _dyn(x: Num):
    """The denominator as an array (for mixing with a per-row denominator)."""
    return np.array(x.d, dtype=np.int64 if x.d <= LIMIT else object) if x.static else x.d


def _reduce(a, d, bound: int, dbound: int) -> Num:
    """Divide out common factors of a per-row fraction, so that numbers stay small."""
    g = np.gcd(a, d)
    g = np.where(g == 0, 1, g)
    return Num(a // g, d // g, bound, dbound)


def align(x: Num, y: Num):
    """(ax, ay, d, bound_x, bound_y) over a common static denominator, or None if
    one of them has a per-row denominator."""
    if not (x.static and y.static):
        return None
    d = x.d * y.d // math.gcd(x.d, y.d)
    kx, ky = d // x.d, d // y.d
    bx, by = x.bound * kx, y.bound * ky
    ax = _fit(x.a, bx) * kx if kx != 1 else x.a
    ay = _fit(y.a, by) * ky if ky != 1 else y.a
    return ax, ay, d, bx, by


def add(x: Num, y: Num, sign: int = 1) -> Num:
    al = align(x, y)
    if al is not None:
        ax, ay, d, bx, by = al
        bound = bx + by
        ax, ay = _fit(ax, bound), _fit(ay, bound)
        return Num(ax + ay if sign > 0 else ax - ay, d, bound)
    dx, dy = _dyn(x), _dyn(y)
    bx, by = x.bound * y.dbound, y.bound * x.dbound
    bound, dbound = bx + by, x.dbound * y.dbound
    big = max(bound, dbound)
    ax, ay = _fit(x.a, big), _fit(y.a, big)
    dx, dy = _fit(dx, big), _fit(dy, big)
    a = ax * dy + ay * dx if sign > 0 else ax * dy - ay * dx
    return _reduce(a, dx * dy, bound, dbound)


def sub(x: Num, y: Num) -> Num:
    return add(x, y, -1)


def neg(x: Num) -> Num:
    return Num(-x.a, x.d, x.bound, x.dbound)


def absolute(x: Num) -> Num:
    return Num(np.abs(x.a), x.d, x.bound, x.dbound)


def mul(x: Num, y: Num) -> Num:
    bound = x.bound * y.bound
    if x.static and y.static:
        d = x.d * y.d
        a = _fit(x.a, bound) * _fit(y.a, bound)
        g = math.gcd(d, _static_gcd(x, y))
        return Num(a // g if g > 1 else a, d // g, bound // g if g > 1 else bound)
    dbound = x.dbound * y.dbound
    big = max(bound, dbound)
    a = _fit(x.a, big) * _fit(y.a, big)
    d = _fit(_dyn(x), big) * _fit(_dyn(y), big)
    return _reduce(a, d, bound, dbound)


def _static_gcd(x: Num, y: Num) -> int:
    """A common factor of every numerator of x*y known without looking at the
    data: only for constants (a literal 12, a percentage)."""
    g = 0
    for z in (x, y):
        if z.a.size == 1:
            g = math.gcd(g, abs(int(z.a.reshape(-1)[0])))
    return g or 1


def div(x: Num, y: Num):
    """x / y, and the mask of rows where y is zero (the result there is x / 1)."""
    zero = y.a == 0
    ya = np.where(zero, 1, y.a)
    if y.a.size == 1 and y.static:  # a constant divisor: the denominator stays static
        c = int(ya.reshape(-1)[0])
        s = -1 if c < 0 else 1
        k = abs(c)
        bound = x.bound * y.d
        a = _fit(x.a, bound) * (y.d * s) if y.d != 1 or s != 1 else x.a
        if x.static:
            d = x.d * k
            g = math.gcd(d, y.d)  # y.d divides every numerator now
            return Num(a // g if g > 1 else a, d // g, bound // g if g > 1 else bound), (zero if zero.any() else None)
        return _reduce(a, _dyn(x) * k, bound, x.dbound * k), (zero if zero.any() else None)
    sign = np.where(ya < 0, -1, 1)
    bound = x.bound * y.dbound
    dbound = x.dbound * max(y.bound, 1)
    big = max(bound, dbound)
    a = _fit(x.a, big) * _fit(_dyn(y), big) * sign
    d = _fit(_dyn(x), big) * _fit(ya, big) * sign
    return _reduce(a, d, bound, dbound), (zero if zero.any() else None)


def compare(x: Num, y: Num, op: str):
    al = align(x, y)
    if al is not None:
        ax, ay = al[0], al[1]
    else:
        big = max(x.bound * y.dbound, y.bound * x.dbound)
        ax = _fit(x.a, big) * _fit(_dyn(y), big)
        ay = _fit(y.a, big) * _fit(_dyn(x), big)
    result = {"=": np.equal, "<>": np.not_equal, "<": np.less, "<=": np.less_equal,
              ">": np.greater, ">=": np.greater_equal}[op](ax, ay)
    return result.astype(bool) if result.dtype == object else result


def where(cond, x: Num, y: Num) -> Num:
    al = align(x, y)
    if al is not None:
        ax, ay, d, bx, by = al
        bound = max(bx, by)
        return Num(np.where(cond, _fit(ax, bound), _fit(ay, bound)), d, bound)
    big = max(x.bound, y.bound, x.dbound, y.dbound)
    a = np.where(cond, _fit(x.a, big), _fit(y.a, big))
    d = np.where(cond, _fit(_dyn(x), big), _fit(_dyn(y), big))
    return Num(a, d, max(x.bound, y.bound), max(x.dbound, y.dbound))


def maximum(x: Num, y: Num) -> Num:
    return where(compare(x, y, ">="), x, y)


def minimum(x: Num, y: Num) -> Num:
    return where(compare(x, y, "<="), x, y)


def total(x: Num, axis: int, mask=None) -> Num:
    """The sum along `axis`, of the rows where `mask` holds."""
    n = x.a.shape[axis]
    if x.static:
        bound = x.bound * max(n, 1)
        a = _fit(x.a, bound)
        if mask is not None:
            a = np.where(mask, a, 0)
        return Num(a.sum(axis=axis, keepdims=False), x.d, bound)
    zero = Num(np.zeros((1,) * (x.a.ndim - 1), dtype=np.int64), 1, 0)
    result = zero
    dens = np.broadcast_to(x.d, x.a.shape)
    for i in range(n):
        part = Num(np.take(x.a, i, axis=axis), np.take(dens, i, axis=axis), x.bound, x.dbound)
        if mask is not None:
            m = np.take(mask, i, axis=axis)
            part = where(m, part, zero)
        result = add(result, part)
    return result


def round_to(x: Num, unit: Fraction, direction: str) -> Num:
    """Round to a multiple of `unit` as values.round_to does: 'rekenkundig' is half
    away from zero."""
    bound = x.bound * unit.denominator
    n = _fit(x.a, bound) * unit.denominator if unit.denominator != 1 else x.a
    if x.static:
        den = x.d * unit.numerator
        dbig = den
    else:
        dbig = x.dbound * unit.numerator
        den = _fit(x.d, max(dbig, bound)) * unit.numerator
    if direction == "naar_beneden":
        whole = n // den
    elif direction == "naar_boven":
        whole = -((-n) // den)
    else:
        big = 2 * bound + dbig
        n, den2 = _fit(n, big), _fit(np.asarray(den), 2 * dbig) if not isinstance(den, int) else den
        mag = np.abs(n)
        whole = np.where(n < 0, -1, 1) * ((mag * 2 + den2) // (2 * den2))
    wbound = bound // max(x.dbound * unit.numerator, 1) + 1 if x.static else bound + 1
    out_bound = wbound * unit.numerator
    whole = _fit(whole, out_bound)
    a = whole * unit.numerator if unit.numerator != 1 else whole
    if out_bound <= LIMIT and a.dtype == object:
        a = a.astype(np.int64)
    return Num(a, unit.denominator, out_bound)


def truncate(x: Num):
    """int(value) per row, as Python's int() of a Fraction: towards zero."""
    d = x.d
    q = np.abs(x.a) // d
    return np.where(x.a < 0, -q, q)
