"""The formula text a reader sees (`--waarom`, the trace's choices) keeps the meaning of the formula.

Every subexpression of every formula in rules/, `als`, quantifiers, `waarbij`,
`zoals bekend op` and `afgerond` included, is rendered, parsed back and compared
with the original tree: a lost parenthesis or a shortened form changes the tree."""

import pytest

from regels import api
from regels.diagnostics import RegelsError
from regels.formula_text import render as _render
from regels.syntax import (AsKnown, Binary, Call, If, ListLit, Lit, Name, Quantifier, Round,
                                Unary, Van, With, AtDate, parse_formula, walk)

def _shape(node):
    """The tree as nested tuples: what the formula means, without positions."""
    if isinstance(node, Lit):
        return ("lit", str(node.value))
    if isinstance(node, Name):
        return ("naam", node.text)
    if isinstance(node, Binary):
        return (node.op, node.compare, _shape(node.left), _shape(node.right))
    if isinstance(node, Unary):
        return (node.op, _shape(node.operand))
    if isinstance(node, Van):
        return ("van", _shape(node.left), _shape(node.right))
    if isinstance(node, Call):
        return ("aanroep", node.func, tuple(_shape(a) for a in node.args))
    if isinstance(node, AtDate):
        return ("op", _shape(node.expr), _shape(node.date))
    if isinstance(node, ListLit):
        return ("lijst", tuple(_shape(i) for i in node.items))
    if isinstance(node, AsKnown):
        return ("zoals_bekend", _shape(node.expr), _shape(node.date))
    if isinstance(node, Round):
        return ("afgerond", node.direction, _shape(node.operand), _shape(node.unit))
    if isinstance(node, If):
        return ("als", _shape(node.cond), _shape(node.then), _shape(node.other))
    if isinstance(node, Quantifier):
        return (node.kind, node.var, _shape(node.domain), _shape(node.cond) if node.cond is not None else None,
                _shape(node.body) if node.body is not None else None)
    if isinstance(node, With):
        return ("waarbij", _shape(node.expr), tuple((name, _shape(value)) for name, _, value in node.bindings))
    raise TypeError(type(node).__name__)


def _subexpressions():
    rule_set = api.load_rules("rules")
    for rule in rule_set.rules():
        for version in rule.versions:
            for tree in (version.formula, version.condition):
                if tree is None:
                    continue
                for node in walk(tree):
                    yield rule.name, node


SUBEXPRESSIONS = list(_subexpressions())


def test_there_are_formulas_to_render():
    assert len(SUBEXPRESSIONS) > 200
    # the forms that used to be shortened to '...' are among them
    kinds = {type(node) for _, node in SUBEXPRESSIONS}
    assert {If, Quantifier, With, AsKnown, Round} <= kinds
    assert {node.kind for _, node in SUBEXPRESSIONS if isinstance(node, Quantifier)} == {
        "er_is_een", "voor_alle", "aantal", "som"}


def test_every_rendered_formula_parses_back_to_the_same_tree():
    wrong = []
    for name, node in SUBEXPRESSIONS:
        text = _render(node)
        try:
            same = _shape(parse_formula(text)) == _shape(node)
        except RegelsError as exc:
            same, text = False, f"{text}  ({exc})"
        if not same:
            wrong.append(f"{name}: {text}")
    assert not wrong, "\n".join(wrong[:20])


@pytest.mark.parametrize("text", [
    # AWR art. 5a lid 5: the negation covers the conjunction, not only its first half.
    "niet (verzoek_tot_echtscheiding(aanvrager; p) en niet zelfde_woonadres van p)",
    "(a of b) en c",
    "a - (b - c)",
    "(a + b) * c",
    "-(a + b)",
    "(a - b) minimaal € 0",
    "a - b minimaal € 0",
    "als a dan b anders c",
    "(als a dan b anders c) + d",
    "er is een q in personen waarvoor q <> p en kind van q",
    "(er is een q in personen waarvoor a van q) en b",
    "voor alle m in maanden geldt a van m",
    "aantal k in personen waarvoor kind van k",
    "som van a van m over m in maanden waarvoor b van m",
    "som van (aantal k in personen waarvoor c van k) over m in maanden",
    "(a waarbij (b = 1 januari 2020; c = waar)) + d",
    "(a + b) zoals bekend op d",
    "a zoals bekend op d van e",
    "a - b afgerond naar beneden op hele euro's",
    "a minimaal b afgerond naar boven op centen",
    "a afgerond op € 1.000",
    "als (er is een q in personen waarvoor a van q) dan (als b dan c anders d) anders als e dan f anders g",
])
def test_parentheses_that_carry_meaning_are_kept(text):
    tree = parse_formula(text)
    assert _shape(parse_formula(_render(tree))) == _shape(tree)
    assert _render(tree).replace("€\u00a0", "€ ") == text.replace("(a - b) minimaal", "a - b minimaal")
