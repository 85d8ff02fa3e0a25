"""Formula text -> abstract syntax tree, with a file position on every node.

The grammar is in grammar.lark. Parse errors become Dutch messages that say
what was expected, with a hint for the mistakes people make most.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from . import values as v
from .diagnostics import Pos, error

# --- the tree ----------------------------------------------------------------


@dataclass(eq=False)
class Node:
    pos: Pos
    # Filled in by the checker: the static type of this expression.
    type: Any = field(default=None, init=False, repr=False)


@dataclass(eq=False)
class Lit(Node):
    value: Any
    lit_type: v.Type


@dataclass(eq=False)
class Name(Node):
    name: str
    qualifier: tuple[str, str] | None = None  # (law, article) in awr.5a.partner
    # Filled in by the checker: what the name refers to.
    ref: Any = field(default=None, init=False, repr=False)

    @property
    def text(self) -> str:
        if self.qualifier:
            return f"{self.qualifier[0]}.{self.qualifier[1]}.{self.name}"
        return self.name


@dataclass(eq=False)
class Call(Node):
    func: str
    args: list[Node]
    ref: Any = field(default=None, init=False, repr=False)


@dataclass(eq=False)
class Unary(Node):
    op: str  # "negatief" | "niet"
    operand: Node


@dataclass(eq=False)
class Binary(Node):
    op: str  # plus min maal gedeeld en of minimaal maximaal in_lijst niet_in_lijst vergelijk
    left: Node
    right: Node
    compare: str | None = None  # for op == "vergelijk": = <> < <= > >=
    op_pos: Pos | None = None  # where the operator stands: type errors point there


@dataclass(eq=False)
class Van(Node):
    """'a van b': an attribute of a person, a rule for a person, or a percentage of an amount."""

    left: Node
    right: Node
    kind: str | None = field(default=None, init=False, repr=False)  # "kenmerk" | "percentage"


@dataclass(eq=False)
class AtDate(Node):
    """'x op datum': time-varying facts inside x are read on that date."""

    expr: Node
    date: Node


@dataclass(eq=False)
class AsKnown(Node):
    """'x zoals bekend op datum': x computed on the facts as known on that date."""

    expr: Node
    date: Node


@dataclass(eq=False)
class With(Node):
    """'x waarbij (a = e; ...)': x computed as if rule or input a had the value of e."""

    expr: Node
    bindings: list  # (name, Pos, Node)


@dataclass(eq=False)
class Round(Node):
    operand: Node
    direction: str  # rekenkundig | naar_beneden | naar_boven
    unit: Node


@dataclass(eq=False)
class If(Node):
    cond: Node
    then: Node
    other: Node


@dataclass(eq=False)
class Quantifier(Node):
    kind: str  # er_is_een | voor_alle | aantal | som
    var: str
    domain: Node
    cond: Node | None  # the 'waarvoor'/'geldt' part
    body: Node | None = None  # the summed expression of 'som van ... over'


@dataclass(eq=False)
class ListLit(Node):
    items: list[Node]


def walk(node: Node):
    """Every node of a tree, parents before children."""
    yield node
    for child in children(node):
        yield from walk(child)


def children(node: Node) -> list[Node]:
    if isinstance(node, Call):
        return list(node.args)
    if isinstance(node, Unary):
        return [node.operand]
    if isinstance(node, (Binary, Van)):
        return [node.left, node.right]
    if isinstance(node, (AtDate, AsKnown)):
        return [node.expr, node.date]
    if isinstance(node, With):
        return [node.expr] + [value for _, _, value in node.bindings]
    if isinstance(node, Round):
        return [node.operand, node.unit]
    if isinstance(node, If):
        return [node.cond, node.then, node.other]
    if isinstance(node, Quantifier):
        return [n for n in (node.domain, node.body, node.cond) if n is not None]
    if isinstance(node, ListLit):
        return list(node.items)
    return []


# --- the parser --------------------------------------------------------------

_GRAMMAR = Path(__file__).with_name("grammar.lark")
_parser = None
Token = None  # lark.Token, once the parser is made: a cached rule set starts without importing lark


def parser():
    global _parser, Token
    if _parser is None:
        from lark import Lark, Token
        _parser = Lark(_GRAMMAR.read_text(encoding="utf-8"), parser="lalr", strict=True,
                       propagate_positions=True, maybe_placeholders=True, cache=True)
    return _parser


class _Source:
    """Maps offsets in a formula back to the file. Plain strings (from tests or
    the API) get positions relative to the formula itself."""

    def __init__(self, text, file: str | None):
        self.text = str(text)
        self.ystr = text if hasattr(text, "pos_at") else None
        self.file = file or "<formule>"

    def pos(self, offset: int) -> Pos:
        if self.ystr is not None:
            return self.ystr.pos_at(offset)
        before = self.text[:offset]
        return Pos(self.file, before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1)


# A sum of a few hundred terms nests that deep; the checker and the evaluator
# walk it recursively too.
sys.setrecursionlimit(max(sys.getrecursionlimit(), 20000))


def parse_formula(text, file: str | None = None) -> Node:
    """Parse one formula. `text` may be a YStr that knows its place in a file."""
    from lark.exceptions import UnexpectedInput

    source = _Source(text, file)
    try:
        tree = parser().parse(source.text)
    except UnexpectedInput as exc:
        raise _parse_error(exc, source) from None
    try:
        return _Build(source).build(tree)
    except RecursionError:
        raise error(source.pos(0), "de formule is te diep genest om te lezen",
                    "splits de formule in meer regels met elk een eigen naam") from None


_MONTHS = v.MONTH_NAMES


class _Build:
    def __init__(self, source: _Source):
        self.source = source

    def pos(self, item) -> Pos:
        if isinstance(item, Token):
            return self.source.pos(item.start_pos)
        return self.source.pos(item.meta.start_pos)

    def build(self, tree) -> Node:
        if isinstance(tree, Token):  # only NAME tokens reach here
            return Name(self.pos(tree), str(tree))
        method = getattr(self, "_" + tree.data)
        return method(tree, *tree.children)

    # literals
    def number(self, t, parse, tok):
        """A literal read the Dutch way; a form it will not guess at is an error at the literal."""
        try:
            return parse(tok)
        except v.NumberError as exc:
            raise error(self.pos(t), exc.message, exc.hint) from None

    def _bedrag(self, t, tok):
        return Lit(self.pos(t), self.number(t, v.parse_amount_nl, tok), v.BEDRAG)

    def _percentage(self, t, tok):
        return Lit(self.pos(t), self.number(t, v.parse_percent_nl, tok), v.PERCENTAGE)

    def _getal(self, t, tok):
        value = self.number(t, v.parse_number_nl, tok)
        if value.denominator == 1:
            return Lit(self.pos(t), int(value), v.GEHEEL)
        return Lit(self.pos(t), value, v.GETAL)

    def _datum(self, t, tok):
        try:
            return Lit(self.pos(t), v.parse_date_nl(tok), v.DATUM)
        except v.NumberError as exc:
            raise error(self.pos(t), exc.message, exc.hint) from None
        except ValueError:
            raise error(self.pos(t), f"'{tok}' is geen bestaande datum")

    def _tekst(self, t, tok):
        return Lit(self.pos(t), str(tok)[1:-1], v.TEKST)

    def _waar(self, t):
        return Lit(self.pos(t), True, v.WAARHEID)

    def _onwaar(self, t):
        return Lit(self.pos(t), False, v.WAARHEID)

    def _lijst(self, t, *items):
        return ListLit(self.pos(t), [self.build(i) for i in items if i is not None])

    # names
    def _naam(self, t, tok):
        return Name(self.pos(t), str(tok))

    def _gekwalificeerde_naam(self, t, tok):
        law, article, name = str(tok).split(".")
        return Name(self.pos(t), name, (law.lower(), article.lower()))

    def _aanroep(self, t, name, *args):
        return Call(self.pos(t), str(name), [self.build(a) for a in args if a is not None])

    # operators
    def _binary(self, op, t, left, right):
        return Binary(self.pos(t), op, self.build(left), self.build(right), op_pos=self._after(left))

    def _after(self, tree) -> Pos:
        """The position of the operator that follows a left operand: the first
        character after it that is not a space or a closing parenthesis."""
        text = self.source.text
        offset = tree.end_pos if isinstance(tree, Token) else tree.meta.end_pos
        while offset < len(text) and (text[offset].isspace() or text[offset] == ")"):
            offset += 1
        return self.source.pos(offset)

    def _plus(self, t, a, b):
        return self._binary("plus", t, a, b)

    def _min(self, t, a, b):
        return self._binary("min", t, a, b)

    def _maal(self, t, a, b):
        return self._binary("maal", t, a, b)

    def _gedeeld(self, t, a, b):
        return self._binary("gedeeld", t, a, b)

    def _en(self, t, a, b):
        return self._binary("en", t, a, b)

    def _of(self, t, a, b):
        return self._binary("of", t, a, b)

    def _minimaal(self, t, a, b):
        return self._binary("minimaal", t, a, b)

    def _maximaal(self, t, a, b):
        return self._binary("maximaal", t, a, b)

    def _in_lijst(self, t, a, b):
        return self._binary("in_lijst", t, a, b)

    def _niet_in_lijst(self, t, a, b):
        return self._binary("niet_in_lijst", t, a, b)

    def _vergelijk(self, t, a, op, b):
        compare = {"≠": "<>", "≤": "<=", "≥": ">="}.get(str(op), str(op))
        return Binary(self.pos(t), "vergelijk", self.build(a), self.build(b), compare,
                      op_pos=self.source.pos(op.start_pos))

    def _niet(self, t, a):
        return Unary(self.pos(t), "niet", self.build(a))

    def _negatief(self, t, a):
        return Unary(self.pos(t), "negatief", self.build(a))

    def _van(self, t, a, b):
        return Van(self.pos(t), self.build(a), self.build(b))

    def _op_datum(self, t, a, b):
        return AtDate(self.pos(t), self.build(a), self.build(b))

    def _zoals_bekend(self, t, a, b):
        return AsKnown(self.pos(t), self.build(a), self.build(b))

    def _waarbij(self, t, expr, *bindings):
        built = []
        for binding in bindings:
            name, op, value = binding.children
            if str(op) != "=":
                raise error(self.source.pos(op.start_pos), f"in 'waarbij' krijgt een naam een waarde met '=', niet met '{op}'",
                            "bijvoorbeeld: terug_te_betalen waarbij (datum_beslissing = datum_herziening_voorschot)")
            built.append((str(name), self.source.pos(name.start_pos), self.build(value)))
        return With(self.pos(t), self.build(expr), built)

    def _afgerond(self, t, operand, direction, unit):
        if unit.data == "hele_euros":
            unit_node = Lit(self.pos(t), Fraction(1), v.BEDRAG)
        elif unit.data == "centen":
            unit_node = Lit(self.pos(t), Fraction(1, 100), v.BEDRAG)
        else:
            unit_node = self.build(unit.children[0])
        return Round(self.pos(t), self.build(operand), direction.data, unit_node)

    def _als(self, t, cond, then, other):
        return If(self.pos(t), self.build(cond), self.build(then), self.build(other))

    def _er_is_een(self, t, var, domain, cond):
        return Quantifier(self.pos(t), "er_is_een", str(var), self.build(domain), self.build(cond))

    def _voor_alle(self, t, var, domain, cond):
        return Quantifier(self.pos(t), "voor_alle", str(var), self.build(domain), self.build(cond))

    def _aantal(self, t, var, domain, cond):
        return Quantifier(self.pos(t), "aantal", str(var), self.build(domain),
                          self.build(cond) if cond is not None else None)

    def _som(self, t, body, var, domain, cond):
        return Quantifier(self.pos(t), "som", str(var), self.build(domain),
                          self.build(cond) if cond is not None else None, self.build(body))


# --- parse errors in words a legal specialist understands ----------------------

_TERMINAL_WORDS = {
    "NAME": "een naam", "QNAME": "een naam", "AMOUNT": "een bedrag (€ 1.022,50)",
    "PERCENT": "een percentage (6,75%)", "NUMBER": "een getal", "DATE": "een datum (1 januari 2020)",
    "STRING": "een tekst tussen aanhalingstekens", "COMPARE": "een vergelijking (=, <, >, <=, >=, <>)",
    "LPAR": "'('", "RPAR": "')'", "LSQB": "'['", "RSQB": "']'", "SEMICOLON": "';'",
    "PLUS": "'+'", "MINUS": "'-'", "STAR": "'*'", "SLASH": "'/'", "$END": "het einde van de formule",
}


def _describe_expected(expected) -> str:
    words = []
    lit = parser().get_terminal
    for name in sorted(expected):
        if name in _TERMINAL_WORDS:
            word = _TERMINAL_WORDS[name]
        else:
            try:
                pattern = lit(name).pattern
                word = f"'{pattern.value}'"
            except KeyError:
                word = name.lower()
        if word not in words:
            words.append(word)
    # The words that close a construct first, then values: that is what people
    # usually forgot.
    closing = [w for w in ("'dan'", "'anders'", "'waarvoor'", "'geldt'", "'over'", "')'", "']'") if w in words]
    value_words = [w for w in words if w.startswith("een ") and w not in closing]
    other = [w for w in words if not w.startswith("een ") and w not in closing]
    ordered = closing + value_words + other
    if len(ordered) > 8:
        ordered = ordered[:8] + ["..."]
    return ", ".join(ordered)


def _parse_error(exc, source: _Source):
    from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedToken

    text = source.text
    offset = getattr(exc, "pos_in_stream", None)
    if offset is None:
        offset = len(text)
    if isinstance(exc, UnexpectedCharacters):
        char = text[offset]
        pos = source.pos(offset)
        before = text[:offset].rstrip()
        if char == "," or (char == "." and before[-1:].isdigit()):
            if char == "." and before[-1:].isdigit():
                return error(pos, "een getal met een punt als decimaalteken",
                             "schrijf decimalen met een komma (6,75) en duizendtallen met een punt (3.050)")
            return error(pos, "onverwachte komma",
                         "de komma is in deze taal een decimaalteken; scheid argumenten met ';', "
                         "zoals in max(a; b)")
        if char in "&|":
            return error(pos, f"onverwacht teken '{char}'", "schrijf 'en' of 'of' in plaats van '&&' en '||'")
        if char == "!":
            return error(pos, "onverwacht teken '!'", "schrijf 'niet' voor een ontkenning en '<>' voor 'ongelijk'")
        if char == "'":
            return error(pos, "onverwacht aanhalingsteken \"'\"", 'zet tekst tussen dubbele aanhalingstekens: "NL"')
        return error(pos, f"onverwacht teken '{char}'",
                     f"hier werd verwacht: {_describe_expected(exc.allowed or [])}" if exc.allowed else None)
    if isinstance(exc, UnexpectedToken):
        token = exc.token
        expected = exc.expected or set()
        try:  # the exact set of tokens that would have been accepted here
            expected = exc.interactive_parser.accepts() or expected
        except Exception:  # older lark: fall back on the state's lookahead set
            pass
        at_end = token.type == "$END"
        pos = source.pos(len(text.rstrip()) if at_end else token.start_pos)
        hint = _hint_for(token, expected, text)
        english = _ENGLISH.search(text)
        if english and english.start() <= (len(text) if at_end else token.start_pos):
            return error(source.pos(english.start()), f"'{english.group(1)}' is geen woord van deze taal", hint)
        what = "de formule houdt hier op" if at_end else f"onverwacht '{token}'"
        return error(pos, f"{what}; verwacht: {_describe_expected(expected)}", hint)
    if isinstance(exc, UnexpectedEOF):
        pos = source.pos(len(text.rstrip()))
        return error(pos, f"de formule houdt hier op; verwacht: {_describe_expected(exc.expected)}")
    return error(source.pos(offset), str(exc))


_ENGLISH = re.compile(r"\b(if|then|else|and|or|not)\b")


def _hint_for(token, expected, text: str) -> str | None:
    kinds = set(expected)
    word = str(token)
    if _ENGLISH.search(text):
        return "de taal is Nederlands: als ... dan ... anders, en, of, niet"
    if word in ("is", "een", "alle") and re.search(r"\b(er|voor)\s+$", text[:token.start_pos]):
        return ("'er is een ...', 'voor alle ...', 'aantal ...' en 'som van ...' staan tussen haakjes "
                "als ze deel zijn van 'en', 'of' of een berekening: a en (er is een p in personen waarvoor ...)")
    if "ANDERS" in kinds and "DAN" not in kinds:
        return "een 'als ... dan ...' heeft altijd een 'anders': elke formule geeft in elk geval een waarde"
    if "DAN" in kinds and "ANDERS" not in kinds:
        return "na de voorwaarde van 'als' komt 'dan'"
    if "WAARVOOR" in kinds and "er is een" in text:
        return "na 'er is een x in lijst' komt 'waarvoor' met de voorwaarde"
    if "GELDT" in kinds and "voor alle" in text:
        return "na 'voor alle x in lijst' komt 'geldt' met de voorwaarde"
    if "OVER" in kinds and "som van" in text:
        return "schrijf 'som van <bedrag> over x in <lijst>'"
    if token.type == "COMPARE" and word == "=":
        return "vergelijk met één '=': a = b"
    if token.type == "RPAR" and "RPAR" not in kinds:
        return "er staat een ')' te veel"
    if token.type == "$END" and "RPAR" in kinds:
        return "er ontbreekt een ')'"
    if token.type == "$END":
        return "de formule is niet af"
    if token.type in ("NAME", "QNAME", "NUMBER", "AMOUNT", "PERCENT", "DATE", "STRING", "LPAR"):
        return "staat hier een rekenteken of 'en'/'of' te weinig?"
    return None
