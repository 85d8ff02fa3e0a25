"""The formula text a reader sees in `--waarom` keeps the meaning of the formula.

Every complete subexpression of every formula in rules/ is rendered, parsed back
and compared with the original tree: a lost parenthesis changes the tree."""

import pytest

from regels import api
from regels.diagnostics import RegelsError
from regels.explain.why import _render
from regels.syntax import (AsKnown, Binary, Call, If, ListLit, Lit, Name, Quantifier, Round,
                                Unary, Van, With, AtDate, parse_formula, walk)

RENDERED_WHOLE = (Binary, Unary, Van, Call, Name, AtDate, ListLit, Lit)


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
    raise TypeError(type(node).__name__)


def _complete(node) -> bool:
    """A subexpression the renderer writes out in full (it abbreviates `als`,
    quantifiers, `waarbij`, `zoals bekend op` and the unit of `afgerond`)."""
    return all(isinstance(n, RENDERED_WHOLE) for n in walk(node))


def _subexpressions():
    rule_set = api.load_rules("rules")
    for rule in rule_set.rules():
        for version in rule.versions:
            for tree in (version.formula, version.condition):
                if tree is None:
                    continue
                for node in walk(tree):
                    if isinstance(node, (Binary, Unary, Van, AtDate)) and _complete(node):
                        yield rule.name, node


SUBEXPRESSIONS = list(_subexpressions())


def test_there_are_formulas_to_render():
    assert len(SUBEXPRESSIONS) > 200


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
])
def test_parentheses_that_carry_meaning_are_kept(text):
    tree = parse_formula(text)
    assert _shape(parse_formula(_render(tree))) == _shape(tree)
    assert _render(tree).replace("€\u00a0", "€ ") == text.replace("(a - b) minimaal", "a - b minimaal")
