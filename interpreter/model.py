"""The loaded rule set: articles, their versions, parameters, inputs, relations
and rules. Built by loader.py, checked by check.py, read by evaluate.py."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from .diagnostics import Pos
from .syntax import Binary, Call, Name, Round, Van, walk
from .values import Type


def in_force(start: dt.date, end: dt.date | None, on: dt.date) -> bool:
    """`end` is exclusive: the first day on which something no longer applies."""
    return start <= on and (end is None or on < end)


@dataclass
class ArticleVersion:
    geldig_vanaf: dt.date
    geldig_tot: dt.date | None
    publicatie: str | None  # Staatsblad / Staatscourant of the text in force
    url: str | None
    leden: dict[str, str]  # lid -> text of that lid in this version
    wijziging: str | None  # what changed compared with the previous version
    interpretatie: str | None
    pos: Pos
    publicatie_en: str | None = None  # the same in English ('text as in force on ...')

    @property
    def label(self) -> str:
        end = f" tot {self.geldig_tot.isoformat()}" if self.geldig_tot else ""
        return f"geldig vanaf {self.geldig_vanaf.isoformat()}{end}"


@dataclass
class Article:
    file: str
    wet: str
    afkorting: str
    bwb: str
    artikel: str
    titel: str | None
    titel_en: str | None
    interpretatie: str | None
    interpretatie_en: str | None
    versions: list[ArticleVersion]
    parameters: dict[str, "Parameter"] = field(default_factory=dict)
    inputs: dict[str, "Input"] = field(default_factory=dict)
    relations: dict[str, "Relation"] = field(default_factory=dict)
    rules: dict[str, "Rule"] = field(default_factory=dict)
    channels: dict[str, "Channel"] = field(default_factory=dict)
    pos: Pos | None = None

    @property
    def key(self) -> tuple[str, str]:
        """How a qualified name addresses this article: awr.5a.partner."""
        return (self.afkorting.lower(), self.artikel.lower())

    @property
    def citation(self) -> str:
        return f"{self.afkorting} art. {self.artikel}"

    def version_on(self, day: dt.date) -> ArticleVersion | None:
        for version in self.versions:
            if in_force(version.geldig_vanaf, version.geldig_tot, day):
                return version
        return None


@dataclass
class ParamValue:
    vanaf: dt.date
    value: Any
    raw: str  # the value as written in the file
    bron: str | None
    interpretatie: str | None
    andere_bronnen: list[dict]  # disagreeing sources: {waarde, bron}
    pos: Pos
    onbevestigd: str | None = None  # why this value could not be verified, if so
    bron_en: str | None = None  # the source in English, where it says more than a citation
    onbevestigd_en: str | None = None


@dataclass
class Parameter:
    name: str
    article: Article
    type: Type
    omschrijving: str | None
    eenheid: str | None
    lid: str | None
    values: list[ParamValue]
    pos: Pos
    key_type: Type | None = None  # a table: one value per key (e.g. per country), looked up as naam(sleutel)
    omschrijving_en: str | None = None
    # when the law renumbers its leden, the lid per date it applies from (sorted);
    # empty: 'lid' holds for all time. With a mapping, 'lid' is the newest one.
    lid_changes: list[tuple[dt.date, str]] = field(default_factory=list)

    def value_on(self, day: dt.date) -> ParamValue | None:
        found = None
        for entry in self.values:  # sorted by vanaf
            if entry.vanaf <= day:
                found = entry
        return found

    def lid_on(self, day: dt.date | None) -> str | None:
        """The lid the parameter rests on, on that day (no day: the newest)."""
        if not self.lid_changes or day is None:
            return self.lid
        found = None
        for start, lid in self.lid_changes:
            if start <= day:
                found = lid
        return found if found is not None else self.lid_changes[0][1]

    def citation_on(self, day: dt.date | None) -> str:
        """'WKB art. 2 lid 11': the article and the lid on that day."""
        lid = self.lid_on(day)
        return self.article.citation + (f" lid {lid}" if lid else "")

    @property
    def all_lids(self) -> list[str]:
        """Every lid the parameter rests on over time, oldest first, once each."""
        if not self.lid_changes:
            return [self.lid] if self.lid else []
        return list(dict.fromkeys(lid for _, lid in self.lid_changes))


@dataclass
class Input:
    """A fact the case supplies: global (aanvrager) or of a person (geboortedatum)."""

    name: str
    article: Article
    type: Type
    of_person: bool
    time_varying: bool
    omschrijving: str | None
    default: Any
    has_default: bool
    pos: Pos
    omschrijving_en: str | None = None


@dataclass
class Relation:
    """A relation between two persons that holds over a period (huwelijk, ouder van)."""

    name: str
    article: Article
    roles: tuple[str, str]
    symmetric: bool
    omschrijving: str | None
    pos: Pos
    omschrijving_en: str | None = None


@dataclass
class Channel:
    """A way facts reach the administration (a register, a report by the
    parent, a notice): which facts it carries, whether it only carries facts
    about persons for whom a rule holds (UB Awir art. 1b: under their BSN), and
    when it holds a fact if the case does not say."""

    name: str
    article: Article
    naam: str  # what a reader calls it: 'Basisregistratie Personen (BRP)'
    lid: str | None
    omschrijving: str | None
    condition: str | None  # name of a rule (voor p, per maand, waar/onwaar), or None: no condition
    default: str  # 'bij_ontstaan' (the channel holds a fact from when it is true) or 'nooit'
    facts: frozenset[str] | None  # names of inputs and relations; None: every fact ('alle')
    explicit: frozenset[str]  # the names listed (for 'alle' too, if any)
    pos: Pos
    condition_pos: Pos | None = None
    fact_pos: dict = field(default_factory=dict)  # name listed under 'gegevens' -> where
    omschrijving_en: str | None = None
    naam_en: str | None = None  # 'the Personal Records Database (BRP)'

    def carries(self, name: str) -> bool:
        return self.facts is None or name in self.facts

    @property
    def citation(self) -> str:
        return f"{self.article.afkorting} art. {self.article.artikel}" + (f" lid {self.lid}" if self.lid else "")


@dataclass
class RuleVersion:
    geldig_vanaf: dt.date
    geldig_tot: dt.date | None
    formula_text: str
    formula: Any  # syntax.Node
    condition_text: str | None
    condition: Any  # syntax.Node for 'indien' (exceptions), or None
    lid: str | None
    pos: Pos


PLACEHOLDER = re.compile(r"\{([^{}]*)\}")  # {waarde}, {persoon}, {jaar}, {naam} in a sentence
OWN_PLACEHOLDERS = ("waarde", "persoon", "jaar")


def additive_terms(node) -> list[tuple[str, Any]]:
    """The terms of a sum, with their sign, under a floor, ceiling or rounding:
    `(a + b - c) minimaal € 0` -> [('+', a), ('+', b), ('-', c)]. What 'opbouw: ja'
    shows a reader as the lines of a calculation."""
    while isinstance(node, Round) or (isinstance(node, Binary) and node.op in ("minimaal", "maximaal")):
        node = node.operand if isinstance(node, Round) else node.left
    if isinstance(node, Binary) and node.op in ("plus", "min"):
        right = [("-" if node.op == "min" and sign == "+" else "+" if node.op == "min" else sign, term)
                 for sign, term in additive_terms_plain(node.right)]
        return additive_terms(node.left) + right
    return [("+", node)]


def additive_terms_plain(node) -> list[tuple[str, Any]]:
    """The right operand of a plus or min: a term, or a parenthesised sum."""
    if isinstance(node, Binary) and node.op in ("plus", "min"):
        return additive_terms(node)
    return [("+", node)]


SENTENCE_KEYS = ("waar", "onwaar", "nul", "anders")  # which value a sentence is for; 'anders': any other


@dataclass
class Sentences:
    """What a rule says to a reader, per language ('nl', 'en'): `zin` the sentence that
    states its value as a reason, `post` its label as a line of a calculation. Each is a
    map from SENTENCE_KEYS to a list of templates (the first whose names the trace of
    the step holds is used; an empty one says nothing). In a template {waarde} is the rule's value, {persoon} the
    person it is for, {jaar} the berekeningsjaar, and {naam} the value of another rule
    or a parameter; the checker fills `refs` (name in braces -> Rule or Parameter)."""

    texts: dict  # language -> 'zin' | 'post' -> key -> [template, ...]
    pos: Pos
    refs: dict = field(default_factory=dict)

    def templates(self, language: str, part: str, key: str) -> list[str]:
        """The templates for a value (`key`: see SENTENCE_KEYS) in a language; English
        falls back to Dutch, as a missing omschrijving_en does."""
        for lang in (language, "nl"):
            by_key = self.texts.get(lang, {}).get(part)
            if by_key:
                return by_key[key] if key in by_key else by_key.get("anders", [])
        return []


@dataclass
class Rule:
    name: str
    article: Article
    type: Type
    per: str  # "jaar" | "maand"
    voor: str | None  # name of the person this rule is computed for, or None
    lid: str | None
    omschrijving: str | None
    tekst: str | None
    interpretatie: str | None
    uitkomst: bool
    exception_of: str | None  # name of the rule this one is an exception to
    exception_pos: Pos | None
    versions: list[RuleVersion]
    pos: Pos
    timeline: str | None = None  # 'ja' (a date on the timeline) or the name of the date it falls on
    sentences: Sentences | None = None  # 'zinnen': the rule in the reader's words
    breakdown: bool = False  # 'opbouw: ja': the terms of its formula are the calculation a reader is shown
    omschrijving_en: str | None = None
    # Filled in by the checker:
    target: "Rule | None" = None
    exceptions: list["Rule"] = field(default_factory=list)

    def version_on(self, day: dt.date) -> RuleVersion | None:
        for version in self.versions:
            if in_force(version.geldig_vanaf, version.geldig_tot, day):
                return version
        return None

    @property
    def root(self) -> "Rule":
        """The rule whose value an exception (or exception to it) determines."""
        rule = self
        while rule.target is not None:
            rule = rule.target
        return rule

    def dependencies(self) -> list:
        """The rules, parameters, inputs and relations this rule's formulas and
        conditions refer to, in all versions."""
        found: dict[int, object] = {}
        for version in self.versions:
            for tree in (version.formula, version.condition):
                if tree is None:
                    continue
                for node in walk(tree):
                    ref = getattr(node, "ref", None)
                    if isinstance(node, (Name, Call)) and ref is not None and not isinstance(ref, (tuple, str)):
                        found[id(ref)] = ref
                    if isinstance(node, Van) and node.kind == "kenmerk":
                        found[id(node.left.ref)] = node.left.ref
        return list(found.values())


@dataclass
class RuleSet:
    directory: str
    name: str
    release: str
    content_hash: str
    articles: list[Article]
    # every definition by name; a name may be defined in several articles
    definitions: dict[str, list[Any]] = field(default_factory=dict)
    warnings: list = field(default_factory=list)
    variants: list = field(default_factory=list)  # policy variants loaded on top of the law

    @property
    def version(self) -> dict:
        return {"release": self.release, "hash": self.content_hash}

    @property
    def version_label(self) -> str:
        return f"{self.release} ({self.content_hash[:19]})"

    def rules(self):
        for article in self.articles:
            yield from article.rules.values()

    def parameters(self):
        for article in self.articles:
            yield from article.parameters.values()

    def inputs(self):
        for article in self.articles:
            yield from article.inputs.values()

    def relations(self):
        for article in self.articles:
            yield from article.relations.values()

    def channels(self):
        for article in self.articles:
            yield from article.channels.values()

    def channel(self, name: str) -> "Channel | None":
        for channel in self.channels():
            if channel.name == name:
                return channel
        return None

    def channels_for(self, fact_name: str) -> list["Channel"]:
        """The channels through which a fact (an input of a person, or a relation) reaches the administration."""
        cache = self.__dict__.setdefault("_channels_for", {})
        if fact_name not in cache:
            cache[fact_name] = [c for c in self.channels() if c.carries(fact_name)]
        return cache[fact_name]

    def rule(self, name: str) -> Rule | None:
        for item in self.definitions.get(name, []):
            if isinstance(item, Rule):
                return item
        return None

    def input(self, name: str) -> Input | None:
        for item in self.definitions.get(name, []):
            if isinstance(item, Input):
                return item
        return None

    def relation(self, name: str) -> Relation | None:
        for item in self.definitions.get(name, []):
            if isinstance(item, Relation):
                return item
        return None


def description_in(item, lang: str, key: str = "omschrijving") -> str | None:
    """The description of a rule, input, relation, parameter or channel in a language:
    'omschrijving' is Dutch, 'omschrijving_en' English; where the English is missing the
    Dutch stands (`regels check` warns about it). `key` names another text that has an
    English twin the same way: 'publicatie' of an article version, 'bron' and
    'onbevestigd' of a parameter value, 'omschrijving' and 'title' of a case."""
    if lang == "en":
        english = getattr(item, f"{key}_en", None)
        if english:
            return english
    return getattr(item, key, None)
