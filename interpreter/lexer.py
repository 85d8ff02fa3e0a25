"""A Pygments lexer for the rules language, so formulas in the documentation
are highlighted: keywords, amounts, percentages, dates, names, comments.
Registered as the Pygments lexer 'regels' (see pyproject.toml)."""

from __future__ import annotations

from pygments.lexer import RegexLexer, words
from pygments.token import Comment, Keyword, Name, Number, Operator, Punctuation, String, Text

from .builtins import FUNCTIONS, NAMES

KEYWORDS = (
    "als", "dan", "anders", "er", "is", "een", "in", "waarvoor", "voor", "alle", "geldt", "aantal",
    "som", "van", "over", "en", "of", "niet", "minimaal", "maximaal", "afgerond", "naar", "beneden",
    "boven", "op", "hele", "euro's", "centen", "zoals", "bekend", "waarbij",
)
BUILTINS = tuple(dict.fromkeys((*NAMES, *FUNCTIONS)))  # the names and functions of builtins.py
MONTHS = "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december"
_NUM = r"(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?"


class RegelsLexer(RegexLexer):
    name = "regels"
    aliases = ["regels", "formule"]
    filenames = []

    tokens = {
        "root": [
            (r"\s+", Text),
            (r"#[^\n]*", Comment.Single),
            (r'"[^"\n]*"', String),
            (r"\d{1,2}\s+(?:%s)\s+\d{4}" % MONTHS, Number.Other),
            (r"(?:€|EUR)\s*" + _NUM, Number.Float),
            (_NUM + r"\s*%", Number.Float),
            (_NUM, Number),
            (words(("waar", "onwaar"), suffix=r"\b"), Keyword.Constant),
            (words(KEYWORDS, suffix=r"(?![\w'])"), Keyword),
            (words(BUILTINS, suffix=r"\b"), Name.Builtin),
            (r"[^\W\d]\w*\.\w+\.[^\W\d]\w*", Name.Namespace),
            (r"[^\W\d]\w*", Name),
            (r"<=|>=|<>|≠|≤|≥|[=<>+\-*/]", Operator),
            (r"[()\[\];]", Punctuation),
        ],
    }
