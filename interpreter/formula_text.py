"""A formula tree written back as formula text, in the language's own syntax
(grammar.lark), for a reader: the trace's choices, `--waarom`.

Every form is written in full, and a part that binds weaker than its place in
the grammar requires is put in parentheses, so that the text parses back to
the same tree (tests/test_formuletekst.py checks this for every subexpression
of every formula in rules/)."""

from __future__ import annotations

from fractions import Fraction

from . import values as v
from .syntax import (AsKnown, AtDate, Binary, Call, If, ListLit, Lit, Name, Node, Quantifier, Round, Unary, Van,
                     With)

# Binding strength of each form, as in grammar.lark (higher binds tighter):
# 0 the forms that end in a full expression (als, quantifiers, waarbij), 1 of,
# 2 en, 3 niet, 4 comparisons, 5 minimaal/maximaal/afgerond, 6 + -, 7 * /,
# 8 op / zoals bekend op, 9 van, 10 unary minus, 11 atoms.
_LEVEL = {"of": 1, "en": 2, "niet": 3, "vergelijk": 4, "in_lijst": 4, "niet_in_lijst": 4,
          "minimaal": 5, "maximaal": 5, "plus": 6, "min": 6, "maal": 7, "gedeeld": 7,
          "negatief": 10}
_ATOM = 11
_OPERATORS = {"plus": "+", "min": "-", "maal": "*", "gedeeld": "/", "en": "en", "of": "of",
              "minimaal": "minimaal", "maximaal": "maximaal", "in_lijst": "in", "niet_in_lijst": "niet in"}
_QUANTIFIERS = {"er_is_een": "er is een", "voor_alle": "voor alle", "aantal": "aantal"}
_DIRECTIONS = {"rekenkundig": "", "naar_beneden": " naar beneden", "naar_boven": " naar boven"}


def level(node: Node) -> int:
    if isinstance(node, (Binary, Unary)):
        return _LEVEL[node.op]
    if isinstance(node, Round):
        return 5
    if isinstance(node, (AtDate, AsKnown)):
        return 8
    if isinstance(node, Van):
        return 9
    if isinstance(node, (If, With, Quantifier)):
        return 0
    return _ATOM


def _at(node: Node, least: int) -> str:
    """The text of node where the grammar requires at least level `least`."""
    text = render(node)
    return f"({text})" if level(node) < least else text


def render(node: Node) -> str:
    """The formula text of a tree."""
    cached = node.__dict__.get("_text")
    if cached is None:
        cached = node.__dict__["_text"] = _render(node)
    return cached


def _render(node: Node) -> str:
    if isinstance(node, Lit):
        if node.lit_type.name == "tekst":  # a text literal is quoted in a formula
            return '"' + str(node.value) + '"'
        return v.format_value(node.value, node.lit_type)
    if isinstance(node, Name):
        return node.text
    if isinstance(node, Van):
        return f"{_at(node.left, 10)} van {_at(node.right, 9)}"
    if isinstance(node, Call):
        return f"{node.func}({'; '.join(render(a) for a in node.args)})"
    if isinstance(node, Unary):
        if node.op == "niet":
            return "niet " + _at(node.operand, 3)
        return "-" + _at(node.operand, 10)
    if isinstance(node, Binary):
        op = node.compare if node.op == "vergelijk" else _OPERATORS[node.op]
        own = _LEVEL[node.op]
        if own == 4:  # comparisons do not associate: both sides are bounds
            return f"{_at(node.left, 5)} {op} {_at(node.right, 5)}"
        right_level = 6 if own == 5 else own + 1  # "a minimaal b": b is a sum
        return f"{_at(node.left, own)} {op} {_at(node.right, right_level)}"
    if isinstance(node, AtDate):
        return f"{_at(node.expr, 8)} op {_at(node.date, 9)}"
    if isinstance(node, AsKnown):
        return f"{_at(node.expr, 8)} zoals bekend op {_at(node.date, 9)}"
    if isinstance(node, Round):
        return f"{_at(node.operand, 5)} afgerond{_DIRECTIONS[node.direction]} op {_unit(node.unit)}"
    if isinstance(node, If):
        # a form that ends in a full expression reads more easily in parentheses before 'dan' and 'anders'
        return f"als {_at(node.cond, 1)} dan {_at(node.then, 1)} anders {render(node.other)}"
    if isinstance(node, Quantifier):
        # the list is an or_expr; the condition and the summed part are full expressions
        over = f"{node.var} in {_at(node.domain, 1)}"
        if node.kind == "som":
            text = f"som van {_at(node.body, 1)} over {over}"
        elif node.kind == "voor_alle":
            return f"voor alle {over} geldt {render(node.cond)}"
        else:
            text = f"{_QUANTIFIERS[node.kind]} {over}"
        return text + (f" waarvoor {render(node.cond)}" if node.cond is not None else "")
    if isinstance(node, With):
        bindings = "; ".join(f"{name} = {render(value)}" for name, _, value in node.bindings)
        return f"{_at(node.expr, 1)} waarbij ({bindings})"
    if isinstance(node, ListLit):
        return "[" + "; ".join(render(i) for i in node.items) + "]"
    raise AssertionError(type(node).__name__)


def _unit(unit: Node) -> str:
    """The unit of 'afgerond ... op': hele euro's, centen, or an atom."""
    if isinstance(unit, Lit) and unit.lit_type == v.BEDRAG and unit.value in (Fraction(1), Fraction(1, 100)):
        return "hele euro's" if unit.value == 1 else "centen"
    return _at(unit, _ATOM)
