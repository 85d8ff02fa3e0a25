"""The few words the trace records in Dutch, as an explanation in the reader's
language says them: where a fact came from ('casus', 'standaardwaarde uit Awir
art. 9', what the administration knew on a day). The trace itself (and its
JSON) stays Dutch; these are its fixed phrases, made in evaluate.py."""

from __future__ import annotations

import re

from .. import values as v
from ..model import description_in

_FIXED_EN = {
    "casus": "the case",
    "niet in de casus": "not in the case",
    "wat-als": "what-if",
    "de gegevens zoals de uitvoerder ze op die dag kende": "the facts as the administration knew them on that day",
    "dezelfde regels": "the same rules",
}
_DEFAULT = re.compile(r"^standaardwaarde uit (?P<citation>.+)$")
_COMPUTED = re.compile(r"^berekend met (?P<what>.+), met deze waarden$")
_NOT_YET = "toen nog niet bekend: "
_NEVER = re.compile(r"^(?P<what>.+), ook later niet \(tot (?P<until>[\d-]+)\)$")
_LATER = re.compile(r"^(?P<what>.+), bekend (?:via (?P<channel>.+)|volgens de casus) op (?P<day>[\d-]+)$")
_AS_KNOWN = re.compile(r"^zoals bekend op (?P<day>[\d-]+)$")
_WITH = re.compile(r"^waarbij \((?P<given>.*)\)$")


def source_in(text: str | None, language: str, rule_set=None, case=None) -> str | None:
    """A source the trace records ('casus; voorbeelden/x.yaml:10' too), in `language`.
    `rule_set` names the channels in English; a source the case file gives ('bron:')
    is said as its 'bron_en' in `case`, or else as written."""
    if language == "nl" or not text:
        return text
    english = case_sources(case)
    if text.partition("; ")[0] in english:
        head, sep, rest = text.partition("; ")
        return english[head] + sep + rest
    parts, out = text.split("; "), []
    index = 0
    while index < len(parts):
        part = parts[index]
        if part.startswith(_NOT_YET):
            part = part[len(_NOT_YET):]
            out.append("not yet known then: " + _relation_known(part, rule_set))
        elif _NEVER.match(part) or _LATER.match(part):
            out.append(_relation_known(part, rule_set))
        else:
            out.append(_phrase(part))
        index += 1
    return "; ".join(out)


def case_sources(case) -> dict:
    """The sources a case file gives its facts and relations, Dutch -> English."""
    if case is None:
        return {}
    found = {}
    timelines = list(case.facts.values()) + [t for p in case.persons.values() for t in p.facts.values()]
    facts = [f for t in timelines for f in t.entries] + [f for fs in case.relations.values() for f in fs]
    for fact in facts:
        if fact.bron and getattr(fact, "bron_en", None):
            found[fact.bron] = fact.bron_en
    return found


def fact_name_in(name: str, language: str) -> str:
    """The name the trace gives a computed fact ('zoals bekend op 2015-12-01'), in `language`."""
    if language == "nl":
        return name
    if match := _AS_KNOWN.match(name):
        return f"as known on {match['day']}"
    if match := _WITH.match(name):
        given = "; ".join(_given_in_english(part) for part in match["given"].split("; "))
        return f"with ({given})"
    return name


def _given_in_english(part: str) -> str:
    """'datum = 1 mei 2019' (a value the trace wrote the Dutch way) -> 'datum = 1 May 2019'."""
    name, sep, text = part.partition(" = ")
    if not sep:
        return part
    readers = ((v.parse_amount_nl, v.format_amount), (v.parse_percent_nl, v.format_percent),
               (v.parse_date_nl, v.format_date), (v.parse_number_nl, v.format_number))
    for read, write in readers:
        try:
            return f"{name} = {write(read(text), 'en')}"
        except (ValueError, IndexError):
            continue
    return f"{name} = " + {"waar": "true", "onwaar": "false"}.get(text, text)


def _phrase(part: str) -> str:
    if part in _FIXED_EN:
        return _FIXED_EN[part]
    if match := _DEFAULT.match(part):
        return f"default value from {match['citation']}"
    if match := _COMPUTED.match(part):
        return f"computed with {_FIXED_EN.get(match['what'], match['what'])}, with these values"
    return part


def _relation_known(part: str, rule_set) -> str:
    if match := _NEVER.match(part):
        return f"{match['what']}, not later either (until {match['until']})"
    if match := _LATER.match(part):
        if match["channel"] is None:
            return f"{match['what']}, known according to the case on {match['day']}"
        return f"{match['what']}, known through {_channel_name(match['channel'], rule_set)} on {match['day']}"
    return part


def _channel_name(naam: str, rule_set) -> str:
    for channel in (rule_set.channels() if rule_set is not None else ()):
        if channel.naam == naam:
            return description_in(channel, "en", "naam")
    return naam
