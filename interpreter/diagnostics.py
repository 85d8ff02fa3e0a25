"""Diagnostics: every problem in a rule file or case file, reported as
`file:line:column: fout: message` with an optional hint, never as a traceback."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Iterable


@dataclass(frozen=True)
class Pos:
    """A place in a source file. Lines and columns count from 1; line 0 means
    the file as a whole (it is missing, unreadable, too large), column 0 the
    line as a whole. Neither is shown then: no made-up 'file:0:0'."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        if self.line <= 0:
            return self.file
        if self.column <= 0:
            return f"{self.file}:{self.line}"
        return f"{self.file}:{self.line}:{self.column}"


UNKNOWN_POS = Pos("<onbekend>", 0, 0)


@dataclass
class Diagnostic:
    pos: Pos
    message: str
    hint: str | None = None
    severity: str = "fout"  # "fout" or "waarschuwing"

    def __post_init__(self):
        # A message quotes values as the rules language writes them ('€ 3.050', with a plain
        # space), so that they can be typed back into a file; the non-breaking space of
        # display (values.format_amount) is for explanations.
        self.message = self.message.replace("\xa0", " ")
        if self.hint:
            self.hint = self.hint.replace("\xa0", " ")

    def format(self) -> str:
        text = f"{self.pos}: {self.severity}: {self.message}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text

    def to_json(self) -> dict:
        return {
            "bestand": self.pos.file or None,  # null: not about a file (a wrong call, an internal error)
            "regel": self.pos.line if self.pos.line > 0 else None,  # null: the file as a whole
            "kolom": self.pos.column if self.pos.line > 0 and self.pos.column > 0 else None,
            "ernst": self.severity,
            "melding": self.message,
            "hint": self.hint,
        }


class RegelsError(Exception):
    """One or more errors in the input. The CLI prints them and exits with 2."""

    def __init__(self, diagnostics: Diagnostic | Iterable[Diagnostic]):
        if isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics = list(diagnostics)
        super().__init__("\n".join(d.format() for d in self.diagnostics))


def error(pos: Pos, message: str, hint: str | None = None) -> RegelsError:
    return RegelsError(Diagnostic(pos, message, hint))


def suggest(name: str, candidates: Iterable[str]) -> str | None:
    """A 'bedoelde u ...?' hint for a misspelt name, or None."""
    close = difflib.get_close_matches(name, sorted(set(candidates)), n=3, cutoff=0.6)
    if not close:
        return None
    return "bedoelde u " + " of ".join(f"'{c}'" for c in close) + "?"


@dataclass
class Collector:
    """Collects diagnostics so one run reports every problem, not just the first."""

    items: list[Diagnostic] = field(default_factory=list)

    def error(self, pos: Pos, message: str, hint: str | None = None) -> None:
        self.items.append(Diagnostic(pos, message, hint))

    def warn(self, pos: Pos, message: str, hint: str | None = None) -> None:
        self.items.append(Diagnostic(pos, message, hint, "waarschuwing"))

    def add(self, exc: RegelsError) -> None:
        self.items.extend(exc.diagnostics)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == "fout"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == "waarschuwing"]

    def raise_if_errors(self) -> None:
        if self.errors:
            raise RegelsError(sorted(self.errors, key=_order))


def _order(d: Diagnostic):
    return (d.pos.file, d.pos.line, d.pos.column)
