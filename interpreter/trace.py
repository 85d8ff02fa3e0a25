"""The trace as data: one step per evaluated rule (for a person, for a month),
with its value and everything the value rests on, as the evaluator recorded
it: the rule and article versions, the exceptions that applied, the parameter
values and facts read, the steps read, the choices made on the way (the branch
an `als` took, the person or month that made a quantifier true or false), and
which facts had come through which channel in a `zoals bekend op`. The
explanations (explain/, timeline.py) read this and nothing else; to_json is
what `regels bereken --json` writes of it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from . import values as v
from .formula_text import render
from .model import Rule
from .syntax import Binary, If


def citation(item, lid: str | None = None) -> str:
    """'WKB art. 2 lid 6' for a rule, parameter, input, channel or article: the one
    way the trace and the explanations cite the law."""
    article = getattr(item, "article", item)
    text = f"{article.afkorting} art. {article.artikel}"
    if lid:
        text += f" lid {lid}"
    return text


def rule_citation(rule: Rule, day: dt.date) -> str:
    """A rule's citation with the lid of the version in force on `day`."""
    version = rule.version_on(day)
    return citation(rule, (version.lid if version and version.lid else None) or rule.lid)


# A choice is recorded as a tuple, so that recording costs one append:
#   (node, the variables bound then (a dict, not copied: the evaluator never changes one), value, detail)
# node            value                         detail
# If              the condition's value         None
# Binary en/of    the left operand's value      the value of the whole
# er is een       the quantifier's value        if true, the first item for which the condition held;
#                                               if false, the items it went over (the list it was given)
# voor alle       the quantifier's value        if false, the first item for which it did not hold;
#                                               if true, the items it went over (the list it was given)
# aantal / som    the quantifier's value        the items for which the condition held (a list)
NODE, BOUND, VALUE, DETAIL = range(4)


@dataclass
class KnownFact:
    """How one fact of the case stood with the administration on a day (`zoals bekend op`):
    known through which channel since when, or not yet (and, if so, when and through which
    channel it became known later)."""

    what: str  # 'gehuwd(amal; karim)', 'inkomen van amal'
    known: bool
    day: dt.date | None  # since when it was known, or when it became known later (None: not by `until`)
    channel: Any = None  # model.Channel, or None: the case's own 'bekend_vanaf', or no channels at all

    def to_json(self) -> dict:
        return {"gegeven": self.what, "bekend": self.known,
                "sinds" if self.known else "later_bekend": self.day.isoformat() if self.day else None,
                "kanaal": self.channel.naam if self.channel is not None else None,
                "bron": self.channel.citation if self.channel is not None else "casus"}


@dataclass
class LearnedFact:
    """When the administration learned a fact of the case, for the timeline."""

    what: str
    citation: str  # of the relation's article; '' for a fact of a person
    relation: bool
    stated: bool  # the case says how it became known ('bekend', 'bekend_vanaf', 'bekend_via')
    since: dt.date  # looked for from this day
    found: tuple | None  # (day, model.Channel or None), or None: not known by the end of the timeline


@dataclass
class TimelineTrace:
    """What the evaluator gives the timeline (timeline.py): the rules on it with their
    value and their date, the rules left off because the case lacks a fact they need
    (rule name -> that fact), when each fact became known, the outcomes on the true
    facts, and the last day looked at."""

    dated: list  # (Rule, value, day)
    skipped: dict
    learned: list  # LearnedFact
    truths: list  # (Rule, value)
    until: dt.date


@dataclass
class Step:
    """One evaluated rule: its value and everything the value rests on."""

    id: str
    rule: Rule
    person: str | None
    month: v.Month | None
    day: dt.date
    version: Any  # RuleVersion
    article_version: Any  # ArticleVersion or None
    value: Any = None
    exceptions: list = field(default_factory=list)  # Rules whose exception applied, outermost first
    parameters: list = field(default_factory=list)  # (Parameter, ParamValue, key of a table or None)
    inputs: list = field(default_factory=list)  # dicts, see Evaluation._record_input
    deps: list = field(default_factory=list)  # step ids
    choices: list = field(default_factory=list)  # tuples, see NODE ... DETAIL above
    channels: Any = ()  # (day of 'zoals bekend op', [KnownFact]) per day; a list once there is one
    # the deps read for this step's own month (rather than a fixed month, as inside
    # 'over m in maanden'), and those read for a fixed month: see Evaluation._clone
    rel_deps: set = field(default_factory=set, repr=False)
    fixed_deps: set = field(default_factory=set, repr=False)
    clone_plan: Any = field(default=None, repr=False)  # see Evaluation._clonable

    @property
    def effective(self):
        """The rule (or exception) whose formula produced the value."""
        return self.exceptions[-1] if self.exceptions else self.rule

    @property
    def effective_version(self):
        effective = self.effective
        return self.version if effective is self.rule else effective.version_on(self.day)

    @property
    def lid(self) -> str | None:
        rule = self.effective
        version = rule.version_on(self.day)
        return (version.lid if version and version.lid else None) or rule.lid

    def to_json(self) -> dict:
        rule = self.rule
        effective = self.effective
        head, type_name = self._static_json(effective, self.effective_version)
        data = {
            "id": self.id,
            **head,
            "persoon": self.person,
            "maand": self.month.key() if self.month else None,
            "type": type_name,
            "waarde": v.to_json(self.value, rule.type),
            **({"exact": v.exact_string(self.value)}
               if rule.type.name in ("bedrag", "getal") and not v.is_whole_cents(self.value) else {}),
            "uitzonderingen": [{
                "regel": e.name,
                "bron": citation(e, (e.version_on(self.day).lid if e.version_on(self.day) else None) or e.lid),
                "indien": " ".join((e.version_on(self.day).condition_text or "").split()),
            } for e in self.exceptions],
            "parameters": [{
                "naam": p.name,
                **({"sleutel": key} if key is not None else {}),
                "waarde": v.to_json(pv.value[key] if key is not None else pv.value, p.type),
                "geldig_vanaf": pv.vanaf.isoformat(),
                "bron": pv.bron,
                "artikel": citation(p.article, p.lid_on(self.day)),
                "bestand": f"{pv.pos.file}:{pv.pos.line}",
            } for p, pv, key in self.parameters],
            "invoer": [dict(i, waarde=v.to_json(i["waarde"], i["type"]), type=str(i["type"]))
                       for i in self.inputs],
            "afhankelijk_van": list(self.deps),
        }
        choices = self.choices_json()
        if choices:  # only where there are any, so that other steps read as before
            data["keuzes"] = choices
        if self.channels:
            data["kanalen"] = [{"bekend_op": day.isoformat(), "gegevens": [f.to_json() for f in facts]}
                               for day, facts in self.channels]
        return data

    def choices_json(self) -> list[dict]:
        """The branches taken and the quantifiers' witnesses, each once (the evaluation of
        'en' and 'of' is kept in memory for the explanations, not written)."""
        found, seen = [], set()
        voor = self.rule.voor
        for choice in self.choices:
            node, bound, value, detail = choice
            if isinstance(node, Binary):
                continue
            bound = {name: item for name, item in bound.items() if name != voor}
            try:
                key = (id(node), tuple(bound.items()))
                if key in seen:
                    continue
                seen.add(key)
            except TypeError:  # a bound value that cannot be hashed: written as it is
                pass
            entry = {"soort": "als" if isinstance(node, If) else node.kind}
            if isinstance(node, If):
                entry["voorwaarde"] = render(node.cond)
                entry["waarde"] = bool(value)
                entry["tak"] = "dan" if value else "anders"
            else:
                entry["formule"] = render(node)
                entry["waarde"] = v.to_json(value, node.type)
                if node.kind in ("aantal", "som"):
                    entry["elementen"] = [bound_json(item) for item in detail]
                elif bool(value) != (node.kind == "er_is_een"):  # none made 'er is een' true, all 'voor alle'
                    entry["over"] = [bound_json(item) for item in detail]
                else:
                    entry["getuige" if node.kind == "er_is_een" else "tegenvoorbeeld"] = bound_json(detail)
            if bound:
                entry["bij"] = {name: bound_json(item) for name, item in bound.items()}
            found.append(entry)
        return found

    def _static_json(self, effective, effective_version) -> tuple[dict, str]:
        """The part of to_json that is the same for every step of this rule with the same
        versions (what the rule, its article and its formula say): made once per rule set,
        so that a trace of many persons and months does not rebuild it per step. The
        nested 'artikelversie' and 'regelversie' are shared by those steps."""
        rule, av = self.rule, self.article_version
        # the rule set owns the rules and versions, so their ids stay valid while it is in use
        cache = rule.__dict__.setdefault("_trace_json", {})
        key = (id(effective), id(effective_version), id(av))
        found = cache.get(key)
        if found is None:
            article = rule.article
            lid = (effective_version.lid if effective_version and effective_version.lid else None) or effective.lid
            found = cache[key] = ({
                "regel": rule.name,
                "omschrijving": rule.omschrijving,
                "wet": article.wet,
                "bwb": article.bwb,
                "artikel": article.artikel,
                "lid": lid,
                "bron": citation(effective, lid),
                "artikelversie": None if av is None else {
                    "geldig_vanaf": av.geldig_vanaf.isoformat(),
                    "geldig_tot": av.geldig_tot.isoformat() if av.geldig_tot else None,
                    "publicatie": av.publicatie,
                    "url": av.url,
                },
                "regelversie": {
                    "geldig_vanaf": effective_version.geldig_vanaf.isoformat(),
                    "geldig_tot": effective_version.geldig_tot.isoformat() if effective_version.geldig_tot else None,
                },
                "bestand": f"{effective_version.pos.file}:{effective_version.pos.line}",
                "formule": " ".join(effective_version.formula_text.split()),
            }, str(rule.type))
        return found


def bound_json(item):
    """A person or month a quantifier went over, as JSON."""
    if isinstance(item, v.Month):
        return item.key()
    if isinstance(item, dt.date):
        return item.isoformat()
    if isinstance(item, (str, bool, int)):
        return item
    return str(item)


def format_item(item, language: str = "nl") -> str:
    """A person or month a quantifier went over, as a reader reads it."""
    if isinstance(item, v.Month):
        return v.format_months([item], language)
    return str(item)
