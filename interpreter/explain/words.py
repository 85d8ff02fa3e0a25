"""The few words the trace records in Dutch, as an explanation in the reader's
language says them: where a fact came from ('casus', 'standaardwaarde uit Awir
art. 9', 'niet in de casus'). The trace itself (and its JSON) stays Dutch."""

from __future__ import annotations

import re

_SOURCES_EN = {
    "casus": "the case",
    "niet in de casus": "not in the case",
    "wat-als": "what-if",
}
_DEFAULT = re.compile(r"^standaardwaarde uit (?P<citation>.+)$")


def source_in(text: str | None, language: str) -> str | None:
    """A source the trace records ('casus; voorbeelden/x.yaml:10' too), in `language`.
    A source the case file itself gives ('bron:') is the case author's text and stays as written."""
    if language == "nl" or not text:
        return text
    head, sep, rest = text.partition("; ")
    if head in _SOURCES_EN:
        return _SOURCES_EN[head] + sep + rest
    match = _DEFAULT.match(head)
    if match:
        return f"default value from {match['citation']}" + sep + rest
    return text
