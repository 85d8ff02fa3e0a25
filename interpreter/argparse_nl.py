"""argparse in Dutch: the help and the messages of a wrong call.

argparse words its help ('usage:', 'options', 'show this help message and
exit') and its errors ('the following arguments are required') through
gettext, looking up the module's `_` and `ngettext` each time it needs a
string. A parser of this class puts a Dutch lookup in their place while it
builds itself, parses or formats, and puts the originals back afterwards: the
message ids are gettext's, the same in every Python version, and a string
this table does not know stays English rather than failing. (The swap is of
module globals: fine for a command line, which parses in one thread.) A wrong call does
not exit: it raises UsageError, so the caller decides how to report it (as
text, or as JSON with --json)."""

from __future__ import annotations

import argparse
import functools
from contextlib import contextmanager

_DUTCH = {
    "usage: ": "gebruik: ",
    "positional arguments": "argumenten",
    "options": "opties",
    "optional arguments": "opties",  # the older name
    "subcommands": "opdrachten",
    "%(heading)s:": "%(heading)s:",
    "show this help message and exit": "toon deze hulp en stop",
    "show program's version number and exit": "toon de versie en stop",
    "the following arguments are required: %s": "deze argumenten ontbreken: %s",
    "unrecognized arguments: %s": "onbekende argumenten: %s",
    "argument %(argument_name)s: %(message)s": "%(argument_name)s: %(message)s",
    "invalid choice: %(value)r (choose from %(choices)s)": "ongeldige keuze %(value)r (kies uit %(choices)s)",
    "invalid choice: %(value)r, maybe you meant %(closest)r? (choose from %(choices)s)":
        "ongeldige keuze %(value)r; bedoelde u %(closest)r? (kies uit %(choices)s)",
    "invalid %(type)s value: %(value)r": "%(value)r is geen %(type)s",
    "expected one argument": "verwacht één waarde",
    "expected at most one argument": "verwacht ten hoogste één waarde",
    "expected at least one argument": "verwacht ten minste één waarde",
    "ambiguous option: %(option)s could match %(matches)s": "onduidelijke optie %(option)s: bedoelt u %(matches)s?",
    "not allowed with argument %s": "gaat niet samen met %s",
    "one of the arguments %s is required": "een van deze argumenten is nodig: %s",
    "ignored explicit argument %r": "deze optie neemt geen waarde: %r",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "onbekende opdracht %(parser_name)r (kies uit %(choices)s)",
    "unexpected option string: %s": "onverwachte optie: %s",
    "can't open '%(filename)s': %(error)s": "kan '%(filename)s' niet openen: %(error)s",
    "%(prog)s: error: %(message)s\n": "%(prog)s: fout: %(message)s\n",
    "%(prog)s: warning: %(message)s\n": "%(prog)s: waarschuwing: %(message)s\n",
    "option '%(option)s' is deprecated": "de optie '%(option)s' verdwijnt",
    "argument '%(argument_name)s' is deprecated": "het argument '%(argument_name)s' verdwijnt",
    "command '%(parser_name)s' is deprecated": "de opdracht '%(parser_name)s' verdwijnt",
}
_DUTCH_PLURAL = {"expected %s argument": ("verwacht %s waarde", "verwacht %s waarden")}


def dutch(text: str) -> str:
    return _DUTCH.get(text, text)


def dutch_plural(singular: str, plural: str, n: int) -> str:
    one, many = _DUTCH_PLURAL.get(singular, (singular, plural))
    return one if n == 1 else many


@contextmanager
def _in_dutch():
    saved = argparse._, argparse.ngettext
    argparse._, argparse.ngettext = dutch, dutch_plural
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved


def _dutch_method(method):
    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        with _in_dutch():
            return method(*args, **kwargs)
    return wrapper


class UsageError(Exception):
    """A wrong call: the message (in Dutch) and the parser whose usage it concerns."""

    def __init__(self, parser: argparse.ArgumentParser, message: str):
        super().__init__(message)
        self.parser = parser
        self.message = message


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Descriptions and epilogs (the examples) keep their lines as written."""


class ArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser that speaks Dutch and raises UsageError on a wrong call.
    Its subparsers are of the same class (argparse makes them so)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", HelpFormatter)
        with _in_dutch():
            super().__init__(*args, **kwargs)

    parse_args = _dutch_method(argparse.ArgumentParser.parse_args)
    parse_known_args = _dutch_method(argparse.ArgumentParser.parse_known_args)
    format_usage = _dutch_method(argparse.ArgumentParser.format_usage)
    format_help = _dutch_method(argparse.ArgumentParser.format_help)
    add_subparsers = _dutch_method(argparse.ArgumentParser.add_subparsers)

    def error(self, message: str):
        raise UsageError(self, message)


def whole_number(text: str) -> int:
    """type= for a whole number, named in Dutch in the message for a wrong value."""
    return int(text)


whole_number.__name__ = "geheel getal"
